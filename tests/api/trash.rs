//! The trash bin (seed 000): deleting a project or dataset moves it to the team's trash;
//! restoring brings the whole subtree back under the same ids; purging (by hand or after
//! the retention period) deletes it forever. Who may restore or purge follows the delete
//! rules; those who cannot see the entry get NOT_FOUND.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

const TRASH: &str = "query($t: ID!) { node(id: $t) { ... on Team { sizeBytes itemCount trashSizeBytes
    trash(first: 20) { totalCount nodes { id kind name deletedBy { id } deletedAt sizeBytes itemCount purgesAt } } } } }";
const RESTORE: &str = "mutation($e: ID!) { restoreFromTrash(input: { trashEntryId: $e }) {
    project { id name } dataset { id name depth } } }";
const PURGE: &str = "mutation($e: ID!) { purgeFromTrash(input: { trashEntryId: $e }) { purgedTrashEntryId } }";
const PROJECT: &str = "query($p: ID!) { node(id: $p) { ... on Project { id name sizeBytes itemCount
    members(first: 5) { nodes { user { id } } } datasets(first: 5) { nodes { id name } } } } }";
const LEVEL: &str = "query($d: ID!) { node(id: $d) { ... on Dataset { id name depth sizeBytes itemCount
    children(first: 5) { nodes { id name } } items(first: 5) { nodes { id name } } } } }";

/// The project, and each of the given datasets with its children and items.
async fn tree(c: &Client, project: &str, datasets: &[&str]) -> Vec<Value> {
    let mut out = vec![c.ok(PROJECT, json!({ "p": project })).await];
    for d in datasets {
        out.push(c.ok(LEVEL, json!({ "d": d })).await);
    }
    out
}

async fn trash(c: &Client, team: &str) -> Value {
    c.ok(TRASH, json!({ "t": team })).await["node"].clone()
}

fn entry_id(t: &Value, i: usize) -> String {
    t["trash"]["nodes"][i]["id"].as_str().expect("entry id").to_string()
}

both!(a_deleted_project_moves_to_the_trash_and_comes_back_whole, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let lab = app.user("lab").await;
    let org = create_org(&owner, "acme").await;
    add_member(&owner, &org.id, &lab, "worker").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    add_member(&owner, &p, &lab, "labeler").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    add_items(&owner, &a, &[("one.png", 100)]).await;
    add_items(&owner, &b, &[("two.png", 20), ("three.png", 3)]).await;
    owner.ok(CREATE_VERSION, json!({ "p": p, "title": "v1" })).await;
    let before = tree(&owner, &p, &[&a, &b]).await;
    assert_eq!(before[0]["node"]["sizeBytes"], 123.0);

    let d = owner.ok(DELETE_PROJECT, json!({ "p": p })).await;
    assert_eq!(d["deleteProject"]["deletedProjectId"], p.as_str());
    assert!(owner.node(&p).await.is_null());
    assert!(owner.node(&b).await.is_null());
    let (statements, t) = app.statements_of(trash(&owner, &org.team)).await;
    assert_eq!(t["sizeBytes"], 0.0);
    assert_eq!(t["trashSizeBytes"], 123.0);
    assert_eq!(t["trash"]["totalCount"], 1);
    // Listing and totalling the trash never reads what an entry holds to restore it.
    let listed = statements.iter().filter(|s| s.contains("FROM \"trash_entries\"")).collect::<Vec<_>>();
    assert!(!listed.is_empty() && listed.iter().all(|s| !s.contains("\"trash_entries\".\"payload\"")), "{listed:?}");
    let e = &t["trash"]["nodes"][0];
    assert_eq!(e["kind"], "Project");
    assert_eq!(e["name"], "Cars");
    assert_eq!(e["deletedBy"]["id"], owner.id.as_str());
    assert_eq!(e["sizeBytes"], 123.0);
    assert_eq!(e["itemCount"], 3);
    assert!(e["deletedAt"].as_str().is_some() && e["purgesAt"].as_str().is_some());
    // The labeler lost the project with its membership: no entry for them.
    assert_eq!(trash(&lab, &org.team).await["trash"], Value::Null);

    let d = owner.ok(RESTORE, json!({ "e": entry_id(&t, 0) })).await;
    assert_eq!(d["restoreFromTrash"]["project"]["id"], p.as_str());
    assert_eq!(tree(&owner, &p, &[&a, &b]).await, before);
    let t = trash(&owner, &org.team).await;
    assert_eq!(
        (t["trash"]["totalCount"].clone(), t["sizeBytes"].clone(), t["trashSizeBytes"].clone()),
        (json!(0), json!(123), json!(0))
    );
    // The membership came back with the project.
    assert_eq!(lab.node(&p).await["id"], p.as_str());
    let versions = owner
        .ok("query($p: ID!) { node(id: $p) { ... on Project { versions(first: 5) { totalCount } } } }", json!({ "p": p }))
        .await;
    assert_eq!(versions["node"]["versions"]["totalCount"], 1);
});

both!(a_dataset_subtree_is_trashed_and_restored_and_a_name_clash_changes_nothing, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    let items = add_items(&owner, &b, &[("x.png", 7)]).await;
    let before = tree(&owner, &p, &[&a, &b]).await;

    owner.ok(DELETE_DATASET, json!({ "d": a })).await;
    assert!(owner.node(&a).await.is_null());
    assert!(owner.node(&items[0]).await.is_null());
    let t = trash(&owner, &org.team).await;
    assert_eq!((t["sizeBytes"].clone(), t["trashSizeBytes"].clone()), (json!(0), json!(7)));
    assert_eq!(t["trash"]["nodes"][0]["kind"], "Dataset");
    let entry = entry_id(&t, 0);

    // A live sibling took the name: CONFLICT, and nothing changed.
    let taken = create_dataset(&owner, &p, None, "a").await;
    assert_eq!(owner.code(RESTORE, json!({ "e": entry })).await, "CONFLICT");
    assert_eq!(trash(&owner, &org.team).await, t);
    assert!(owner.node(&b).await.is_null());
    owner.ok(DELETE_DATASET, json!({ "d": taken })).await;

    let d = owner.ok(RESTORE, json!({ "e": entry })).await;
    assert_eq!(d["restoreFromTrash"]["dataset"], json!({ "id": a, "name": "a", "depth": 0 }));
    assert_eq!(tree(&owner, &p, &[&a, &b]).await, before);
    assert_eq!(owner.node(&items[0]).await["id"], items[0].as_str());
    assert_eq!(trash(&owner, &org.team).await["trash"]["totalCount"], 1);
});

both!(a_dataset_whose_parent_is_gone_comes_back_at_the_top_level, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    owner.ok(DELETE_DATASET, json!({ "d": b })).await;
    owner.ok(DELETE_DATASET, json!({ "d": a })).await;
    let t = trash(&owner, &org.team).await;
    assert_eq!(t["trash"]["nodes"][0]["name"], "b");
    // RULES §9.5: the vanished parent is detached (reported in the payload), never INTERNAL.
    let d = owner.ok(RESTORE, json!({ "e": entry_id(&t, 0) })).await;
    assert_eq!(d["restoreFromTrash"]["dataset"], json!({ "id": b, "name": "b", "depth": 0 }));
    owner.ok(RESTORE, json!({ "e": entry_id(&t, 1) })).await;
    assert_eq!(owner.node(&b).await["id"], b.as_str());
    assert_eq!(owner.node(&a).await["id"], a.as_str());
});

both!(developers_restore_and_purge_only_their_own_and_others_get_not_found, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (owner, dev, ann, out) = (&t.owner, &t.developer, &t.annotator, &t.outsider);
    let mine = create_project(dev, &t.workspace, "Mine").await;
    let theirs = create_project(owner, &t.workspace, "Theirs").await;
    dev.ok(DELETE_PROJECT, json!({ "p": mine })).await;
    owner.ok(DELETE_PROJECT, json!({ "p": theirs })).await;
    let bin = trash(owner, &t.team).await;
    let (mine_entry, theirs_entry) = (entry_id(&bin, 0), entry_id(&bin, 1));
    assert_eq!(bin["trash"]["nodes"][0]["name"], "Mine");

    assert_eq!(trash(dev, &t.team).await["trash"]["totalCount"], 2);
    assert_eq!(dev.code(RESTORE, json!({ "e": theirs_entry })).await, "FORBIDDEN");
    assert_eq!(dev.code(PURGE, json!({ "e": theirs_entry })).await, "FORBIDDEN");
    for c in [ann, out] {
        assert_eq!(c.code(RESTORE, json!({ "e": mine_entry })).await, "NOT_FOUND");
        assert_eq!(c.code(PURGE, json!({ "e": theirs_entry })).await, "NOT_FOUND");
    }
    assert_eq!(trash(ann, &t.team).await["trash"]["totalCount"], 0);
    assert_eq!(trash(owner, &t.team).await, bin);

    dev.ok(RESTORE, json!({ "e": mine_entry })).await;
    assert_eq!(dev.node(&mine).await["id"], mine.as_str());
    let d = owner.ok(PURGE, json!({ "e": theirs_entry })).await;
    assert_eq!(d["purgeFromTrash"]["purgedTrashEntryId"], theirs_entry.as_str());
    assert_eq!(trash(owner, &t.team).await["trash"]["totalCount"], 0);
    assert_eq!(owner.code(RESTORE, json!({ "e": theirs_entry })).await, "NOT_FOUND");
    assert!(owner.node(&theirs).await.is_null());
    // A developer deletes and purges their own project for good.
    dev.ok(DELETE_PROJECT, json!({ "p": mine })).await;
    let bin = trash(dev, &t.team).await;
    dev.ok(PURGE, json!({ "e": entry_id(&bin, 0) })).await;
    assert_eq!(trash(owner, &t.team).await["trash"]["totalCount"], 0);
});

both!(entries_older_than_the_retention_are_purged, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    owner.ok(DELETE_PROJECT, json!({ "p": p })).await;
    let db = orgraph::db::connect(&orgraph::config::Settings::with_database(app.database_url.clone())).await.expect("connect");
    let day = std::time::Duration::from_secs(86_400);
    assert_eq!(orgraph::trash::service::purge_expired(&db, day).await.expect("purge"), 0);
    assert_eq!(trash(&owner, &org.team).await["trash"]["totalCount"], 1);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(orgraph::trash::service::purge_expired(&db, std::time::Duration::from_millis(1)).await.expect("purge"), 1);
    assert_eq!(trash(&owner, &org.team).await["trash"]["totalCount"], 0);
});

both!(deleting_a_workspace_removes_what_it_left_in_the_trash, |app: TestApp| async move {
    // RULES.md §4: deleting a workspace removes everything below it, its trash entries too
    // (they could never be restored, their workspace or project gone).
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let w = crate::fixtures::create_workspace(&owner, &org.team, "Second").await;
    let kept = create_project(&owner, &org.workspace, "Kept").await;
    let gone = create_dataset(&owner, &kept, None, "gone elsewhere").await;
    owner.ok(DELETE_DATASET, json!({ "d": gone })).await;
    let live = create_project(&owner, &w, "Live").await;
    let d = create_dataset(&owner, &live, None, "of a live project").await;
    owner.ok(DELETE_DATASET, json!({ "d": d })).await;
    let deleted = create_project(&owner, &w, "Deleted").await;
    let d = create_dataset(&owner, &deleted, None, "of a deleted project").await;
    owner.ok(DELETE_DATASET, json!({ "d": d })).await;
    owner.ok(DELETE_PROJECT, json!({ "p": deleted })).await;
    assert_eq!(trash(&owner, &org.team).await["trash"]["totalCount"], 4);
    let lab = app.user("lab").await;
    crate::fixtures::add_member(&owner, &org.id, &lab, "worker").await;
    crate::fixtures::add_member(&owner, &live, &lab, "labeler").await;
    let removed = || async {
        let log =
            "query($s: String!) { organization(slug: $s) { auditLog(first: 1, action: \"membership.removed\") { totalCount } } }";
        owner.ok(log, json!({ "s": "acme" })).await["organization"]["auditLog"]["totalCount"].as_i64().expect("count")
    };
    let (members, removed_before) = (
        owner.ok(PROJECT, json!({ "p": live })).await["node"]["members"]["nodes"].as_array().map_or(0, Vec::len) as i64,
        removed().await,
    );
    assert!(members >= 1);
    owner.ok(DELETE_WORKSPACE, json!({ "w": w })).await;
    let t = trash(&owner, &org.team).await;
    assert_eq!(t["trash"]["totalCount"], 1, "{t}");
    assert_eq!(t["trash"]["nodes"][0]["name"], "gone elsewhere", "{t}");
    assert_eq!(removed().await - removed_before, members, "the project's memberships are audited as removed");
});

both!(purging_a_project_takes_the_datasets_deleted_from_it_and_their_creators_count_for_own, |app: TestApp| async move {
    // RULES.md §5 `.own`: a developer's project with the owner's dataset deleted from it.
    // Deleting the project leaves that dataset's entry restorable once the project is back;
    // purging the project would make it unrestorable for good: that takes the key.
    let t = DefaultOrg::new(&app).await;
    let (owner, dev) = (&t.owner, &t.developer);
    let p = create_project(dev, &t.workspace, "PX").await;
    create_dataset(dev, &p, None, "mine").await;
    let theirs = create_dataset(owner, &p, None, "theirs").await;
    owner.ok(DELETE_DATASET, json!({ "d": theirs })).await;
    dev.ok(DELETE_PROJECT, json!({ "p": p })).await;
    let bin = trash(owner, &t.team).await;
    let entry = |name: &str| {
        let nodes = bin["trash"]["nodes"].as_array().expect("entries");
        nodes.iter().find(|e| e["name"] == name).and_then(|e| e["id"].as_str()).expect("entry").to_string()
    };
    let (project_entry, dataset_entry) = (entry("PX"), entry("theirs"));
    assert_eq!(dev.code(PURGE, json!({ "e": project_entry })).await, "FORBIDDEN");
    assert_eq!(trash(owner, &t.team).await, bin, "nothing changed");
    // Restoring is not destructive: the developer may, and the owner's dataset comes back after.
    dev.ok(RESTORE, json!({ "e": project_entry })).await;
    owner.ok(RESTORE, json!({ "e": dataset_entry })).await;
    assert_eq!(dev.node(&theirs).await["id"], theirs.as_str());
    // With the key, the purge takes the entries deleted from the project along.
    owner.ok(DELETE_DATASET, json!({ "d": theirs })).await;
    dev.ok(DELETE_PROJECT, json!({ "p": p })).await;
    let project_entry = trash(owner, &t.team).await["trash"]["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|e| e["name"] == "PX").and_then(|e| e["id"].as_str()).map(str::to_string))
        .expect("entry");
    owner.ok(PURGE, json!({ "e": project_entry })).await;
    assert_eq!(trash(owner, &t.team).await["trash"]["totalCount"], 0, "no unrestorable entry is left behind");
});

both!(a_restorer_who_may_not_read_gets_null_back, |app: TestApp| async move {
    // A custom team role that deletes and restores projects without reading them (no
    // `project.read`): it sees the team's trash, restores, and the payload shows what
    // `node(id)` shows it — nothing (RULES.md §9.1).
    let t = DefaultOrg::new(&app).await;
    let create = "mutation($o: ID!) { createRole(input: { organizationId: $o, key: \"pdel\", name: \"Deleter\", scopeKind: TEAM,
        permissions: [\"team.read\", \"project.delete\", \"dataset.delete\"] }) { role { key } } }";
    t.owner.ok(create, json!({ "o": t.org })).await;
    let walt = &t.worker;
    add_member(&t.owner, &t.team, walt, "pdel").await;
    let p = create_project(&t.owner, &t.workspace, "P9").await;
    t.owner.ok(DELETE_PROJECT, json!({ "p": p })).await;
    let bin = trash(walt, &t.team).await;
    assert_eq!(bin["trash"]["nodes"][0]["name"], "P9", "{bin}");
    let r = walt.ok(RESTORE, json!({ "e": entry_id(&bin, 0) })).await;
    assert_eq!(r["restoreFromTrash"], json!({ "project": null, "dataset": null }), "{r}");
    assert!(walt.node(&p).await.is_null());
    assert_eq!(t.owner.node(&p).await["id"], p.as_str(), "restored all the same");
});

both!(whoever_empties_a_team_by_deleting_its_last_project_may_restore_it, |app: TestApp| async move {
    // An organization role that reads and deletes every project, without `team.read`,
    // sees a team through its projects (RULES.md §3.1). Deleting the team's only project
    // leaves the team empty, and the deleted project's entry stays theirs to restore, as
    // deleting it was.
    let t = DefaultOrg::new(&app).await;
    let permissions = ["project.read", "project.delete", "dataset.read"];
    crate::fixtures::create_role(&t.owner, &t.org, "prjadmin", "ORGANIZATION", &permissions).await;
    let bob = app.user("bob").await;
    add_member(&t.owner, &t.org, &bob, "prjadmin").await;
    let d = t.owner.ok(CREATE_TEAM, json!({ "o": t.org, "n": "Solo" })).await;
    let team = d["createTeam"]["team"]["id"].as_str().expect("team").to_string();
    let ws = d["createTeam"]["team"]["workspaces"]["nodes"][0]["id"].as_str().expect("workspace").to_string();
    let only = create_project(&t.owner, &ws, "Only").await;
    assert!(!bob.node(&team).await.is_null(), "bob sees the team through its project");
    // The deletion answers its entry: bob, who no longer sees the empty team and cannot
    // list its trash, restores with it.
    let undo = "mutation($p: ID!) { deleteProject(input: { projectId: $p }) { trashEntryId } }";
    let entry = bob.ok(undo, json!({ "p": only })).await["deleteProject"]["trashEntryId"].clone();
    assert!(bob.node(&team).await.is_null(), "an empty team is hidden from bob");
    assert_eq!(entry.as_str(), Some(entry_id(&trash(&t.owner, &team).await, 0).as_str()));
    let d = bob.ok(RESTORE, json!({ "e": entry })).await;
    assert_eq!(d["restoreFromTrash"]["project"]["id"], only.as_str(), "{d}");
    assert!(!bob.node(&team).await.is_null(), "the team holds the project again");
});

both!(a_deletion_answers_its_trash_entry, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let undo = "mutation($d: ID!) { deleteDataset(input: { datasetId: $d }) { deletedDatasetId trashEntryId } }";
    let d = owner.ok(undo, json!({ "d": a })).await;
    assert_eq!(d["deleteDataset"]["trashEntryId"].as_str(), Some(entry_id(&trash(&owner, &org.team).await, 0).as_str()), "{d}");
    let restored = owner.ok(RESTORE, json!({ "e": d["deleteDataset"]["trashEntryId"] })).await;
    assert_eq!(restored["restoreFromTrash"]["dataset"]["id"], a.as_str(), "{restored}");
});
