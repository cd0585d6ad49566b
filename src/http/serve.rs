//! The accept loop of both listeners (the API and `ORGRAPH_METRICS_LISTEN`).
//!
//! axum's `serve` runs hyper without a timer and accepts without bound: a client that
//! sent its request headers a byte at a time, or nothing at all, held its connection (a
//! socket, a task, hyper's buffers) for as long as it liked, and enough of them exhausted
//! the process's file descriptors for everyone. Here hyper has a timer, so the headers of
//! every request (the first on a connection and each keep-alive one after it) must arrive
//! within `header_timeout`, else the connection is closed; an idle keep-alive connection
//! is closed after the same time, and so is one whose client stops reading an answer
//! (nothing of it could be written for that long, the kernel's send buffer full:
//! `Stalling`), which would otherwise keep the answer in memory for as long as it liked.
//! The body is the handler's to time (408, RULES.md §8).
//! At most `max` HTTP connections are served at once; the next waits in the kernel's
//! backlog until one closes. A WebSocket leaves the count once it is upgraded: its own
//! limits hold it (`ORGRAPH_MAX_SOCKETS_PER_USER`, the `connection_init` timeout).

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// How many HTTP connections are served at once, and how long a request's headers may take
/// (and an answer's writing may stall).
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
    let io = TokioIo::new(Stalling::new(io, header_timeout));
    let conn = builder.serve_connection(io, TowerToHyperService::new(app)).with_upgrades();
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

/// A connection whose writes fail (`TimedOut`) once none of them could go through for
/// `limit` (the peer stopped reading, the send buffer is full): hyper then closes it. Reads pass through; a write that goes through clears
/// the clock.
pub struct Stalling<T> {
    io: T,
    limit: Duration,
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> Stalling<T> {
    pub fn new(io: T, limit: Duration) -> Self {
        Self { io, limit, stalled: None }
    }

    /// `poll` (a write of `io`) with the clock: ready clears it, pending starts it (once)
    /// and fails when it has run out.
    fn timed<R>(
        &mut self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut T, &mut Context<'_>) -> Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        match poll(&mut self.io, cx) {
            Poll::Ready(r) => {
                self.stalled = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let limit = self.limit;
                let clock = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match clock.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "the peer stopped reading"))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Stalling<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Stalling<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().timed(cx, |io, cx| Pin::new(io).poll_write(cx, buf))
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        self.get_mut().timed(cx, |io, cx| Pin::new(io).poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().timed(cx, |io, cx| Pin::new(io).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::Stalling;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_write_the_peer_stops_taking_fails_after_the_limit() {
        let (near, mut far) = tokio::io::duplex(64);
        let mut io = Stalling::new(near, Duration::from_secs(1));
        io.write_all(&[1; 64]).await.expect("fits the buffer");
        // The peer reads a little now and then, each time within the limit: no failure.
        let writing = async {
            io.write_all(&[2; 64]).await.expect("written as the peer reads");
            io
        };
        let reading = async {
            let mut buf = [0; 16];
            for _ in 0..4 {
                tokio::time::sleep(Duration::from_millis(300)).await;
                far.read_exact(&mut buf).await.expect("read");
            }
            far
        };
        let (mut io, far) = tokio::join!(writing, reading);
        // Then it stops reading: the next write fails with `TimedOut`, the peer still there
        // (bounded here, so that a wrapper without its clock fails instead of hanging).
        let stalled = tokio::time::timeout(Duration::from_secs(30), io.write_all(&[3; 64])).await;
        let err = stalled.expect("the clock ran out first").expect_err("stalled");
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        drop(far);
    }
}
