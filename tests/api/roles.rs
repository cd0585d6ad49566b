//! The permission catalog and custom roles (issue 5 items 1 and 2): who may create,
//! change and delete them, the no-escalation rule, the per-organization limit under
//! concurrency, built-in immutability, roles in use, and the effect on their holders.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const CATALOG: &str = "{ permissionCatalog { key scopeKind description grantable } }";
const CREATE: &str = "mutation($o: ID!, $k: String!, $n: String!, $d: String, $s: ScopeKind!, $p: [String!]!) {
    createRole(input: { organizationId: $o, key: $k, name: $n, description: $d, scopeKind: $s, permissions: $p }) {
        role { key name description scopeKind permissions builtIn } } }";
const UPDATE: &str = "mutation($o: ID!, $k: String!, $s: ScopeKind!, $n: String, $d: String, $p: [String!]) {
    updateRole(input: { organizationId: $o, key: $k, scopeKind: $s, name: $n, description: $d, permissions: $p }) {
        role { key name description scopeKind permissions builtIn } } }";
const DELETE: &str = "mutation($o: ID!, $k: String!, $s: ScopeKind!) {
    deleteRole(input: { organizationId: $o, key: $k, scopeKind: $s }) { key scopeKind } }";
const ROLES: &str =
    "query($slug: String!) { organization(slug: $slug) { roles { key scopeKind builtIn description permissions } } }";
const PERMISSIONS: &str = "query($id: ID!) { node(id: $id) { ... on Organization { viewerPermissions }
    ... on Team { viewerPermissions } ... on Project { viewerPermissions } } }";

fn vars(org: &Org, key: &str, scope: &str, permissions: &[&str]) -> Value {
    json!({ "o": org.id, "k": key, "n": format!("Role {key}"), "s": scope, "p": permissions })
}

/// The organization's custom roles as (key, scope) pairs.
async fn custom_roles(owner: &Client, org: &Org) -> Vec<(String, String)> {
    let d = owner.ok(ROLES, json!({ "slug": org.slug })).await;
    let roles = d["organization"]["roles"].as_array().cloned().unwrap_or_default();
    roles
        .iter()
        .filter(|r| r["builtIn"] == false)
        .map(|r| (r["key"].as_str().unwrap_or_default().to_string(), r["scopeKind"].as_str().unwrap_or_default().to_string()))
        .collect()
}

async fn permissions_on(user: &Client, id: &str) -> Vec<String> {
    let d = user.ok(PERMISSIONS, json!({ "id": id })).await;
    serde_json::from_value(d["node"]["viewerPermissions"].clone()).unwrap_or_default()
}

/// The first error of a request that must fail: (code, extensions).
async fn error(user: &Client, query: &str, variables: Value) -> (String, Value) {
    let (_, body) = user.post(query, variables).await;
    let ext = body["errors"][0]["extensions"].clone();
    (ext["code"].as_str().unwrap_or_else(|| panic!("expected an error, got {body}")).to_string(), ext)
}

/// `DefaultOrg`'s organization, owner, maintainer and worker.
async fn setup(app: &TestApp) -> (Org, Client, Client, Client) {
    let t = DefaultOrg::new(app).await;
    (t.as_org(), t.owner, t.maintainer, t.worker)
}

both!(permission_catalog_lists_every_key_with_scope_and_description, |app: TestApp| async move {
    assert_eq!(app.anonymous().code(CATALOG, json!({})).await, "UNAUTHENTICATED");
    let user = app.user("ann").await;
    let d = user.ok(CATALOG, json!({})).await;
    let list = d["permissionCatalog"].as_array().cloned().unwrap_or_default();
    let keys: Vec<&str> = list.iter().filter_map(|p| p["key"].as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "sorted by key");
    let find = |key: &str| list.iter().find(|p| p["key"] == key).cloned().unwrap_or_else(|| panic!("{key} missing"));
    for (key, scope, grantable) in [
        ("model.train", "TEAM", true),
        ("orchestrate.access", "TEAM", false),
        ("sdk_token.view", "ORGANIZATION", true),
        ("label.create.own", "PROJECT", false),
        ("export.create", "PROJECT", false),
        ("issue.create", "PROJECT", false),
        ("labeling_job.access", "PROJECT", false),
        ("org.delete", "ORGANIZATION", false),
        ("role.manage", "ORGANIZATION", false),
    ] {
        let p = find(key);
        assert_eq!(p["scopeKind"], scope, "{key}: {p}");
        assert_eq!(p["grantable"], grantable, "{key}");
        assert!(!p["description"].as_str().unwrap_or_default().is_empty(), "{key} has a description");
    }
    assert!(list.iter().any(|p| p["scopeKind"] == "ANY"), "some keys apply at any scope");
});

both!(owner_creates_updates_and_deletes_a_custom_role, |app: TestApp| async move {
    let (org, owner, _, _) = setup(&app).await;
    let mut v = vars(&org, "trainer", "TEAM", &["team.read", "model.view", "model.train", "model.train"]);
    v["d"] = json!("Runs training");
    let d = owner.ok(CREATE, v).await;
    let role = &d["createRole"]["role"];
    assert_eq!(role["key"], "trainer");
    assert_eq!(role["scopeKind"], "TEAM");
    assert_eq!(role["builtIn"], false);
    assert_eq!(role["description"], "Runs training");
    assert_eq!(role["permissions"], json!(["model.train", "model.view", "team.read"]));
    let d = owner.ok(ROLES, json!({ "slug": org.slug })).await;
    let listed = d["organization"]["roles"].as_array().cloned().unwrap_or_default();
    let trainer = listed.iter().find(|r| r["key"] == "trainer").expect("listed");
    assert_eq!(trainer["builtIn"], false);
    assert_eq!(trainer["description"], "Runs training");
    assert!(listed.iter().any(|r| r["key"] == "maintainer" && r["builtIn"] == true && r["description"].is_null()));

    let mut v = json!({ "o": org.id, "k": "trainer", "s": "TEAM", "n": "Trainer", "p": ["team.read", "model.view"] });
    v["d"] = json!("");
    let d = owner.ok(UPDATE, v).await;
    let role = &d["updateRole"]["role"];
    assert_eq!(role["name"], "Trainer");
    assert!(role["description"].is_null(), "an empty description clears it");
    assert_eq!(role["permissions"], json!(["model.view", "team.read"]));
    // Omitted fields stay as they are.
    let d = owner.ok(UPDATE, json!({ "o": org.id, "k": "trainer", "s": "TEAM", "d": "Again" })).await;
    assert_eq!(d["updateRole"]["role"]["name"], "Trainer");
    assert_eq!(d["updateRole"]["role"]["permissions"], json!(["model.view", "team.read"]));

    let d = owner.ok(DELETE, json!({ "o": org.id, "k": "trainer", "s": "TEAM" })).await;
    assert_eq!(d["deleteRole"], json!({ "key": "trainer", "scopeKind": "TEAM" }));
    assert!(custom_roles(&owner, &org).await.is_empty());
    assert_eq!(owner.code(DELETE, json!({ "o": org.id, "k": "trainer", "s": "TEAM" })).await, "NOT_FOUND");

    // Every change is in the audit trail, with the state before and after.
    let db = app.database().await;
    let entries = entity::audit_entry::Entity::find()
        .filter(entity::audit_entry::Column::TargetKind.eq("Role"))
        // In the order they were written (ids are time-ordered): without ORDER BY,
        // PostgreSQL may return an index's order.
        .order_by_asc(entity::audit_entry::Column::Id)
        .all(&db)
        .await
        .expect("audit");
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["role.created", "role.updated", "role.updated", "role.deleted"]);
    let created: Value = serde_json::from_str(entries[0].after.as_deref().unwrap_or("null")).expect("json");
    assert_eq!(created["permissions"], json!(["model.train", "model.view", "team.read"]));
    assert_eq!(created["scopeKind"], "team");
    assert!(entries[0].before.is_none() && entries[3].after.is_none());
    assert!(entries.iter().all(|e| e.actor_id.is_some() && e.target_id.is_some()));
});

both!(only_holders_of_role_manage_create_roles, |app: TestApp| async move {
    let (org, owner, maintainer, worker) = setup(&app).await;
    let v = vars(&org, "helper", "PROJECT", &["project.read"]);
    assert_eq!(worker.code(CREATE, v.clone()).await, "FORBIDDEN");
    let outsider = app.user("outsider").await;
    assert_eq!(outsider.code(CREATE, v.clone()).await, "NOT_FOUND");
    assert!(custom_roles(&owner, &org).await.is_empty(), "nothing created");
    // A maintainer holds role.manage.
    maintainer.ok(CREATE, v).await;
    assert_eq!(worker.code(UPDATE, json!({ "o": org.id, "k": "helper", "s": "PROJECT", "n": "X" })).await, "FORBIDDEN");
    assert_eq!(worker.code(DELETE, json!({ "o": org.id, "k": "helper", "s": "PROJECT" })).await, "FORBIDDEN");
    assert_eq!(custom_roles(&owner, &org).await, [("helper".to_string(), "PROJECT".to_string())]);
});

both!(nobody_creates_a_role_granting_more_than_they_hold, |app: TestApp| async move {
    let (org, owner, maintainer, _) = setup(&app).await;
    let v = vars(&org, "deleter", "ORGANIZATION", &["org.read", "org.delete"]);
    assert_eq!(maintainer.code(CREATE, v.clone()).await, "FORBIDDEN");
    assert!(custom_roles(&owner, &org).await.is_empty(), "nothing created");
    // A role ranked below the maintainer's own (RULES.md §9.3: a supervisor covers it).
    maintainer.ok(CREATE, vars(&org, "editor", "ORGANIZATION", &["org.read", "team.create"])).await;
    // Nor widen one into more than they hold.
    let widen = json!({ "o": org.id, "k": "editor", "s": "ORGANIZATION", "p": ["org.read", "org.delete"] });
    assert_eq!(maintainer.code(UPDATE, widen).await, "FORBIDDEN");
    let d = owner.ok(ROLES, json!({ "slug": org.slug })).await;
    let editor = d["organization"]["roles"].as_array().and_then(|l| l.iter().find(|r| r["key"] == "editor").cloned());
    assert_eq!(editor.expect("editor")["permissions"], json!(["org.read", "team.create"]));
    // The owner holds everything.
    owner.ok(CREATE, v).await;
});

both!(permission_keys_and_role_keys_are_validated, |app: TestApp| async move {
    let (org, owner, _, _) = setup(&app).await;
    for (v, field) in [
        (vars(&org, "t1", "TEAM", &["org.update"]), "permissions"),
        (vars(&org, "p1", "PROJECT", &["team.update"]), "permissions"),
        (vars(&org, "t2", "TEAM", &["no.such.key"]), "permissions"),
        (vars(&org, "t3", "TEAM", &[]), "permissions"),
        (vars(&org, "Bad Key", "TEAM", &["team.read"]), "key"),
        (vars(&org, "", "TEAM", &["team.read"]), "key"),
        (json!({ "o": org.id, "k": "t4", "n": "  ", "s": "TEAM", "p": ["team.read"] }), "name"),
        (json!({ "o": "nonsense", "k": "t5", "n": "x", "s": "TEAM", "p": ["team.read"] }), "organizationId"),
    ] {
        let (code, ext) = error(&owner, CREATE, v.clone()).await;
        assert_eq!(code, "BAD_USER_INPUT", "{v}");
        assert_eq!(ext["field"], field, "{v}");
    }
    // Input is checked before visibility: an outsider learns nothing more.
    let outsider = app.user("outsider").await;
    assert_eq!(outsider.code(CREATE, vars(&org, "t1", "TEAM", &["org.update"])).await, "BAD_USER_INPUT");
    // Organization roles may grant team and project keys (on every team), not the reverse.
    owner.ok(CREATE, vars(&org, "wide", "ORGANIZATION", &["org.read", "team.read", "project.read"])).await;
    assert_eq!(custom_roles(&owner, &org).await.len(), 1);
});

both!(a_key_taken_by_a_built_in_or_custom_role_conflicts, |app: TestApp| async move {
    let (org, owner, _, _) = setup(&app).await;
    let (code, ext) = error(&owner, CREATE, vars(&org, "maintainer", "ORGANIZATION", &["org.read"])).await;
    assert_eq!((code.as_str(), &ext["field"]), ("CONFLICT", &json!("key")));
    assert_eq!(owner.code(CREATE, vars(&org, "admin", "TEAM", &["team.read"])).await, "CONFLICT");
    assert!(custom_roles(&owner, &org).await.is_empty());
    // Keys are per scope kind: a team role may be called "maintainer".
    owner.ok(CREATE, vars(&org, "maintainer", "TEAM", &["team.read"])).await;
    let (code, ext) = error(&owner, CREATE, vars(&org, "maintainer", "TEAM", &["team.read"])).await;
    assert_eq!((code.as_str(), &ext["field"]), ("CONFLICT", &json!("key")));
    // Another organization has its own namespace.
    let other = create_org(&owner, "other").await;
    owner.ok(CREATE, vars(&other, "maintainer", "TEAM", &["team.read"])).await;
});

both!(at_most_five_custom_roles_per_organization_even_under_concurrency, |app: TestApp| async move {
    let (org, owner, _, _) = setup(&app).await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (owner, v) = (owner.clone(), vars(&org, &format!("r{i}"), "PROJECT", &["project.read"]));
        tasks.push(tokio::spawn(async move { owner.post(CREATE, v).await.1 }));
    }
    let mut created = 0;
    for task in tasks {
        let body = task.await.expect("task");
        match body["errors"][0]["extensions"].clone() {
            Value::Null => created += 1,
            ext => {
                assert_eq!(ext["code"], "FAILED_PRECONDITION", "{body}");
                assert_eq!(ext["limit"], "customRoles");
            }
        }
    }
    assert_eq!(created, 5);
    assert_eq!(custom_roles(&owner, &org).await.len(), 5);
    // The limit is per organization.
    let other = create_org(&owner, "other").await;
    owner.ok(CREATE, vars(&other, "r0", "PROJECT", &["project.read"])).await;
    // Deleting one makes room again.
    let (key, _) = custom_roles(&owner, &org).await.remove(0);
    owner.ok(DELETE, json!({ "o": org.id, "k": key, "s": "PROJECT" })).await;
    owner.ok(CREATE, vars(&org, "again", "PROJECT", &["project.read"])).await;
});

both!(
    the_custom_role_limit_is_configurable,
    settings = |s: &mut orgraph::config::Settings| s.max_custom_roles = 1,
    |app: TestApp| async move {
        let (org, owner, _, _) = setup(&app).await;
        owner.ok(CREATE, vars(&org, "one", "TEAM", &["team.read"])).await;
        assert_eq!(owner.code(CREATE, vars(&org, "two", "TEAM", &["team.read"])).await, "FAILED_PRECONDITION");
    }
);

both!(built_in_roles_are_immutable, |app: TestApp| async move {
    let (org, owner, _, _) = setup(&app).await;
    let rename = json!({ "o": org.id, "k": "maintainer", "s": "ORGANIZATION", "n": "Boss" });
    assert_eq!(owner.code(UPDATE, rename).await, "FAILED_PRECONDITION");
    assert_eq!(owner.code(DELETE, json!({ "o": org.id, "k": "worker", "s": "ORGANIZATION" })).await, "FAILED_PRECONDITION");
    assert_eq!(owner.code(DELETE, json!({ "o": org.id, "k": "labeler", "s": "PROJECT" })).await, "FAILED_PRECONDITION");
    assert_eq!(owner.code(DELETE, json!({ "o": org.id, "k": "nobody", "s": "PROJECT" })).await, "NOT_FOUND");
    let d = owner.ok(ROLES, json!({ "slug": org.slug })).await;
    let maintainer = d["organization"]["roles"].as_array().and_then(|l| l.iter().find(|r| r["key"] == "maintainer").cloned());
    assert!(maintainer.is_some(), "still there");
});

both!(a_role_in_use_cannot_be_deleted, |app: TestApp| async move {
    let (org, owner, _, worker) = setup(&app).await;
    let project = create_project(&owner, &org.workspace, "P").await;
    owner.ok(CREATE, vars(&org, "checker", "PROJECT", &["project.read", "dataset.read"])).await;
    let m = add_member(&owner, &project, &worker, "checker").await;
    let del = json!({ "o": org.id, "k": "checker", "s": "PROJECT" });
    assert_eq!(owner.code(DELETE, del.clone()).await, "FAILED_PRECONDITION");
    assert_eq!(custom_roles(&owner, &org).await.len(), 1, "still there");
    owner.ok(REMOVE_MEMBER, json!({ "m": m })).await;
    owner.ok(DELETE, del).await;

    // An invitation with the role keeps it in use too.
    owner.ok(CREATE, vars(&org, "watcher", "TEAM", &["team.read"])).await;
    let d = owner.ok(INVITE, json!({ "s": org.team, "e": "new@example.com", "r": "watcher" })).await;
    let invitation = d["inviteMember"]["invitation"]["id"].as_str().expect("id").to_string();
    let del = json!({ "o": org.id, "k": "watcher", "s": "TEAM" });
    assert_eq!(owner.code(DELETE, del.clone()).await, "FAILED_PRECONDITION");
    assert_eq!(custom_roles(&owner, &org).await.len(), 1);
    // Revoked, it grants nothing any more: the role can go, and the invitation with it
    // (one mistyped invitation used to keep the role for good).
    owner.ok(REVOKE, json!({ "i": invitation })).await;
    owner.ok(DELETE, del).await;
    assert!(custom_roles(&owner, &org).await.is_empty());
    assert_eq!(owner.ok(NODE, json!({ "id": invitation })).await["node"], Value::Null);
});

both!(updating_a_role_changes_what_its_holders_hold_at_once, |app: TestApp| async move {
    let (org, owner, _, worker) = setup(&app).await;
    owner.ok(CREATE, vars(&org, "trainer", "TEAM", &["team.read", "model.view"])).await;
    add_member(&owner, &org.team, &worker, "trainer").await;
    let before = permissions_on(&worker, &org.team).await;
    assert!(before.contains(&"model.view".to_string()) && !before.contains(&"model.train".to_string()), "{before:?}");
    owner.ok(UPDATE, json!({ "o": org.id, "k": "trainer", "s": "TEAM", "p": ["team.read", "model.view", "model.train"] })).await;
    assert!(permissions_on(&worker, &org.team).await.contains(&"model.train".to_string()));
    owner.ok(UPDATE, json!({ "o": org.id, "k": "trainer", "s": "TEAM", "p": ["team.read"] })).await;
    let after = permissions_on(&worker, &org.team).await;
    assert!(!after.contains(&"model.train".to_string()) && !after.contains(&"model.view".to_string()), "{after:?}");
});

both!(a_custom_project_role_gives_exactly_its_keys, |app: TestApp| async move {
    let (org, owner, _, _) = setup(&app).await;
    let project = create_project(&owner, &org.workspace, "P").await;
    let newcomer = app.user("newcomer").await;
    add_member(&owner, &org.id, &newcomer, "worker").await;
    let keys = ["dataset.create", "dataset.read", "labeling_job.access", "project.read"];
    owner.ok(CREATE, vars(&org, "exporter", "PROJECT", &keys)).await;
    add_member(&owner, &project, &newcomer, "exporter").await;
    assert_eq!(permissions_on(&newcomer, &project).await, keys);
    // The role's holder cannot do more than it grants.
    assert_eq!(newcomer.code(UPDATE_PROJECT, json!({ "p": project, "n": "Q" })).await, "FORBIDDEN");
});

both!(a_maintainer_cannot_assign_a_custom_role_granting_more_than_they_hold, |app: TestApp| async move {
    let (org, owner, maintainer, _) = setup(&app).await;
    owner.ok(CREATE, vars(&org, "deleter", "ORGANIZATION", &["org.read", "member.read", "org.delete"])).await;
    owner.ok(CREATE, vars(&org, "reader", "ORGANIZATION", &["org.read", "member.read"])).await;
    let newcomer = app.user("newcomer").await;
    let v = json!({ "s": org.id, "u": newcomer.id, "r": "deleter" });
    assert_eq!(maintainer.code(ADD_MEMBER, v).await, "FORBIDDEN");
    let m = add_member(&maintainer, &org.id, &newcomer, "reader").await;
    assert_eq!(maintainer.code(CHANGE_ROLE, json!({ "m": m, "r": "deleter" })).await, "FORBIDDEN");
    // The owner may assign it; the holder then holds org.delete.
    owner.ok(CHANGE_ROLE, json!({ "m": m, "r": "deleter" })).await;
    assert!(permissions_on(&newcomer, &org.id).await.contains(&"org.delete".to_string()));
});

both!(an_organization_whose_custom_roles_are_in_use_can_be_deleted, |app: TestApp| async move {
    let (org, owner, _, worker) = setup(&app).await;
    owner.ok(CREATE, vars(&org, "trainer", "TEAM", &["team.read"])).await;
    add_member(&owner, &org.team, &worker, "trainer").await;
    owner.ok(DELETE_ORGANIZATION, json!({ "o": org.id })).await;
    let db = app.database().await;
    let left = entity::role::Entity::find().filter(entity::role::Column::BuiltIn.eq(false)).count(&db).await.expect("count");
    assert_eq!(left, 0);
});

postgres_gate::gated! {
    /// PostgreSQL: another server instance on the same database sees a role created here on
    /// its next request (its grants statement notices the catalog version moved).
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn another_instance_sees_a_new_custom_role_at_once() {
        require_postgres();
        let a = spawn_app(Db::Postgres).await;
        let b = spawn_instance(Db::Postgres, a.database_url.clone(), |_| {}).await;
        let (org, owner_a, _, worker) = setup(&a).await;
        let owner_b = b.user("owner").await;
        // Instance B has read the catalog before the role exists.
        assert!(custom_roles(&owner_b, &org).await.is_empty());
        owner_a.ok(CREATE, vars(&org, "trainer", "TEAM", &["team.read", "model.view"])).await;
        let newcomer = b.user("newcomer").await;
        add_member(&owner_b, &org.id, &newcomer, "worker").await;
        add_member(&owner_b, &org.team, &newcomer, "trainer").await;
        let m = add_member(&owner_b, &org.team, &worker, "viewer").await;
        owner_a.ok(CREATE, vars(&org, "trainer2", "TEAM", &["team.read"])).await;
        owner_b.ok(CHANGE_ROLE, json!({ "m": m, "r": "trainer2" })).await;
        owner_a
            .ok(UPDATE, json!({ "o": org.id, "k": "trainer", "s": "TEAM", "p": ["team.read", "model.view", "model.train"] }))
            .await;
        let on_b = b.user("newcomer").await;
        assert!(permissions_on(&on_b, &org.team).await.contains(&"model.train".to_string()));
    }
}

both!(a_migration_takes_org_transfer_from_custom_roles_made_before, |app: TestApp| async move {
    use migration::MigratorTrait;
    use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter};
    let (org, owner, _, worker) = setup(&app).await;
    owner.ok(CREATE, vars(&org, "co-owner", "ORGANIZATION", &["org.read", "member.read"])).await;
    // What createRole allowed before: the key on a custom role.
    let db = app.database().await;
    let role = entity::role::Entity::find()
        .filter(entity::role::Column::Key.eq("co-owner"))
        .one(&db)
        .await
        .expect("read")
        .expect("role");
    let row =
        entity::role_permission::Model { role_id: role.id, target: "organization".into(), permission: "org.transfer".into() };
    entity::role_permission::Entity::insert(row.into_active_model()).exec_without_returning(&db).await.expect("grant");
    let w = membership_id(&owner, &org.id, &worker).await;
    owner.ok(CHANGE_ROLE, json!({ "m": w, "r": "co-owner" })).await;
    assert!(permissions_on(&worker, &org.id).await.contains(&"org.transfer".to_string()));
    // Run the migration again (whatever migrations come after it).
    let forget = "DELETE FROM seaql_migrations WHERE version = 'm20261206_000022_no_custom_org_transfer'";
    assert_eq!(db.execute_unprepared(forget).await.expect("forget").rows_affected(), 1);
    migration::Migrator::up(&db, None).await.expect("up");
    assert!(!permissions_on(&worker, &org.id).await.contains(&"org.transfer".to_string()));
    assert_eq!(worker.code(TRANSFER_OWNERSHIP, json!({ "o": org.id, "u": worker.id })).await, "FORBIDDEN");
    assert!(permissions_on(&owner, &org.id).await.contains(&"org.transfer".to_string()), "the owner keeps it");
});
