//! `/readyz`: ready on a healthy database; 503 naming what failed on a database that
//! refuses writes (a SQLite file opened read-only; PostgreSQL with
//! `default_transaction_read_only`, as on a standby) and when the database holds a
//! migration this binary does not know. The same read-only database makes `INTERNAL`
//! errors, which carry the request id.

use super::*;
use sea_orm::ConnectionTrait;

/// A second server on `app`'s database that can no longer write.
async fn read_only_instance(app: &TestApp) -> TestApp {
    match app.db {
        Db::Sqlite => {
            let url = app.database_url.replace("mode=rwc", "mode=ro");
            spawn_instance(Db::Sqlite, url, |_| {}).await
        }
        Db::Postgres => {
            let ro = spawn_instance(Db::Postgres, app.database_url.clone(), |_| {}).await;
            let (_, name) = app.database_url.rsplit_once('/').expect("database name");
            let admin_url = std::env::var("ORGRAPH_TEST_DATABASE_URL").expect("ORGRAPH_TEST_DATABASE_URL");
            let admin = sea_orm::Database::connect(&admin_url).await.expect("connect");
            admin
                .execute_unprepared(&format!("ALTER DATABASE {name} SET default_transaction_read_only = on"))
                .await
                .expect("alter");
            // Existing connections keep their setting: end them, the pools reconnect read-only.
            let kill = format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            );
            admin.execute_unprepared(&kill).await.expect("terminate");
            admin.close().await.ok();
            // The requests' pool checks a connection only after 500 ms idle (`db::Checked`):
            // past that, each ended connection is replaced before use.
            tokio::time::sleep(std::time::Duration::from_millis(600)).await;
            ro
        }
    }
}

async fn readyz(base: &str) -> (StatusCode, Value) {
    let (status, body) = get(base, "/readyz").await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

both!(a_read_only_database_is_not_ready_and_its_internal_errors_name_the_request, |app: TestApp| async move {
    let (status, body) = readyz(&app.addr).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    for check in ["database", "migrations", "catalog"] {
        assert_eq!(body["checks"][check], "ok", "{body}");
    }
    let alice = app.user("alice").await;

    let ro = read_only_instance(&app).await;
    let (status, body) = readyz(&ro.addr).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["failed"], json!(["database"]), "{body}");
    assert_eq!(body["checks"]["database"], "the database does not take writes", "{body}");
    assert_eq!(get(&ro.addr, "/healthz").await.0, StatusCode::OK, "liveness does not write");

    // A write fails inside a resolver: INTERNAL, with the request id of the answer.
    let alice_ro = Client { addr: ro.addr.clone(), ..alice.clone() };
    let mutation = "mutation { createOrganization(input: { slug: \"ro-org\" }) { organization { id } } }";
    let (status, id, body) = post_with_id(&ro, Some("ro-write-1"), alice_ro.token.as_deref(), mutation).await;
    assert_eq!((status, id.as_str()), (StatusCode::OK, "ro-write-1"), "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL", "{body}");
    assert_eq!(error["extensions"]["requestId"], "ro-write-1", "{body}");
    assert_eq!(error["message"], "internal error", "no database detail: {body}");

    // Provisioning a new user fails before GraphQL: HTTP 500, the same tag.
    let newcomer = token("zed", "zed@example.com", None);
    let (status, id, body) = post_with_id(&ro, None, Some(&newcomer), "{ viewer { id } }").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["requestId"], id.as_str(), "{body}");
    // Other errors carry no request id.
    let (_, _, body) = post_with_id(&app, None, None, "{ viewer { id } }").await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(body["errors"][0]["extensions"].get("requestId").is_none(), "{body}");
});

both!(a_database_migrated_by_a_newer_binary_is_not_ready, |app: TestApp| async move {
    let db = sea_orm::Database::connect(&app.database_url).await.expect("connect");
    db.execute_unprepared("INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29991231_000001_from_the_future', 0)")
        .await
        .expect("insert");
    db.close().await.ok();
    let (status, body) = readyz(&app.addr).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["failed"], json!(["migrations"]), "{body}");
    assert!(body["checks"]["migrations"].as_str().is_some_and(|m| m.contains("m29991231_000001_from_the_future")), "{body}");
});
