//! RULES.md §9.9: a dataset chain of `ORGRAPH_MAX_DATASET_DEPTH` levels can be created,
//! moved, deleted and restored on both databases, without `INTERNAL` (PostgreSQL refused
//! deep paths in a B-tree index at depth 73). And a benchmark for large subtrees.

use crate::both;
use crate::helpers::*;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::time::Instant;

const MOVE: &str =
    "mutation($d: ID!, $p: ID) { moveDataset(input: { datasetId: $d, newParentId: $p }) { dataset { id depth } } }";
const DELETE: &str = "mutation($d: ID!) { deleteDataset(input: { datasetId: $d }) { deletedDatasetId } }";
const TRASH: &str = "query($t: ID!) { node(id: $t) { ... on Team { trash(first: 10) { nodes { id name } } } } }";
const RESTORE: &str = "mutation($e: ID!) { restoreFromTrash(input: { trashEntryId: $e }) { dataset { id } } }";
const ANCESTORS: &str = "query($d: ID!) { node(id: $d) { ... on Dataset { depth ancestors { id } } } }";

async fn chain(owner: &Client, project: &str, levels: usize) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for i in 0..levels {
        ids.push(create_dataset(owner, project, ids.last().map(String::as_str), &format!("level-{i}")).await);
    }
    ids
}

fn code(res: &Value) -> &str {
    res["errors"][0]["extensions"]["code"].as_str().unwrap_or_default()
}

both!(a_chain_as_deep_as_the_cap_is_created_moved_deleted_and_restored, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "deep").await;
    let p = create_project(&owner, &org.workspace, "P").await;
    let ids = chain(&owner, &p, 128).await;
    let d = owner.ok(ANCESTORS, json!({ "d": ids[127] })).await;
    assert_eq!(d["node"]["depth"], 127);
    assert_eq!(d["node"]["ancestors"].as_array().map(Vec::len), Some(127));
    // One level more is past the cap: refused, not an internal error.
    let (_, res) = owner
        .post(
            "mutation($p: ID!, $d: ID) { createDataset(input: { projectId: $p, parentId: $d, name: \"too deep\" }) { dataset { id } } }",
            json!({ "p": p, "d": ids[127] }),
        )
        .await;
    assert_eq!(code(&res), "FAILED_PRECONDITION", "{res}");

    // Moving the lower half to the top level and back rewrites 64 deep paths each time.
    let d = owner.ok(MOVE, json!({ "d": ids[64], "p": null })).await;
    assert_eq!(d["moveDataset"]["dataset"]["depth"], 0);
    let d = owner.ok(ANCESTORS, json!({ "d": ids[127] })).await;
    assert_eq!(d["node"]["depth"], 63);
    let d = owner.ok(MOVE, json!({ "d": ids[64], "p": ids[63] })).await;
    assert_eq!(d["moveDataset"]["dataset"]["depth"], 64);
    let d = owner.ok(ANCESTORS, json!({ "d": ids[127] })).await;
    assert_eq!(d["node"]["depth"], 127);
    // Under a sibling one level down, the chain would pass the cap.
    let side = create_dataset(&owner, &p, None, "side").await;
    let (_, res) = owner.post(MOVE, json!({ "d": ids[0], "p": side })).await;
    assert_eq!(code(&res), "FAILED_PRECONDITION", "{res}");

    // Deleting moves the whole chain to the trash; restoring brings back the same ids.
    owner.ok(DELETE, json!({ "d": ids[0] })).await;
    let gone = owner.ok(ANCESTORS, json!({ "d": ids[127] })).await;
    assert!(gone["node"].is_null(), "{gone}");
    let trash = owner.ok(TRASH, json!({ "t": org.team })).await;
    let entry = trash["node"]["trash"]["nodes"][0]["id"].clone();
    owner.ok(RESTORE, json!({ "e": entry })).await;
    let d = owner.ok(ANCESTORS, json!({ "d": ids[127] })).await;
    assert_eq!(d["node"]["depth"], 127);
});

/// The deepest the setting may be (`DATASET_DEPTH_CEILING`).
fn deepest(s: &mut orgraph::config::Settings) {
    s.max_dataset_depth = orgraph::config::DATASET_DEPTH_CEILING as i32;
}

/// A chain of `levels` datasets in `project`, its root created through the API and the
/// rest written directly (as `levels` createDataset calls would): every id, top first.
async fn deep_chain(app: &TestApp, owner: &Client, project: &str, levels: usize) -> Vec<String> {
    let root = create_dataset(owner, project, None, "level-0").await;
    let conn = sea_orm::Database::connect(&app.database_url).await.expect("connect");
    let root_id = orgraph::graphql::ids::decode(&root, "id").expect("id").1;
    let mut last = entity::dataset::Entity::find_by_id(root_id).one(&conn).await.expect("read").expect("root");
    let mut rows = Vec::new();
    for i in 1..levels {
        let next = row(&last, last.id, &format!("{}{}/", last.path, last.id), last.depth + 1, &format!("level-{i}"));
        rows.push(next.clone());
        last = next;
    }
    for chunk in rows.chunks(100) {
        use sea_orm::IntoActiveModel;
        entity::dataset::Entity::insert_many(chunk.iter().cloned().map(IntoActiveModel::into_active_model))
            .exec_without_returning(&conn)
            .await
            .expect("insert");
    }
    let id = |r: &entity::dataset::Model| orgraph::graphql::ids::encode(orgraph::graphql::ids::Kind::Dataset, r.id).0;
    std::iter::once(root).chain(rows.iter().map(id)).collect()
}

both!(a_chain_as_deep_as_the_setting_allows_is_moved_deleted_and_restored, settings = deepest, |app: TestApp| async move {
    // RULES.md §9.9 at the largest depth `ORGRAPH_MAX_DATASET_DEPTH` takes: SQLite runs a
    // cascade of deletes as nested triggers (at most 1,000 deep), PostgreSQL on its stack.
    let levels = orgraph::config::DATASET_DEPTH_CEILING as usize;
    let owner = app.user("owner").await;
    let org = create_org(&owner, "deep").await;
    let p = create_project(&owner, &org.workspace, "P").await;
    let ids = deep_chain(&app, &owner, &p, levels).await;
    let (root, bottom, middle) = (&ids[0], &ids[levels - 1], &ids[levels / 2]);
    assert_eq!(owner.ok(ANCESTORS, json!({ "d": bottom })).await["node"]["depth"], levels - 1);
    let (_, res) = owner.post(crate::ops::CREATE_DATASET, json!({ "p": p, "parent": bottom, "n": "too deep" })).await;
    assert_eq!(code(&res), "FAILED_PRECONDITION", "{res}");
    owner.ok(MOVE, json!({ "d": middle, "p": null })).await;
    owner.ok(MOVE, json!({ "d": middle, "p": ids[levels / 2 - 1] })).await;
    assert_eq!(owner.ok(ANCESTORS, json!({ "d": bottom })).await["node"]["depth"], levels - 1);
    // Deleted to the trash and back, the dataset then the project; then the team, and an
    // organization holding another chain: each delete cascades down the whole chain.
    owner.ok(DELETE, json!({ "d": root })).await;
    let trash = owner.ok(TRASH, json!({ "t": org.team })).await;
    owner.ok(RESTORE, json!({ "e": trash["node"]["trash"]["nodes"][0]["id"] })).await;
    owner.ok(crate::ops::DELETE_PROJECT, json!({ "p": p })).await;
    let trash = owner.ok(TRASH, json!({ "t": org.team })).await;
    let restore = "mutation($e: ID!) { restoreFromTrash(input: { trashEntryId: $e }) { project { id } } }";
    owner.ok(restore, json!({ "e": trash["node"]["trash"]["nodes"][0]["id"] })).await;
    assert_eq!(owner.ok(ANCESTORS, json!({ "d": bottom })).await["node"]["depth"], levels - 1);
    owner.ok(crate::ops::DELETE_TEAM, json!({ "t": org.team })).await;
    assert!(owner.node(&p).await.is_null());
    let other = create_org(&owner, "deeper").await;
    let q = create_project(&owner, &other.workspace, "Q").await;
    deep_chain(&app, &owner, &q, levels).await;
    owner.ok(crate::ops::DELETE_ORGANIZATION, json!({ "o": other.id })).await;
    assert!(owner.node(&q).await.is_null());
});

/// Benchmark (not run by default): `cargo test --release --test api bench_subtrees -- --ignored
/// --nocapture`. Moves, then deletes (to the trash), a subtree of 10,000 datasets (100
/// children of one dataset, 99 grandchildren each), on each database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly"]
async fn bench_subtrees_of_10000_datasets_move_and_delete() {
    for db in [Db::Sqlite, Db::Postgres] {
        if db == Db::Postgres && !postgres_available() {
            continue;
        }
        let app = spawn_app(db).await;
        let owner = app.user("owner").await;
        let org = create_org(&owner, "bench").await;
        let p = create_project(&owner, &org.workspace, "P").await;
        let root = create_dataset(&owner, &p, None, "root").await;
        let other = create_dataset(&owner, &p, None, "other").await;
        let conn = sea_orm::Database::connect(&app.database_url).await.expect("connect");
        let root_id = orgraph::graphql::ids::decode(&root, "id").expect("id").1;
        let top = entity::dataset::Entity::find_by_id(root_id).one(&conn).await.expect("read").expect("root");
        let mut rows = Vec::new();
        for i in 0..100 {
            let child = row(&top, top.id, &format!("{}{}/", top.path, top.id), top.depth + 1, &format!("c{i}"));
            for j in 0..99 {
                rows.push(row(&top, child.id, &format!("{}{}/", child.path, child.id), top.depth + 2, &format!("g{j}")));
            }
            rows.push(child);
        }
        rows.sort_by_key(|r| r.depth);
        for chunk in rows.chunks(500) {
            use sea_orm::IntoActiveModel;
            entity::dataset::Entity::insert_many(chunk.iter().cloned().map(IntoActiveModel::into_active_model))
                .exec_without_returning(&conn)
                .await
                .expect("insert");
        }
        let started = Instant::now();
        owner.ok(MOVE, json!({ "d": root, "p": other })).await;
        let moved = started.elapsed();
        let started = Instant::now();
        owner.ok(DELETE, json!({ "d": other })).await;
        let deleted = started.elapsed();
        eprintln!("{db:?}: a subtree of {} datasets moved in {moved:?}, deleted to the trash in {deleted:?}", rows.len() + 1);
    }
}

fn row(like: &entity::dataset::Model, parent: uuid::Uuid, path: &str, depth: i32, name: &str) -> entity::dataset::Model {
    let mut r = like.clone();
    r.id = uuid::Uuid::now_v7();
    r.parent_id = Some(parent);
    r.sibling_key = parent;
    r.path = path.to_string();
    r.depth = depth;
    r.name = name.to_string();
    r
}
