//! HTTP connections are bounded (RULES.md §8; `http::serve`): a request's headers must
//! arrive within `ORGRAPH_HEADER_TIMEOUT_SECONDS` (an idle keep-alive connection is closed
//! after it too), and at most `ORGRAPH_MAX_CONNECTIONS` are served at once. Before, a
//! client that sent its headers slowly, or nothing, held its connection for ever, and
//! enough of them took every file descriptor.

use crate::both;
use crate::helpers::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

async fn open(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.addr.trim_start_matches("http://")).await.expect("connect")
}

/// Reads until the server closes the connection (what it sent), or `None` when it is
/// still open after `wait`.
async fn until_closed(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buf).await {
            got.extend_from_slice(&buf[..n]);
        }
    });
    read.await.ok().map(|()| String::from_utf8_lossy(&got).into_owned())
}

both!(
    a_client_that_sends_its_headers_slowly_or_not_at_all_or_stays_idle_is_disconnected,
    settings = |s: &mut orgraph::config::Settings| s.limits.header_timeout = Duration::from_secs(1),
    |app: TestApp| async move {
        let mut silent = open(&app).await;
        let mut partial = open(&app).await;
        partial.write_all(b"POST /graphql HTTP/1.1\r\nHost: test\r\n").await.expect("write");
        let mut trickle = open(&app).await;
        let mut idle = open(&app).await;
        idle.write_all(HEALTH).await.expect("write");
        let mut buf = [0u8; 4096];
        let n = idle.read(&mut buf).await.expect("answer");
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"), "a whole request is answered");
        // One header byte every 300 ms: never idle for a second, yet never done.
        let header = b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
        let drip = async {
            for b in header {
                if trickle.write_all(&[*b]).await.is_err() {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            false
        };
        assert!(drip.await, "a connection whose headers take longer than the limit is closed");
        let wait = Duration::from_secs(20);
        assert!(until_closed(&mut silent, wait).await.is_some(), "a connection that sends nothing is closed");
        assert!(until_closed(&mut partial, wait).await.is_some(), "unfinished headers are not waited for");
        assert!(until_closed(&mut idle, wait).await.is_some(), "an idle keep-alive connection is closed");
    }
);

both!(
    connections_past_the_limit_wait_until_one_closes,
    settings = |s: &mut orgraph::config::Settings| s.limits.connections = 2,
    |app: TestApp| async move {
        let first = open(&app).await;
        let _second = open(&app).await;
        let mut third = open(&app).await;
        third.write_all(HEALTH).await.expect("write");
        let mut buf = [0u8; 64];
        let early = tokio::time::timeout(Duration::from_millis(1500), third.read(&mut buf)).await;
        assert!(early.is_err(), "a third connection waits while two are open: {early:?}");
        drop(first);
        let n = tokio::time::timeout(Duration::from_secs(20), third.read(&mut buf)).await.expect("served once one closed");
        let n = n.expect("read");
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"), "{:?}", String::from_utf8_lossy(&buf[..n]));
    }
);

both!(a_refusal_waits_for_the_body_so_the_connection_serves_the_next_request, |app: TestApp| async move {
    // Answered 401 (bad token) or 415 (not JSON) before its body arrived, a request's
    // connection was dropped under the client's next request on it (keep-alive broken).
    let body = r#"{"query":"{ __typename }"}"#;
    for (headers, status) in
        [("authorization: Bearer not-a-jwt\r\ncontent-type: application/json", "401"), ("content-type: text/plain", "415")]
    {
        let mut stream = open(&app).await;
        let head = format!("POST /graphql HTTP/1.1\r\nHost: test\r\n{headers}\r\ncontent-length: {}\r\n\r\n", body.len());
        stream.write_all(head.as_bytes()).await.expect("headers");
        tokio::time::sleep(Duration::from_millis(200)).await;
        stream.write_all(body.as_bytes()).await.expect("the body, after the server had time to answer");
        stream.write_all(HEALTH).await.expect("the next request on the same connection");
        let mut got = String::new();
        let mut buf = [0u8; 4096];
        // Everything the server sends until it closes or goes quiet for two seconds.
        while let Ok(Ok(n @ 1..)) = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await {
            got.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        assert!(got.starts_with(&format!("HTTP/1.1 {status}")), "{got}");
        assert_eq!(got.matches("HTTP/1.1 ").count(), 2, "both requests answered on one connection: {got}");
    }
});
