//! Statement counting (via SeaORM's metric callback): a nested query costs a number of
//! SQL statements that depends on its depth, not on how many rows it returns.

use crate::both;
use crate::helpers::*;
use crate::ops::CREATE_ORGANIZATION;
use chrono::Utc;
use entity::{dataset, project, workspace};
use sea_orm::{EntityTrait, IntoActiveModel};
use serde_json::json;
use uuid::Uuid;

pub(crate) const QUERY: &str = "{ viewer { organizations(first: 10) { nodes { slug teams(first: 10) { totalCount nodes { name
    workspaces(first: 10) { nodes { name projects(first: 10) { totalCount nodes { name createdBy { id }
    datasets(first: 20) { totalCount nodes { name depth children(first: 5) { totalCount nodes { name } } } } } } } } } } } } } }";

/// `orgs` organizations × `teams` teams × 3 workspaces × 3 projects × `datasets`
/// top-level datasets, each with one child. Organizations and teams go through the API
/// (memberships, `First Workspace`); the bulk below is inserted directly.
pub(crate) async fn seed(app: &TestApp, owner: &Client, prefix: &str, orgs: usize, teams: usize, datasets: usize) {
    let db = app.database().await;
    let now = Utc::now();
    let mut rows_w = Vec::new();
    let mut rows_p = Vec::new();
    let mut rows_d = Vec::new();
    for o in 0..orgs {
        let d = owner.ok(CREATE_ORGANIZATION, json!({ "s": format!("{prefix}{o}") })).await;
        let org_gid = d["createOrganization"]["organization"]["id"].as_str().expect("org").to_string();
        for t in 0..teams {
            let (_, first_ws) = create_team(owner, &org_gid, &format!("team {t}")).await;
            let ws_first = raw_id(&first_ws);
            let w = workspace::Entity::find_by_id(ws_first).one(&db).await.expect("query").expect("ws row");
            let mut workspaces = vec![w.clone()];
            for i in 1..3 {
                let extra = workspace::Model { id: Uuid::now_v7(), name: format!("ws {i}"), ..w.clone() };
                rows_w.push(extra.clone().into_active_model());
                workspaces.push(extra);
            }
            for w in &workspaces {
                for p in 0..3 {
                    let proj = project::Model {
                        id: Uuid::now_v7(),
                        workspace_id: w.id,
                        team_id: w.team_id,
                        organization_id: w.organization_id,
                        name: format!("project {p}"),
                        description: None,
                        created_by: None,
                        created_at: now,
                    };
                    for k in 0..datasets {
                        let top = dataset::Model {
                            id: Uuid::now_v7(),
                            project_id: proj.id,
                            parent_id: None,
                            sibling_key: proj.id,
                            team_id: proj.team_id,
                            organization_id: proj.organization_id,
                            name: format!("ds {k}"),
                            description: None,
                            depth: 0,
                            path: "/".into(),
                            created_by: None,
                            created_at: now,
                        };
                        let child = dataset::Model {
                            id: Uuid::now_v7(),
                            parent_id: Some(top.id),
                            sibling_key: top.id,
                            depth: 1,
                            path: format!("/{}/", top.id),
                            name: "child".into(),
                            ..top.clone()
                        };
                        rows_d.push(top.into_active_model());
                        rows_d.push(child.into_active_model());
                    }
                    rows_p.push(proj.into_active_model());
                }
            }
        }
    }
    if !rows_w.is_empty() {
        workspace::Entity::insert_many(rows_w).exec_without_returning(&db).await.expect("workspaces");
    }
    project::Entity::insert_many(rows_p).exec_without_returning(&db).await.expect("projects");
    for chunk in rows_d.chunks(500) {
        dataset::Entity::insert_many(chunk.to_vec()).exec_without_returning(&db).await.expect("datasets");
    }
}

/// The UUID inside an opaque global id (the test knows the encoding; clients must not).
fn raw_id(global: &str) -> Uuid {
    use base64::Engine;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(global).expect("base64");
    let text = String::from_utf8(text).expect("utf8");
    Uuid::parse_str(text.split_once(':').expect("kind:uuid").1).expect("uuid")
}

async fn count_statements(app: &TestApp, client: &Client) -> (usize, serde_json::Value) {
    let before = app.statement_count();
    let data = client.ok(QUERY, json!({})).await;
    (app.statement_count() - before, data)
}

pub(crate) fn count_datasets(data: &serde_json::Value) -> usize {
    let mut n = 0;
    for o in data["viewer"]["organizations"]["nodes"].as_array().into_iter().flatten() {
        for t in o["teams"]["nodes"].as_array().into_iter().flatten() {
            for w in t["workspaces"]["nodes"].as_array().into_iter().flatten() {
                for p in w["projects"]["nodes"].as_array().into_iter().flatten() {
                    for d in p["datasets"]["nodes"].as_array().into_iter().flatten() {
                        n += 1 + d["children"]["nodes"].as_array().map_or(0, Vec::len);
                    }
                }
            }
        }
    }
    n
}

both!(
    nested_query_costs_statements_per_depth_not_per_row,
    settings = |s: &mut orgraph::config::Settings| {
        s.limits.complexity = usize::MAX;
        counting_statements(s);
    },
    |app: TestApp| async move {
        // Two viewers over the same server: a small fixture and one 5 × 4 × 3 × 3 × 10.
        let small = app.user("small").await;
        seed(&app, &small, "s", 1, 1, 1).await;
        let big = app.user("big").await;
        seed(&app, &big, "b", 5, 4, 10).await;

        let (small_count, small_data) = count_statements(&app, &small).await;
        let (big_count, big_data) = count_statements(&app, &big).await;
        // The big viewer sees 5 orgs (+ personal) × 4 teams × 3 × 3 × 10 datasets + their children.
        assert_eq!(count_datasets(&big_data), 5 * 4 * 3 * 3 * 10 * 2, "fixture visible");
        assert!(count_datasets(&small_data) > 0);
        assert_eq!(small_count, big_count, "statements depend on rows: small {small_count}, big {big_count}");
        // viewer lookup, grants, and two statements (page + count) per connection level.
        assert!(big_count <= 16, "too many statements for a 6-level query: {big_count}");
        eprintln!("nested 6-level query: {big_count} statements ({} datasets returned)", count_datasets(&big_data));
    }
);

/// Benchmark (not run by default): `cargo test --release --test api bench_ -- --ignored --nocapture`.
/// Prints the median latency of the 6-level query over the 5 × 4 × 3 × 3 × 10 fixture
/// (3,600 datasets returned) and its ratio to a trivial `{ viewer { id } }` request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly"]
async fn bench_nested_query_latency() {
    for db in [Db::Sqlite, Db::Postgres] {
        if db == Db::Postgres && !postgres_available() {
            continue;
        }
        let app = spawn_app_with(db, |s| s.limits.complexity = usize::MAX).await;
        let big = app.user("big").await;
        seed(&app, &big, "b", 5, 4, 10).await;
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let time = async |q: &str, n: usize| {
            let mut samples = Vec::new();
            for _ in 0..n {
                let start = std::time::Instant::now();
                big.ok(q, json!({})).await;
                samples.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            median(samples)
        };
        let trivial = time("{ viewer { id } }", 50).await;
        let nested = time(QUERY, 20).await;
        eprintln!(
            "{db:?}: nested 6-level query (3,600 datasets) median {nested:.1} ms; trivial query {trivial:.2} ms; ratio {:.0}×; {:.1} µs per returned dataset",
            nested / trivial,
            nested * 1000.0 / 3600.0
        );
    }
}
