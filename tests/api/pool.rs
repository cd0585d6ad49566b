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

// The statements of one `Reads` (an HTTP query's) run on one connection of the
// `ReadPool`, which goes back unchecked when the request ends. A statement's own error
// keeps it. One whose statement was cancelled mid-way keeps its place in the pool until
// its session is ready again (the request's next statement takes another), then goes
// back; one whose session ended is let go at once.
both!(a_query_reads_on_one_connection_and_a_cancelled_statement_closes_it, |app: TestApp| async move {
    use orgraph::db::{ReadPool, Reads};
    if app.db != Db::Postgres {
        return;
    }
    let db = sea_orm::Database::connect(&app.database_url).await.expect("connect");
    let pool = ReadPool::of(&db, 2, Duration::from_secs(5)).expect("a PostgreSQL pool");
    let sql = |text: &str| Statement::from_string(DbBackend::Postgres, text.to_string());
    let pid = async |reads: &Reads| -> i32 {
        let row = reads.query_one_raw(sql("SELECT pg_backend_pid() AS pid")).await.expect("pid").expect("a row");
        row.try_get("", "pid").expect("pid")
    };
    let reaches = async |want: (u32, usize, u32)| {
        for _ in 0..100 {
            if pool.stats() == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the pool (open, idle, max) never reached {want:?}: {:?}", pool.stats());
    };

    let reads = Reads::held(db.clone(), Some(&pool));
    let first = pid(&reads).await;
    assert_eq!(pid(&reads.clone()).await, first, "one connection for all of a request's reads");
    drop(reads);
    assert_eq!(pool.stats(), (1, 1, 2), "back in the pool, idle");
    let reads = Reads::held(db.clone(), Some(&pool));
    assert_eq!(pid(&reads).await, first, "the next request takes it again");

    let failed = reads.query_one_raw(sql("SELECT 1 / 0 AS n")).await;
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(pid(&reads).await, first, "a statement's own error keeps the connection");

    let slow = reads.query_one_raw(sql("SELECT pg_sleep(1)::text AS s"));
    assert!(tokio::time::timeout(Duration::from_millis(200), slow).await.is_err(), "cancelled");
    let second = pid(&reads).await;
    assert_ne!(second, first, "the request's next statement takes another connection");
    assert_eq!(pool.stats(), (2, 0, 2), "the cancelled one keeps its place while its statement runs out");
    drop(reads);
    reaches((2, 2, 2)).await; // then it goes back

    // A session ended by the server: the statement fails, the next takes another.
    let reads = Reads::held(db.clone(), Some(&pool));
    let victim = pid(&reads).await;
    let admin = sea_orm::Database::connect(&app.database_url).await.expect("connect");
    admin.execute_unprepared(&format!("SELECT pg_terminate_backend({victim})")).await.expect("terminate");
    let gone = reads.query_one_raw(sql("SELECT 1 AS n")).await;
    assert!(gone.is_err(), "{gone:?}");
    let other = pid(&reads).await;
    assert_ne!(other, victim, "another connection");
    drop(reads);
    reaches((1, 1, 2)).await; // the ended session is closed, never back
    let reads = Reads::held(db.clone(), Some(&pool));
    assert_eq!(pid(&reads).await, other);
    admin.close().await.ok();
    db.close().await.ok();
});

// A statement runs on after its request gave up (`TIMEOUT`) unless the server stops it:
// the requests' and the queries' pools carry `statement_timeout` = the request limit
// plus two seconds (an abandoned slow statement held a connection, and a core, for as
// long as it ran). The background pool does not; migrations lift it for their own
// transaction (they ran here already, for the test's server).
both!(statements_of_requests_stop_two_seconds_after_the_request_limit, |app: TestApp| async move {
    use orgraph::db::{ReadPool, Reads};
    if app.db != Db::Postgres {
        return;
    }
    let mut settings = orgraph::config::Settings::with_database(app.database_url.clone());
    settings.limits.request_timeout = Duration::from_secs(1);
    let db = orgraph::db::connect(&settings).await.expect("connect");
    let sql = |text: &str| Statement::from_string(DbBackend::Postgres, text.to_string());
    let value =
        |row: Option<sea_orm::QueryResult>| -> String { row.expect("a row").try_get("", "statement_timeout").expect("value") };
    let show = || sql("SHOW statement_timeout");
    assert_eq!(value(db.query_one_raw(show()).await.expect("show")), "3s");
    let reads = Reads::held(db.clone(), ReadPool::of(&db, 1, Duration::from_secs(5)).as_ref());
    assert_eq!(value(reads.query_one_raw(show()).await.expect("show")), "3s", "the queries' pool copies the options");
    let slow = db.query_one_raw(sql("SELECT pg_sleep(8)::text AS s")).await;
    assert!(slow.is_err_and(|e| e.to_string().contains("statement timeout")), "stopped by the server");
    let background = orgraph::db::connect_with(&settings, orgraph::db::Checked::EveryUse).await.expect("connect");
    let unbounded = value(background.query_one_raw(show()).await.expect("show"));
    assert_eq!(unbounded, "0", "background work is not bounded by a request's limit");
    orgraph::db::migrate(&db).await.expect("migrations lift it");
    db.close().await.ok();
    background.close().await.ok();
});
