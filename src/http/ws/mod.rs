//! `GET /graphql/ws`: GraphQL over WebSocket, `graphql-transport-ws` and the legacy
//! `graphql-ws` protocol, written here (not async-graphql's) so that the close codes of
//! RULES.md §2 hold: bad or missing token 4403 (legacy: `connection_error`, then close),
//! subscribe before ack 4401, no `connection_init` within 10 s 4408, token expiry 4403,
//! caps on subscriptions per socket and sockets per user 4429.

mod operation;
mod sign_in;

use operation::{Operation, refused, run_operation};
use sign_in::{sign_in, token_of};

use super::AppState;
use crate::error::AppError;
use async_graphql::parser::types::OperationType;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use foldhash::{HashMap, HashMapExt};
use futures_util::{SinkExt, StreamExt};
use http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    TransportWs,
    Legacy,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::TransportWs => "graphql-transport-ws",
            Protocol::Legacy => "graphql-ws",
        }
    }
}

pub async fn upgrade(State(app): State<Arc<AppState>>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    if let Some(origin) = headers.get(header::ORIGIN)
        && !super::origin_allowed(&app.settings, origin.as_bytes())
    {
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    let offered: Vec<String> = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|p| p.trim().to_string()))
        .collect();
    let protocol = if offered.iter().any(|p| p == "graphql-transport-ws") {
        Protocol::TransportWs
    } else if offered.iter().any(|p| p == "graphql-ws") {
        Protocol::Legacy
    } else {
        return (StatusCode::BAD_REQUEST, "use the graphql-transport-ws (or legacy graphql-ws) subprotocol").into_response();
    };
    // A message may be as large as an HTTP body plus room for its envelope: a larger
    // operation is refused by itself (below), anything far beyond ends the connection (the
    // reader's error: no close frame is sent).
    let max = app.settings.limits.body_bytes.saturating_add(ENVELOPE_BYTES);
    ws.protocols([protocol.name()])
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| serve(socket, app, protocol))
}

/// What a socket reads at a time. tungstenite's default (128 KiB, allocated when the
/// socket opens) made an idle subscribed socket cost ~170 KB; a larger message still
/// arrives whole (the buffer grows to it, up to the limits above).
const READ_BUFFER_BYTES: usize = 1024;

/// Room for the JSON around a document in a `subscribe` message.
const ENVELOPE_BYTES: usize = 64 * 1024;

fn text(v: Value) -> Message {
    Message::Text(v.to_string().into())
}

/// A close frame; its reason cut to the 123 bytes a close frame may carry (RFC 6455: a
/// control frame's payload is at most 125 bytes, two of them the code), at a character
/// boundary (a reason may quote a client's operation id).
fn close(code: u16, reason: &str) -> Message {
    let reason = &reason[..reason.floor_char_boundary(123)];
    Message::Close(Some(CloseFrame { code, reason: reason.to_string().into() }))
}

/// Counts a user's open sockets; the slot is released when dropped.
struct SocketSlot {
    app: Arc<AppState>,
    user: uuid::Uuid,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.app.sockets.lock()
            && let Some(n) = map.get_mut(&self.user)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.user);
            }
        }
    }
}

fn take_slot(app: &Arc<AppState>, user: uuid::Uuid) -> Option<SocketSlot> {
    let mut map = app.sockets.lock().ok()?;
    let n = map.entry(user).or_insert(0);
    if *n >= app.settings.limits.sockets_per_user {
        return None;
    }
    *n += 1;
    Some(SocketSlot { app: app.clone(), user })
}

/// A socket's task, for as long as it is open. An `async` block, not an `async fn`: an
/// `async fn` keeps its arguments (the socket, 368 bytes, split at once) for as long as
/// it runs.
fn serve(socket: WebSocket, app: Arc<AppState>, protocol: Protocol) -> impl Future<Output = ()> + Send + 'static {
    let (mut sink, mut incoming) = socket.split();
    async move {
        let (tx, mut outgoing) = futures_channel::mpsc::channel::<Message>(64);
        // Every holder has its own sender (the session, the shutdown notice, each operation):
        // a futures channel holds 64 messages plus one per sender, so the queue stays bounded
        // only if senders are not made per message.
        let (mut out, mut closer) = (Out(tx.clone()), Out(tx));
        // A peer that takes no message for `write_wait` is gone: the writer stops, which ends
        // the session (below) and fails every send waiting for room in the queue.
        let write_wait = write_wait(&app);
        let mut writer = tokio::spawn(async move {
            while let Some(m) = outgoing.next().await {
                let closing = matches!(m, Message::Close(_));
                let sent = tokio::time::timeout(write_wait + reading_time(&m), sink.send(m)).await;
                if !matches!(sent, Ok(Ok(()))) || closing {
                    break;
                }
            }
        });
        let _open = app.shutdown.track();
        // The socket's operations, held here: when the writer stops the session is dropped
        // mid-way, and its operations must not outlive it (a subscription would wait for its
        // next event with no socket to deliver it to, its slot free for another).
        let mut active: Active = HashMap::new();
        let writing = tokio::select! {
            () = session(&mut incoming, &mut out, &app, protocol, &mut active) => true,
            _ = &mut writer => false,
            // Going away (RFC 6455): clients reconnect, to this server's successor.
            () = app.shutdown.stopping() => {
                let _ = closer.send(close(1001, "Server shutting down")).await;
                true
            }
        };
        for (_, (_, h)) in active {
            h.abort();
        }
        drop((out, closer));
        // The session's slot on the user's sockets is free now: the connection must not stay
        // open past it, so what is left to write gets `write_wait`, then the socket is dropped.
        if writing && tokio::time::timeout(write_wait, &mut writer).await.is_err() {
            writer.abort();
        }
    }
}

/// How long a socket's peer may leave a message unread before the socket is dropped: three
/// request time limits (30 s by default), plus `reading_time` of the message. A peer that
/// stopped reading held its connection, its queue (64 messages) and, once its session
/// ended, no slot of its user's sockets: as many connections as it liked, past its
/// token's expiry.
fn write_wait(app: &AppState) -> Duration {
    app.settings.limits.request_timeout.saturating_mul(3)
}

/// A second per 64 KiB of the message: a large answer to a client on a slow link (3.6 MB
/// at 1 Mbit/s takes half a minute) is not cut, one that reads nothing is.
fn reading_time(m: &Message) -> Duration {
    let len = match m {
        Message::Text(t) => t.len(),
        Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => b.len(),
        Message::Close(_) => 0,
    };
    Duration::from_secs((len / (64 * 1024)) as u64)
}

/// A socket's operations in flight, by id.
type Active = HashMap<String, (OperationType, JoinHandle<()>)>;

/// The part of a `ping`'s payload a `pong` echoes: larger payloads get a `pong` without one
/// (a client that sends pings and reads nothing would queue them in full).
const PONG_PAYLOAD_BYTES: usize = 4 * 1024;

/// The messages to a socket's writer task. A futures channel, not tokio's: tokio's
/// allocates a block of 32 messages when it opens, which an idle socket pays for as long
/// as it stays open.
#[derive(Clone)]
struct Out(futures_channel::mpsc::Sender<Message>);

impl Out {
    /// Waits for room; `Err` once the writer has stopped.
    async fn send(&mut self, m: Message) -> Result<(), ()> {
        self.0.send(m).await.map_err(|_| ())
    }
}

/// The next JSON message and its size in bytes.
async fn next_json(incoming: &mut futures_util::stream::SplitStream<WebSocket>) -> Option<Result<(Value, usize), ()>> {
    loop {
        match incoming.next().await? {
            Ok(Message::Text(t)) => return Some(serde_json::from_str(t.as_str()).map(|v| (v, t.len())).map_err(|_| ())),
            Ok(Message::Binary(b)) => return Some(serde_json::from_slice(&b).map(|v| (v, b.len())).map_err(|_| ())),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

async fn session(
    incoming: &mut futures_util::stream::SplitStream<WebSocket>,
    out: &mut Out,
    app: &Arc<AppState>,
    protocol: Protocol,
    active: &mut Active,
) {
    // 1. connection_init, within the time limit.
    let init = match tokio::time::timeout(app.settings.limits.connection_init_timeout, next_json(incoming)).await {
        Err(_) => {
            let _ = out.send(close(4408, "Connection initialisation timeout")).await;
            return;
        }
        Ok(None) => return,
        Ok(Some(Err(()))) => {
            let _ = out.send(close(4400, "Invalid message")).await;
            return;
        }
        Ok(Some(Ok((v, _)))) => v,
    };
    if init["type"] != "connection_init" {
        let _ = out.send(close(4401, "Unauthorized")).await;
        return;
    }
    let refuse = |message: &str| {
        let mut msgs = Vec::new();
        if protocol == Protocol::Legacy {
            msgs.push(text(json!({ "type": "connection_error", "payload": { "message": message } })));
        }
        // The reason says why, as the HTTP answer would ("Forbidden: invalid token: the
        // token has expired"), within a close frame's 123 bytes.
        msgs.push(close(4403, &format!("Forbidden: {message}")));
        msgs
    };
    // Boxed here and below: a socket's tasks live as long as it is open, and an inline
    // future reserves room for its largest step (signing in, admitting, executing) for
    // all that time; boxed, that room is taken only while the step runs.
    let token = token_of(&init["payload"]);
    drop(init);
    let (viewer, expires_at) = match Box::pin(sign_in(app, token)).await {
        Ok(signed) => signed,
        Err(m) => {
            for m in refuse(&m) {
                let _ = out.send(m).await;
            }
            return;
        }
    };
    let Some(_slot) = take_slot(app, viewer.user_id().unwrap_or_default()) else {
        let _ = out.send(close(4429, "Too many connections for this user")).await;
        return;
    };
    let _ = out.send(text(json!({ "type": "connection_ack" }))).await;
    if protocol == Protocol::Legacy {
        let _ = out.send(text(json!({ "type": "ka" }))).await;
    }

    // 2. operations until the token expires or the client leaves.
    // The token is honoured as long as HTTP would honour it: until `exp` plus the leeway.
    let now = jsonwebtoken::get_current_timestamp();
    let until = expires_at.saturating_add(crate::http::auth::LEEWAY_SECONDS);
    let expiry = tokio::time::sleep(Duration::from_secs(until.saturating_sub(now)));
    tokio::pin!(expiry);
    // Told by an operation that found the credential revoked: the socket is over.
    let revoked = Arc::new(tokio::sync::Notify::new());
    loop {
        let msg = tokio::select! {
            () = revoked.notified() => {
                let _ = out.send(close(4403, "Forbidden: the token no longer stands")).await;
                break;
            }
            () = &mut expiry => {
                let _ = out.send(close(4403, "Token expired")).await;
                break;
            }
            m = next_json(incoming) => m,
        };
        let Some(Ok((msg, size))) = msg else {
            if matches!(msg, Some(Err(()))) {
                let _ = out.send(close(4400, "Invalid message")).await;
            }
            break;
        };
        active.retain(|_, (_, h)| !h.is_finished());
        let id = msg["id"].as_str().unwrap_or_default().to_string();
        match (protocol, msg["type"].as_str().unwrap_or_default()) {
            (_, "connection_init") => {
                let _ = out.send(close(4429, "Too many initialisation requests")).await;
                break;
            }
            (Protocol::TransportWs, "ping") => {
                let pong = if msg["payload"].is_null() || size > PONG_PAYLOAD_BYTES {
                    json!({ "type": "pong" })
                } else {
                    json!({ "type": "pong", "payload": msg["payload"] })
                };
                let _ = out.send(text(pong)).await;
            }
            (Protocol::TransportWs, "pong") => {}
            (Protocol::TransportWs, "subscribe") | (Protocol::Legacy, "start") => {
                if id.is_empty() {
                    let _ = out.send(close(4400, "Invalid message: missing id")).await;
                    break;
                }
                if active.contains_key(&id) {
                    let _ = out.send(close(4409, &format!("Subscriber for {id} already exists"))).await;
                    break;
                }
                // Boxed from here on: no step of the session holds room for a request.
                let mut request = match serde_json::from_value::<async_graphql::Request>(msg["payload"].clone()).map(Box::new) {
                    Ok(r) => r,
                    Err(_) => {
                        let _ = out.send(close(4400, "Invalid message: bad payload")).await;
                        break;
                    }
                };
                // Every limit of the HTTP path holds for each operation of a socket.
                let limits = &app.settings.limits;
                let started = tokio::time::Instant::now();
                let admitted = if size > limits.body_bytes {
                    let message = format!("the operation exceeds {} bytes", limits.body_bytes);
                    Err(AppError::invalid(message, Some("body")))
                } else {
                    let admission = Box::pin(app.guard.admit(&mut request));
                    tokio::time::timeout(limits.request_timeout, admission).await.unwrap_or(Err(AppError::Timeout))
                };
                let admitted = match admitted {
                    Ok(a) => a,
                    Err(e) => {
                        let _ = out.send(refused(&id, e)).await;
                        continue;
                    }
                };
                let subscription = admitted.kind == OperationType::Subscription;
                let running = active.values().filter(|(k, _)| (*k == OperationType::Subscription) == subscription).count();
                if subscription && running >= limits.subscriptions_per_socket {
                    let _ = out.send(close(4429, "Too many subscriptions on this socket")).await;
                    break;
                }
                if !subscription && running >= limits.subscriptions_per_socket {
                    let e = AppError::RateLimited {
                        retry_after_seconds: 1,
                        message: "too many queries and mutations in flight on this socket".into(),
                    };
                    let _ = out.send(refused(&id, e)).await;
                    continue;
                }
                let operation = Operation {
                    id: id.clone(),
                    viewer: viewer.clone(),
                    kind: admitted.kind,
                    cost: admitted.cost,
                    deadline: started.checked_add(limits.request_timeout),
                    revoked: revoked.clone(),
                    document: admitted.document,
                };
                let task = tokio::spawn(run_operation(app.clone(), request, operation, out.clone(), protocol));
                active.insert(id.clone(), (admitted.kind, task));
            }
            (Protocol::TransportWs, "complete") | (Protocol::Legacy, "stop") => {
                if let Some((_, h)) = active.remove(&id) {
                    h.abort();
                }
            }
            (Protocol::Legacy, "connection_terminate") => break,
            _ => {
                let _ = out.send(close(4400, "Invalid message: unknown type")).await;
                break;
            }
        }
    }
    for (_, (_, h)) in active.drain() {
        h.abort();
    }
}

#[cfg(test)]
mod tests;
