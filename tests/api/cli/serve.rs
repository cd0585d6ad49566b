//! `orgraph serve` as a process: tokens minted with the generated secret, the refusal of
//! a non-loopback address without a configured key, and exit 0 on SIGTERM.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_accepts_tokens_minted_with_the_generated_secret_and_stops_on_sigterm() {
    let dir = TempDir::new();
    let url = dir.database_url();
    let env = [("DATABASE_URL", url.as_str())];
    let before = mint(dir.path(), &env, &["--sub", "s", "--email", "e@x.org", "--name", "N", "--ttl", "1h", "--create-secret"]);
    let server = Server::start(dir.path(), &env, None).await;
    let (status, body) = server.post(Some(&before), "{ viewer { id name email } }").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["data"]["viewer"]["name"], "N", "{body}");
    assert_eq!(body["data"]["viewer"]["email"], "e@x.org", "{body}");
    // Minted while the server runs: the same secret.
    let during = mint(dir.path(), &env, &["--sub", "t", "--email", "t@x.org"]);
    let (status, body) = server.post(Some(&during), "{ viewer { email } }").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["data"]["viewer"]["email"], "t@x.org");
    // A token of another secret is not.
    let other = orgraph::http::auth::mint_hs256(
        &orgraph::config::Secret::new(b"some-other-secret-some-other-secret-0123".to_vec()),
        "s",
        "e@x.org",
        None,
        Duration::from_secs(60),
    )
    .expect("mint");
    let (status, _) = server.post(Some(&other), "{ viewer { id } }").await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);

    let (status, log) = server.terminate();
    assert!(status.success(), "SIGTERM exits 0, got {status}:\n{log}");
    assert!(log.contains("dev mode: on"), "the startup log says dev mode is on:\n{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_server_exit_0_in_production_posture() {
    let dir = TempDir::new();
    let url = dir.database_url();
    let secret = "a-configured-secret-of-more-than-32-bytes";
    let env = [("DATABASE_URL", url.as_str()), ("ORGRAPH_DEV", "0"), ("ORGRAPH_JWT_SECRET", secret)];
    let server = Server::start(dir.path(), &env, None).await;
    let t = mint(dir.path(), &env, &["--sub", "s", "--email", "e@x.org"]);
    let (status, body) = server.post(Some(&t), "{ viewer { email } }").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["data"]["viewer"]["email"], "e@x.org");
    let res = reqwest::get(format!("{}/", server.base)).await.expect("request");
    assert_eq!(res.status(), reqwest::StatusCode::NOT_FOUND, "no GraphiQL in production");
    assert!(!dir.path().join("orgraph-secret").exists(), "no secret generated when one is configured");
    let (status, log) = server.terminate();
    assert!(status.success(), "SIGTERM exits 0, got {status}:\n{log}");
    assert!(log.contains("dev mode: off"), "the startup log says dev mode is off:\n{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_a_public_address_needs_a_configured_key() {
    let dir = TempDir::new();
    let url = dir.database_url();
    let listen = format!("0.0.0.0:{}", free_port());
    let mut child = orgraph(dir.path())
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("ORGRAPH_LISTEN", &listen)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let Some(status) = wait_exit(&mut child, Duration::from_secs(30)) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("serve on {listen} without a key must refuse to start");
    };
    let out = child.wait_with_output().expect("output");
    let message = stderr(&out);
    assert!(!status.success(), "non-zero exit");
    assert!(message.contains("ORGRAPH_JWT_SECRET") && message.contains(&listen), "clear message: {message}");
    assert!(!dir.path().join("orgraph-secret").exists(), "no secret generated");
    assert!(!dir.path().join("x.db").exists(), "refused before touching the database");

    // A short secret is refused as well.
    let out = run(orgraph(dir.path())
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("ORGRAPH_LISTEN", &listen)
        .env("ORGRAPH_JWT_SECRET", "0123456789"));
    assert!(!out.status.success(), "a short secret is refused");
    assert!(stderr(&out).contains("at least 32 bytes"), "clear message: {}", stderr(&out));

    // With a configured secret the same address is served.
    let secret = "a-configured-secret-of-more-than-32-bytes";
    let server = Server::start(dir.path(), &[("DATABASE_URL", url.as_str()), ("ORGRAPH_JWT_SECRET", secret)], Some(listen)).await;
    let (status, log) = server.terminate();
    assert!(status.success(), "{status}:\n{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_0_while_a_websocket_subscription_is_open() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let dir = TempDir::new();
    let url = dir.database_url();
    let env = [("DATABASE_URL", url.as_str())];
    let server = Server::start(dir.path(), &env, None).await;
    let t = mint(dir.path(), &env, &["--sub", "s", "--email", "e@x.org"]);
    let mut request =
        format!("{}/graphql/ws", server.base.replacen("http://", "ws://", 1)).into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
    let send = |v: Value| Message::Text(v.to_string().into());
    socket
        .send(send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {t}") } })))
        .await
        .expect("init");
    let ack = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("ack in time");
    assert!(matches!(ack, Some(Ok(Message::Text(ref m))) if m.as_str().contains("connection_ack")), "{ack:?}");
    let subscription =
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { invitationReceived { id } }" } });
    socket.send(send(subscription)).await.expect("subscribe");
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The open socket must not keep the process alive.
    let (status, log) = tokio::task::spawn_blocking(move || server.terminate()).await.expect("terminate");
    assert!(status.success(), "SIGTERM exits 0 with an open subscription, got {status}:\n{log}");
    drop(socket);
}
