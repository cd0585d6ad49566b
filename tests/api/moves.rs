//! RULES §9.5, moves keep ownership: a transfer rewrites every stored copy of a project's
//! ancestors (trash entries included), so a trashed object restores only into the place
//! it now belongs to, under the rights there; memberships follow only with built-in roles
//! the mover could assign at the destination; a restore never fails with INTERNAL.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

const TRASH: &str = "query($t: ID!) { node(id: $t) { ... on Team { trash(first: 20) { totalCount nodes { id kind name } } } } }";
const RESTORE: &str = "mutation($e: ID!) { restoreFromTrash(input: { trashEntryId: $e }) {
    project { id } dataset { id } detachedMemberships { user { id } role { key } reason } detachedMembershipCount
    detachedFromParent } }";
const RESTORE_PLAIN: &str =
    "mutation($e: ID!) { restoreFromTrash(input: { trashEntryId: $e }) { project { id } dataset { id } } }";
const MEMBERS: &str =
    "query($p: ID!) { node(id: $p) { ... on Project { members(first: 20) { nodes { user { id } role { key } } } } } }";
const DATASETS: &str = "query($p: ID!) { node(id: $p) { ... on Project { datasets(first: 20) { nodes { id name } } } } }";
const CREATE_ROLE: &str = "mutation($o: ID!, $k: String!, $p: [String!]!) { createRole(input: { organizationId: $o, key: $k,
    name: $k, scopeKind: PROJECT, permissions: $p }) { role { key } } }";
const DELETE_ROLE: &str =
    "mutation($o: ID!, $k: String!) { deleteRole(input: { organizationId: $o, scopeKind: PROJECT, key: $k }) { key } }";

async fn trash(c: &Client, team: &str) -> Value {
    c.ok(TRASH, json!({ "t": team })).await["node"]["trash"].clone()
}

fn first_entry(t: &Value) -> String {
    t["nodes"][0]["id"].as_str().expect("entry").to_string()
}

async fn org_with_preset(by: &Client, slug: &str, preset: &str) -> String {
    let d = by.ok(CREATE_ORGANIZATION, json!({ "s": slug, "p": preset })).await;
    d["createOrganization"]["organization"]["id"].as_str().expect("org").to_string()
}

both!(finding_1_trash_follows_a_project_into_another_organization, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (owner, maintainer) = (&t.owner, &t.maintainer);
    let b = create_org(owner, "b-org").await;
    let b_admin = app.user("b-admin").await;
    add_member(owner, &b.id, &b_admin, "worker").await;
    add_member(owner, &b.team, &b_admin, "admin").await;
    let d = create_dataset(owner, &t.project, None, "old").await;
    let items = add_items(owner, &d, &[("a.png", 5)]).await;
    owner.ok(DELETE_DATASET, json!({ "d": d })).await;
    let entry = first_entry(&trash(maintainer, &t.team).await);

    owner.ok(TRANSFER_PROJECT, json!({ "p": t.project, "w": b.workspace })).await;
    // The old organization's maintainer no longer sees or restores the entry.
    assert_eq!(trash(maintainer, &t.team).await["totalCount"], 0);
    assert_eq!(maintainer.code(RESTORE_PLAIN, json!({ "e": entry })).await, "NOT_FOUND");
    assert!(maintainer.node(&d).await.is_null());
    // It is in the new team's trash, and comes back owned by the new organization.
    let bin = trash(&b_admin, &b.team).await;
    assert_eq!(bin["totalCount"], 1);
    assert_eq!(bin["nodes"][0]["name"], "old");
    b_admin.ok(RESTORE_PLAIN, json!({ "e": entry })).await;
    assert_eq!(b_admin.node(&d).await["id"], d.as_str());
    assert_eq!(b_admin.node(&items[0]).await["id"], items[0].as_str());
    assert!(maintainer.node(&d).await.is_null());
    assert!(maintainer.node(&items[0]).await.is_null());
    let listed = b_admin.ok(DATASETS, json!({ "p": t.project })).await;
    assert_eq!(listed["node"]["datasets"]["nodes"], json!([{ "id": d, "name": "old" }]));
    b_admin.ok(DELETE_DATASET, json!({ "d": d })).await;
});

both!(finding_1_trash_follows_a_project_between_teams_of_one_organization, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let owner = &t.owner;
    let (other_team, other_ws) = create_team(owner, &t.org, "Other").await;
    let other_admin = app.user("other-admin").await;
    add_member(owner, &t.org, &other_admin, "worker").await;
    add_member(owner, &other_team, &other_admin, "admin").await;
    let d = create_dataset(owner, &t.project, None, "old").await;
    owner.ok(DELETE_DATASET, json!({ "d": d })).await;
    let entry = first_entry(&trash(&t.team_admin, &t.team).await);

    owner.ok(TRANSFER_PROJECT, json!({ "p": t.project, "w": other_ws })).await;
    assert_eq!(trash(&t.team_admin, &t.team).await["totalCount"], 0);
    assert_eq!(t.team_admin.code(RESTORE_PLAIN, json!({ "e": entry })).await, "NOT_FOUND");
    assert_eq!(trash(&other_admin, &other_team).await["totalCount"], 1);
    other_admin.ok(RESTORE_PLAIN, json!({ "e": entry })).await;
    assert_eq!(other_admin.node(&d).await["id"], d.as_str());
    assert!(t.team_admin.node(&d).await.is_null());
    other_admin.ok(DELETE_DATASET, json!({ "d": d })).await;
});

both!(finding_2_a_custom_role_never_follows_a_transfer_by_its_key, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (dev, pal) = (&t.developer, &t.annotator);
    let side = org_with_preset(dev, "side", "SUPERVISELY").await;
    let (_, side_ws) = create_team(dev, &side, "Side").await;
    add_member(dev, &side, pal, "member").await;
    dev.ok(CREATE_ROLE, json!({ "o": side, "k": "lead", "p": ["project.read"] })).await;
    let p = create_project(dev, &side_ws, "Trojan").await;
    add_member(dev, &p, pal, "lead").await;

    let r = dev.ok(TRANSFER_PROJECT, json!({ "p": p, "w": t.workspace })).await;
    assert_eq!(r["transferProject"]["detachedMemberships"], json!([{ "user": { "id": pal.id }, "role": { "key": "lead" } }]));
    assert_eq!(t.owner.ok(MEMBERS, json!({ "p": p })).await["node"]["members"]["nodes"], json!([]));
    // The annotator holds nothing on the project: no lead's member management.
    assert_eq!(pal.code(ADD_MEMBER, json!({ "s": p, "u": t.viewer.id, "r": "labeler" })).await, "NOT_FOUND");
});

both!(finding_2_a_built_in_role_follows_only_where_the_mover_could_assign_it, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (dev, pal) = (&t.developer, &t.annotator);
    // The same trick with a built-in `lead` of the developer's own DEFAULT organization.
    let side = create_org(dev, "side").await;
    add_member(dev, &side.id, pal, "worker").await;
    let p = create_project(dev, &side.workspace, "Trojan").await;
    add_member(dev, &p, pal, "lead").await;
    let r = dev.ok(TRANSFER_PROJECT, json!({ "p": p, "w": t.workspace })).await;
    assert_eq!(r["transferProject"]["detachedMemberships"], json!([{ "user": { "id": pal.id }, "role": { "key": "lead" } }]));
    assert_eq!(t.owner.ok(MEMBERS, json!({ "p": p })).await["node"]["members"]["nodes"], json!([]));
    // An owner of both organizations, who could assign it there, takes the lead along.
    let b = create_org(&t.owner, "b-org").await;
    add_member(&t.owner, &b.id, pal, "worker").await;
    let q = create_project(&t.owner, &t.workspace, "Legit").await;
    add_member(&t.owner, &q, pal, "lead").await;
    let r = t.owner.ok(TRANSFER_PROJECT, json!({ "p": q, "w": b.workspace })).await;
    assert_eq!(r["transferProject"]["detachedMemberships"], json!([]));
    assert_eq!(
        t.owner.ok(MEMBERS, json!({ "p": q })).await["node"]["members"]["nodes"],
        json!([{ "user": { "id": pal.id }, "role": { "key": "lead" } }])
    );
});

both!(finding_14_a_role_deleted_while_its_project_was_in_the_trash_is_detached_on_restore, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let (peek, lab) = (app.user("peek").await, app.user("lab").await);
    let org = create_org(&owner, "acme").await;
    owner.ok(CREATE_ROLE, json!({ "o": org.id, "k": "peek", "p": ["project.read"] })).await;
    add_member(&owner, &org.id, &peek, "worker").await;
    add_member(&owner, &org.id, &lab, "worker").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    add_member(&owner, &p, &peek, "peek").await;
    add_member(&owner, &p, &lab, "labeler").await;
    owner.ok(DELETE_PROJECT, json!({ "p": p })).await;
    owner.ok(DELETE_ROLE, json!({ "o": org.id, "k": "peek" })).await;

    let r = owner.ok(RESTORE, json!({ "e": first_entry(&trash(&owner, &org.team).await) })).await;
    let r = &r["restoreFromTrash"];
    assert_eq!(r["project"]["id"], p.as_str());
    assert_eq!(r["detachedMemberships"], json!([{ "user": { "id": peek.id }, "role": null, "reason": "ROLE_DELETED" }]));
    assert_eq!(r["detachedMembershipCount"], 1);
    assert_eq!(
        owner.ok(MEMBERS, json!({ "p": p })).await["node"]["members"]["nodes"],
        json!([{ "user": { "id": lab.id }, "role": { "key": "labeler" } }])
    );
    assert!(peek.node(&p).await.is_null());
});

both!(a_restore_reports_members_who_left_and_datasets_whose_parent_is_gone, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let lab = app.user("lab").await;
    let org = create_org(&owner, "acme").await;
    add_member(&owner, &org.id, &lab, "worker").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    add_member(&owner, &p, &lab, "labeler").await;
    owner.ok(DELETE_PROJECT, json!({ "p": p })).await;
    let m = membership_id(&owner, &org.id, &lab).await;
    owner.ok(REMOVE_MEMBER, json!({ "m": m })).await;
    let r = owner.ok(RESTORE, json!({ "e": first_entry(&trash(&owner, &org.team).await) })).await;
    // The user left the only organization the owner shares with them: no longer visible.
    assert_eq!(
        r["restoreFromTrash"]["detachedMemberships"],
        json!([{ "user": null, "role": { "key": "labeler" }, "reason": "NOT_IN_ORGANIZATION" }])
    );
    assert_eq!(r["restoreFromTrash"]["detachedFromParent"], false);

    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    owner.ok(DELETE_DATASET, json!({ "d": b })).await;
    owner.ok(DELETE_DATASET, json!({ "d": a })).await;
    let r = owner.ok(RESTORE, json!({ "e": first_entry(&trash(&owner, &org.team).await) })).await;
    assert_eq!(r["restoreFromTrash"]["dataset"]["id"], b.as_str());
    assert_eq!(r["restoreFromTrash"]["detachedFromParent"], true);
    let listed = owner.ok(DATASETS, json!({ "p": p })).await;
    assert_eq!(listed["node"]["datasets"]["nodes"], json!([{ "id": b, "name": "b" }]));
});

both!(a_restore_gives_no_role_back_to_a_member_who_left_and_came_back, |app: TestApp| async move {
    // Leaving an organization ends every role held there, the ones kept in the trash too
    // (RULES.md §5): the lead who left and was invited back starts from nothing.
    let owner = app.user("owner").await;
    let (lead, lab) = (app.user("lead").await, app.user("lab").await);
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    for (who, role) in [(&lead, "lead"), (&lab, "labeler")] {
        add_member(&owner, &org.id, who, "worker").await;
        add_member(&owner, &p, who, role).await;
    }
    owner.ok(DELETE_PROJECT, json!({ "p": p })).await;
    let m = membership_id(&owner, &org.id, &lead).await;
    owner.ok(REMOVE_MEMBER, json!({ "m": m })).await;
    add_member(&owner, &org.id, &lead, "worker").await;
    let r = owner.ok(RESTORE, json!({ "e": first_entry(&trash(&owner, &org.team).await) })).await;
    assert_eq!(
        r["restoreFromTrash"]["detachedMemberships"],
        json!([{ "user": { "id": lead.id }, "role": { "key": "lead" }, "reason": "NOT_IN_ORGANIZATION" }])
    );
    assert_eq!(
        owner.ok(MEMBERS, json!({ "p": p })).await["node"]["members"]["nodes"],
        json!([{ "user": { "id": lab.id }, "role": { "key": "labeler" } }])
    );
    // The one that came back is in the audit log, as its removal was.
    let log = "query($s: String!) { organization(slug: $s) { auditLog(first: 50, action: \"membership.created\") {
        nodes { after } } } }";
    let d = owner.ok(log, json!({ "s": "acme" })).await;
    let created = d["organization"]["auditLog"]["nodes"].as_array().expect("entries").clone();
    let restored = created.iter().filter(|e| e["after"]["scopeKind"] == "project").count();
    assert_eq!(restored, 3, "two added, one restored: {d}");
});

/// `(table, column)` for every column named like a copy of an ancestor, read from the
/// database catalog.
async fn ancestor_columns(app: &TestApp) -> std::collections::BTreeSet<(String, String)> {
    let sqlite = "SELECT m.name AS t, c.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) c
                  WHERE m.type = 'table'";
    let postgres = "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns
                    WHERE table_schema = current_schema()";
    catalog_pairs(app, sqlite, postgres)
        .await
        .into_iter()
        .filter(|(_, c)| ["organization_id", "team_id", "workspace_id"].contains(&c.as_str()))
        .collect()
}

both!(every_stored_copy_of_a_projects_ancestors_is_rewritten_by_one_function, |app: TestApp| async move {
    use orgraph::project::ancestors::{COPIES, NOT_COPIES};
    let columns = ancestor_columns(&app).await;
    let tables: std::collections::BTreeSet<&str> = columns.iter().map(|(t, _)| t.as_str()).collect();
    let mut listed: std::collections::BTreeSet<&str> = COPIES.iter().map(|c| c.table).collect();
    listed.extend(NOT_COPIES.iter().map(|(t, _)| *t));
    listed.insert("projects");
    // A new table with an organization, team or workspace column must say which it is.
    assert_eq!(tables, listed, "list it in project::ancestors::COPIES (and rewrite it) or NOT_COPIES (with why)");
    for copy in COPIES {
        let mut mine: Vec<&str> = columns.iter().filter(|(t, _)| t == copy.table).map(|(_, c)| c.as_str()).collect();
        let mut rewritten = copy.columns.to_vec();
        mine.sort();
        rewritten.sort();
        assert_eq!(mine, rewritten, "{}: every ancestor column is rewritten", copy.table);
    }
});

fn uuid_of(global: &str) -> uuid::Uuid {
    use base64::Engine;
    let text = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(global).expect("base64")).expect("utf8");
    let (_, simple) = text.split_once(':').expect("kind:uuid");
    uuid::Uuid::parse_str(simple).expect("uuid")
}

both!(a_transfer_leaves_no_copy_of_the_old_place_in_any_listed_table, |app: TestApp| async move {
    use orgraph::project::ancestors::COPIES;
    use sea_orm::ConnectionTrait;
    let t = DefaultOrg::new(&app).await;
    let owner = &t.owner;
    let b = create_org(owner, "b-org").await;
    add_member(owner, &b.id, &t.worker, "worker").await;
    let p = &t.project;
    let d = create_dataset(owner, p, None, "kept").await;
    add_items(owner, &d, &[("a.png", 1)]).await;
    let gone = create_dataset(owner, p, None, "gone").await;
    owner.ok(DELETE_DATASET, json!({ "d": gone })).await;
    add_member(owner, p, &t.worker, "labeler").await;
    owner.ok(INVITE, json!({ "s": p, "e": "new@example.com", "r": "labeler" })).await;
    owner.ok(TRANSFER_PROJECT, json!({ "p": p, "w": b.workspace })).await;

    let db = orgraph::db::connect(&orgraph::config::Settings::with_database(app.database_url.clone())).await.expect("connect");
    let (project, old_org, old_team) = (uuid_of(p), uuid_of(&t.org), uuid_of(&t.team));
    for copy in COPIES {
        let mut sql = orgraph::db::Sql::new(db.get_database_backend());
        sql.push("SELECT COUNT(*) AS n FROM ").push(copy.table).push(" WHERE project_id = ").bind(project);
        sql.push(" AND (organization_id = ").bind(old_org);
        if copy.columns.contains(&"team_id") {
            sql.push(" OR team_id = ").bind(old_team);
        }
        sql.push(")");
        // The old team's log keeps the one entry saying the project left.
        if copy.table == "activity" {
            sql.push(" AND action <> 'transferred'");
        }
        let row = db.query_one_raw(sql.build()).await.expect("count").expect("row");
        assert_eq!(row.try_get::<i64>("", "n").expect("n"), 0, "{} keeps the old place", copy.table);
    }
    // And the trashed dataset restores in the new organization.
    let bin = trash(owner, &b.team).await;
    assert_eq!(bin["nodes"][0]["name"], "gone");
});

both!(a_migration_moves_trash_entries_left_behind_by_earlier_transfers, |app: TestApp| async move {
    use migration::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let t = DefaultOrg::new(&app).await;
    let b = create_org(&t.owner, "b-org").await;
    let gone = create_dataset(&t.owner, &t.project, None, "gone").await;
    t.owner.ok(DELETE_DATASET, json!({ "d": gone })).await;
    t.owner.ok(TRANSFER_PROJECT, json!({ "p": t.project, "w": b.workspace })).await;
    // What a transfer before the fix left: the entry in the old team.
    let db = orgraph::db::connect(&orgraph::config::Settings::with_database(app.database_url.clone())).await.expect("connect");
    let mut sql = orgraph::db::Sql::new(db.get_database_backend());
    sql.push("UPDATE trash_entries SET organization_id = ").bind(uuid_of(&t.org)).push(", team_id = ").bind(uuid_of(&t.team));
    db.execute_raw(sql.build()).await.expect("stale");
    assert_eq!(trash(&t.maintainer, &t.team).await["totalCount"], 1);
    // Even so, the old organization cannot restore it into the moved project.
    let entry = first_entry(&trash(&t.maintainer, &t.team).await);
    assert_eq!(t.maintainer.code(RESTORE_PLAIN, json!({ "e": entry })).await, "NOT_FOUND");
    // Run the migration again (whatever migrations come after it).
    let forget = "DELETE FROM seaql_migrations WHERE version = 'm20261203_000013_rebase_moved_project_copies'";
    assert_eq!(db.execute_unprepared(forget).await.expect("forget").rows_affected(), 1);
    migration::Migrator::up(&db, None).await.expect("up");
    assert_eq!(trash(&t.maintainer, &t.team).await["totalCount"], 0);
    assert_eq!(trash(&t.owner, &b.team).await["totalCount"], 1);
    t.owner.ok(RESTORE_PLAIN, json!({ "e": entry })).await;
});

both!(a_restore_gives_back_only_the_roles_the_restorer_may_give, |app: TestApp| async move {
    // A developer deletes and restores his own project (`project.delete.own`): the roles a
    // team admin gave there come back only if he may give them now, as `addMember` decides
    // (RULES.md §5³ and §9.5 "under the rights there": a `lead` needs a team admin). Those
    // that do not are reported, for a team admin to give again.
    let t = crate::fixtures::DefaultOrg::new(&app).await;
    let p = create_project(&t.developer, &t.workspace, "Dev's").await;
    t.team_admin.ok(ADD_MEMBER, json!({ "s": p, "u": t.worker.id, "r": "lead" })).await;
    t.team_admin.ok(ADD_MEMBER, json!({ "s": p, "u": t.viewer.id, "r": "labeler" })).await;
    t.team_admin.ok(ADD_MEMBER, json!({ "s": p, "u": t.developer.id, "r": "manager" })).await;
    let before = t.team_admin.ok(MEMBERS, json!({ "p": p })).await["node"]["members"]["nodes"].as_array().expect("members").len();
    t.developer.ok(DELETE_PROJECT, json!({ "p": p })).await;
    let entry = t.developer.ok(TRASH, json!({ "t": t.team })).await["node"]["trash"]["nodes"]
        .as_array()
        .expect("trash")
        .iter()
        .find(|e| e["name"] == "Dev's")
        .and_then(|e| e["id"].as_str())
        .expect("the project's entry")
        .to_string();
    let r = t.developer.ok(RESTORE, json!({ "e": entry })).await;
    let mut detached: Vec<(String, String, String)> = r["restoreFromTrash"]["detachedMemberships"]
        .as_array()
        .expect("detached")
        .iter()
        .map(|d| {
            (
                d["user"]["id"].as_str().unwrap_or("-").into(),
                d["role"]["key"].as_str().unwrap_or("-").into(),
                d["reason"].as_str().unwrap_or("-").into(),
            )
        })
        .collect();
    detached.sort();
    // His own `manager` role comes back first and counts: a project manager gives
    // `labeler` (§5³), not `lead`.
    let expected = vec![(t.worker.id.clone(), "lead".to_string(), "NOT_ASSIGNABLE".to_string())];
    assert_eq!(detached, expected, "{r}");
    let after = t.team_admin.ok(MEMBERS, json!({ "p": p })).await["node"]["members"]["nodes"].clone();
    assert_eq!(after.as_array().map(Vec::len), Some(before - 1), "{after}");
    for kept in [&t.viewer, &t.developer] {
        assert!(after.as_array().is_some_and(|m| m.iter().any(|m| m["user"]["id"] == kept.id.as_str())), "{after}");
    }
    // A team admin restoring gives every kept role back.
    t.team_admin.ok(ADD_MEMBER, json!({ "s": p, "u": t.worker.id, "r": "lead" })).await;
    t.team_admin.ok(DELETE_PROJECT, json!({ "p": p })).await;
    let entry = t.team_admin.ok(TRASH, json!({ "t": t.team })).await["node"]["trash"]["nodes"][0]["id"].clone();
    let r = t.team_admin.ok(RESTORE, json!({ "e": entry })).await;
    assert_eq!(r["restoreFromTrash"]["detachedMemberships"], json!([]), "{r}");
    let again = t.team_admin.ok(MEMBERS, json!({ "p": p })).await["node"]["members"]["nodes"].clone();
    assert_eq!(again.as_array().map(Vec::len), Some(before), "{again}");
});
