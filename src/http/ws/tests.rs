//! The socket's own checks: its futures' sizes, its close frames.

use super::{Message, close};
use std::future::Future;

/// The size of what `f` returns: a future holds its arguments and room for its largest
/// step for as long as it runs (an inline `await` of a statement adds kilobytes).
fn size3<A, B, C, F: Future>(_: impl FnOnce(A, B, C) -> F) -> usize {
    size_of::<F>()
}
fn size5<A, B, C, D, E, F: Future>(_: impl FnOnce(A, B, C, D, E) -> F) -> usize {
    size_of::<F>()
}

/// A socket and each of its subscriptions live for hours, 10,000 of them on one instance
/// (issue 12: an idle subscribed socket within 20 KB), and their tasks are these futures.
/// A step awaited inline reserves its room in them for their whole life (a statement's
/// future is kilobytes), and so does an `async fn`'s second copy of its arguments: such
/// steps run boxed. The bounds are a debug build's sizes (`cargo test`) with a little room:
/// 1,368 and 336 bytes (12-08; 2,256 and 1,520 before).
#[test]
fn a_socket_and_an_operation_hold_small_futures() {
    let (socket, operation) = (size3(super::serve), size5(super::operation::run_operation));
    assert!(socket <= 1_536, "a socket's task holds {socket} bytes");
    assert!(operation <= 512, "an operation's task holds {operation} bytes");
}

#[test]
fn a_close_reason_fits_a_control_frame() {
    let Message::Close(Some(frame)) = close(4409, &format!("Subscriber for {} already exists", "é".repeat(5_000))) else {
        panic!("a close frame")
    };
    assert!(frame.reason.len() <= 123 && frame.reason.starts_with("Subscriber for é"), "{}", frame.reason.len());
}
