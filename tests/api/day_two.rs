//! Operating the binary (issue 13, "safe operations"): settings refused before the
//! database is touched, errors that name the database, one process per SQLite file, a
//! clean shutdown that leaves the `.db` file complete and closes WebSockets with 1001,
//! online backups, and a `token` command that only signs what the server accepts.
//! Each test runs the real binary (SQLite; PostgreSQL only as an unreachable address).

use crate::cli::{Server, TempDir, assert_success, free_port, mint, orgraph, run, stderr, stdout};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// Rows of `table` in the SQLite file `path`, opened read-only on its own.
async fn count_rows(path: &Path, table: &str) -> i64 {
    let url = format!("sqlite://{}?mode=ro", path.display());
    let db = sea_orm::Database::connect(&url).await.expect("open the copy");
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, format!("SELECT COUNT(*) AS n FROM {table}")))
        .await
        .expect("count")
        .expect("row");
    let n: i64 = row.try_get("", "n").expect("n");
    db.close().await.ok();
    n
}

#[test]
fn serve_refuses_bad_settings_before_it_creates_the_database() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("ORGRAPH_DEV", "maybe")], "ORGRAPH_DEV"),
        (&[("ORGRAPH_LISTEN", "nowhere")], "ORGRAPH_LISTEN"),
        (&[("ORGRAPH_LISTEN", "example.com:80")], "ORGRAPH_LISTEN"),
        (&[("ORGRAPH_METRICS_LISTEN", "localhost:http")], "ORGRAPH_METRICS_LISTEN"),
        (&[("ORGRAPH_SMTP_URL", "mail.example.com:25")], "ORGRAPH_SMTP_URL"),
        (&[("ORGRAPH_SMTP_URL", "smtp://mail.example.com"), ("ORGRAPH_SMTP_FROM", "not an address")], "ORGRAPH_SMTP_FROM"),
        (&[("ORGRAPH_CORS_ORIGINS", "https://app.example.com/")], "ORGRAPH_CORS_ORIGINS"),
        (&[("ORGRAPH_CORS_ORIGINS", "https://app.example.com, *")], "ORGRAPH_CORS_ORIGINS"),
        (&[("ORGRAPH_CORS_ALLOW_HEADERS", "x tenant")], "ORGRAPH_CORS_ALLOW_HEADERS"),
        (&[("ORGRAPH_CORS_MAX_AGE_SECONDS", "-1")], "ORGRAPH_CORS_MAX_AGE_SECONDS"),
        (
            &[("ORGRAPH_JWT_PUBLIC_KEY", "not a key"), ("ORGRAPH_JWT_ISSUER", "i"), ("ORGRAPH_JWT_AUDIENCE", "a")],
            "ORGRAPH_JWT_PUBLIC_KEY",
        ),
        (&[("ORGRAPH_JWT_SECRET", "short")], "ORGRAPH_JWT_SECRET"),
    ];
    for (env, named) in cases {
        let dir = TempDir::new();
        let url = dir.database_url();
        let out = run(orgraph(dir.path()).arg("serve").env("DATABASE_URL", &url).envs(env.iter().copied()));
        assert!(!out.status.success(), "{env:?} is refused");
        assert!(stderr(&out).contains(named), "{env:?}: the message names {named}: {}", stderr(&out));
        assert!(!dir.path().join("x.db").exists(), "{env:?}: refused before the database file was created");
    }
    // A secret file the server cannot use, and a database URL of no known kind.
    let dir = TempDir::new();
    std::fs::write(dir.path().join("orgraph-secret"), "short").expect("write");
    let out = run(orgraph(dir.path()).arg("serve").env("DATABASE_URL", dir.database_url()));
    assert!(!out.status.success() && stderr(&out).contains("orgraph-secret"), "{}", stderr(&out));
    assert!(!dir.path().join("x.db").exists(), "a bad secret file is found before the database is created");
    let out = run(orgraph(dir.path()).arg("serve").env("DATABASE_URL", "mysql://u@127.0.0.1/x"));
    assert!(!out.status.success() && stderr(&out).contains("DATABASE_URL"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localhost_is_a_listen_address_and_unknown_variables_are_warned_about() {
    let dir = TempDir::new();
    let url = dir.database_url();
    let listen = format!("localhost:{}", free_port());
    let env = [("DATABASE_URL", url.as_str()), ("ORGRAPH_LISTN", "0.0.0.0:1"), ("ORGRAPH_DEV", "yes")];
    let server = Server::start(dir.path(), &env, Some(listen)).await;
    let (status, log) = server.terminate();
    assert!(status.success(), "{status}:\n{log}");
    assert!(log.contains("unknown variable ORGRAPH_LISTN") && log.contains("did you mean ORGRAPH_LISTEN"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_startup_log_says_where_the_database_and_secret_are_and_which_migrations_ran() {
    let dir = TempDir::new();
    let url = dir.database_url();
    let env = [("DATABASE_URL", url.as_str())];
    let server = Server::start(dir.path(), &env, None).await;
    let (_, log) = server.terminate();
    let db = dir.path().join("x.db");
    let secret = dir.path().join("orgraph-secret");
    assert!(log.contains(&format!("database: SQLite database {}", db.display())), "{log}");
    assert!(log.contains(&format!("token secret: {} (generated now", secret.display())), "{log}");
    assert!(log.contains("migrations: ran ") && log.contains("m20"), "the migrations that ran are named:\n{log}");
    // Second start: the same secret is read, nothing is pending.
    let server = Server::start(dir.path(), &env, None).await;
    let (_, log) = server.terminate();
    assert!(log.contains(&format!("token secret: {} (read from the file)", secret.display())), "{log}");
    assert!(log.contains("migrations: none pending"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_on_one_sqlite_file_is_refused() {
    let dir = TempDir::new();
    let url = dir.database_url();
    let env = [("DATABASE_URL", url.as_str())];
    let first = Server::start(dir.path(), &env, None).await;
    let second = run(orgraph(dir.path()).arg("serve").env("ORGRAPH_LISTEN", format!("127.0.0.1:{}", free_port())).envs(env));
    assert!(!second.status.success(), "a second serve on x.db is refused");
    assert!(
        stderr(&second).contains("in use by another orgraph process") && stderr(&second).contains("x.db"),
        "{}",
        stderr(&second)
    );
    let migrate = run(orgraph(dir.path()).arg("migrate").envs(env));
    assert!(!migrate.status.success(), "migrate beside a running server is refused: {}", stderr(&migrate));
    // Through a symbolic link to the file, or to its directory: the same file, refused too.
    std::os::unix::fs::symlink(dir.path().join("x.db"), dir.path().join("alias.db")).expect("link the file");
    std::os::unix::fs::symlink(dir.path(), dir.path().join("here")).expect("link the directory");
    for alias in ["alias.db", "here/x.db"] {
        let url = format!("sqlite://{}?mode=rwc", dir.path().join(alias).display());
        let other = run(orgraph(dir.path()).arg("migrate").env("DATABASE_URL", &url));
        assert!(!other.status.success(), "{alias} is x.db: {}", stderr(&other));
        assert!(stderr(&other).contains("in use by another orgraph process"), "{}", stderr(&other));
    }
    let (status, log) = first.terminate();
    assert!(status.success(), "{log}");
    // Once it stopped, the file is free again.
    assert_success(&run(orgraph(dir.path()).arg("migrate").envs(env)), "migrate after the server stopped");
}

#[test]
fn unreachable_postgres_and_unopenable_sqlite_fail_fast_and_say_where() {
    let dir = TempDir::new();
    let port = free_port();
    let started = Instant::now();
    let out = run(orgraph(dir.path()).arg("serve").env("DATABASE_URL", format!("postgres://u:hunter2@127.0.0.1:{port}/db")));
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast, took {:?}", started.elapsed());
    let err = stderr(&out);
    assert!(err.contains(&format!("PostgreSQL at 127.0.0.1:{port} is unreachable")), "{err}");
    assert!(!err.contains("hunter2"), "never the password: {err}");

    let missing = dir.path().join("no-such-dir").join("x.db");
    let out = run(orgraph(dir.path()).arg("serve").env("DATABASE_URL", format!("sqlite://{}?mode=rwc", missing.display())));
    assert!(!out.status.success() && stderr(&out).contains(&missing.display().to_string()), "{}", stderr(&out));
    let absent = dir.path().join("absent.db");
    let out = run(orgraph(dir.path()).arg("migrate").env("DATABASE_URL", format!("sqlite://{}?mode=ro", absent.display())));
    assert!(!out.status.success() && stderr(&out).contains(&absent.display().to_string()), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_stop_closes_websockets_with_1001_and_leaves_the_db_file_complete() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let dir = TempDir::new();
    let url = dir.database_url();
    let env = [("DATABASE_URL", url.as_str())];
    let server = Server::start(dir.path(), &env, None).await;
    let t = mint(dir.path(), &env, &["--sub", "s", "--email", "e@x.org"]);
    let (status, body) = server.post(Some(&t), "{ viewer { id } }").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let mut request =
        format!("{}/graphql/ws", server.base.replacen("http://", "ws://", 1)).into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {t}") } });
    socket.send(Message::Text(init.to_string().into())).await.expect("init");
    let ack = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("ack in time");
    assert!(matches!(ack, Some(Ok(Message::Text(ref m))) if m.as_str().contains("connection_ack")), "{ack:?}");

    let stop = tokio::task::spawn_blocking(move || server.terminate());
    let close = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(m) = socket.next().await {
            if let Ok(Message::Close(frame)) = m {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("closed in time");
    assert_eq!(close, Some(1001), "going away");
    let (status, log) = stop.await.expect("terminate");
    assert!(status.success(), "{status}:\n{log}");
    assert!(log.contains("database checkpointed"), "{log}");

    let wal = dir.path().join("x.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).expect("wal").len() == 0, "the WAL was folded into x.db");
    // The .db file alone, copied elsewhere, holds the user provisioned above.
    let copy = TempDir::new();
    std::fs::copy(dir.path().join("x.db"), copy.path().join("alone.db")).expect("copy");
    assert_eq!(count_rows(&copy.path().join("alone.db"), "users").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_copies_a_live_database_and_never_overwrites() {
    let dir = TempDir::new();
    let url = dir.database_url();
    let env = [("DATABASE_URL", url.as_str())];
    let server = Server::start(dir.path(), &env, None).await;
    for sub in ["a", "b", "c"] {
        let t = mint(dir.path(), &env, &["--sub", sub, "--email", &format!("{sub}@x.org")]);
        let (status, body) = server.post(Some(&t), "{ viewer { id } }").await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    }
    let target = dir.path().join("backup.db");
    let out = run(orgraph(dir.path()).arg("backup").arg(&target).envs(env));
    assert_success(&out, "orgraph backup while the server runs");
    assert_eq!(count_rows(&target, "users").await, 3, "every committed user is in the copy");
    // The server still serves, and a second backup into the same file is refused.
    let (status, _) = server.post(None, "{ __typename }").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let again = run(orgraph(dir.path()).arg("backup").arg(&target).envs(env));
    assert!(!again.status.success() && stderr(&again).contains("exists"), "{}", stderr(&again));
    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");

    let pg =
        run(orgraph(dir.path()).arg("backup").arg(dir.path().join("pg.db")).env("DATABASE_URL", "postgres://u@127.0.0.1:1/x"));
    assert!(!pg.status.success() && stderr(&pg).contains("SQLite"), "{}", stderr(&pg));
}

#[test]
fn token_never_makes_up_a_secret_and_refuses_what_the_server_would() {
    let dir = TempDir::new();
    let url = dir.database_url();
    let env = [("DATABASE_URL", url.as_str())];
    let out = run(orgraph(dir.path()).args(["token", "--sub", "s", "--email", "e@x.org"]).envs(env));
    assert!(!out.status.success(), "no secret yet: refused");
    assert!(stderr(&out).contains("orgraph-secret") && stderr(&out).contains("--create-secret"), "{}", stderr(&out));
    assert!(!dir.path().join("orgraph-secret").exists(), "and none created");

    let out = run(orgraph(dir.path()).args(["token", "--sub", "s", "--email", "e@x.org", "--create-secret"]).envs(env));
    assert_success(&out, "--create-secret");
    let path = dir.path().join("orgraph-secret");
    assert!(stderr(&out).contains(&format!("the secret in {}, created now", path.display())), "{}", stderr(&out));
    let out = run(orgraph(dir.path()).args(["token", "--sub", "s", "--email", "e@x.org"]).envs(env));
    assert_success(&out, "with the kept secret");
    assert!(stderr(&out).contains(&format!("signed with the secret in {};", path.display())), "{}", stderr(&out));

    for (args, why) in [
        (&["--email", "not-an-address"][..], "email"),
        (&["--email", "e@x.org", "--ttl", "0"][..], "--ttl"),
        (&["--email", "e@x.org", "--ttl", "2d"][..], "ORGRAPH_JWT_MAX_LIFETIME"),
    ] {
        let out = run(orgraph(dir.path()).args(["token", "--sub", "s"]).args(args).envs(env));
        assert!(!out.status.success(), "{args:?} is refused");
        assert!(stderr(&out).contains(why), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).trim().is_empty(), "no token printed");
    }
    let long_sub = "s".repeat(300);
    let out = run(orgraph(dir.path()).args(["token", "--sub", &long_sub, "--email", "e@x.org"]).envs(env));
    assert!(!out.status.success() && stderr(&out).contains("the server would refuse"), "{}", stderr(&out));

    // With only an identity provider's tokens accepted, HS256 tokens are not minted.
    let pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\nq9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n-----END PUBLIC KEY-----";
    let idp = [("ORGRAPH_JWT_PUBLIC_KEY", pem), ("ORGRAPH_JWT_ISSUER", "https://idp"), ("ORGRAPH_JWT_AUDIENCE", "orgraph")];
    let out = run(orgraph(dir.path()).args(["token", "--sub", "s", "--email", "e@x.org"]).envs(env).envs(idp));
    assert!(!out.status.success() && stderr(&out).contains("ORGRAPH_JWT_SECRET"), "{}", stderr(&out));
}

#[test]
fn serve_help_lists_the_environment_variables() {
    let dir = TempDir::new();
    let out = run(orgraph(dir.path()).args(["serve", "--help"]));
    assert_success(&out, "serve --help");
    let help = stdout(&out);
    for name in
        ["DATABASE_URL", "ORGRAPH_LISTEN", "ORGRAPH_DEV", "ORGRAPH_JWT_SECRET", "ORGRAPH_CORS_ALLOW_HEADERS", "ORGRAPH_SMTP_URL"]
    {
        assert!(help.contains(name), "{name} in:\n{help}");
    }
}
