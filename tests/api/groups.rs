//! User groups (issue 5 item 3, seed 003): an organization's groups, their members and
//! project assignments; group access follows membership of the group at once and is not
//! a project membership. The actors are `DefaultOrg`'s: the owner manages groups, the
//! supervisor reads them (`group.read`), the worker sees no project until a group gives one.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
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
    let db = app.database().await;
    entity::audit_entry::Entity::find()
        .filter(entity::audit_entry::Column::Action.eq(action))
        .filter(entity::audit_entry::Column::TargetKind.eq("Group"))
        .count(&db)
        .await
        .expect("count")
}

async fn group_member_rows(app: &TestApp) -> u64 {
    let db = app.database().await;
    entity::group_member::Entity::find().count(&db).await.expect("count")
}

both!(owner_creates_updates_and_deletes_a_group, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let d = t.owner.ok(CREATE, json!({ "o": t.org, "n": "  Labelers ", "d": "night shift" })).await;
    let g = d["createGroup"]["group"].clone();
    assert_eq!(g["name"], "Labelers");
    assert_eq!(g["description"], "night shift");
    let id = g["id"].as_str().expect("id").to_string();
    let seen = group(&t.owner, &id).await;
    assert_eq!(seen["organization"]["id"], t.org.as_str());
    assert_eq!(seen["members"]["totalCount"], 0);
    assert_eq!(group_names(&t.owner, "acme").await, vec!["Labelers"]);

    let d = t.owner.ok(UPDATE, json!({ "g": id, "n": "Reviewers" })).await;
    assert_eq!(d["updateGroup"]["group"]["name"], "Reviewers");
    assert_eq!(d["updateGroup"]["group"]["description"], "night shift");
    let d = t.owner.ok(UPDATE, json!({ "g": id, "d": "" })).await;
    assert_eq!(d["updateGroup"]["group"]["description"], Value::Null);

    let d = t.owner.ok(DELETE, json!({ "g": id })).await;
    assert_eq!(d["deleteGroup"]["deletedGroupId"], id.as_str());
    assert_eq!(group(&t.owner, &id).await, Value::Null);
    assert!(group_names(&t.owner, "acme").await.is_empty());
    assert_eq!(t.owner.code(DELETE, json!({ "g": id })).await, "NOT_FOUND");
    assert_eq!(audit_count(&app, "group.created").await, 1);
    assert_eq!(audit_count(&app, "group.updated").await, 2);
    assert_eq!(audit_count(&app, "group.deleted").await, 1);
});

both!(group_names_are_validated_and_unique_per_organization, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = create_group(&t.owner, &t.org, "Team A").await;
    create_group(&t.owner, &t.org, "Team B").await;
    assert_eq!(t.owner.code(CREATE, json!({ "o": t.org, "n": "Team A" })).await, "CONFLICT");
    assert_eq!(t.owner.code(CREATE, json!({ "o": t.org, "n": "   " })).await, "BAD_USER_INPUT");
    assert_eq!(t.owner.code(CREATE, json!({ "o": t.org, "n": "x".repeat(129) })).await, "BAD_USER_INPUT");
    assert_eq!(t.owner.code(UPDATE, json!({ "g": id, "n": "Team B" })).await, "CONFLICT");
    assert_eq!(t.owner.code(UPDATE, json!({ "g": "nope", "n": "Team C" })).await, "BAD_USER_INPUT");
    assert_eq!(t.owner.code(UPDATE, json!({ "g": t.org, "n": "Team C" })).await, "NOT_FOUND");
    assert_eq!(group_names(&t.owner, "acme").await, vec!["Team A", "Team B"]);
    // Another organization may use the same name.
    let other = create_org(&t.owner, "other").await;
    create_group(&t.owner, &other.id, "Team A").await;
});

both!(writes_need_group_manage_and_reads_need_group_read_or_membership, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = create_group(&t.owner, &t.org, "Core").await;
    // A worker (no group.read) sees no group; an outsider not even the organization.
    assert_eq!(t.worker.code(CREATE, json!({ "o": t.org, "n": "Mine" })).await, "FORBIDDEN");
    assert_eq!(t.outsider.code(CREATE, json!({ "o": t.org, "n": "Mine" })).await, "NOT_FOUND");
    assert_eq!(group(&t.worker, &id).await, Value::Null);
    assert_eq!(group(&t.outsider, &id).await, Value::Null);
    assert!(group_names(&t.worker, "acme").await.is_empty());
    assert_eq!(t.worker.code(UPDATE, json!({ "g": id, "n": "Hacked" })).await, "NOT_FOUND");
    assert_eq!(t.outsider.code(DELETE, json!({ "g": id })).await, "NOT_FOUND");
    // A supervisor reads (group.read) but may not change (no group.manage).
    assert_eq!(group(&t.supervisor, &id).await["name"], "Core");
    assert_eq!(group_names(&t.supervisor, "acme").await, vec!["Core"]);
    assert_eq!(t.supervisor.code(UPDATE, json!({ "g": id, "n": "Hacked" })).await, "FORBIDDEN");
    assert_eq!(t.supervisor.code(DELETE, json!({ "g": id })).await, "FORBIDDEN");
    assert_eq!(t.supervisor.code(ADD, json!({ "g": id, "u": t.supervisor.id })).await, "FORBIDDEN");
    // Nothing changed.
    let g = group(&t.owner, &id).await;
    assert_eq!(g["name"], "Core");
    assert_eq!(g["members"]["totalCount"], 0);
    assert_eq!(g["projects"]["nodes"], json!([]));
    assert_eq!(group_names(&t.owner, "acme").await, vec!["Core"]);
    assert_eq!(audit_count(&app, "group.created").await, 1);
    assert_eq!(audit_count(&app, "group.updated").await, 0);
});

both!(a_member_sees_their_own_groups_only, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let mine = create_group(&t.owner, &t.org, "Mine").await;
    let other = create_group(&t.owner, &t.org, "Other").await;
    let d = t.owner.ok(ADD, json!({ "g": mine, "u": t.worker.id })).await;
    assert_eq!(d["addGroupMember"]["group"]["members"]["nodes"][0]["user"]["id"], t.worker.id.as_str());
    let g = group(&t.worker, &mine).await;
    assert_eq!(g["name"], "Mine");
    assert_eq!(g["members"]["nodes"][0]["user"]["id"], t.worker.id.as_str());
    assert_eq!(group(&t.worker, &other).await, Value::Null);
    assert_eq!(group_names(&t.worker, "acme").await, vec!["Mine"]);
    // Membership is not management.
    assert_eq!(t.worker.code(UPDATE, json!({ "g": mine, "n": "Renamed" })).await, "FORBIDDEN");
    assert_eq!(group(&t.owner, &mine).await["name"], "Mine");
});

both!(group_members_are_active_organization_members_once, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = create_group(&t.owner, &t.org, "Core").await;
    t.owner.ok(ADD, json!({ "g": id, "u": t.worker.id })).await;
    assert_eq!(t.owner.code(ADD, json!({ "g": id, "u": t.worker.id })).await, "CONFLICT");
    assert_eq!(t.owner.code(ADD, json!({ "g": id, "u": t.org })).await, "NOT_FOUND");
    assert_eq!(t.owner.code(REMOVE, json!({ "g": id, "u": t.supervisor.id })).await, "FAILED_PRECONDITION");
    assert_eq!(group(&t.owner, &id).await["members"]["totalCount"], 1);
    assert_eq!(audit_count(&app, "group.member_added").await, 1);
    let d = t.owner.ok(REMOVE, json!({ "g": id, "u": t.worker.id })).await;
    assert_eq!(d["removeGroupMember"]["group"]["members"]["totalCount"], 0);
    assert_eq!(audit_count(&app, "group.member_removed").await, 1);
});

both!(member_changes_hide_users_the_viewer_does_not_see_then_check_group_manage, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = create_group(&t.owner, &t.org, "Core").await;
    t.owner.ok(ADD, json!({ "g": id, "u": t.worker.id })).await;
    let unknown = orgraph::graphql::ids::encode(orgraph::graphql::ids::Kind::User, uuid::Uuid::now_v7()).0;
    // Without group.manage (a group member, a supervisor): a user the viewer does not see is
    // NOT_FOUND, existing or not (visibility before permission, RULES.md §3, §9.8); one
    // they see is FORBIDDEN.
    for c in [&t.worker, &t.supervisor] {
        for u in [&unknown, &t.outsider.id] {
            assert_eq!(c.code(ADD, json!({ "g": id, "u": u })).await, "NOT_FOUND");
            assert_eq!(c.code(REMOVE, json!({ "g": id, "u": u })).await, "NOT_FOUND");
        }
        assert_eq!(c.code(ADD, json!({ "g": id, "u": t.supervisor.id })).await, "FORBIDDEN");
        assert_eq!(c.code(REMOVE, json!({ "g": id, "u": t.supervisor.id })).await, "FORBIDDEN");
    }
    // A manager: a user who does not exist or shares no organization is NOT_FOUND alike.
    for u in [&unknown, &t.outsider.id] {
        assert_eq!(t.owner.code(ADD, json!({ "g": id, "u": u })).await, "NOT_FOUND");
        assert_eq!(t.owner.code(REMOVE, json!({ "g": id, "u": u })).await, "NOT_FOUND");
    }
    // Once they share another organization, the outsider is seen: not a member here.
    let other = create_org(&t.owner, "other").await;
    add_member(&t.owner, &other.id, &t.outsider, "worker").await;
    assert_eq!(t.owner.code(ADD, json!({ "g": id, "u": t.outsider.id })).await, "FAILED_PRECONDITION");
    assert_eq!(t.owner.code(REMOVE, json!({ "g": id, "u": t.outsider.id })).await, "FAILED_PRECONDITION");
    assert_eq!(group_member_rows(&app).await, 1, "nothing changed");
    assert_eq!(audit_count(&app, "group.member_added").await, 1);
    assert_eq!(audit_count(&app, "group.member_removed").await, 0);
});

both!(an_assignment_gives_members_the_role_until_it_is_withdrawn, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = create_group(&t.owner, &t.org, "Reviewers").await;
    let team_projects = "query($id: ID!) { node(id: $id) { ... on Team { workspaces(first: 5) { nodes { projects(first: 5) { nodes { id } } } } } } }";
    assert_eq!(project_permissions(&t.worker, &t.project).await, None);
    t.owner.ok(ADD, json!({ "g": id, "u": t.worker.id })).await;
    assert_eq!(project_permissions(&t.worker, &t.project).await, None);

    let d = t.owner.ok(ASSIGN, json!({ "g": id, "p": t.project, "r": "reviewer" })).await;
    assert_eq!(d["assignGroupToProject"]["group"]["projects"]["nodes"][0]["role"]["key"], "reviewer");
    let keys = project_permissions(&t.worker, &t.project).await.expect("visible through the group");
    assert!(keys.contains(&"project.read".to_string()) && keys.contains(&"labeling_job.access".to_string()), "{keys:?}");
    assert!(!keys.contains(&"dataset.create".to_string()), "{keys:?}");
    let d = t.worker.ok(team_projects, json!({ "id": t.team })).await;
    assert_eq!(d["node"]["workspaces"]["nodes"][0]["projects"]["nodes"][0]["id"], t.project.as_str());
    let g = group(&t.worker, &id).await;
    assert_eq!(g["projects"]["nodes"][0]["project"]["id"], t.project.as_str());

    // Re-assigning changes the role.
    let d = t.owner.ok(ASSIGN, json!({ "g": id, "p": t.project, "r": "manager" })).await;
    assert_eq!(d["assignGroupToProject"]["group"]["projects"]["nodes"].as_array().map(Vec::len), Some(1));
    let d = t.worker.ok(PROJECT, json!({ "id": t.project })).await;
    assert_eq!(d["node"]["canCreate"], true);

    // Leaving the group takes the access away on the next request.
    t.owner.ok(REMOVE, json!({ "g": id, "u": t.worker.id })).await;
    assert_eq!(project_permissions(&t.worker, &t.project).await, None);
    let d = t.worker.ok(team_projects, json!({ "id": t.team })).await;
    assert_eq!(d["node"], Value::Null);

    // So does withdrawing the assignment, and deleting the group.
    t.owner.ok(ADD, json!({ "g": id, "u": t.worker.id })).await;
    assert!(project_permissions(&t.worker, &t.project).await.is_some());
    let d = t.owner.ok(UNASSIGN, json!({ "g": id, "p": t.project })).await;
    assert_eq!(d["unassignGroupFromProject"]["group"]["projects"]["nodes"], json!([]));
    assert_eq!(project_permissions(&t.worker, &t.project).await, None);
    assert_eq!(t.owner.code(UNASSIGN, json!({ "g": id, "p": t.project })).await, "FAILED_PRECONDITION");
    t.owner.ok(ASSIGN, json!({ "g": id, "p": t.project, "r": "labeler" })).await;
    assert!(project_permissions(&t.worker, &t.project).await.is_some());
    t.owner.ok(DELETE, json!({ "g": id })).await;
    assert_eq!(project_permissions(&t.worker, &t.project).await, None);
    assert_eq!(audit_count(&app, "group.project_assigned").await, 3);
    assert_eq!(audit_count(&app, "group.project_unassigned").await, 1);
});

both!(assignments_need_a_project_role_and_a_visible_project_of_the_organization, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = create_group(&t.owner, &t.org, "Core").await;
    for bad in ["owner", "admin", "nope", ""] {
        let code = t.owner.code(ASSIGN, json!({ "g": id, "p": t.project, "r": bad })).await;
        assert_eq!(code, "BAD_USER_INPUT", "{bad}");
    }
    let other = create_org(&t.owner, "other").await;
    let foreign = create_project(&t.owner, &other.workspace, "Elsewhere").await;
    assert_eq!(t.owner.code(ASSIGN, json!({ "g": id, "p": foreign, "r": "labeler" })).await, "NOT_FOUND");
    assert_eq!(t.owner.code(ASSIGN, json!({ "g": id, "p": t.team, "r": "labeler" })).await, "NOT_FOUND");
    // The supervisor (group.read, no project access) sees the group, not the project.
    let sup_project = create_project(&t.owner, &t.workspace, "Hidden").await;
    assert_eq!(t.supervisor.code(ASSIGN, json!({ "g": id, "p": sup_project, "r": "labeler" })).await, "NOT_FOUND");
    assert_eq!(group(&t.owner, &id).await["projects"]["nodes"], json!([]));
    assert_eq!(audit_count(&app, "group.project_assigned").await, 0);
});

const CREATE_ROLE: &str = "mutation($o: ID!, $p: [String!]!) {
    createRole(input: { organizationId: $o, key: \"group_admin\", name: \"Group admin\", scopeKind: ORGANIZATION, permissions: $p }) {
    role { key } } }";

both!(nobody_assigns_a_group_role_they_do_not_hold, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    // A custom organization role that manages groups but holds no project keys; its
    // holder is a `labeler` on the project.
    let perms = json!(["org.read", "member.read", "group.read", "group.manage"]);
    t.owner.ok(CREATE_ROLE, json!({ "o": t.org, "p": perms })).await;
    let ga = app.user("ga").await;
    add_member(&t.owner, &t.org, &ga, "group_admin").await;
    add_member(&t.owner, &t.project, &ga, "labeler").await;
    let id = create_group(&ga, &t.org, "Core").await;
    assert_eq!(ga.code(ASSIGN, json!({ "g": id, "p": t.project, "r": "lead" })).await, "FORBIDDEN");
    assert_eq!(group(&t.owner, &id).await["projects"]["nodes"], json!([]));
    ga.ok(ASSIGN, json!({ "g": id, "p": t.project, "r": "labeler" })).await;
    assert_eq!(ga.code(ASSIGN, json!({ "g": id, "p": t.project, "r": "manager" })).await, "FORBIDDEN");
    assert_eq!(group(&t.owner, &id).await["projects"]["nodes"][0]["role"]["key"], "labeler");
    ga.ok(ADD, json!({ "g": id, "u": t.worker.id })).await;
    // A group with a role the actor lacks: adding a member would hand it out.
    let lead = create_group(&t.owner, &t.org, "Leads").await;
    t.owner.ok(ASSIGN, json!({ "g": lead, "p": t.project, "r": "lead" })).await;
    assert_eq!(ga.code(ADD, json!({ "g": lead, "u": t.supervisor.id })).await, "FORBIDDEN");
    assert_eq!(group(&t.owner, &lead).await["members"]["totalCount"], 0);
});

both!(group_access_is_not_a_project_membership, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = create_group(&t.owner, &t.org, "Managers").await;
    t.owner.ok(ADD, json!({ "g": id, "u": t.worker.id })).await;
    t.owner.ok(ASSIGN, json!({ "g": id, "p": t.project, "r": "manager" })).await;
    let members = "query($id: ID!) { node(id: $id) { ... on Project { members { totalCount nodes { user { id } } } } } }";
    let d = t.owner.ok(members, json!({ "id": t.project })).await;
    assert_eq!(d["node"]["members"]["totalCount"], 0);

    // A direct `labeler` membership adds nothing the group does not give; removing it
    // leaves the group access in place.
    let direct = add_member(&t.owner, &t.project, &t.worker, "labeler").await;
    let d = t.owner.ok(members, json!({ "id": t.project })).await;
    assert_eq!(d["node"]["members"]["totalCount"], 1);
    assert_eq!(t.worker.ok(PROJECT, json!({ "id": t.project })).await["node"]["canCreate"], true);
    t.owner.ok(REMOVE_MEMBER, json!({ "m": direct })).await;
    let keys = project_permissions(&t.worker, &t.project).await.expect("still visible through the group");
    assert!(keys.contains(&"dataset.create".to_string()), "{keys:?}");

    // The union: a direct `lead` adds `project.update` on top of the group's `manager`.
    let direct = add_member(&t.owner, &t.project, &t.worker, "lead").await;
    let keys = project_permissions(&t.worker, &t.project).await.expect("visible");
    assert!(keys.contains(&"project.update".to_string()), "{keys:?}");
    t.owner.ok(CHANGE_ROLE, json!({ "m": direct, "r": "reviewer" })).await;
    let keys = project_permissions(&t.worker, &t.project).await.expect("visible");
    assert!(!keys.contains(&"project.update".to_string()) && keys.contains(&"dataset.create".to_string()), "{keys:?}");
});

both!(leaving_the_organization_leaves_its_groups, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = create_group(&t.owner, &t.org, "Core").await;
    t.owner.ok(ADD, json!({ "g": id, "u": t.worker.id })).await;
    t.owner.ok(ADD, json!({ "g": id, "u": t.supervisor.id })).await;
    t.owner.ok(ASSIGN, json!({ "g": id, "p": t.project, "r": "labeler" })).await;
    assert!(project_permissions(&t.worker, &t.project).await.is_some());
    let worker_membership = membership_id(&t.owner, &t.org, &t.worker).await;
    t.owner.ok(REMOVE_MEMBER, json!({ "m": worker_membership })).await;
    assert_eq!(group(&t.owner, &id).await["members"]["totalCount"], 1);
    assert_eq!(group_member_rows(&app).await, 1);
    // Back in the organization, the user is not back in the group.
    add_member(&t.owner, &t.org, &t.worker, "worker").await;
    assert_eq!(project_permissions(&t.worker, &t.project).await, None);
    assert_eq!(group(&t.worker, &id).await, Value::Null);
    // Leaving on one's own does the same.
    t.supervisor.ok(LEAVE, json!({ "s": t.org })).await;
    assert_eq!(group(&t.owner, &id).await["members"]["totalCount"], 0);
    assert_eq!(audit_count(&app, "group.member_removed").await, 2);
});

both!(a_project_moving_to_another_organization_leaves_the_groups, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = create_group(&t.owner, &t.org, "Core").await;
    t.owner.ok(ADD, json!({ "g": id, "u": t.worker.id })).await;
    t.owner.ok(ASSIGN, json!({ "g": id, "p": t.project, "r": "labeler" })).await;
    let other = create_org(&t.owner, "other").await;
    t.owner.ok(TRANSFER_PROJECT, json!({ "p": t.project, "w": other.workspace })).await;
    assert_eq!(group(&t.owner, &id).await["projects"]["nodes"], json!([]));
    assert_eq!(project_permissions(&t.worker, &t.project).await, None);
});

both!(concurrent_adds_of_one_user_make_one_membership, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = create_group(&t.owner, &t.org, "Core").await;
    let attempts = (0..8).map(|_| {
        let (owner, id, user) = (t.owner.clone(), id.clone(), t.worker.id.clone());
        tokio::spawn(async move { owner.post(ADD, json!({ "g": id, "u": user })).await.1 })
    });
    let bodies: Vec<Value> = futures_util::future::join_all(attempts).await.into_iter().map(|r| r.expect("task")).collect();
    let ok = bodies.iter().filter(|b| b.get("errors").is_none()).count();
    let conflicts = bodies.iter().filter(|b| b["errors"][0]["extensions"]["code"] == "CONFLICT").count();
    assert_eq!((ok, conflicts), (1, 7), "{bodies:?}");
    assert_eq!(group(&t.owner, &id).await["members"]["totalCount"], 1);
    assert_eq!(audit_count(&app, "group.member_added").await, 1);
});

const NESTED: &str = "query($s: String!) { organization(slug: $s) { groups(first: 10) { nodes { name
    members(first: 3) { totalCount nodes { user { id name } } } projects { nodes { role { key } project { name } } } } } } }";

both!(nested_group_queries_cost_statements_per_level, settings = counting_statements, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let mut counts = Vec::new();
    let mut total = 0;
    for round in 0..2 {
        for i in 0..(1 + round * 4) {
            total += 1;
            let g = create_group(&t.owner, &t.org, &format!("G{round}-{i}")).await;
            t.owner.ok(ADD, json!({ "g": g, "u": t.worker.id })).await;
            t.owner.ok(ADD, json!({ "g": g, "u": t.supervisor.id })).await;
            t.owner.ok(ASSIGN, json!({ "g": g, "p": t.project, "r": "labeler" })).await;
        }
        // Warm the token's user row, then count one query.
        t.owner.ok(NESTED, json!({ "s": "acme" })).await;
        let before = app.statement_count();
        let d = t.owner.ok(NESTED, json!({ "s": "acme" })).await;
        counts.push(app.statement_count() - before);
        assert_eq!(d["organization"]["groups"]["nodes"].as_array().map(Vec::len), Some(total));
    }
    assert_eq!(counts[0], counts[1], "statements grew with the number of groups: {counts:?}");
});

both!(who_manages_groups_sees_them, |app: TestApp| async move {
    // A custom organization role with `group.manage` and no `group.read`: the groups it
    // creates and manages are visible to it (it created groups it could never reach).
    let t = DefaultOrg::new(&app).await;
    let perms = json!(["org.read", "member.read", "group.manage"]);
    t.owner.ok(CREATE_ROLE, json!({ "o": t.org, "p": perms })).await;
    let gm = app.user("gm").await;
    add_member(&t.owner, &t.org, &gm, "group_admin").await;
    let id = create_group(&gm, &t.org, "Made").await;
    assert_eq!(group(&gm, &id).await["name"], "Made");
    gm.ok(ADD, json!({ "g": id, "u": t.worker.id })).await;
    assert_eq!(group(&gm, &id).await["members"]["totalCount"], 1);
    let theirs = create_group(&t.owner, &t.org, "Theirs").await;
    assert_eq!(group_names(&gm, &t.slug).await, ["Made", "Theirs"]);
    assert_eq!(group(&gm, &theirs).await["id"], theirs.as_str());
    // Without either key, only one's own groups.
    assert!(group(&t.supervisor, &theirs).await["id"].is_string(), "the supervisor holds group.read");
    assert!(group(&t.team_admin, &theirs).await.is_null());
    assert_eq!(group_names(&t.worker, &t.slug).await, ["Made"]);
});
