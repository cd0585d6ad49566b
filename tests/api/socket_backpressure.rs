//! A WebSocket whose client stops reading (RULES.md §8: sockets per user; no input may
//! hold the server's resources without bound): once nothing it is sent is taken for three
//! request time limits, the server drops the connection. It used to keep it open forever,
//! its session over and its slot on the user's sockets free, so one token could hold any
//! number of connections, each with its queue.

use crate::both;
use crate::helpers::*;
use futures_util::SinkExt;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The state of the server's end of the TCP connection from `client` (a local port) to
/// the server's `port`, as the kernel lists it: "01" is ESTABLISHED; `None` once gone.
fn server_side_state(port: u16, client: u16) -> Option<String> {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp");
    table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let port_of = |addr: &str| addr.rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
        (port_of(cols[1]) == Some(port) && port_of(cols[2]) == Some(client)).then(|| cols[3].to_string())
    })
}

both!(
    a_socket_that_stops_reading_is_dropped,
    settings = |s: &mut orgraph::config::Settings| s.limits.request_timeout = Duration::from_secs(1),
    |app: TestApp| async move {
        let addr = app.addr.trim_start_matches("http://").to_string();
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("small receive buffer");
        let stream = socket.connect(addr.parse().expect("address")).await.expect("connect");
        let (server_port, client_port) = (stream.peer_addr().expect("peer").port(), stream.local_addr().expect("local").port());
        let mut request = format!("ws://{addr}/graphql/ws").into_client_request().expect("request");
        request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
        let (mut ws, _) = tokio_tungstenite::client_async(request, stream).await.expect("upgrade");
        let send = |v: serde_json::Value| Message::Text(v.to_string().into());
        let t = token("reader", "reader@example.com", None);
        ws.send(send(json!({ "type": "connection_init", "payload": { "token": t } }))).await.expect("init");
        // Answers of about 100 KB each, far more than the kernel buffers between the two
        // ends hold; the client reads none of them.
        for batch in 0..20 {
            for i in 0..10 {
                let query = json!({ "query": crate::limits::introspection::INTROSPECTION_QUERY });
                ws.send(send(json!({ "id": format!("{batch}-{i}"), "type": "subscribe", "payload": query })))
                    .await
                    .expect("send");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(server_side_state(server_port, client_port).as_deref(), Some("01"), "open while answers are written");
        // Three request limits (3 s) without progress, and the server lets go.
        let mut state = server_side_state(server_port, client_port);
        for _ in 0..100 {
            if state.as_deref() != Some("01") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            state = server_side_state(server_port, client_port);
        }
        assert_ne!(state.as_deref(), Some("01"), "the server still holds the connection of a client that reads nothing");
        drop(ws);
    }
);
