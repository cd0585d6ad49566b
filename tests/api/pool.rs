//! Pooled PostgreSQL connections are checked (a round trip) before use only when they sat
//! idle for 500 ms, as HikariCP does: a connection that the server, a proxy or a
//! firewall closed while the pool was quiet is replaced without failing a request, and a
//! busy pool pays no extra round trip per statement.

use crate::both;
use crate::helpers::*;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use std::time::Duration;

both!(connections_closed_while_the_pool_was_idle_are_replaced_unseen, |app: TestApp| async move {
    let alice = app.user("alice").await;
    alice.ok("mutation { createOrganization(input: { slug: \"pooled\" }) { organization { id } } }", json!({})).await;
    // Several connections in the pool: concurrent reads.
    let reads = (0..8).map(|_| alice.ok("{ viewer { organizations(first: 5) { nodes { slug } } } }", json!({})));
    futures_util::future::join_all(reads).await;
    if app.db == Db::Postgres {
        let (_, name) = app.database_url.rsplit_once('/').expect("database name");
        let admin_url = std::env::var("ORGRAPH_TEST_DATABASE_URL").expect("ORGRAPH_TEST_DATABASE_URL");
        let admin = sea_orm::Database::connect(&admin_url).await.expect("connect");
        let kill = format!(
            "SELECT count(*) AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()) k"
        );
        let row = admin.query_one_raw(Statement::from_string(DbBackend::Postgres, kill)).await.expect("terminate");
        let ended: i64 = row.expect("a row").try_get("", "n").expect("n");
        assert!(ended >= 2, "the pools' connections were ended: {ended}");
        admin.close().await.ok();
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    // Every pooled connection is dead, and each was idle long enough to be checked.
    for _ in 0..3 {
        let reads = (0..8).map(|_| alice.ok("{ viewer { organizations(first: 5) { nodes { slug } } } }", json!({})));
        for body in futures_util::future::join_all(reads).await {
            let nodes = body["viewer"]["organizations"]["nodes"].as_array().expect("nodes");
            assert!(nodes.iter().any(|n| n["slug"] == "pooled"), "{body}");
        }
    }
});
