//! Memberships and roles (RULES.md §5): the CVAT organization rules (note ¹), the
//! Supervisely team rules (note ², seed 000), project roles (note ³) and the invariants
//! (owner, last admin, own last team, last workspace). Every refused mutation is checked
//! for its `extensions.code` and for having changed nothing.

use crate::both;
use crate::helpers::*;
use serde_json::{Value, json};

const ADD: &str =
    "mutation($s: ID!, $u: ID!, $r: String!) { addMember(input: { scopeId: $s, userId: $u, role: $r }) { membership { id } } }";
const CHANGE: &str = "mutation($m: ID!, $r: String!) { changeMemberRole(input: { membershipId: $m, role: $r }) { membership { id role { key } } } }";
const REMOVE: &str = "mutation($m: ID!) { removeMember(input: { membershipId: $m }) { removedMembershipId } }";
const LEAVE: &str = "mutation($s: ID!) { leaveScope(input: { scopeId: $s }) { leftScopeId } }";
const TRANSFER: &str = "mutation($o: ID!, $u: ID!) { transferOrganizationOwnership(input: { organizationId: $o, newOwnerId: $u }) { organization { owner { id } } } }";
const UPDATE_ORG: &str =
    "mutation($o: ID!, $n: String!) { updateOrganization(input: { organizationId: $o, name: $n }) { organization { name } } }";
const DELETE_ORG: &str = "mutation($o: ID!) { deleteOrganization(input: { organizationId: $o }) { deletedOrganizationId } }";
const UPDATE_PROJECT: &str =
    "mutation($p: ID!, $n: String!) { updateProject(input: { projectId: $p, name: $n }) { project { name } } }";
const DELETE_PROJECT: &str = "mutation($p: ID!) { deleteProject(input: { projectId: $p }) { deletedProjectId } }";
const CREATE_PROJECT: &str =
    "mutation($w: ID!, $n: String!) { createProject(input: { workspaceId: $w, name: $n }) { project { id } } }";
const CREATE_DATASET: &str =
    "mutation($p: ID!, $n: String!) { createDataset(input: { projectId: $p, name: $n }) { dataset { id } } }";
const UPDATE_DATASET: &str =
    "mutation($d: ID!, $n: String!) { updateDataset(input: { datasetId: $d, name: $n }) { dataset { name } } }";
const MOVE_DATASET: &str =
    "mutation($d: ID!, $p: ID) { moveDataset(input: { datasetId: $d, newParentId: $p }) { dataset { id } } }";
const DELETE_DATASET: &str = "mutation($d: ID!) { deleteDataset(input: { datasetId: $d }) { deletedDatasetId } }";
const DELETE_TEAM: &str = "mutation($t: ID!) { deleteTeam(input: { teamId: $t }) { deletedTeamId } }";
const CREATE_WORKSPACE: &str =
    "mutation($t: ID!, $n: String!) { createWorkspace(input: { teamId: $t, name: $n }) { workspace { id } } }";
const DELETE_WORKSPACE: &str = "mutation($w: ID!) { deleteWorkspace(input: { workspaceId: $w }) { deletedWorkspaceId } }";
const NODE_NAME: &str = "query($id: ID!) { node(id: $id) { id ... on Organization { name } ... on Team { name } ... on Workspace { name } ... on Project { name } ... on Dataset { name } } }";

/// One membership as the member list shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Member {
    user: String,
    role: String,
    id: String,
}

/// The memberships of an organization, team or project as `c` sees them (sorted by user id).
async fn members(c: &Client, scope: &str) -> Vec<Member> {
    let d = c
        .ok(
            "query($s: ID!) { node(id: $s) {
               ... on Organization { members(first: 10) { nodes { id user { id } role { key } } } }
               ... on Team { members(first: 10) { nodes { id user { id } role { key } } } }
               ... on Project { members(first: 10) { nodes { id user { id } role { key } } } } } }",
            json!({ "s": scope }),
        )
        .await;
    let nodes = d["node"]["members"]["nodes"].as_array().unwrap_or_else(|| panic!("no members for {scope}: {d}")).clone();
    let mut out: Vec<Member> = nodes
        .iter()
        .map(|m| Member {
            user: m["user"]["id"].as_str().expect("user").into(),
            role: m["role"]["key"].as_str().expect("role").into(),
            id: m["id"].as_str().expect("id").into(),
        })
        .collect();
    out.sort();
    out
}

/// The role key `user` holds at `scope`, as `by` sees it.
async fn role_of(by: &Client, scope: &str, user: &Client) -> Option<String> {
    members(by, scope).await.into_iter().find(|m| m.user == user.id).map(|m| m.role)
}

/// The membership id of `user` at `scope`, as `by` sees it.
async fn membership_of(by: &Client, scope: &str, user: &Client) -> String {
    members(by, scope).await.into_iter().find(|m| m.user == user.id).unwrap_or_else(|| panic!("{} is no member", user.sub)).id
}

async fn name_of(c: &Client, id: &str) -> Value {
    c.ok(NODE_NAME, json!({ "id": id })).await["node"]["name"].clone()
}

async fn personal_team(c: &Client) -> String {
    let d = c.ok("{ viewer { teams(first: 5) { nodes { id organization { personal } } } } }", json!({})).await;
    let teams = d["viewer"]["teams"]["nodes"].as_array().expect("teams").clone();
    teams.iter().find(|t| t["organization"]["personal"] == true).expect("personal team")["id"].as_str().expect("id").into()
}

async fn personal_org(c: &Client) -> String {
    let d = c.ok("{ viewer { organizations(first: 5) { nodes { id personal } } } }", json!({})).await;
    let orgs = d["viewer"]["organizations"]["nodes"].as_array().expect("orgs").clone();
    orgs.iter().find(|o| o["personal"] == true).expect("personal org")["id"].as_str().expect("id").into()
}

/// A CVAT-style organization: an owner, two maintainers, a supervisor and a worker.
struct Cvat {
    org: Org,
    owner: Client,
    maya: Client,
    mona: Client,
    sam: Client,
    will: Client,
}

async fn cvat(app: &TestApp) -> Cvat {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let (maya, mona, sam, will) = (app.user("maya").await, app.user("mona").await, app.user("sam").await, app.user("will").await);
    add_member(&owner, &org.id, &maya, "maintainer").await;
    add_member(&owner, &org.id, &mona, "maintainer").await;
    add_member(&owner, &org.id, &sam, "supervisor").await;
    add_member(&owner, &org.id, &will, "worker").await;
    Cvat { org, owner, maya, mona, sam, will }
}

// ---------------------------------------------------------------- CVAT organizations

both!(owner_and_maintainer_update_the_organization_supervisor_and_worker_cannot, |app: TestApp| async move {
    let c = cvat(&app).await;
    let d = c.owner.ok(UPDATE_ORG, json!({ "o": c.org.id, "n": "By owner" })).await;
    assert_eq!(d["updateOrganization"]["organization"]["name"], "By owner");
    let d = c.maya.ok(UPDATE_ORG, json!({ "o": c.org.id, "n": "By maintainer" })).await;
    assert_eq!(d["updateOrganization"]["organization"]["name"], "By maintainer");
    for who in [&c.sam, &c.will] {
        assert_eq!(who.code(UPDATE_ORG, json!({ "o": c.org.id, "n": "Hijacked" })).await, "FORBIDDEN", "{}", who.sub);
    }
    assert_eq!(name_of(&c.owner, &c.org.id).await, "By maintainer");
});

both!(only_the_owner_deletes_the_organization, |app: TestApp| async move {
    let c = cvat(&app).await;
    for who in [&c.maya, &c.sam, &c.will] {
        assert_eq!(who.code(DELETE_ORG, json!({ "o": c.org.id })).await, "FORBIDDEN", "{}", who.sub);
    }
    let q = "{ organization(slug: \"acme\") { id } }";
    assert_eq!(c.maya.ok(q, json!({})).await["organization"]["id"], c.org.id.as_str());
    c.owner.ok(DELETE_ORG, json!({ "o": c.org.id })).await;
    assert!(c.owner.ok(q, json!({})).await["organization"].is_null());
    assert!(c.maya.ok(q, json!({})).await["organization"].is_null());
});

both!(owner_changes_any_role_except_to_owner_and_never_their_own, |app: TestApp| async move {
    let c = cvat(&app).await;
    let org = &c.org.id;
    let (m_will, m_maya, m_sam) = (
        membership_of(&c.owner, org, &c.will).await,
        membership_of(&c.owner, org, &c.maya).await,
        membership_of(&c.owner, org, &c.sam).await,
    );
    let m_owner = membership_of(&c.owner, org, &c.owner).await;

    let d = c.owner.ok(CHANGE, json!({ "m": m_will, "r": "maintainer" })).await;
    assert_eq!(d["changeMemberRole"]["membership"]["role"]["key"], "maintainer");
    c.owner.ok(CHANGE, json!({ "m": m_maya, "r": "supervisor" })).await;
    c.owner.ok(CHANGE, json!({ "m": m_sam, "r": "worker" })).await;

    let before = members(&c.owner, org).await;
    assert_eq!(c.owner.code(CHANGE, json!({ "m": m_will, "r": "owner" })).await, "FORBIDDEN");
    assert_eq!(c.owner.code(CHANGE, json!({ "m": m_owner, "r": "maintainer" })).await, "FORBIDDEN");
    assert_eq!(c.owner.code(ADD, json!({ "s": org, "u": app.user("newbie").await.id, "r": "owner" })).await, "FORBIDDEN");
    assert_eq!(members(&c.owner, org).await, before);
    assert_eq!(role_of(&c.owner, org, &c.will).await.as_deref(), Some("maintainer"));
    assert_eq!(role_of(&c.owner, org, &c.maya).await.as_deref(), Some("supervisor"));
    assert_eq!(role_of(&c.owner, org, &c.sam).await.as_deref(), Some("worker"));
    assert_eq!(role_of(&c.owner, org, &c.owner).await.as_deref(), Some("owner"));
});

both!(maintainer_manages_only_supervisors_and_workers_and_only_to_those_roles, |app: TestApp| async move {
    let c = cvat(&app).await;
    let org = &c.org.id;
    let (m_will, m_sam, m_mona, m_owner) = (
        membership_of(&c.owner, org, &c.will).await,
        membership_of(&c.owner, org, &c.sam).await,
        membership_of(&c.owner, org, &c.mona).await,
        membership_of(&c.owner, org, &c.owner).await,
    );
    // Allowed: supervisor <-> worker, adding a worker or supervisor.
    c.maya.ok(CHANGE, json!({ "m": m_will, "r": "supervisor" })).await;
    c.maya.ok(CHANGE, json!({ "m": m_will, "r": "worker" })).await;
    c.maya.ok(CHANGE, json!({ "m": m_sam, "r": "worker" })).await;
    c.maya.ok(CHANGE, json!({ "m": m_sam, "r": "supervisor" })).await;
    let nia = app.user("nia").await;
    add_member(&c.maya, org, &nia, "supervisor").await;

    let before = members(&c.owner, org).await;
    let forbidden = [
        (CHANGE, json!({ "m": m_will, "r": "maintainer" })),
        (CHANGE, json!({ "m": m_will, "r": "owner" })),
        (CHANGE, json!({ "m": m_mona, "r": "worker" })),
        (CHANGE, json!({ "m": m_mona, "r": "supervisor" })),
        (CHANGE, json!({ "m": m_owner, "r": "maintainer" })),
        (ADD, json!({ "s": org, "u": app.user("pat").await.id, "r": "maintainer" })),
    ];
    for (q, v) in forbidden {
        assert_eq!(c.maya.code(q, v.clone()).await, "FORBIDDEN", "{v}");
    }
    // Supervisors and workers manage nobody.
    for who in [&c.sam, &c.will] {
        assert_eq!(who.code(CHANGE, json!({ "m": m_mona, "r": "worker" })).await, "FORBIDDEN");
        assert_eq!(who.code(ADD, json!({ "s": org, "u": app.user("quin").await.id, "r": "worker" })).await, "FORBIDDEN");
    }
    assert_eq!(c.will.code(CHANGE, json!({ "m": m_sam, "r": "worker" })).await, "FORBIDDEN");
    assert_eq!(members(&c.owner, org).await, before);
});

both!(nobody_changes_their_own_role, |app: TestApp| async move {
    let c = cvat(&app).await;
    let org = &c.org.id;
    for (who, to) in
        [(&c.owner, "maintainer"), (&c.maya, "worker"), (&c.maya, "maintainer"), (&c.sam, "worker"), (&c.will, "supervisor")]
    {
        let mine = membership_of(&c.owner, org, who).await;
        assert_eq!(who.code(CHANGE, json!({ "m": mine, "r": to })).await, "FORBIDDEN", "{} to {to}", who.sub);
    }
    // Also at team scope: an admin cannot demote (or re-assign) themself, even with other admins.
    add_member(&c.owner, &c.org.team, &c.maya, "admin").await;
    let own_team = membership_of(&c.owner, &c.org.team, &c.owner).await;
    assert_eq!(c.owner.code(CHANGE, json!({ "m": own_team, "r": "developer" })).await, "FORBIDDEN");
    assert_eq!(c.owner.code(CHANGE, json!({ "m": own_team, "r": "admin" })).await, "FORBIDDEN");

    assert_eq!(role_of(&c.owner, org, &c.owner).await.as_deref(), Some("owner"));
    assert_eq!(role_of(&c.owner, org, &c.maya).await.as_deref(), Some("maintainer"));
    assert_eq!(role_of(&c.owner, org, &c.sam).await.as_deref(), Some("supervisor"));
    assert_eq!(role_of(&c.owner, org, &c.will).await.as_deref(), Some("worker"));
    assert_eq!(role_of(&c.owner, &c.org.team, &c.owner).await.as_deref(), Some("admin"));
});

both!(owner_removes_anyone_but_themself_and_maintainer_only_supervisors_and_workers, |app: TestApp| async move {
    let c = cvat(&app).await;
    let org = &c.org.id;
    let (m_owner, m_maya, m_mona, m_sam, m_will) = (
        membership_of(&c.owner, org, &c.owner).await,
        membership_of(&c.owner, org, &c.maya).await,
        membership_of(&c.owner, org, &c.mona).await,
        membership_of(&c.owner, org, &c.sam).await,
        membership_of(&c.owner, org, &c.will).await,
    );

    let before = members(&c.owner, org).await;
    assert_eq!(c.maya.code(REMOVE, json!({ "m": m_mona })).await, "FORBIDDEN");
    assert_eq!(c.maya.code(REMOVE, json!({ "m": m_owner })).await, "FORBIDDEN");
    assert_eq!(c.owner.code(REMOVE, json!({ "m": m_owner })).await, "FORBIDDEN");
    assert_eq!(c.sam.code(REMOVE, json!({ "m": m_will })).await, "FORBIDDEN");
    assert_eq!(c.will.code(REMOVE, json!({ "m": m_sam })).await, "FORBIDDEN");
    assert_eq!(members(&c.owner, org).await, before);

    let d = c.maya.ok(REMOVE, json!({ "m": m_will })).await;
    assert_eq!(d["removeMember"]["removedMembershipId"], m_will.as_str());
    c.maya.ok(REMOVE, json!({ "m": m_sam })).await;
    c.owner.ok(REMOVE, json!({ "m": m_mona })).await;
    c.owner.ok(REMOVE, json!({ "m": m_maya })).await;
    let left: Vec<String> = members(&c.owner, org).await.into_iter().map(|m| m.user).collect();
    assert_eq!(left, vec![c.owner.id.clone()]);
    // A removed member no longer sees the organization.
    assert!(c.will.ok("{ organization(slug: \"acme\") { id } }", json!({})).await["organization"].is_null());
});

both!(any_member_but_the_owner_may_leave_the_organization, |app: TestApp| async move {
    let c = cvat(&app).await;
    let org = &c.org.id;
    let before = members(&c.owner, org).await;
    assert_eq!(c.owner.code(LEAVE, json!({ "s": org })).await, "FAILED_PRECONDITION");
    assert_eq!(members(&c.owner, org).await, before);
    for who in [&c.maya, &c.sam, &c.will] {
        who.ok(LEAVE, json!({ "s": org })).await;
        assert!(who.ok("{ organization(slug: \"acme\") { id } }", json!({})).await["organization"].is_null());
    }
    let left: Vec<String> = members(&c.owner, org).await.into_iter().map(|m| m.user).collect();
    assert_eq!(left.len(), 2, "owner and mona remain");
    assert!(left.contains(&c.owner.id) && left.contains(&c.mona.id));
});

both!(only_the_owner_transfers_ownership_to_an_active_member, |app: TestApp| async move {
    let c = cvat(&app).await;
    let org = &c.org.id;
    let outsider = app.user("eve").await;
    let before = members(&c.owner, org).await;
    for who in [&c.maya, &c.sam, &c.will] {
        assert_eq!(who.code(TRANSFER, json!({ "o": org, "u": who.id })).await, "FORBIDDEN", "{}", who.sub);
    }
    assert_eq!(outsider.code(TRANSFER, json!({ "o": org, "u": outsider.id })).await, "NOT_FOUND");
    assert_eq!(c.owner.code(TRANSFER, json!({ "o": org, "u": outsider.id })).await, "FAILED_PRECONDITION");
    assert_eq!(members(&c.owner, org).await, before);

    let d = c.owner.ok(TRANSFER, json!({ "o": org, "u": c.will.id })).await;
    assert_eq!(d["transferOrganizationOwnership"]["organization"]["owner"]["id"], c.will.id.as_str());
    let after = members(&c.will, org).await;
    let owners: Vec<&Member> = after.iter().filter(|m| m.role == "owner").collect();
    assert_eq!(owners.len(), 1, "exactly one owner: {after:?}");
    assert_eq!(owners[0].user, c.will.id);
    assert_eq!(role_of(&c.will, org, &c.owner).await.as_deref(), Some("maintainer"));
    let q = "query($o: ID!) { node(id: $o) { ... on Organization { owner { id } viewerRole { key } } } }";
    assert_eq!(c.owner.ok(q, json!({ "o": org })).await["node"]["viewerRole"]["key"], "maintainer");
    assert_eq!(c.will.ok(q, json!({ "o": org })).await["node"]["owner"]["id"], c.will.id.as_str());
    // The old owner lost the owner's powers; the new owner cannot leave.
    assert_eq!(c.owner.code(DELETE_ORG, json!({ "o": org })).await, "FORBIDDEN");
    assert_eq!(c.owner.code(TRANSFER, json!({ "o": org, "u": c.owner.id })).await, "FORBIDDEN");
    assert_eq!(c.will.code(LEAVE, json!({ "s": org })).await, "FAILED_PRECONDITION");
});

// ---------------------------------------------------------------- Supervisely teams

/// An organization whose `Core` team has the five team roles, each an org worker.
struct Team {
    org: Org,
    owner: Client,
    admin: Client,
    developer: Client,
    manager: Client,
    annotator: Client,
    viewer: Client,
}

async fn team(app: &TestApp) -> Team {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let mut users = Vec::new();
    for (sub, role) in [("ada", "admin"), ("dev", "developer"), ("man", "manager"), ("ann", "annotator"), ("vic", "viewer")] {
        let u = app.user(sub).await;
        add_member(&owner, &org.id, &u, "worker").await;
        add_member(&owner, &org.team, &u, role).await;
        users.push(u);
    }
    let mut u = users.into_iter();
    let mut next = || u.next().expect("user");
    Team { org, owner, admin: next(), developer: next(), manager: next(), annotator: next(), viewer: next() }
}

both!(team_admin_adds_and_promotes_admins_but_only_org_owner_or_maintainer_demotes_them, |app: TestApp| async move {
    let t = team(&app).await;
    let core = &t.org.team;
    let (ben, cat) = (app.user("ben").await, app.user("cat").await);
    add_member(&t.owner, &t.org.id, &ben, "worker").await;
    add_member(&t.owner, &t.org.id, &cat, "worker").await;
    // The explicit team admin (only a worker in the organization) adds members, also admins.
    let m_ben = add_member(&t.admin, core, &ben, "admin").await;
    let m_cat = add_member(&t.admin, core, &cat, "developer").await;
    let d = t.admin.ok(CHANGE, json!({ "m": m_cat, "r": "admin" })).await;
    assert_eq!(d["changeMemberRole"]["membership"]["role"]["key"], "admin");
    let m_dev = membership_of(&t.admin, core, &t.developer).await;
    t.admin.ok(CHANGE, json!({ "m": m_dev, "r": "manager" })).await;
    t.admin.ok(CHANGE, json!({ "m": m_dev, "r": "developer" })).await;

    // ...but demoting or removing another admin needs the org owner or a maintainer.
    let before = members(&t.owner, core).await;
    assert_eq!(t.admin.code(CHANGE, json!({ "m": m_ben, "r": "developer" })).await, "FORBIDDEN");
    assert_eq!(t.admin.code(REMOVE, json!({ "m": m_ben })).await, "FORBIDDEN");
    // Non-admin team roles manage nobody.
    for who in [&t.developer, &t.manager, &t.viewer] {
        assert_eq!(who.code(CHANGE, json!({ "m": m_cat, "r": "viewer" })).await, "FORBIDDEN", "{}", who.sub);
        assert_eq!(who.code(ADD, json!({ "s": core, "u": t.owner.id, "r": "viewer" })).await, "FORBIDDEN", "{}", who.sub);
    }
    assert_eq!(members(&t.owner, core).await, before);

    t.owner.ok(CHANGE, json!({ "m": m_ben, "r": "developer" })).await;
    let mai = app.user("mai").await;
    add_member(&t.owner, &t.org.id, &mai, "maintainer").await;
    // The maintainer is an implicit team admin: removes an explicit admin without being a team member.
    t.admin.ok(CHANGE, json!({ "m": m_ben, "r": "admin" })).await;
    mai.ok(REMOVE, json!({ "m": m_ben })).await;
    assert_eq!(role_of(&t.owner, core, &ben).await, None);
    assert_eq!(role_of(&t.owner, core, &cat).await.as_deref(), Some("admin"));
});

both!(the_last_explicit_team_admin_cannot_be_demoted_removed_or_leave, |app: TestApp| async move {
    let t = team(&app).await;
    let core = &t.org.team;
    // The org owner leaves Core: ada stays its only explicit admin.
    t.owner.ok(LEAVE, json!({ "s": core })).await;
    let m_ada = membership_of(&t.owner, core, &t.admin).await;
    let before = members(&t.owner, core).await;
    assert_eq!(t.owner.code(CHANGE, json!({ "m": m_ada, "r": "developer" })).await, "FAILED_PRECONDITION");
    assert_eq!(t.owner.code(REMOVE, json!({ "m": m_ada })).await, "FAILED_PRECONDITION");
    assert_eq!(t.admin.code(LEAVE, json!({ "s": core })).await, "FAILED_PRECONDITION");
    // Removing her from the organization would cascade to Core: refused as well.
    let m_org = membership_of(&t.owner, &t.org.id, &t.admin).await;
    assert_eq!(t.owner.code(REMOVE, json!({ "m": m_org })).await, "FAILED_PRECONDITION");
    assert_eq!(t.admin.code(LEAVE, json!({ "s": t.org.id })).await, "FAILED_PRECONDITION");
    assert_eq!(members(&t.owner, core).await, before);
    assert_eq!(role_of(&t.owner, &t.org.id, &t.admin).await.as_deref(), Some("worker"));

    // With a second admin, all of it works.
    let m_dev = membership_of(&t.owner, core, &t.developer).await;
    t.admin.ok(CHANGE, json!({ "m": m_dev, "r": "admin" })).await;
    t.owner.ok(CHANGE, json!({ "m": m_ada, "r": "developer" })).await;
    assert_eq!(role_of(&t.owner, core, &t.admin).await.as_deref(), Some("developer"));
    // Removing an org member removes their team memberships in it.
    t.owner.ok(REMOVE, json!({ "m": m_org })).await;
    assert_eq!(role_of(&t.owner, core, &t.admin).await, None);
});

both!(developer_deletes_only_what_they_created_and_admin_deletes_anything, |app: TestApp| async move {
    let t = team(&app).await;
    let ws = &t.org.workspace;
    let theirs = create_project(&t.owner, ws, "Owner's").await;
    let their_ds = create_dataset(&t.owner, &theirs, None, "o1").await;
    let mine = create_project(&t.developer, ws, "Dev's").await;
    let my_ds_in_theirs = create_dataset(&t.developer, &theirs, None, "d1").await;
    let their_ds_in_mine = create_dataset(&t.owner, &mine, None, "o2").await;

    assert_eq!(t.developer.code(DELETE_PROJECT, json!({ "p": theirs })).await, "FORBIDDEN");
    assert_eq!(t.developer.code(DELETE_DATASET, json!({ "d": their_ds })).await, "FORBIDDEN");
    assert_eq!(name_of(&t.owner, &theirs).await, "Owner's");
    assert_eq!(name_of(&t.owner, &their_ds).await, "o1");
    let q = "query($p: ID!) { node(id: $p) { ... on Project { viewerCan(permission: \"project.delete\") } } }";
    assert_eq!(t.developer.ok(q, json!({ "p": theirs })).await["node"]["viewerCan"], false);
    assert_eq!(t.developer.ok(q, json!({ "p": mine })).await["node"]["viewerCan"], true);

    // Their own dataset, and anything in the subtree of their own project.
    t.developer.ok(DELETE_DATASET, json!({ "d": my_ds_in_theirs })).await;
    t.developer.ok(DELETE_DATASET, json!({ "d": their_ds_in_mine })).await;
    t.developer.ok(DELETE_PROJECT, json!({ "p": mine })).await;
    assert!(t.developer.ok(NODE_NAME, json!({ "id": mine })).await["node"].is_null());

    // The explicit admin deletes what others created.
    let again = create_project(&t.developer, ws, "Dev's again").await;
    t.admin.ok(DELETE_DATASET, json!({ "d": their_ds })).await;
    t.admin.ok(DELETE_PROJECT, json!({ "p": again })).await;
    t.admin.ok(DELETE_PROJECT, json!({ "p": theirs })).await;
    assert!(t.owner.ok(NODE_NAME, json!({ "id": theirs })).await["node"].is_null());
});

both!(manager_edits_projects_and_creates_datasets_but_cannot_delete, |app: TestApp| async move {
    let t = team(&app).await;
    let p = create_project(&t.owner, &t.org.workspace, "Cars").await;
    let d = t.manager.ok(UPDATE_PROJECT, json!({ "p": p, "n": "Trucks" })).await;
    assert_eq!(d["updateProject"]["project"]["name"], "Trucks");
    let ds = t.manager.ok(CREATE_DATASET, json!({ "p": p, "n": "mine" })).await["createDataset"]["dataset"]["id"]
        .as_str()
        .expect("dataset")
        .to_string();
    t.manager.ok(UPDATE_DATASET, json!({ "d": ds, "n": "renamed" })).await;

    assert_eq!(t.manager.code(DELETE_DATASET, json!({ "d": ds })).await, "FORBIDDEN");
    assert_eq!(t.manager.code(DELETE_PROJECT, json!({ "p": p })).await, "FORBIDDEN");
    assert_eq!(t.manager.code(CREATE_PROJECT, json!({ "w": t.org.workspace, "n": "New" })).await, "FORBIDDEN");
    assert_eq!(name_of(&t.owner, &p).await, "Trucks");
    assert_eq!(name_of(&t.owner, &ds).await, "renamed");
    let q = "query($w: ID!) { node(id: $w) { ... on Workspace { projects(first: 5) { totalCount } } } }";
    assert_eq!(t.owner.ok(q, json!({ "w": t.org.workspace })).await["node"]["projects"]["totalCount"], 1);
});

both!(viewer_reads_everything_but_every_mutation_is_forbidden, |app: TestApp| async move {
    let t = team(&app).await;
    let p = create_project(&t.owner, &t.org.workspace, "Cars").await;
    let a = create_dataset(&t.owner, &p, None, "a").await;
    let b = create_dataset(&t.owner, &p, None, "b").await;
    let read = "query($p: ID!) { node(id: $p) { ... on Project { name viewerRole { key } datasets(first: 5) { totalCount nodes { name } } workspace { name } team { name workspaces(first: 5) { totalCount } } } } }";
    let seen = t.viewer.ok(read, json!({ "p": p })).await;
    assert_eq!(seen["node"]["name"], "Cars");
    assert!(seen["node"]["viewerRole"].is_null(), "no project role: {seen}");
    assert_eq!(seen["node"]["datasets"]["totalCount"], 2);
    let before = t.owner.ok(read, json!({ "p": p })).await;

    let forbidden = [
        (UPDATE_PROJECT, json!({ "p": p, "n": "x" })),
        (DELETE_PROJECT, json!({ "p": p })),
        (CREATE_PROJECT, json!({ "w": t.org.workspace, "n": "x" })),
        (CREATE_DATASET, json!({ "p": p, "n": "x" })),
        (UPDATE_DATASET, json!({ "d": a, "n": "x" })),
        (MOVE_DATASET, json!({ "d": a, "p": b })),
        (DELETE_DATASET, json!({ "d": a })),
        (CREATE_WORKSPACE, json!({ "t": t.org.team, "n": "x" })),
        (DELETE_WORKSPACE, json!({ "w": t.org.workspace })),
        ("mutation($t: ID!) { updateTeam(input: { teamId: $t, name: \"x\" }) { team { name } } }", json!({ "t": t.org.team })),
        (DELETE_TEAM, json!({ "t": t.org.team })),
        (ADD, json!({ "s": t.org.team, "u": t.owner.id, "r": "viewer" })),
        (ADD, json!({ "s": p, "u": t.annotator.id, "r": "labeler" })),
    ];
    for (q, v) in forbidden {
        assert_eq!(t.viewer.code(q, v.clone()).await, "FORBIDDEN", "{q} {v}");
    }
    assert_eq!(t.owner.ok(read, json!({ "p": p })).await, before);
});

both!(annotator_sees_no_projects_and_mutations_on_them_are_not_found, |app: TestApp| async move {
    let t = team(&app).await;
    let p = create_project(&t.owner, &t.org.workspace, "Cars").await;
    let ds = create_dataset(&t.owner, &p, None, "a").await;
    let q = "query($w: ID!) { node(id: $w) { ... on Workspace { name projects(first: 5) { totalCount nodes { id } } team { viewerRole { key } } } } }";
    let d = t.annotator.ok(q, json!({ "w": t.org.workspace })).await;
    assert_eq!(d["node"]["name"], "First Workspace", "the team and its workspaces are visible: {d}");
    assert_eq!(d["node"]["team"]["viewerRole"]["key"], "annotator");
    assert_eq!(d["node"]["projects"]["totalCount"], 0);
    assert_eq!(d["node"]["projects"]["nodes"], json!([]));
    for id in [&p, &ds] {
        assert!(t.annotator.ok(NODE_NAME, json!({ "id": id })).await["node"].is_null());
    }
    let not_found = [
        (UPDATE_PROJECT, json!({ "p": p, "n": "x" })),
        (DELETE_PROJECT, json!({ "p": p })),
        (CREATE_DATASET, json!({ "p": p, "n": "x" })),
        (UPDATE_DATASET, json!({ "d": ds, "n": "x" })),
        (MOVE_DATASET, json!({ "d": ds, "p": null })),
        (DELETE_DATASET, json!({ "d": ds })),
        (ADD, json!({ "s": p, "u": t.annotator.id, "r": "labeler" })),
        (LEAVE, json!({ "s": p })),
    ];
    for (q, v) in not_found {
        assert_eq!(t.annotator.code(q, v.clone()).await, "NOT_FOUND", "{q} {v}");
    }
    // The workspace is visible, so creating a project there is a permission question.
    assert_eq!(t.annotator.code(CREATE_PROJECT, json!({ "w": t.org.workspace, "n": "x" })).await, "FORBIDDEN");
    assert_eq!(name_of(&t.owner, &p).await, "Cars");
    assert_eq!(name_of(&t.owner, &ds).await, "a");
});

both!(a_user_keeps_their_own_last_team_but_may_leave_one_of_several, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    // A fresh user's personal team is their only one.
    let solo = app.user("solo").await;
    let solo_team = personal_team(&solo).await;
    assert_eq!(solo.code(DELETE_TEAM, json!({ "t": solo_team })).await, "FAILED_PRECONDITION");
    assert_eq!(solo.code(LEAVE, json!({ "s": solo_team })).await, "FAILED_PRECONDITION");
    assert_eq!(solo.code(DELETE_ORG, json!({ "o": personal_org(&solo).await })).await, "FAILED_PRECONDITION");
    assert_eq!(name_of(&solo, &solo_team).await, "solo");

    let bob = app.user("bob").await;
    add_member(&owner, &org.id, &bob, "worker").await;
    add_member(&owner, &org.team, &bob, "developer").await;
    bob.ok(LEAVE, json!({ "s": org.team })).await;
    assert_eq!(role_of(&owner, &org.team, &bob).await, None);
    add_member(&owner, &org.team, &bob, "developer").await;
    // Deleting his personal team is fine while he has Core; then Core is his last team.
    bob.ok(DELETE_TEAM, json!({ "t": personal_team(&bob).await })).await;
    assert_eq!(bob.code(LEAVE, json!({ "s": org.team })).await, "FAILED_PRECONDITION");
    assert_eq!(bob.code(LEAVE, json!({ "s": org.id })).await, "FAILED_PRECONDITION");
    assert_eq!(role_of(&owner, &org.team, &bob).await.as_deref(), Some("developer"));
    assert_eq!(role_of(&owner, &org.id, &bob).await.as_deref(), Some("worker"));
    // Nor may one delete the organization holding one's last team.
    owner.ok(DELETE_TEAM, json!({ "t": personal_team(&owner).await })).await;
    assert_eq!(owner.code(DELETE_ORG, json!({ "o": org.id })).await, "FAILED_PRECONDITION");
    assert_eq!(name_of(&owner, &org.id).await, "acme");
    // Others' actions may leave a user without a team.
    let m = membership_of(&owner, &org.team, &bob).await;
    owner.ok(REMOVE, json!({ "m": m })).await;
    let d = bob.ok("{ viewer { teams(first: 5) { totalCount } } }", json!({})).await;
    assert_eq!(d["viewer"]["teams"]["totalCount"], 0);
});

both!(deleting_the_last_workspace_of_a_team_fails, |app: TestApp| async move {
    let t = team(&app).await;
    let count = "query($t: ID!) { node(id: $t) { ... on Team { workspaces(first: 5) { totalCount } } } }";
    // Permission is checked before the invariant.
    assert_eq!(t.developer.code(DELETE_WORKSPACE, json!({ "w": t.org.workspace })).await, "FORBIDDEN");
    assert_eq!(t.admin.code(DELETE_WORKSPACE, json!({ "w": t.org.workspace })).await, "FAILED_PRECONDITION");
    assert_eq!(t.owner.ok(count, json!({ "t": t.org.team })).await["node"]["workspaces"]["totalCount"], 1);
    let second =
        t.admin.ok(CREATE_WORKSPACE, json!({ "t": t.org.team, "n": "Second" })).await["createWorkspace"]["workspace"]["id"]
            .as_str()
            .expect("ws")
            .to_string();
    t.admin.ok(DELETE_WORKSPACE, json!({ "w": t.org.workspace })).await;
    assert_eq!(t.admin.code(DELETE_WORKSPACE, json!({ "w": second })).await, "FAILED_PRECONDITION");
    assert_eq!(t.owner.ok(count, json!({ "t": t.org.team })).await["node"]["workspaces"]["totalCount"], 1);
    assert_eq!(name_of(&t.owner, &second).await, "Second");
});

both!(team_and_project_memberships_require_an_organization_membership, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let zed = app.user("zed").await;
    assert_eq!(owner.code(ADD, json!({ "s": org.team, "u": zed.id, "r": "developer" })).await, "FAILED_PRECONDITION");
    assert_eq!(owner.code(ADD, json!({ "s": p, "u": zed.id, "r": "labeler" })).await, "FAILED_PRECONDITION");
    assert_eq!(role_of(&owner, &org.team, &zed).await, None);
    assert_eq!(role_of(&owner, &p, &zed).await, None);
    let d = zed.ok("{ viewer { memberships(first: 10) { totalCount } } }", json!({})).await;
    assert_eq!(d["viewer"]["memberships"]["totalCount"], 2, "only the personal org and team: {d}");
});

both!(existing_members_conflict_and_bad_role_keys_are_bad_user_input, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let bob = app.user("bob").await;
    let m_org = add_member(&owner, &org.id, &bob, "worker").await;
    let m_team = add_member(&owner, &org.team, &bob, "developer").await;
    let m_proj = add_member(&owner, &p, &bob, "labeler").await;
    let snapshot = |c: &Client| {
        let c = c.clone();
        let (o, t, p) = (org.id.clone(), org.team.clone(), p.clone());
        async move { (members(&c, &o).await, members(&c, &t).await, members(&c, &p).await) }
    };
    let before = snapshot(&owner).await;

    assert_eq!(owner.code(ADD, json!({ "s": org.id, "u": bob.id, "r": "supervisor" })).await, "CONFLICT");
    assert_eq!(owner.code(ADD, json!({ "s": org.team, "u": bob.id, "r": "viewer" })).await, "CONFLICT");
    assert_eq!(owner.code(ADD, json!({ "s": p, "u": bob.id, "r": "reviewer" })).await, "CONFLICT");

    let carl = app.user("carl").await;
    let bad = [
        (ADD, json!({ "s": org.id, "u": carl.id, "r": "wizard" })),
        (ADD, json!({ "s": org.id, "u": carl.id, "r": "" })),
        (ADD, json!({ "s": org.id, "u": carl.id, "r": "developer" })),
        (ADD, json!({ "s": org.team, "u": bob.id, "r": "worker" })),
        (ADD, json!({ "s": p, "u": bob.id, "r": "admin" })),
        (CHANGE, json!({ "m": m_org, "r": "wizard" })),
        (CHANGE, json!({ "m": m_org, "r": "developer" })),
        (CHANGE, json!({ "m": m_team, "r": "supervisor" })),
        (CHANGE, json!({ "m": m_proj, "r": "viewer" })),
    ];
    for (q, v) in bad {
        let (_, body) = owner.post(q, v.clone()).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{v}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "role", "{v}: {body}");
    }
    assert_eq!(snapshot(&owner).await, before);
});

// ---------------------------------------------------------------- project roles

/// Core's project `Cars`, and org workers who are not in Core.
struct Proj {
    org: Org,
    owner: Client,
    project: String,
}

async fn proj(app: &TestApp, workers: &[&Client]) -> Proj {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let project = create_project(&owner, &org.workspace, "Cars").await;
    for w in workers {
        add_member(&owner, &org.id, w, "worker").await;
    }
    Proj { org, owner, project }
}

both!(project_lead_assigns_manager_reviewer_and_labeler_but_not_lead, |app: TestApp| async move {
    let (lee, mo, rev, lab, x) =
        (app.user("lee").await, app.user("mo").await, app.user("rev").await, app.user("lab").await, app.user("x").await);
    let p = proj(&app, &[&lee, &mo, &rev, &lab, &x]).await;
    let pid = &p.project;
    let m_lee = add_member(&p.owner, pid, &lee, "lead").await;
    let m_mo = add_member(&lee, pid, &mo, "manager").await;
    let m_rev = add_member(&lee, pid, &rev, "reviewer").await;
    let m_lab = add_member(&lee, pid, &lab, "labeler").await;
    lee.ok(CHANGE, json!({ "m": m_rev, "r": "manager" })).await;
    lee.ok(CHANGE, json!({ "m": m_rev, "r": "reviewer" })).await;

    let before = members(&p.owner, pid).await;
    let forbidden = [
        (ADD, json!({ "s": pid, "u": x.id, "r": "lead" })),
        (CHANGE, json!({ "m": m_mo, "r": "lead" })),
        (CHANGE, json!({ "m": m_lee, "r": "manager" })),
        // A team membership is not a project lead's business.
        (ADD, json!({ "s": p.org.team, "u": x.id, "r": "viewer" })),
    ];
    for (q, v) in forbidden {
        assert_eq!(lee.code(q, v.clone()).await, "FORBIDDEN", "{v}");
    }
    // Reviewers and labelers manage nobody.
    assert_eq!(rev.code(ADD, json!({ "s": pid, "u": x.id, "r": "labeler" })).await, "FORBIDDEN");
    assert_eq!(lab.code(REMOVE, json!({ "m": m_rev })).await, "FORBIDDEN");
    assert_eq!(members(&p.owner, pid).await, before);
    lee.ok(REMOVE, json!({ "m": m_lab })).await;
    assert_eq!(role_of(&p.owner, pid, &lab).await, None);
});

both!(project_manager_assigns_only_reviewers_and_labelers, |app: TestApp| async move {
    let (lee, mo, mo2, rev, x) =
        (app.user("lee").await, app.user("mo").await, app.user("mo2").await, app.user("rev").await, app.user("x").await);
    let p = proj(&app, &[&lee, &mo, &mo2, &rev, &x]).await;
    let pid = &p.project;
    let m_lee = add_member(&p.owner, pid, &lee, "lead").await;
    add_member(&p.owner, pid, &mo, "manager").await;
    let m_mo2 = add_member(&p.owner, pid, &mo2, "manager").await;
    let m_rev = add_member(&mo, pid, &rev, "reviewer").await;
    mo.ok(CHANGE, json!({ "m": m_rev, "r": "labeler" })).await;

    let before = members(&p.owner, pid).await;
    let forbidden = [
        (ADD, json!({ "s": pid, "u": x.id, "r": "manager" })),
        (ADD, json!({ "s": pid, "u": x.id, "r": "lead" })),
        (CHANGE, json!({ "m": m_rev, "r": "manager" })),
        (CHANGE, json!({ "m": m_mo2, "r": "reviewer" })),
        (CHANGE, json!({ "m": m_lee, "r": "reviewer" })),
        (REMOVE, json!({ "m": m_lee })),
        (REMOVE, json!({ "m": m_mo2 })),
    ];
    for (q, v) in forbidden {
        assert_eq!(mo.code(q, v.clone()).await, "FORBIDDEN", "{q} {v}");
    }
    assert_eq!(members(&p.owner, pid).await, before);
    mo.ok(REMOVE, json!({ "m": m_rev })).await;
    assert_eq!(role_of(&p.owner, pid, &rev).await, None);
});

both!(team_admin_manages_project_memberships_including_leads, |app: TestApp| async move {
    let (ada, dev, lee, lee2) = (app.user("ada").await, app.user("dev").await, app.user("lee").await, app.user("lee2").await);
    let p = proj(&app, &[&ada, &dev, &lee, &lee2]).await;
    let pid = &p.project;
    add_member(&p.owner, &p.org.team, &ada, "admin").await;
    add_member(&p.owner, &p.org.team, &dev, "developer").await;
    let m_lee = add_member(&ada, pid, &lee, "lead").await;
    let m_lee2 = add_member(&ada, pid, &lee2, "lead").await;
    // A lead cannot unmake another lead; the team admin can.
    assert_eq!(lee.code(CHANGE, json!({ "m": m_lee2, "r": "manager" })).await, "FORBIDDEN");
    assert_eq!(lee.code(REMOVE, json!({ "m": m_lee2 })).await, "FORBIDDEN");
    ada.ok(CHANGE, json!({ "m": m_lee2, "r": "manager" })).await;
    ada.ok(CHANGE, json!({ "m": m_lee, "r": "reviewer" })).await;
    // A developer of the team has no say on project memberships.
    let before = members(&p.owner, pid).await;
    assert_eq!(dev.code(ADD, json!({ "s": pid, "u": dev.id, "r": "lead" })).await, "FORBIDDEN");
    assert_eq!(dev.code(CHANGE, json!({ "m": m_lee, "r": "lead" })).await, "FORBIDDEN");
    assert_eq!(dev.code(REMOVE, json!({ "m": m_lee })).await, "FORBIDDEN");
    assert_eq!(members(&p.owner, pid).await, before);
    ada.ok(REMOVE, json!({ "m": m_lee })).await;
    assert_eq!(role_of(&p.owner, pid, &lee).await, None);
    assert_eq!(role_of(&p.owner, pid, &lee2).await.as_deref(), Some("manager"));
});

both!(a_project_only_labeler_sees_that_project_and_its_ancestors_but_no_other_project, |app: TestApp| async move {
    let lab = app.user("lab").await;
    let p = proj(&app, &[&lab]).await;
    let other = create_project(&p.owner, &p.org.workspace, "Bikes").await;
    let other_ds = create_dataset(&p.owner, &other, None, "b").await;
    let ds = create_dataset(&p.owner, &p.project, None, "a").await;
    add_member(&p.owner, &p.project, &lab, "labeler").await;

    let q = "query($p: ID!) { node(id: $p) { ... on Project { name viewerRole { key } viewerPermissions
               datasets(first: 5) { nodes { id } }
               team { name viewerRole { key } viewerPermissions members(first: 5) { totalCount } organization { slug viewerRole { key } } }
               workspace { name projects(first: 5) { nodes { name } } } } } }";
    let d = lab.ok(q, json!({ "p": p.project })).await;
    let n = &d["node"];
    assert_eq!(n["name"], "Cars");
    assert_eq!(n["viewerRole"]["key"], "labeler");
    assert_eq!(n["viewerPermissions"], json!(["dataset.read", "labeling_job.access", "member.read", "project.read"]));
    assert_eq!(n["datasets"]["nodes"], json!([{ "id": ds }]));
    assert_eq!(n["team"]["name"], "Core");
    assert!(n["team"]["viewerRole"].is_null());
    assert_eq!(n["team"]["viewerPermissions"], json!([]));
    assert_eq!(n["team"]["members"]["totalCount"], 0, "filtered, not nulled: {d}");
    assert_eq!(n["team"]["organization"]["slug"], "acme");
    assert_eq!(n["team"]["organization"]["viewerRole"]["key"], "worker");
    assert_eq!(n["workspace"]["projects"]["nodes"], json!([{ "name": "Cars" }]));
    assert!(lab.ok(NODE_NAME, json!({ "id": other })).await["node"].is_null());
    assert!(lab.ok(NODE_NAME, json!({ "id": other_ds })).await["node"].is_null());
    assert_eq!(lab.code(UPDATE_PROJECT, json!({ "p": other, "n": "x" })).await, "NOT_FOUND");
    assert_eq!(lab.code(UPDATE_PROJECT, json!({ "p": p.project, "n": "x" })).await, "FORBIDDEN");
    assert_eq!(lab.code(CREATE_DATASET, json!({ "p": p.project, "n": "x" })).await, "FORBIDDEN");
    let teams = lab
        .ok(
            "query($o: ID!) { node(id: $o) { ... on Organization { teams(first: 5) { nodes { name } } } } }",
            json!({ "o": p.org.id }),
        )
        .await;
    assert_eq!(teams["node"]["teams"]["nodes"], json!([{ "name": "Core" }]));
    // The labeler may leave the project; then it is gone from their view.
    lab.ok(LEAVE, json!({ "s": p.project })).await;
    assert!(lab.ok(NODE_NAME, json!({ "id": p.project })).await["node"].is_null());
    assert_eq!(name_of(&p.owner, &p.project).await, "Cars");
});

// ---------------------------------------------------------------- races

both!(a_maintainer_never_demotes_someone_the_owner_promotes_at_the_same_time, |app: TestApp| async move {
    let c = cvat(&app).await;
    let org = &c.org.id;
    let m_will = membership_of(&c.owner, org, &c.will).await;
    for round in 0..12 {
        c.owner.ok(CHANGE, json!({ "m": m_will, "r": "worker" })).await;
        let (promote, demote) = {
            let (o, m) = (c.owner.clone(), c.maya.clone());
            let (v1, v2) = (json!({ "m": m_will, "r": "maintainer" }), json!({ "m": m_will, "r": "supervisor" }));
            let a = tokio::spawn(async move { o.post(CHANGE, v1).await.1 });
            let b = tokio::spawn(async move { m.post(CHANGE, v2).await.1 });
            (a.await.expect("task"), b.await.expect("task"))
        };
        assert!(promote.get("errors").is_none(), "the owner's promotion always succeeds: {promote}");
        let final_role = role_of(&c.owner, org, &c.will).await;
        match demote["errors"][0]["extensions"]["code"].as_str() {
            // Ran first, on a worker: the promotion came after it.
            None => {
                assert_eq!(final_role.as_deref(), Some("maintainer"), "round {round}: a maintainer was demoted by a maintainer")
            }
            Some(code) => assert_eq!(code, "FORBIDDEN", "round {round}: {demote}"),
        }
        assert_eq!(final_role.as_deref(), Some("maintainer"), "round {round}");
    }
});

both!(a_team_admin_never_removes_someone_the_owner_makes_admin_at_the_same_time, |app: TestApp| async move {
    let t = team(&app).await;
    let core = &t.org.team;
    for round in 0..12 {
        let m = membership_of(&t.owner, core, &t.developer).await;
        let (promote, remove) = {
            let (o, a) = (t.owner.clone(), t.admin.clone());
            let (v1, v2) = (json!({ "m": m, "r": "admin" }), json!({ "m": m }));
            let x = tokio::spawn(async move { o.post(CHANGE, v1).await.1 });
            let y = tokio::spawn(async move { a.post(REMOVE, v2).await.1 });
            (x.await.expect("task"), y.await.expect("task"))
        };
        let code = |b: &Value| b["errors"][0]["extensions"]["code"].as_str().map(str::to_string);
        match (code(&promote), code(&remove)) {
            // Removed first: the promotion finds nothing.
            (Some(p), None) => assert_eq!(p, "NOT_FOUND", "round {round}"),
            // Promoted first: a team admin may not remove an admin.
            (None, Some(r)) => assert_eq!(r, "FORBIDDEN", "round {round}"),
            other => panic!("round {round}: exactly one must succeed, got {other:?}: {promote} {remove}"),
        }
        // Reset: the developer is back as a developer.
        if role_of(&t.owner, core, &t.developer).await.is_some() {
            t.owner.ok(REMOVE, json!({ "m": m })).await;
        }
        add_member(&t.owner, core, &t.developer, "developer").await;
    }
});
