//! Cost per object of the nested read and its growth (issue 12, deliverable 2), on SQLite
//! and PostgreSQL. Not run by default:
//! `cargo test --release --test api bench_nested_read_scaling -- --ignored --nocapture`.
//! Three viewers on one server hold 1×, 10× and 100× the objects; a fourth owns 10× more
//! organizations than the 10× viewer belongs to. For each: median time of the 6-level
//! query (`n_plus_one::QUERY`), objects returned, time per object, statements per request
//! (asserted: the same at every size, and at most 2 × the query's 6 levels), bytes of
//! the answer and the peak heap of one request (`crate::HEAP`: server and client together).

use crate::helpers::*;
use crate::n_plus_one::{QUERY, count_datasets, seed};
use serde_json::json;

/// Organizations, teams, workspaces, projects and datasets in an answer to `QUERY`.
fn count_objects(data: &serde_json::Value) -> usize {
    let orgs = data["viewer"]["organizations"]["nodes"].as_array().map_or(&[][..], Vec::as_slice);
    let mut n = orgs.len() + count_datasets(data);
    for o in orgs {
        for t in o["teams"]["nodes"].as_array().into_iter().flatten() {
            n += 1;
            for w in t["workspaces"]["nodes"].as_array().into_iter().flatten() {
                n += 1 + w["projects"]["nodes"].as_array().map_or(0, Vec::len);
            }
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly"]
async fn bench_nested_read_scaling() {
    for db in [Db::Sqlite, Db::Postgres] {
        if db == Db::Postgres && !postgres_available() {
            continue;
        }
        let app = spawn_app_with(db, |s| s.limits.complexity = usize::MAX).await;
        // (label, organizations, teams each, top-level datasets per project)
        let scales = [("1x", 1, 1, 1), ("10x", 1, 2, 8), ("100x", 5, 2, 16)];
        let mut viewers = Vec::new();
        for (label, orgs, teams, datasets) in scales {
            let viewer = app.user(&format!("scale{label}")).await;
            seed(&app, &viewer, &format!("s{label}-"), orgs, teams, datasets).await;
            viewers.push((label, viewer));
        }
        let mut per_statement = Vec::new();
        for (label, viewer) in &viewers {
            per_statement.push(measure(&app, db, label, viewer).await);
        }
        // 10 times the 10× viewer's organizations, none of them the viewer's.
        let stranger = app.user("stranger").await;
        seed(&app, &stranger, "noise-", 10, 2, 8).await;
        per_statement.push(measure(&app, db, "10x + 10x foreign orgs", &viewers[1].1).await);
        assert!(per_statement.windows(2).all(|w| w[0] == w[1]), "{db:?}: statements depend on size: {per_statement:?}");
        assert!(per_statement[0] <= 2 * 6, "{db:?}: {} statements for a 6-level query", per_statement[0]);
    }
}

/// Prints one line of figures; returns the statements one request cost.
async fn measure(app: &TestApp, db: Db, label: &str, viewer: &Client) -> usize {
    let before = app.statement_count();
    let data = viewer.ok(QUERY, json!({})).await;
    let statements = app.statement_count() - before;
    let objects = count_objects(&data);
    let bytes = serde_json::to_vec(&data).map_or(0, |b| b.len());
    let mut samples = Vec::new();
    for _ in 0..15 {
        let start = std::time::Instant::now();
        viewer.ok(QUERY, json!({})).await;
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    // The heap one request needs, server and client together (the client holds the
    // body and its parsed JSON), with nothing else running.
    crate::HEAP.reset_peak_usage();
    let base = crate::HEAP.current_usage();
    viewer.ok(QUERY, json!({})).await;
    let heap = crate::HEAP.peak_usage().saturating_sub(base);
    eprintln!(
        "{db:?} {label:>22}: {objects:>6} objects, {bytes:>8} bytes, median {median:>8.2} ms, {:>6.2} µs/object, {statements} statements, heap peak {:>7} KB ({:.1} × the answer)",
        median * 1000.0 / objects as f64,
        heap / 1024,
        heap as f64 / bytes.max(1) as f64
    );
    statements
}
