//! What tests start from: organizations, teams, projects, datasets and items made through
//! the API (one call each), and `DefaultOrg`, an organization with one signed-in user per
//! DEFAULT role, so that a test reads like the rule it checks (`t.worker`, `t.outsider`).

use crate::helpers::{Client, TestApp};
use crate::ops;
use futures_util::future::join_all;
use serde_json::{Value, json};

/// An organization (not personal) with one team, `Core`, and the team's `First Workspace`.
pub struct Org {
    pub id: String,
    pub slug: String,
    pub team: String,
    pub workspace: String,
}

/// `createOrganization` with `slug`, then its team `Core` (whose creator becomes its admin).
pub async fn create_org(owner: &Client, slug: &str) -> Org {
    let d = owner.ok(ops::CREATE_ORGANIZATION, json!({ "s": slug })).await;
    let id = d["createOrganization"]["organization"]["id"].as_str().expect("org id").to_string();
    let (team, workspace) = create_team(owner, &id, "Core").await;
    Org { id, slug: slug.into(), team, workspace }
}

/// `createTeam`; returns the team and its `First Workspace`.
pub async fn create_team(by: &Client, org: &str, name: &str) -> (String, String) {
    let d = by.ok(ops::CREATE_TEAM, json!({ "o": org, "n": name })).await;
    let team = &d["createTeam"]["team"];
    (
        team["id"].as_str().expect("team").to_string(),
        team["workspaces"]["nodes"][0]["id"].as_str().expect("first workspace").to_string(),
    )
}

pub async fn create_workspace(by: &Client, team: &str, name: &str) -> String {
    let d = by.ok(ops::CREATE_WORKSPACE, json!({ "t": team, "n": name })).await;
    d["createWorkspace"]["workspace"]["id"].as_str().expect("workspace").to_string()
}

/// `addMember`; returns the membership id.
pub async fn add_member(by: &Client, scope: &str, user: &Client, role: &str) -> String {
    let d = by.ok(ops::ADD_MEMBER, json!({ "s": scope, "u": user.id, "r": role })).await;
    d["addMember"]["membership"]["id"].as_str().expect("membership").to_string()
}

/// `createRole` by `owner` in `org`: a custom role `key` (named after it) at `scope`
/// (`ORGANIZATION`, `TEAM` or `PROJECT`) granting `permissions`.
pub async fn create_role(owner: &Client, org: &str, key: &str, scope: &str, permissions: &[&str]) {
    let create = format!(
        "mutation($o: ID!, $k: String!, $p: [String!]!) {{ createRole(input: {{ organizationId: $o, key: $k, name: $k,
        scopeKind: {scope}, permissions: $p }}) {{ role {{ key }} }} }}"
    );
    owner.ok(&create, json!({ "o": org, "k": key, "p": permissions })).await;
}

/// The id of `user`'s membership at `scope` (an organization, team or project), as `by`
/// sees the scope's members.
pub async fn membership_id(by: &Client, scope: &str, user: &Client) -> String {
    let d = by
        .ok(
            "query($s: ID!) { node(id: $s) {
               ... on Organization { members(first: 40) { nodes { id user { id } } } }
               ... on Team { members(first: 40) { nodes { id user { id } } } }
               ... on Project { members(first: 40) { nodes { id user { id } } } } } }",
            json!({ "s": scope }),
        )
        .await;
    let members =
        d["node"]["members"]["nodes"].as_array().unwrap_or_else(|| panic!("{} sees no members of {scope}: {d}", by.sub));
    let m = members.iter().find(|m| m["user"]["id"] == user.id.as_str());
    m.unwrap_or_else(|| panic!("{} is no member of {scope}", user.sub))["id"].as_str().expect("membership id").to_string()
}

/// The id of `c`'s personal team (made when they first signed in).
pub async fn personal_team(c: &Client) -> String {
    let d = c.ok("{ viewer { teams(first: 5) { nodes { id organization { personal } } } } }", json!({})).await;
    let teams = d["viewer"]["teams"]["nodes"].as_array().expect("teams").clone();
    teams.iter().find(|t| t["organization"]["personal"] == true).expect("personal team")["id"].as_str().expect("id").into()
}

/// The id of `c`'s personal organization.
pub async fn personal_org(c: &Client) -> String {
    let d = c.ok("{ viewer { organizations(first: 5) { nodes { id personal } } } }", json!({})).await;
    let orgs = d["viewer"]["organizations"]["nodes"].as_array().expect("orgs").clone();
    orgs.iter().find(|o| o["personal"] == true).expect("personal org")["id"].as_str().expect("id").into()
}

pub async fn create_project(by: &Client, workspace: &str, name: &str) -> String {
    let d = by.ok(ops::CREATE_PROJECT, json!({ "w": workspace, "n": name })).await;
    d["createProject"]["project"]["id"].as_str().expect("project").to_string()
}

pub async fn create_dataset(by: &Client, project: &str, parent: Option<&str>, name: &str) -> String {
    let d = by.ok(ops::CREATE_DATASET, json!({ "p": project, "parent": parent, "n": name })).await;
    d["createDataset"]["dataset"]["id"].as_str().expect("dataset").to_string()
}

/// `addItems` of PNG images given as (name, size in bytes); returns the item ids.
pub async fn add_items(by: &Client, dataset: &str, items: &[(&str, u64)]) -> Vec<String> {
    let items: Vec<Value> = items.iter().map(|(n, s)| json!({ "name": n, "sizeBytes": s, "contentType": "image/png" })).collect();
    let d = by.ok(ops::ADD_ITEMS, json!({ "d": dataset, "items": items })).await;
    d["addItems"]["items"].as_array().expect("items").iter().map(|i| i["id"].as_str().expect("id").to_string()).collect()
}

/// The organization `acme` of RULES.md §5 with one user per DEFAULT role, each signed in
/// as the field's name (`worker`, e-mail `worker@example.com`):
/// - organization roles: `owner`, `maintainer`, `supervisor`, `worker`;
/// - roles in the team `Core`: `team_admin`, `developer`, `manager`, `annotator`,
///   `viewer`, each also an organization `worker` (the owner, who created `Core`, is its
///   first explicit admin);
/// - `outsider`: signed in, member of nothing but their own personal organization.
///
/// `Core` holds `First Workspace` and the owner's project `Cars` (no datasets). Members
/// are added in the order above, so member lists have a fixed order.
pub struct DefaultOrg {
    /// The organization's id.
    pub org: String,
    pub slug: String,
    pub team: String,
    pub workspace: String,
    pub project: String,
    pub owner: Client,
    pub maintainer: Client,
    pub supervisor: Client,
    pub worker: Client,
    pub team_admin: Client,
    pub developer: Client,
    pub manager: Client,
    pub annotator: Client,
    pub viewer: Client,
    pub outsider: Client,
}

impl DefaultOrg {
    /// Built in four round trips after the users sign in (in parallel): the organization,
    /// its team, then one mutation document adding the project and every membership.
    pub async fn new(app: &TestApp) -> DefaultOrg {
        let subs = [
            "owner",
            "maintainer",
            "supervisor",
            "worker",
            "team_admin",
            "developer",
            "manager",
            "annotator",
            "viewer",
            "outsider",
        ];
        let mut users = join_all(subs.map(|sub| app.user(sub))).await.into_iter();
        let mut next = || users.next().expect("one user per role");
        let (owner, maintainer, supervisor, worker) = (next(), next(), next(), next());
        let (team_admin, developer, manager, annotator, viewer, outsider) = (next(), next(), next(), next(), next(), next());
        let org = create_org(&owner, "acme").await;

        let org_roles = [
            (&maintainer, "maintainer"),
            (&supervisor, "supervisor"),
            (&worker, "worker"),
            (&team_admin, "worker"),
            (&developer, "worker"),
            (&manager, "worker"),
            (&annotator, "worker"),
            (&viewer, "worker"),
        ];
        let team_roles = [
            (&team_admin, "admin"),
            (&developer, "developer"),
            (&manager, "manager"),
            (&annotator, "annotator"),
            (&viewer, "viewer"),
        ];
        // Root mutation fields run one after another, in document order.
        let mut doc = format!(
            "mutation {{ project: createProject(input: {{ workspaceId: \"{}\", name: \"Cars\" }}) {{ project {{ id }} }}\n",
            org.workspace
        );
        let memberships = org_roles.iter().map(|(u, r)| (&org.id, u, r)).chain(team_roles.iter().map(|(u, r)| (&org.team, u, r)));
        for (i, (scope, user, role)) in memberships.enumerate() {
            doc += &format!(
                "m{i}: addMember(input: {{ scopeId: \"{scope}\", userId: \"{}\", role: \"{role}\" }}) {{ membership {{ id }} }}\n",
                user.id
            );
        }
        doc += "}";
        let d = owner.ok(&doc, json!({})).await;
        let project = d["project"]["project"]["id"].as_str().expect("project").to_string();
        DefaultOrg {
            org: org.id,
            slug: org.slug,
            team: org.team,
            workspace: org.workspace,
            project,
            owner,
            maintainer,
            supervisor,
            worker,
            team_admin,
            developer,
            manager,
            annotator,
            viewer,
            outsider,
        }
    }

    /// The organization's ids as an `Org`, for helpers written against one.
    pub fn as_org(&self) -> Org {
        Org { id: self.org.clone(), slug: self.slug.clone(), team: self.team.clone(), workspace: self.workspace.clone() }
    }

    /// The holders of the five team roles of `Core` (each also an organization worker).
    pub fn team_role_holders(&self) -> [&Client; 5] {
        [&self.team_admin, &self.developer, &self.manager, &self.annotator, &self.viewer]
    }
}
