//! The accept loop of both listeners (the API and `ORGRAPH_METRICS_LISTEN`).
//!
//! axum's `serve` runs hyper without a timer and accepts without bound: a client that
//! sent its request headers a byte at a time, or nothing at all, held its connection (a
//! socket, a task, hyper's buffers) for as long as it liked, and enough of them exhausted
//! the process's file descriptors for everyone. Here hyper has a timer, so the headers of
//! every request (the first on a connection and each keep-alive one after it) must arrive
//! within `header_timeout`, else the connection is closed; an idle keep-alive connection
//! is closed after the same time. The body is the handler's to time (408, RULES.md §8).
//! At most `max` HTTP connections are served at once; the next waits in the kernel's
//! backlog until one closes. A WebSocket leaves the count once it is upgraded: its own
//! limits hold it (`ORGRAPH_MAX_SOCKETS_PER_USER`, the `connection_init` timeout).

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// How many HTTP connections are served at once, and how long a request's headers may take.
#[derive(Clone, Copy, Debug)]
pub struct Connections {
    pub max: usize,
    pub header_timeout: Duration,
}

/// Serves `app` on `listener` until `stopped` turns true; then stops accepting, lets every
/// connection finish its in-flight request (hyper's graceful shutdown) and returns when
/// all have closed.
pub async fn serve(mut listener: TcpListener, app: Router, limits: Connections, stopped: watch::Receiver<bool>) {
    let permits = Arc::new(Semaphore::new(limits.max.max(1)));
    // Each connection holds a receiver: `closed()` resolves when the last one is gone.
    let (all_closed, open) = watch::channel(());
    let mut stop = std::pin::pin!(until_true(stopped.clone()));
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut stop => break,
        };
        // axum's accept: retries at once after a connection's own error, sleeps a second
        // after the process's (no file descriptor left) and logs it.
        let (io, _) = tokio::select! {
            accepted = axum::serve::Listener::accept(&mut listener) => accepted,
            () = &mut stop => break,
        };
        tokio::spawn(connection(io, app.clone(), limits.header_timeout, permit, stopped.clone(), open.clone()));
    }
    drop(listener);
    drop(open);
    all_closed.closed().await;
}

async fn connection(
    io: TcpStream,
    app: Router,
    header_timeout: Duration,
    _permit: OwnedSemaphorePermit,
    stopped: watch::Receiver<bool>,
    _open: watch::Receiver<()>,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let conn = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(app)).with_upgrades();
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        served = conn.as_mut() => {
            if let Err(e) = served {
                tracing::trace!(error = %e, "connection ended");
            }
        }
        () = until_true(stopped) => {
            conn.as_mut().graceful_shutdown();
            if let Err(e) = conn.await {
                tracing::trace!(error = %e, "connection ended at shutdown");
            }
        }
    }
}

/// Resolves when the shutdown flag turns true; never when its sender is gone without it.
async fn until_true(mut stopped: watch::Receiver<bool>) {
    if stopped.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}
