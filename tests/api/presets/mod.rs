//! Role presets (issue 5, item 5): one table per preset, one row per statement of the
//! preset's seed. The runner starts ONE server per preset and database, and gives every
//! row (a few run at a time) a fresh organization (`createOrganization(rolePreset:)`) with a team "Core", its
//! First Workspace, a project "P" with datasets "D" and "D2" (all by the owner), a
//! second workspace "W2" with project "Q", then adds the row's actor with its roles
//! (`addMember` by the owner), performs the action and checks the outcome. A refused
//! action must answer the row's exact code and change nothing: the owner's view of the
//! organization, its teams, the project, the actor's API tokens and the other user's
//! permissions (capability grants) is compared before and after. Every failing row is reported with its seed statement.

mod actions;
mod cvat;
mod labelbox;
mod superannotate;
mod supervisely;

use crate::helpers::*;
use crate::ops::{ADD_MEMBER, CREATE_DATASET, CREATE_ORGANIZATION, CREATE_PROJECT, CREATE_TEAM, CREATE_WORKSPACE, LEAVE};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

pub const FORBIDDEN: &str = "FORBIDDEN";
pub const NOT_FOUND: &str = "NOT_FOUND";
pub const FAILED_PRECONDITION: &str = "FAILED_PRECONDITION";

/// One seed statement as a check.
pub struct Row {
    /// The seed's statement (quoted or paraphrased).
    pub seed: &'static str,
    /// Role path of the actor: `org:<role>` then optionally `team:<role>` and
    /// `project:<role>` (on the fixture's team "Core" and project "P"). `org:owner` is
    /// the organization's creator itself.
    pub actor: &'static str,
    pub action: Action,
    pub target: Target,
    pub expect: Expect,
}

#[derive(Clone, Copy, Debug)]
pub enum Action {
    RenameOrg,
    DeleteOrg,
    /// `inviteMember` at the target scope with this role, of a user who is already an
    /// organization member (for an organization scope: of a stranger).
    Invite(&'static str),
    /// `inviteMember` of an e-mail that is not an organization member.
    InviteStranger(&'static str),
    /// `addMember` of an organization member (for an organization scope: any user).
    AddMember(&'static str),
    /// `changeMemberRole` of the target membership.
    ChangeRole(&'static str),
    /// `removeMember` of the target membership.
    Remove,
    /// `leaveScope` of the target scope by the actor.
    Leave,
    CreateTeam,
    RenameTeam,
    DeleteTeam,
    CreateWorkspace,
    CreateProject,
    RenameProject,
    DeleteProject,
    CreateDataset,
    DeleteDataset,
    /// `moveDataset` of the target dataset under "D2".
    MoveDataset,
    /// `createApiToken` restricted to the organization (an SDK token).
    SdkToken,
    /// `grantCapability` of the key to the target member.
    GrantCapability(&'static str),
    /// `node(id:)` of the target: the object (allowed) or null (`NOT_FOUND`).
    See,
    /// `viewerCan(key)` on the target: true (allowed), false (`FORBIDDEN`), or the
    /// object is invisible (`NOT_FOUND`).
    Can(&'static str),
    /// `viewerCan(key)` on the target is false; then the owner grants the key to the
    /// actor with `grantCapability`; then `viewerCan` must be true (allowed) or the grant
    /// must be refused with the code and `viewerCan` stay false.
    CanAfterGrant(&'static str),
}

#[derive(Clone, Copy, Debug)]
pub enum Target {
    Org,
    /// The team "Core" (the owner is one of its explicit admins).
    Team,
    /// A team whose only explicit admin is the actor.
    SoleAdminTeam,
    /// The First Workspace of "Core" (a workspace is not a membership scope).
    Workspace,
    /// Project "P", created by the owner.
    Project,
    /// Project "Q" in the second workspace "W2", created by the owner.
    OtherWorkspaceProject,
    /// A project the actor created (in the First Workspace).
    OwnProject,
    /// Dataset "D" of "P", created by the owner.
    Dataset,
    /// A dataset of "P" the actor created.
    OwnDataset,
    /// The membership (at the deepest scope of the path) of another user with these roles.
    Member(&'static str),
    /// The explicit admin membership of another user who is the only admin of a team.
    SoleAdmin,
    /// The actor's own membership at the deepest scope of its path.
    Actor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Allowed,
    Denied(&'static str),
}

/// The role keys an organization of the preset lists, by scope kind.
pub struct Roles {
    pub organization: &'static [&'static str],
    pub team: &'static [&'static str],
    pub project: &'static [&'static str],
}

struct Users {
    owner: Client,
    actor: Client,
    other: Client,
}

/// The objects of one row's fixture.
struct Fixture {
    n: usize,
    org: String,
    team: String,
    workspace: String,
    project: String,
    other_project: String,
    dataset: String,
    dataset2: String,
    /// The actor's membership at the deepest scope of its path.
    actor_membership: String,
    actor_is_owner: bool,
}

type Check = Result<(), String>;

/// The `data` of a request that must succeed, or the error body.
async fn data(c: &Client, q: &str, v: Value) -> Result<Value, String> {
    let (_, body) = c.post(q, v).await;
    match body.get("errors") {
        Some(e) => Err(format!("{} failed: {e}", q.split('(').next().unwrap_or(q))),
        None => Ok(body["data"].clone()),
    }
}

fn code_of(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["code"].as_str().map(str::to_string)
}

fn id_at(v: &Value, path: &[&str]) -> Result<String, String> {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    cur.as_str().map(str::to_string).ok_or_else(|| format!("no {} in {v}", path.join(".")))
}

const GRANT: &str = "mutation($o: ID!, $u: ID!, $p: String!) { grantCapability(input: { organizationId: $o, userId: $u, permission: $p }) { __typename } }";
const CAN: &str = "query($id: ID!, $k: String!) { node(id: $id) { ... on Organization { viewerCan(permission: $k) } ... on Team { viewerCan(permission: $k) } ... on Project { viewerCan(permission: $k) } } }";
const PERMISSIONS: &str = "query($id: ID!) { node(id: $id) { ... on Organization { viewerPermissions } ... on Team { viewerPermissions } ... on Project { viewerPermissions } } }";
const MEMBERS: &str = "members(first: 30) { nodes { id user { id } role { key } } }";

/// Runs every row of `table` against one server; panics listing the failing rows.
pub async fn run(app: &TestApp, preset: &str, table: &[Row], roles: &Roles) {
    let mut failures = check_roles(app, preset, roles).await.err().into_iter().collect::<Vec<_>>();
    let users = Users { owner: app.user("owner").await, actor: app.user("actor").await, other: app.user("other").await };
    // Rows are independent (each has its own organization): run a few at a time.
    let results: Vec<(usize, Check)> = stream::iter(table.iter().enumerate())
        .map(|(n, row)| {
            let users = &users;
            async move { (n, run_row(users, preset, n, row).await) }
        })
        .buffer_unordered(6)
        .collect()
        .await;
    let mut results = results;
    results.sort_by_key(|(n, _)| *n);
    for (n, result) in results {
        if let Err(e) = result {
            let row = &table[n];
            failures.push(format!("row {n} [{} | {:?} on {:?}]: {}\n    {e}", row.actor, row.action, row.target, row.seed));
        }
    }
    assert!(failures.is_empty(), "{preset}: {} of {} rows failed:\n{}", failures.len(), table.len(), failures.join("\n"));
}

/// `Organization.roles(scopeKind:)` lists exactly the preset's role keys per scope.
async fn check_roles(app: &TestApp, preset: &str, roles: &Roles) -> Check {
    let owner = app.user("roles-owner").await;
    let d = data(
        &owner,
        CREATE_ORGANIZATION,
        json!({ "s": format!("r-{}", preset.to_lowercase()).chars().take(16).collect::<String>(), "p": preset }),
    )
    .await?;
    let org = id_at(&d, &["createOrganization", "organization", "id"])?;
    for (kind, expected) in [("ORGANIZATION", roles.organization), ("TEAM", roles.team), ("PROJECT", roles.project)] {
        let q = "query($o: ID!, $k: ScopeKind) { node(id: $o) { ... on Organization { roles(scopeKind: $k) { key builtIn } } } }";
        let d = data(&owner, q, json!({ "o": org, "k": kind })).await?;
        let mut got: Vec<String> =
            d["node"]["roles"].as_array().into_iter().flatten().filter_map(|r| r["key"].as_str().map(String::from)).collect();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        got.sort();
        want.sort();
        if got != want {
            return Err(format!("roles at {kind}: got {got:?}, expected {want:?}"));
        }
    }
    Ok(())
}

/// The deepest scope's membership id after giving `user` the roles of `path`.
async fn give_roles(owner: &Client, f: &Fixture, user: &Client, path: &str) -> Result<String, String> {
    let mut membership = String::new();
    for part in path.split_whitespace() {
        let (scope, role) = part.split_once(':').ok_or_else(|| format!("bad role path {path}"))?;
        let scope_id = match scope {
            "org" => &f.org,
            "team" => &f.team,
            "project" => &f.project,
            _ => return Err(format!("bad scope in {path}")),
        };
        if scope == "org" && role == "owner" {
            membership = membership_of(owner, &f.org, &owner.id).await?;
            continue;
        }
        let d = data(owner, ADD_MEMBER, json!({ "s": scope_id, "u": user.id, "r": role })).await?;
        membership = id_at(&d, &["addMember", "membership", "id"])?;
    }
    Ok(membership)
}

/// The membership id of `user` in the organization `scope`.
async fn membership_of(by: &Client, scope: &str, user: &str) -> Result<String, String> {
    let q = format!("query($s: ID!) {{ node(id: $s) {{ ... on Organization {{ {MEMBERS} }} }} }}");
    let d = data(by, &q, json!({ "s": scope })).await?;
    let nodes = d["node"]["members"]["nodes"].as_array().cloned().unwrap_or_default();
    let m = nodes.iter().find(|m| m["user"]["id"] == user).ok_or_else(|| format!("{user} is no member of {scope}"))?;
    id_at(m, &["id"])
}

/// The newcomer role of the preset: its lowest organization role.
fn newcomer(preset: &str) -> &'static str {
    match preset {
        "CVAT" => "worker",
        "SUPERANNOTATE" => "contributor",
        _ => "member",
    }
}

async fn fixture(u: &Users, preset: &str, n: usize, actor_path: &str) -> Result<Fixture, String> {
    let o = &u.owner;
    let slug = format!("{}{n}", &preset[..3].to_lowercase());
    let d = data(o, CREATE_ORGANIZATION, json!({ "s": slug, "p": preset })).await?;
    let org = id_at(&d, &["createOrganization", "organization", "id"])?;
    let d = data(o, CREATE_TEAM, json!({ "o": org, "n": "Core" })).await?;
    let team = id_at(&d, &["createTeam", "team", "id"])?;
    let workspace = id_at(&d["createTeam"]["team"]["workspaces"]["nodes"][0], &["id"])?;
    let d = data(o, CREATE_PROJECT, json!({ "w": workspace, "n": "P" })).await?;
    let project = id_at(&d, &["createProject", "project", "id"])?;
    let d = data(o, CREATE_DATASET, json!({ "p": project, "n": "D" })).await?;
    let dataset = id_at(&d, &["createDataset", "dataset", "id"])?;
    let d = data(o, CREATE_DATASET, json!({ "p": project, "n": "D2" })).await?;
    let dataset2 = id_at(&d, &["createDataset", "dataset", "id"])?;
    let d = data(o, CREATE_WORKSPACE, json!({ "t": team, "n": "W2" })).await?;
    let w2 = id_at(&d, &["createWorkspace", "workspace", "id"])?;
    let d = data(o, CREATE_PROJECT, json!({ "w": w2, "n": "Q" })).await?;
    let other_project = id_at(&d, &["createProject", "project", "id"])?;
    let mut f = Fixture {
        n,
        org,
        team,
        workspace,
        project,
        other_project,
        dataset,
        dataset2,
        actor_membership: String::new(),
        actor_is_owner: actor_path.starts_with("org:owner"),
    };
    let actor = if f.actor_is_owner { o } else { &u.actor };
    f.actor_membership = give_roles(o, &f, actor, actor_path).await?;
    Ok(f)
}

/// A team "Solo" whose only explicit admin is `user` (an organization member).
async fn sole_admin_team(o: &Client, f: &Fixture, user: &Client) -> Result<(String, String), String> {
    let d = data(o, CREATE_TEAM, json!({ "o": f.org, "n": "Solo" })).await?;
    let team = id_at(&d, &["createTeam", "team", "id"])?;
    let d = data(o, ADD_MEMBER, json!({ "s": team, "u": user.id, "r": "admin" })).await?;
    let membership = id_at(&d, &["addMember", "membership", "id"])?;
    data(o, LEAVE, json!({ "s": team })).await?;
    Ok((team, membership))
}

/// Everything an action could change, as the owner sees it (and the actor's tokens of
/// the organization).
/// `extra`: further objects of the row as (type name, id).
async fn snapshot(u: &Users, f: &Fixture, actor: &Client, extra: &[(&str, String)]) -> Result<Value, String> {
    let invitations = "invitations(first: 20) { nodes { id } }";
    let mut objects = vec![("Organization", f.org.clone()), ("Team", f.team.clone()), ("Project", f.project.clone())];
    objects.push(("Dataset", f.dataset.clone()));
    objects.extend(extra.iter().cloned());
    let mut out = Vec::new();
    for (kind, id) in objects {
        let fields = match kind {
            "Organization" => format!("name {MEMBERS} {invitations} teams(first: 20) {{ nodes {{ id name }} }}"),
            "Team" => format!(
                "name {MEMBERS} {invitations} workspaces(first: 5) {{ nodes {{ id name projects(first: 10) {{ nodes {{ id name }} }} }} }}"
            ),
            "Project" => format!("name {MEMBERS} {invitations} datasets(first: 20) {{ nodes {{ id name }} }}"),
            _ => "name parent { id }".to_string(),
        };
        let q = format!("query($id: ID!) {{ node(id: $id) {{ id ... on {kind} {{ {fields} }} }} }}");
        out.push(data(&u.owner, &q, json!({ "id": id })).await?);
    }
    let tokens = data(actor, "{ viewer { apiTokens(first: 50) { nodes { organization { id } } } } }", json!({})).await?;
    let nodes = tokens["viewer"]["apiTokens"]["nodes"].as_array().cloned().unwrap_or_default();
    out.push(json!(nodes.iter().filter(|t| t["organization"]["id"] == f.org.as_str()).count()));
    // Capability grants show in the grantee's permissions.
    for id in [&f.org, &f.team, &f.project] {
        out.push(data(&u.other, PERMISSIONS, json!({ "id": id })).await?);
    }
    Ok(Value::Array(out))
}

async fn run_row(u: &Users, preset: &str, n: usize, row: &Row) -> Check {
    let f = fixture(u, preset, n, row.actor).await?;
    let actor = if f.actor_is_owner { &u.owner } else { &u.actor };
    // Resolve the target to an id (and set up what it needs).
    let mut extra = Vec::new();
    let target = match row.target {
        Target::Org => f.org.clone(),
        Target::Team => f.team.clone(),
        Target::Workspace => f.workspace.clone(),
        Target::Project => f.project.clone(),
        Target::OtherWorkspaceProject => f.other_project.clone(),
        Target::Dataset => f.dataset.clone(),
        Target::SoleAdminTeam => {
            let (team, _) = sole_admin_team(&u.owner, &f, actor).await?;
            extra.push(("Team", team.clone()));
            team
        }
        Target::OwnProject => {
            let d = data(actor, CREATE_PROJECT, json!({ "w": f.workspace, "n": "Mine" })).await?;
            let p = id_at(&d, &["createProject", "project", "id"])?;
            extra.push(("Project", p.clone()));
            p
        }
        Target::OwnDataset => {
            let d = data(actor, CREATE_DATASET, json!({ "p": f.project, "n": "Mine" })).await?;
            let ds = id_at(&d, &["createDataset", "dataset", "id"])?;
            extra.push(("Dataset", ds.clone()));
            ds
        }
        Target::Member(path) if path.starts_with("org:owner") => membership_of(&u.owner, &f.org, &u.owner.id).await?,
        Target::Member(path) => give_roles(&u.owner, &f, &u.other, path).await?,
        Target::SoleAdmin => {
            data(&u.owner, ADD_MEMBER, json!({ "s": f.org, "u": u.other.id, "r": newcomer(preset) })).await?;
            let (team, membership) = sole_admin_team(&u.owner, &f, &u.other).await?;
            extra.push(("Team", team));
            membership
        }
        Target::Actor => f.actor_membership.clone(),
    };
    // Someone to invite, add or grant to: "other" (an organization member unless the
    // scope is the organization itself and the action brings a newcomer in).
    let to_org = matches!(row.target, Target::Org);
    let needs_other = matches!(row.action, Action::Invite(_) | Action::AddMember(_)) && !to_org;
    if needs_other {
        data(&u.owner, ADD_MEMBER, json!({ "s": f.org, "u": u.other.id, "r": newcomer(preset) })).await?;
    }
    let before = snapshot(u, &f, actor, &extra).await?;
    let outcome = actions::act(u, &f, actor, row.action, &target).await?;
    match (row.expect, outcome) {
        (Expect::Allowed, Outcome::Done) => Ok(()),
        (Expect::Denied(want), Outcome::Refused(got)) if want == got => {
            let after = snapshot(u, &f, actor, &extra).await?;
            if before != after {
                return Err(format!("refused with {got} but something changed:\n before {before}\n after  {after}"));
            }
            Ok(())
        }
        (want, got) => Err(format!("expected {want:?}, got {got:?}")),
    }
}

#[derive(Debug)]
pub enum Outcome {
    Done,
    Refused(String),
}
