//! Grants kept between requests (`authz::memo`) are reused only while the access and
//! catalog versions they were read at are current, and every change to a row the grants
//! statement reads raises the access version (triggers). So a change made by any path,
//! another instance or a hand-written statement shows on the viewer's next request.

use crate::both;
use crate::fixtures::create_org;
use crate::helpers::*;
use crate::ops::*;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The tables a statement reads (`FROM t` and `JOIN t`).
fn tables_read(sql: &str) -> BTreeSet<String> {
    let words: Vec<&str> = sql.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[0].eq_ignore_ascii_case("from") || w[0].eq_ignore_ascii_case("join"))
        .map(|w| w[1].trim_end_matches([',', ')']).to_string())
        .filter(|t| !t.starts_with('('))
        .collect()
}

/// The events (INSERT, UPDATE, DELETE) of each table's access-version triggers.
async fn triggered(app: &TestApp) -> BTreeMap<String, BTreeSet<String>> {
    let db = app.database().await;
    let sql = match app.db {
        Db::Postgres => {
            "SELECT event_object_table AS t, event_manipulation AS e FROM information_schema.triggers WHERE trigger_name LIKE 'access_%'"
        }
        Db::Sqlite => "SELECT tbl_name AS t, sql AS e FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'access_%'",
    };
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect("triggers");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows {
        let (table, event) = (r.try_get::<String>("", "t").expect("table"), r.try_get::<String>("", "e").expect("event"));
        // SQLite: the event is read from the trigger's text (`AFTER INSERT ON …`).
        let event = ["INSERT", "UPDATE", "DELETE"]
            .into_iter()
            .find(|e| event == *e || event.contains(&format!("AFTER {e}")))
            .expect("an event")
            .to_string();
        out.entry(table).or_default().insert(event);
    }
    out
}

/// The access version now.
async fn access_version(app: &TestApp) -> i64 {
    version_of(app, "access_versions").await
}

/// The version of `table` (`access_versions`, `catalog_versions`) now.
async fn version_of(app: &TestApp, table: &str) -> i64 {
    let db = app.database().await;
    let sql = &format!("SELECT version FROM {table}");
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect(sql).expect("a row");
    row.try_get("", "version").expect("version")
}

async fn execute(app: &TestApp, sql: &str) {
    let db = app.database().await;
    db.execute_unprepared(sql).await.expect(sql);
}

both!(every_table_the_grants_statement_reads_raises_the_access_version, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let (statements, _) = app.statements_of(owner.ok("{ viewer { id } }", json!({}))).await;
    let grants = statements.iter().find(|s| s.contains("FROM memberships m")).expect("the authentication statement");
    let read = tables_read(grants);
    for expected in ["memberships", "group_projects", "capability_grants", "labeling_job_datasets", "datasets"] {
        assert!(read.contains(expected), "{expected} is read: {read:?}");
    }
    let triggered = triggered(&app).await;
    for table in read.iter().filter(|t| !["users", "access_versions", "catalog_versions"].contains(&t.as_str())) {
        // Users are read in the same statement (a token's `sub` names them), the versions
        // are the versions themselves. Of projects the statement reads the team (a group
        // assignment's rows follow a project's insertion by foreign key); of datasets,
        // whether a covered one is there.
        let needed: &[&str] = match table.as_str() {
            "projects" => &["UPDATE", "DELETE"],
            "datasets" => &["INSERT", "DELETE"],
            _ => &["INSERT", "UPDATE", "DELETE"],
        };
        let has = triggered.get(table).cloned().unwrap_or_default();
        for event in needed {
            assert!(has.contains(*event), "{table} is read by the grants statement without an {event} trigger: {has:?}");
        }
    }
});

both!(a_membership_removed_behind_the_servers_back_is_gone_on_the_next_request, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let member = app.user("member").await;
    owner.ok(ADD_MEMBER, json!({ "s": org.id, "u": member.id, "r": "worker" })).await;
    // Read twice: the second request reuses the grants the first one read.
    for _ in 0..2 {
        assert_eq!(member.node(&org.id).await["id"], json!(org.id));
    }
    execute(&app, "DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE sub = 'member')").await;
    assert!(member.node(&org.id).await.is_null(), "a removed member still sees the organization");
    // Put back by hand (role and all), seen at once too.
    let restore = "INSERT INTO memberships (id, user_id, organization_id, team_id, project_id, scope_kind, scope_id, role_id, created_at) \
         SELECT id, (SELECT id FROM users WHERE sub = 'member'), organization_id, team_id, project_id, scope_kind, scope_id, role_id, created_at \
         FROM memberships WHERE user_id = (SELECT id FROM users WHERE sub = 'owner') AND scope_kind = 'organization' \
         ORDER BY created_at DESC LIMIT 1";
    execute(&app, &restore.replace("SELECT id, (SELECT", &format!("SELECT {}, (SELECT", new_id(&app)))).await;
    assert_eq!(member.node(&org.id).await["id"], json!(org.id), "a restored member sees the organization");
});

/// A fresh id as a SQL literal of the app's database.
fn new_id(app: &TestApp) -> String {
    let id = uuid::Uuid::now_v7();
    match app.db {
        Db::Postgres => format!("'{id}'::uuid"),
        Db::Sqlite => format!("X'{}'", id.simple()),
    }
}

both!(a_change_made_through_another_instance_shows_on_the_next_request, |app: TestApp| async move {
    let other = spawn_instance(app.db, app.database_url.clone(), |_| {}).await;
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let member = app.user("member").await;
    assert!(member.node(&org.id).await.is_null());
    let owner_elsewhere = Client { addr: other.addr.clone(), ..owner.clone() };
    owner_elsewhere.ok(ADD_MEMBER, json!({ "s": org.id, "u": member.id, "r": "worker" })).await;
    assert_eq!(member.node(&org.id).await["id"], json!(org.id), "added on the other instance");
    let membership = owner_elsewhere.ok(LEAVE_OR_REMOVE_PROBE, json!({ "o": org.id })).await;
    let id = membership["node"]["members"]["nodes"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["user"]["id"] == json!(member.id)))
        .map(|m| m["id"].clone())
        .expect("the membership");
    owner_elsewhere.ok(REMOVE_MEMBER, json!({ "m": id })).await;
    assert!(member.node(&org.id).await.is_null(), "removed on the other instance");
});

const LEAVE_OR_REMOVE_PROBE: &str =
    "query($o: ID!) { node(id: $o) { ... on Organization { members(first: 50) { nodes { id user { id } } } } } }";

both!(a_version_number_seen_again_after_the_database_went_back_does_not_match, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let member = app.user("member").await;
    owner.ok(ADD_MEMBER, json!({ "s": org.id, "u": member.id, "r": "worker" })).await;
    assert_eq!(member.node(&org.id).await["id"], json!(org.id));
    // The membership goes, and the counter goes back to the number the member's grants
    // were kept at (as after a restore or a failover that lost commits): its stamp differs.
    let version = access_version(&app).await;
    execute(&app, "DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE sub = 'member')").await;
    execute(&app, &format!("UPDATE access_versions SET version = {version}")).await;
    assert!(member.node(&org.id).await.is_null(), "grants kept at the same version number were reused");
});

const CAN_GENERATE: &str =
    "query($o: ID!) { node(id: $o) { ... on Organization { viewerCan(permission: \"sdk_token.generate\") } } }";
/// An operator's fix to the built-in `worker` role, by hand.
const WORKER_LOSES_SDK_TOKENS: &str = "DELETE FROM role_permissions WHERE permission = 'sdk_token.generate' AND role_id IN \
     (SELECT id FROM roles WHERE key = 'worker' AND scope_kind = 'organization' AND organization_id IS NULL)";

/// A `worker` of a new organization, who may generate SDK tokens there, asked twice: the
/// second request reuses the grants and the catalog the first one read.
async fn worker_generating(app: &TestApp) -> (Client, String) {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let member = app.user("member").await;
    owner.ok(ADD_MEMBER, json!({ "s": org.id, "u": member.id, "r": "worker" })).await;
    for _ in 0..2 {
        assert_eq!(member.ok(CAN_GENERATE, json!({ "o": org.id })).await["node"]["viewerCan"], true);
    }
    (member, org.id)
}

both!(a_roles_permission_removed_behind_the_servers_back_is_gone_on_the_next_request, |app: TestApp| async move {
    let (member, org) = worker_generating(&app).await;
    // Every instance sees it on its next grants statement (the catalog version is raised
    // by trigger).
    execute(&app, WORKER_LOSES_SDK_TOKENS).await;
    assert_eq!(
        member.ok(CAN_GENERATE, json!({ "o": org })).await["node"]["viewerCan"],
        false,
        "the catalog kept a removed grant"
    );
});

both!(a_catalog_version_number_seen_again_after_the_database_went_back_does_not_match, |app: TestApp| async move {
    let (member, org) = worker_generating(&app).await;
    // The role loses the permission, and the catalog's counter goes back to the number
    // the server read the catalog (and kept the member's grants) at, as after a restore or
    // a failover that lost commits: its stamp differs.
    let version = version_of(&app, "catalog_versions").await;
    execute(&app, WORKER_LOSES_SDK_TOKENS).await;
    execute(&app, &format!("UPDATE catalog_versions SET version = {version}")).await;
    let can = member.ok(CAN_GENERATE, json!({ "o": org })).await;
    assert_eq!(can["node"]["viewerCan"], false, "a catalog at the same number was reused");
});

/// The authentication statements among `statements` (they read the user by the token's `sub`).
fn authentications(statements: &[String]) -> Vec<&String> {
    statements.iter().filter(|s| s.contains("FROM users u WHERE u.sub")).collect()
}

/// A statement that carries a query's provisional guard (`db::Reads::provisional`).
fn guarded(statements: &[String]) -> Vec<&String> {
    statements.iter().filter(|s| s.contains("EXISTS (SELECT 1 FROM access_versions a, catalog_versions v, users u")).collect()
}

both!(kept_grants_are_checked_without_reading_them_and_read_again_once_changed, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let member = app.user("member").await;
    owner.ok(ADD_MEMBER, json!({ "s": org.id, "u": member.id, "r": "worker" })).await;
    let (first, seen) = app.statements_of(member.node(&org.id)).await;
    assert_eq!(seen["id"], json!(org.id));
    let read = authentications(&first);
    assert!(read.len() == 1 && read[0].contains("FROM memberships m"), "one statement reads user and grants: {read:?}");
    assert!(guarded(&first).is_empty(), "nothing kept yet: {first:?}");
    // Kept. SQLite: the next request's one authentication statement reads no grants
    // table. PostgreSQL (a round trip per statement): no authentication statement; the
    // query's first statement carries the check instead.
    let checked_only = |statements: &[String]| {
        let auth = authentications(statements);
        match app.db {
            Db::Sqlite => auth.len() == 1 && !auth[0].contains("memberships") && guarded(statements).is_empty(),
            Db::Postgres => {
                auth.is_empty()
                    && guarded(statements).len() == 1
                    && statements[0].contains("EXISTS (SELECT 1 FROM access_versions")
            }
        }
    };
    let (second, _) = app.statements_of(member.node(&org.id)).await;
    assert!(checked_only(&second), "kept grants are only checked: {second:?}");
    let fewer = usize::from(app.db == Db::Postgres);
    assert_eq!(second.len(), first.len() - fewer, "the check takes the place of the statement that read them");
    // After a write this process committed (here one that changes no grants: the version
    // stays), the kept copy is read with its guard, in one statement, and reused; then
    // only checked again.
    let version = access_version(&app).await;
    owner.ok(UPDATE_ORGANIZATION, json!({ "o": org.id, "n": "Acme Inc" })).await;
    assert_eq!(access_version(&app).await, version, "renaming an organization changes no grants");
    let (after_write, _) = app.statements_of(member.node(&org.id)).await;
    let read = authentications(&after_write);
    assert!(
        read.len() == 1
            && read[0].contains("FROM memberships m")
            && read[0].contains("NOT EXISTS (SELECT 1 FROM access_versions")
            && guarded(&after_write).is_empty(),
        "one guarded statement after a commit: {after_write:?}"
    );
    let (again, _) = app.statements_of(member.node(&org.id)).await;
    assert!(checked_only(&again), "checked again once found current: {again:?}");
    // Changed behind the server's back: the check sees it, and a second statement reads
    // them (PostgreSQL: the guarded statement answers nothing, a check finds the guard
    // failing, and the query runs again, authenticated).
    execute(&app, "DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE sub = 'member')").await;
    let (third, gone) = app.statements_of(member.node(&org.id)).await;
    assert!(gone.is_null(), "a removed member still sees the organization");
    let reread = authentications(&third);
    assert!(
        reread.len() == 2 && reread[1].contains("FROM memberships m") && !reread[1].contains("NOT EXISTS"),
        "checked, then read: {reread:?}"
    );
});

both!(a_user_row_changed_behind_the_servers_back_shows_on_the_next_request, |app: TestApp| async move {
    let member = app.user("member").await;
    const NAME: &str = "{ viewer { id name email } }";
    // Read twice: the second request starts from what the first one kept.
    for _ in 0..2 {
        assert_eq!(member.ok(NAME, json!({})).await["viewer"]["name"], "member");
    }
    // Later claims of another token (a later `iat`) stand against this one's (RULES.md §2):
    // the row as it is now, though this request reads nothing else.
    let later = "UPDATE users SET name = 'Renamed', email = 'renamed@example.com', claims_iat = COALESCE(claims_iat, 0) + 10000000000 \
                 WHERE sub = 'member'";
    execute(&app, later).await;
    let (statements, seen) = app.statements_of(member.ok(NAME, json!({}))).await;
    assert_eq!(seen["viewer"]["name"], "Renamed", "the viewer's row as it was: {statements:?}");
    assert_eq!(seen["viewer"]["email"], "renamed@example.com");
    assert_eq!(member.ok(NAME, json!({})).await["viewer"]["name"], "Renamed", "and again");
});

both!(a_user_row_changed_and_changed_back_is_read_again, |app: TestApp| async move {
    let member = app.user("member").await;
    const VIEWER: &str = "{ viewer { id name } }";
    for _ in 0..2 {
        assert_eq!(member.ok(VIEWER, json!({})).await["viewer"]["name"], "member");
    }
    // Two tokens of one `sub` taking turns can do this: the row as kept again, but changed
    // in between. A check that compared the row alone would find the kept copy current
    // (PostgreSQL: even where a statement in between had found it changed).
    let version = access_version(&app).await;
    execute(&app, "UPDATE users SET name = 'Other' WHERE sub = 'member'").await;
    execute(&app, "UPDATE users SET name = 'member' WHERE sub = 'member'").await;
    assert!(access_version(&app).await > version, "a change to a user row raises the access version");
    let (statements, seen) = app.statements_of(member.ok(VIEWER, json!({}))).await;
    assert_eq!(seen["viewer"]["name"], "member");
    assert!(!authentications(&statements).is_empty(), "not current after a change, even one undone: {statements:?}");
});
