//! User groups (issue 5 item 3, seed 003): an organization's groups, their members and
//! project assignments; group access follows membership of the group at once and is not
//! a project membership.

use crate::both;
use crate::helpers::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const CREATE: &str = "mutation($o: ID!, $n: String!, $d: String) {
    createGroup(input: { organizationId: $o, name: $n, description: $d }) { group { id name description } } }";
const UPDATE: &str = "mutation($g: ID!, $n: String, $d: String) {
    updateGroup(input: { groupId: $g, name: $n, description: $d }) { group { id name description } } }";
const DELETE: &str = "mutation($g: ID!) { deleteGroup(input: { groupId: $g }) { deletedGroupId } }";
const ADD: &str = "mutation($g: ID!, $u: ID!) { addGroupMember(input: { groupId: $g, userId: $u }) {
    group { members(first: 10) { totalCount nodes { user { id } addedAt } } } } }";
const REMOVE: &str = "mutation($g: ID!, $u: ID!) { removeGroupMember(input: { groupId: $g, userId: $u }) {
    group { members { totalCount } } } }";
const ASSIGN: &str = "mutation($g: ID!, $p: ID!, $r: String!) {
    assignGroupToProject(input: { groupId: $g, projectId: $p, role: $r }) {
    group { projects { nodes { project { id } role { key } assignedAt } } } } }";
const UNASSIGN: &str = "mutation($g: ID!, $p: ID!) { unassignGroupFromProject(input: { groupId: $g, projectId: $p }) {
    group { projects { nodes { role { key } } } } } }";
const GROUP: &str = "query($id: ID!) { node(id: $id) { ... on Group { id name description organization { id }
    members(first: 10) { totalCount nodes { user { id } } } projects { nodes { project { id } role { key } } } } } }";
const ORG_GROUPS: &str = "query($s: String!) { organization(slug: $s) { groups { totalCount nodes { id name } } } }";
const PROJECT: &str = "query($id: ID!) { node(id: $id) { ... on Project { id viewerPermissions
    canCreate: viewerCan(permission: \"dataset.create\") } } }";
const REMOVE_MEMBER: &str = "mutation($m: ID!) { removeMember(input: { membershipId: $m }) { removedMembershipId } }";

async fn create_group(by: &Client, org: &str, name: &str) -> String {
    let d = by.ok(CREATE, json!({ "o": org, "n": name })).await;
    d["createGroup"]["group"]["id"].as_str().expect("group id").to_string()
}

async fn group(c: &Client, id: &str) -> Value {
    c.ok(GROUP, json!({ "id": id })).await["node"].clone()
}

async fn group_names(c: &Client, slug: &str) -> Vec<String> {
    let d = c.ok(ORG_GROUPS, json!({ "s": slug })).await;
    let nodes = d["organization"]["groups"]["nodes"].as_array().cloned().unwrap_or_default();
    nodes.iter().map(|n| n["name"].as_str().expect("name").to_string()).collect()
}

/// The viewer's permission keys on the project; `None` when they do not see it.
async fn project_permissions(c: &Client, project: &str) -> Option<Vec<String>> {
    let d = c.ok(PROJECT, json!({ "id": project })).await;
    let keys = d["node"]["viewerPermissions"].as_array()?;
    Some(keys.iter().map(|k| k.as_str().expect("key").to_string()).collect())
}

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    let db = sea_orm::Database::connect(&app.database_url).await.expect("connect");
    entity::audit_entry::Entity::find()
        .filter(entity::audit_entry::Column::Action.eq(action))
        .filter(entity::audit_entry::Column::TargetKind.eq("Group"))
        .count(&db)
        .await
        .expect("count")
}

async fn group_member_rows(app: &TestApp) -> u64 {
    let db = sea_orm::Database::connect(&app.database_url).await.expect("connect");
    entity::group_member::Entity::find().count(&db).await.expect("count")
}

/// An organization with a project; `worker` is an organization `worker` (no team role,
/// so they see no project), `sup` a `supervisor` (group.read only).
struct Setup {
    org: Org,
    project: String,
    owner: Client,
    worker: Client,
    worker_membership: String,
    sup: Client,
    outsider: Client,
}

async fn setup(app: &TestApp) -> Setup {
    let owner = app.user("owner").await;
    let worker = app.user("worker").await;
    let sup = app.user("sup").await;
    let outsider = app.user("outsider").await;
    let org = create_org(&owner, "acme").await;
    let project = create_project(&owner, &org.workspace, "P1").await;
    let worker_membership = add_member(&owner, &org.id, &worker, "worker").await;
    add_member(&owner, &org.id, &sup, "supervisor").await;
    Setup { org, project, owner, worker, worker_membership, sup, outsider }
}

both!(owner_creates_updates_and_deletes_a_group, |app: TestApp| async move {
    let s = setup(&app).await;
    let d = s.owner.ok(CREATE, json!({ "o": s.org.id, "n": "  Labelers ", "d": "night shift" })).await;
    let g = d["createGroup"]["group"].clone();
    assert_eq!(g["name"], "Labelers");
    assert_eq!(g["description"], "night shift");
    let id = g["id"].as_str().expect("id").to_string();
    let seen = group(&s.owner, &id).await;
    assert_eq!(seen["organization"]["id"], s.org.id.as_str());
    assert_eq!(seen["members"]["totalCount"], 0);
    assert_eq!(group_names(&s.owner, "acme").await, vec!["Labelers"]);

    let d = s.owner.ok(UPDATE, json!({ "g": id, "n": "Reviewers" })).await;
    assert_eq!(d["updateGroup"]["group"]["name"], "Reviewers");
    assert_eq!(d["updateGroup"]["group"]["description"], "night shift");
    let d = s.owner.ok(UPDATE, json!({ "g": id, "d": "" })).await;
    assert_eq!(d["updateGroup"]["group"]["description"], Value::Null);

    let d = s.owner.ok(DELETE, json!({ "g": id })).await;
    assert_eq!(d["deleteGroup"]["deletedGroupId"], id.as_str());
    assert_eq!(group(&s.owner, &id).await, Value::Null);
    assert!(group_names(&s.owner, "acme").await.is_empty());
    assert_eq!(s.owner.code(DELETE, json!({ "g": id })).await, "NOT_FOUND");
    assert_eq!(audit_count(&app, "group.created").await, 1);
    assert_eq!(audit_count(&app, "group.updated").await, 2);
    assert_eq!(audit_count(&app, "group.deleted").await, 1);
});

both!(group_names_are_validated_and_unique_per_organization, |app: TestApp| async move {
    let s = setup(&app).await;
    let id = create_group(&s.owner, &s.org.id, "Team A").await;
    create_group(&s.owner, &s.org.id, "Team B").await;
    assert_eq!(s.owner.code(CREATE, json!({ "o": s.org.id, "n": "Team A" })).await, "CONFLICT");
    assert_eq!(s.owner.code(CREATE, json!({ "o": s.org.id, "n": "   " })).await, "BAD_USER_INPUT");
    assert_eq!(s.owner.code(CREATE, json!({ "o": s.org.id, "n": "x".repeat(129) })).await, "BAD_USER_INPUT");
    assert_eq!(s.owner.code(UPDATE, json!({ "g": id, "n": "Team B" })).await, "CONFLICT");
    assert_eq!(s.owner.code(UPDATE, json!({ "g": "nope", "n": "Team C" })).await, "BAD_USER_INPUT");
    assert_eq!(s.owner.code(UPDATE, json!({ "g": s.org.id, "n": "Team C" })).await, "NOT_FOUND");
    assert_eq!(group_names(&s.owner, "acme").await, vec!["Team A", "Team B"]);
    // Another organization may use the same name.
    let other = create_org(&s.owner, "other").await;
    create_group(&s.owner, &other.id, "Team A").await;
});

both!(writes_need_group_manage_and_reads_need_group_read_or_membership, |app: TestApp| async move {
    let s = setup(&app).await;
    let id = create_group(&s.owner, &s.org.id, "Core").await;
    // A worker (no group.read) sees no group; an outsider not even the organization.
    assert_eq!(s.worker.code(CREATE, json!({ "o": s.org.id, "n": "Mine" })).await, "FORBIDDEN");
    assert_eq!(s.outsider.code(CREATE, json!({ "o": s.org.id, "n": "Mine" })).await, "NOT_FOUND");
    assert_eq!(group(&s.worker, &id).await, Value::Null);
    assert_eq!(group(&s.outsider, &id).await, Value::Null);
    assert!(group_names(&s.worker, "acme").await.is_empty());
    assert_eq!(s.worker.code(UPDATE, json!({ "g": id, "n": "Hacked" })).await, "NOT_FOUND");
    assert_eq!(s.outsider.code(DELETE, json!({ "g": id })).await, "NOT_FOUND");
    // A supervisor reads (group.read) but may not change (no group.manage).
    assert_eq!(group(&s.sup, &id).await["name"], "Core");
    assert_eq!(group_names(&s.sup, "acme").await, vec!["Core"]);
    assert_eq!(s.sup.code(UPDATE, json!({ "g": id, "n": "Hacked" })).await, "FORBIDDEN");
    assert_eq!(s.sup.code(DELETE, json!({ "g": id })).await, "FORBIDDEN");
    assert_eq!(s.sup.code(ADD, json!({ "g": id, "u": s.sup.id })).await, "FORBIDDEN");
    // Nothing changed.
    let g = group(&s.owner, &id).await;
    assert_eq!(g["name"], "Core");
    assert_eq!(g["members"]["totalCount"], 0);
    assert_eq!(g["projects"]["nodes"], json!([]));
    assert_eq!(group_names(&s.owner, "acme").await, vec!["Core"]);
    assert_eq!(audit_count(&app, "group.created").await, 1);
    assert_eq!(audit_count(&app, "group.updated").await, 0);
});

both!(a_member_sees_their_own_groups_only, |app: TestApp| async move {
    let s = setup(&app).await;
    let mine = create_group(&s.owner, &s.org.id, "Mine").await;
    let other = create_group(&s.owner, &s.org.id, "Other").await;
    let d = s.owner.ok(ADD, json!({ "g": mine, "u": s.worker.id })).await;
    assert_eq!(d["addGroupMember"]["group"]["members"]["nodes"][0]["user"]["id"], s.worker.id.as_str());
    let g = group(&s.worker, &mine).await;
    assert_eq!(g["name"], "Mine");
    assert_eq!(g["members"]["nodes"][0]["user"]["id"], s.worker.id.as_str());
    assert_eq!(group(&s.worker, &other).await, Value::Null);
    assert_eq!(group_names(&s.worker, "acme").await, vec!["Mine"]);
    // Membership is not management.
    assert_eq!(s.worker.code(UPDATE, json!({ "g": mine, "n": "Renamed" })).await, "FORBIDDEN");
    assert_eq!(group(&s.owner, &mine).await["name"], "Mine");
});

both!(group_members_are_active_organization_members_once, |app: TestApp| async move {
    let s = setup(&app).await;
    let id = create_group(&s.owner, &s.org.id, "Core").await;
    s.owner.ok(ADD, json!({ "g": id, "u": s.worker.id })).await;
    assert_eq!(s.owner.code(ADD, json!({ "g": id, "u": s.worker.id })).await, "CONFLICT");
    assert_eq!(s.owner.code(ADD, json!({ "g": id, "u": s.org.id })).await, "NOT_FOUND");
    assert_eq!(s.owner.code(REMOVE, json!({ "g": id, "u": s.sup.id })).await, "FAILED_PRECONDITION");
    assert_eq!(group(&s.owner, &id).await["members"]["totalCount"], 1);
    assert_eq!(audit_count(&app, "group.member_added").await, 1);
    let d = s.owner.ok(REMOVE, json!({ "g": id, "u": s.worker.id })).await;
    assert_eq!(d["removeGroupMember"]["group"]["members"]["totalCount"], 0);
    assert_eq!(audit_count(&app, "group.member_removed").await, 1);
});

both!(member_changes_check_group_manage_then_hide_users_the_viewer_does_not_see, |app: TestApp| async move {
    let s = setup(&app).await;
    let id = create_group(&s.owner, &s.org.id, "Core").await;
    s.owner.ok(ADD, json!({ "g": id, "u": s.worker.id })).await;
    let unknown = orgraph::graphql::ids::encode(orgraph::graphql::ids::Kind::User, uuid::Uuid::now_v7()).0;
    // Without group.manage (a group member, a supervisor) every user id is FORBIDDEN: no probing.
    for c in [&s.worker, &s.sup] {
        for u in [&unknown, &s.outsider.id, &s.sup.id] {
            assert_eq!(c.code(ADD, json!({ "g": id, "u": u })).await, "FORBIDDEN");
            assert_eq!(c.code(REMOVE, json!({ "g": id, "u": u })).await, "FORBIDDEN");
        }
    }
    // A manager: a user who does not exist or shares no organization is NOT_FOUND alike.
    for u in [&unknown, &s.outsider.id] {
        assert_eq!(s.owner.code(ADD, json!({ "g": id, "u": u })).await, "NOT_FOUND");
        assert_eq!(s.owner.code(REMOVE, json!({ "g": id, "u": u })).await, "NOT_FOUND");
    }
    // Once they share another organization, the outsider is seen: not a member here.
    let other = create_org(&s.owner, "other").await;
    add_member(&s.owner, &other.id, &s.outsider, "worker").await;
    assert_eq!(s.owner.code(ADD, json!({ "g": id, "u": s.outsider.id })).await, "FAILED_PRECONDITION");
    assert_eq!(s.owner.code(REMOVE, json!({ "g": id, "u": s.outsider.id })).await, "FAILED_PRECONDITION");
    assert_eq!(group_member_rows(&app).await, 1, "nothing changed");
    assert_eq!(audit_count(&app, "group.member_added").await, 1);
    assert_eq!(audit_count(&app, "group.member_removed").await, 0);
});

both!(an_assignment_gives_members_the_role_until_it_is_withdrawn, |app: TestApp| async move {
    let s = setup(&app).await;
    let id = create_group(&s.owner, &s.org.id, "Reviewers").await;
    let team_projects = "query($id: ID!) { node(id: $id) { ... on Team { workspaces(first: 5) { nodes { projects(first: 5) { nodes { id } } } } } } }";
    assert_eq!(project_permissions(&s.worker, &s.project).await, None);
    s.owner.ok(ADD, json!({ "g": id, "u": s.worker.id })).await;
    assert_eq!(project_permissions(&s.worker, &s.project).await, None);

    let d = s.owner.ok(ASSIGN, json!({ "g": id, "p": s.project, "r": "reviewer" })).await;
    assert_eq!(d["assignGroupToProject"]["group"]["projects"]["nodes"][0]["role"]["key"], "reviewer");
    let keys = project_permissions(&s.worker, &s.project).await.expect("visible through the group");
    assert!(keys.contains(&"project.read".to_string()) && keys.contains(&"labeling_job.access".to_string()), "{keys:?}");
    assert!(!keys.contains(&"dataset.create".to_string()), "{keys:?}");
    let d = s.worker.ok(team_projects, json!({ "id": s.org.team })).await;
    assert_eq!(d["node"]["workspaces"]["nodes"][0]["projects"]["nodes"][0]["id"], s.project.as_str());
    let g = group(&s.worker, &id).await;
    assert_eq!(g["projects"]["nodes"][0]["project"]["id"], s.project.as_str());

    // Re-assigning changes the role.
    let d = s.owner.ok(ASSIGN, json!({ "g": id, "p": s.project, "r": "manager" })).await;
    assert_eq!(d["assignGroupToProject"]["group"]["projects"]["nodes"].as_array().map(Vec::len), Some(1));
    let d = s.worker.ok(PROJECT, json!({ "id": s.project })).await;
    assert_eq!(d["node"]["canCreate"], true);

    // Leaving the group takes the access away on the next request.
    s.owner.ok(REMOVE, json!({ "g": id, "u": s.worker.id })).await;
    assert_eq!(project_permissions(&s.worker, &s.project).await, None);
    let d = s.worker.ok(team_projects, json!({ "id": s.org.team })).await;
    assert_eq!(d["node"], Value::Null);

    // So does withdrawing the assignment, and deleting the group.
    s.owner.ok(ADD, json!({ "g": id, "u": s.worker.id })).await;
    assert!(project_permissions(&s.worker, &s.project).await.is_some());
    let d = s.owner.ok(UNASSIGN, json!({ "g": id, "p": s.project })).await;
    assert_eq!(d["unassignGroupFromProject"]["group"]["projects"]["nodes"], json!([]));
    assert_eq!(project_permissions(&s.worker, &s.project).await, None);
    assert_eq!(s.owner.code(UNASSIGN, json!({ "g": id, "p": s.project })).await, "FAILED_PRECONDITION");
    s.owner.ok(ASSIGN, json!({ "g": id, "p": s.project, "r": "labeler" })).await;
    assert!(project_permissions(&s.worker, &s.project).await.is_some());
    s.owner.ok(DELETE, json!({ "g": id })).await;
    assert_eq!(project_permissions(&s.worker, &s.project).await, None);
    assert_eq!(audit_count(&app, "group.project_assigned").await, 3);
    assert_eq!(audit_count(&app, "group.project_unassigned").await, 1);
});

both!(assignments_need_a_project_role_and_a_visible_project_of_the_organization, |app: TestApp| async move {
    let s = setup(&app).await;
    let id = create_group(&s.owner, &s.org.id, "Core").await;
    for bad in ["owner", "admin", "nope", ""] {
        let code = s.owner.code(ASSIGN, json!({ "g": id, "p": s.project, "r": bad })).await;
        assert_eq!(code, "BAD_USER_INPUT", "{bad}");
    }
    let other = create_org(&s.owner, "other").await;
    let foreign = create_project(&s.owner, &other.workspace, "Elsewhere").await;
    assert_eq!(s.owner.code(ASSIGN, json!({ "g": id, "p": foreign, "r": "labeler" })).await, "NOT_FOUND");
    assert_eq!(s.owner.code(ASSIGN, json!({ "g": id, "p": s.org.team, "r": "labeler" })).await, "NOT_FOUND");
    // The supervisor (group.read, no project access) sees the group, not the project.
    let sup_project = create_project(&s.owner, &s.org.workspace, "Hidden").await;
    assert_eq!(s.sup.code(ASSIGN, json!({ "g": id, "p": sup_project, "r": "labeler" })).await, "NOT_FOUND");
    assert_eq!(group(&s.owner, &id).await["projects"]["nodes"], json!([]));
    assert_eq!(audit_count(&app, "group.project_assigned").await, 0);
});

const CREATE_ROLE: &str = "mutation($o: ID!, $p: [String!]!) {
    createRole(input: { organizationId: $o, key: \"group_admin\", name: \"Group admin\", scopeKind: ORGANIZATION, permissions: $p }) {
    role { key } } }";

both!(nobody_assigns_a_group_role_they_do_not_hold, |app: TestApp| async move {
    let s = setup(&app).await;
    // A custom organization role that manages groups but holds no project keys; its
    // holder is a `labeler` on the project.
    let perms = json!(["org.read", "member.read", "group.read", "group.manage"]);
    s.owner.ok(CREATE_ROLE, json!({ "o": s.org.id, "p": perms })).await;
    let ga = app.user("ga").await;
    add_member(&s.owner, &s.org.id, &ga, "group_admin").await;
    add_member(&s.owner, &s.project, &ga, "labeler").await;
    let id = create_group(&ga, &s.org.id, "Core").await;
    assert_eq!(ga.code(ASSIGN, json!({ "g": id, "p": s.project, "r": "lead" })).await, "FORBIDDEN");
    assert_eq!(group(&s.owner, &id).await["projects"]["nodes"], json!([]));
    ga.ok(ASSIGN, json!({ "g": id, "p": s.project, "r": "labeler" })).await;
    assert_eq!(ga.code(ASSIGN, json!({ "g": id, "p": s.project, "r": "manager" })).await, "FORBIDDEN");
    assert_eq!(group(&s.owner, &id).await["projects"]["nodes"][0]["role"]["key"], "labeler");
    ga.ok(ADD, json!({ "g": id, "u": s.worker.id })).await;
    // A group with a role the actor lacks: adding a member would hand it out.
    let lead = create_group(&s.owner, &s.org.id, "Leads").await;
    s.owner.ok(ASSIGN, json!({ "g": lead, "p": s.project, "r": "lead" })).await;
    assert_eq!(ga.code(ADD, json!({ "g": lead, "u": s.sup.id })).await, "FORBIDDEN");
    assert_eq!(group(&s.owner, &lead).await["members"]["totalCount"], 0);
});

both!(group_access_is_not_a_project_membership, |app: TestApp| async move {
    let s = setup(&app).await;
    let id = create_group(&s.owner, &s.org.id, "Managers").await;
    s.owner.ok(ADD, json!({ "g": id, "u": s.worker.id })).await;
    s.owner.ok(ASSIGN, json!({ "g": id, "p": s.project, "r": "manager" })).await;
    let members = "query($id: ID!) { node(id: $id) { ... on Project { members { totalCount nodes { user { id } } } } } }";
    let d = s.owner.ok(members, json!({ "id": s.project })).await;
    assert_eq!(d["node"]["members"]["totalCount"], 0);

    // A direct `labeler` membership adds nothing the group does not give; removing it
    // leaves the group access in place.
    let direct = add_member(&s.owner, &s.project, &s.worker, "labeler").await;
    let d = s.owner.ok(members, json!({ "id": s.project })).await;
    assert_eq!(d["node"]["members"]["totalCount"], 1);
    assert_eq!(s.worker.ok(PROJECT, json!({ "id": s.project })).await["node"]["canCreate"], true);
    s.owner.ok(REMOVE_MEMBER, json!({ "m": direct })).await;
    let keys = project_permissions(&s.worker, &s.project).await.expect("still visible through the group");
    assert!(keys.contains(&"dataset.create".to_string()), "{keys:?}");

    // The union: a direct `lead` adds `project.update` on top of the group's `manager`.
    let direct = add_member(&s.owner, &s.project, &s.worker, "lead").await;
    let keys = project_permissions(&s.worker, &s.project).await.expect("visible");
    assert!(keys.contains(&"project.update".to_string()), "{keys:?}");
    let change = "mutation($m: ID!) { changeMemberRole(input: { membershipId: $m, role: \"reviewer\" }) { membership { id } } }";
    s.owner.ok(change, json!({ "m": direct })).await;
    let keys = project_permissions(&s.worker, &s.project).await.expect("visible");
    assert!(!keys.contains(&"project.update".to_string()) && keys.contains(&"dataset.create".to_string()), "{keys:?}");
});

both!(leaving_the_organization_leaves_its_groups, |app: TestApp| async move {
    let s = setup(&app).await;
    let id = create_group(&s.owner, &s.org.id, "Core").await;
    s.owner.ok(ADD, json!({ "g": id, "u": s.worker.id })).await;
    s.owner.ok(ADD, json!({ "g": id, "u": s.sup.id })).await;
    s.owner.ok(ASSIGN, json!({ "g": id, "p": s.project, "r": "labeler" })).await;
    assert!(project_permissions(&s.worker, &s.project).await.is_some());
    s.owner.ok(REMOVE_MEMBER, json!({ "m": s.worker_membership })).await;
    assert_eq!(group(&s.owner, &id).await["members"]["totalCount"], 1);
    assert_eq!(group_member_rows(&app).await, 1);
    // Back in the organization, the user is not back in the group.
    add_member(&s.owner, &s.org.id, &s.worker, "worker").await;
    assert_eq!(project_permissions(&s.worker, &s.project).await, None);
    assert_eq!(group(&s.worker, &id).await, Value::Null);
    // Leaving on one's own does the same.
    let leave = "mutation($s: ID!) { leaveScope(input: { scopeId: $s }) { leftScopeId } }";
    s.sup.ok(leave, json!({ "s": s.org.id })).await;
    assert_eq!(group(&s.owner, &id).await["members"]["totalCount"], 0);
    assert_eq!(audit_count(&app, "group.member_removed").await, 2);
});

both!(a_project_moving_to_another_organization_leaves_the_groups, |app: TestApp| async move {
    let s = setup(&app).await;
    let id = create_group(&s.owner, &s.org.id, "Core").await;
    s.owner.ok(ADD, json!({ "g": id, "u": s.worker.id })).await;
    s.owner.ok(ASSIGN, json!({ "g": id, "p": s.project, "r": "labeler" })).await;
    let other = create_org(&s.owner, "other").await;
    let transfer = "mutation($p: ID!, $w: ID!) { transferProject(input: { projectId: $p, workspaceId: $w }) { project { id } } }";
    s.owner.ok(transfer, json!({ "p": s.project, "w": other.workspace })).await;
    assert_eq!(group(&s.owner, &id).await["projects"]["nodes"], json!([]));
    assert_eq!(project_permissions(&s.worker, &s.project).await, None);
});

both!(concurrent_adds_of_one_user_make_one_membership, |app: TestApp| async move {
    let s = setup(&app).await;
    let id = create_group(&s.owner, &s.org.id, "Core").await;
    let attempts = (0..8).map(|_| {
        let (owner, id, user) = (s.owner.clone(), id.clone(), s.worker.id.clone());
        tokio::spawn(async move { owner.post(ADD, json!({ "g": id, "u": user })).await.1 })
    });
    let bodies: Vec<Value> = futures_util::future::join_all(attempts).await.into_iter().map(|r| r.expect("task")).collect();
    let ok = bodies.iter().filter(|b| b.get("errors").is_none()).count();
    let conflicts = bodies.iter().filter(|b| b["errors"][0]["extensions"]["code"] == "CONFLICT").count();
    assert_eq!((ok, conflicts), (1, 7), "{bodies:?}");
    assert_eq!(group(&s.owner, &id).await["members"]["totalCount"], 1);
    assert_eq!(audit_count(&app, "group.member_added").await, 1);
});

const NESTED: &str = "query($s: String!) { organization(slug: $s) { groups(first: 10) { nodes { name
    members(first: 3) { totalCount nodes { user { id name } } } projects { nodes { role { key } project { name } } } } } } }";

both!(nested_group_queries_cost_statements_per_level, settings = counting_statements, |app: TestApp| async move {
    let s = setup(&app).await;
    let mut counts = Vec::new();
    let mut total = 0;
    for round in 0..2 {
        for i in 0..(1 + round * 4) {
            total += 1;
            let g = create_group(&s.owner, &s.org.id, &format!("G{round}-{i}")).await;
            s.owner.ok(ADD, json!({ "g": g, "u": s.worker.id })).await;
            s.owner.ok(ADD, json!({ "g": g, "u": s.sup.id })).await;
            s.owner.ok(ASSIGN, json!({ "g": g, "p": s.project, "r": "labeler" })).await;
        }
        // Warm the token's user row, then count one query.
        s.owner.ok(NESTED, json!({ "s": "acme" })).await;
        let before = app.statement_count();
        let d = s.owner.ok(NESTED, json!({ "s": "acme" })).await;
        counts.push(app.statement_count() - before);
        assert_eq!(d["organization"]["groups"]["nodes"].as_array().map(Vec::len), Some(total));
    }
    assert_eq!(counts[0], counts[1], "statements grew with the number of groups: {counts:?}");
});
