//! Log lines written to stdout in batches, by a thread of their own. A worker thread
//! appends its formatted line to a shared buffer and moves on; the writer thread wakes at
//! the first line of a batch, lets the batch fill for `FLUSH_EVERY` (or until it holds
//! `FLUSH_AT` bytes), then writes it in one go. At a request rate of tens of thousands a
//! second that is tens of writes and wake-ups a second instead of one of each per line
//! (a fifth of a trivial request's cost with one access line each).
//!
//! Lossless: past `MAX_QUEUED` bytes a logging thread waits for the writer, as it would on
//! stdout itself. Lines keep their order (each is appended whole, under the lock). A line
//! reaches stdout at most `FLUSH_EVERY` after it was logged; what is queued at shutdown is
//! written when the `Writer` is dropped, and lines logged after that are dropped (as they
//! are if the writer thread ends, so that no logger waits for it forever).

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a batch may fill before it is written.
const FLUSH_EVERY: Duration = Duration::from_millis(20);
/// A batch this large is written at once.
const FLUSH_AT: usize = 256 << 10;
/// Past this many queued bytes, a logging thread waits for the writer.
const MAX_QUEUED: usize = 16 << 20;

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Wakes the writer: a batch started, filled up, or the process is stopping.
    to_writer: Condvar,
    /// Wakes logging threads waiting for room.
    room: Condvar,
}

#[derive(Default)]
struct State {
    queued: Vec<u8>,
    /// Logging threads waiting for room.
    waiting: usize,
    closed: bool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The `MakeWriter` of the log layer: one `Line` per formatted line.
#[derive(Clone)]
pub struct Lines(Arc<Shared>);

/// Keeps the writer thread; dropping it writes what is queued and stops the thread.
pub struct Writer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A writer thread over `out`, and the handle logging threads write through.
pub fn spawn(out: impl Write + Send + 'static, thread_name: &str) -> std::io::Result<(Lines, Writer)> {
    let shared = Arc::new(Shared::default());
    let worker = shared.clone();
    let thread = std::thread::Builder::new().name(thread_name.into()).spawn(move || write_batches(&worker, out))?;
    Ok((Lines(shared.clone()), Writer { shared, thread: Some(thread) }))
}

/// Closes the queue when the writer thread ends, however it ends (a panic included), so
/// that no logger waits for room that will never come.
struct Closing<'a>(&'a Shared);

impl Drop for Closing<'_> {
    fn drop(&mut self) {
        self.0.state().closed = true;
        self.0.room.notify_all();
    }
}

fn write_batches(shared: &Shared, mut out: impl Write) {
    let _closing = Closing(shared);
    let mut spare = Vec::new();
    loop {
        let mut state = shared.state();
        while state.queued.is_empty() && !state.closed {
            state = shared.to_writer.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        let deadline = Instant::now() + FLUSH_EVERY;
        while !state.closed && state.queued.len() < FLUSH_AT {
            let Some(left) = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()) else { break };
            state = shared.to_writer.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0;
        }
        let batch = std::mem::replace(&mut state.queued, std::mem::take(&mut spare));
        let closed = state.closed;
        if state.waiting > 0 {
            shared.room.notify_all();
        }
        drop(state);
        // Nowhere to report a failed write to but stderr (which may be gone too: the
        // result is ignored, never a panic); the lines are dropped then.
        if let Err(e) = out.write_all(&batch).and_then(|()| out.flush()) {
            let _ = writeln!(std::io::stderr(), "orgraph: writing log lines failed: {e}");
        }
        // Closed: what was queued before is written, what comes later is dropped.
        if closed {
            return;
        }
        spare = batch;
        spare.clear();
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.shared.state().closed = true;
        self.shared.to_writer.notify_all();
        self.shared.room.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One formatted line on its way to the queue (the log layer writes a line in one call).
pub struct Line<'a>(&'a Shared);

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line(&self.0)
    }
}

impl Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let shared = self.0;
        let mut state = shared.state();
        while state.queued.len() >= MAX_QUEUED && !state.closed {
            state.waiting += 1;
            shared.to_writer.notify_one();
            state = shared.room.wait(state).unwrap_or_else(PoisonError::into_inner);
            state.waiting -= 1;
        }
        // After shutdown (or if the writer thread is gone) nothing would write it.
        if state.closed {
            return Ok(bytes.len());
        }
        let starts_batch = state.queued.is_empty();
        state.queued.extend_from_slice(bytes);
        let full = state.queued.len() >= FLUSH_AT;
        drop(state);
        // The writer sleeps only on an empty queue or while a batch fills.
        if starts_batch || full {
            shared.to_writer.notify_one();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink the test reads back.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("the sink").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn line(lines: &Lines, text: &str) {
        use tracing_subscriber::fmt::MakeWriter;
        lines.make_writer().write_all(text.as_bytes()).expect("a line queued");
    }

    #[test]
    fn every_line_is_written_in_order_by_shutdown() {
        let sink = Sink::default();
        let (lines, writer) = spawn(sink.clone(), "test-log").expect("the writer thread");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let lines = lines.clone();
                std::thread::spawn(move || (0..20_000).for_each(|i| line(&lines, &format!("{t} {i}\n"))))
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().expect("a logging thread"));
        drop(writer);
        let text = String::from_utf8(sink.0.lock().expect("the sink").clone()).expect("utf-8");
        let mut next = [0; 4];
        for l in text.lines() {
            let (t, i) = l.split_once(' ').expect("thread and number");
            let t: usize = t.parse().expect("a thread");
            assert_eq!(i.parse::<usize>().expect("a number"), next[t], "thread {t}'s lines in order, none lost");
            next[t] += 1;
        }
        assert_eq!(next, [20_000; 4]);
    }

    /// A sink slower than the loggers: they fill the queue and wait for room.
    struct Slow(Sink);

    impl Write for Slow {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_millis(30));
            self.0.write(bytes)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn loggers_wait_for_a_slow_output_and_lose_nothing() {
        let sink = Sink::default();
        let (lines, writer) = spawn(Slow(sink.clone()), "test-log").expect("the writer thread");
        let long = "x".repeat(4095);
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (lines, long) = (lines.clone(), long.clone());
                std::thread::spawn(move || (0..6_000).for_each(|_| line(&lines, &format!("{long}\n"))))
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().expect("a logging thread"));
        drop(writer);
        let written = sink.0.lock().expect("the sink");
        assert_eq!(written.len(), 2 * 6_000 * 4096, "more than the queue holds, all written");
        assert!(written.chunks(4096).all(|l| l.ends_with(b"\n") && l[..4095].iter().all(|b| *b == b'x')), "whole lines");
    }

    /// An output that fails by panicking, which ends the writer thread.
    struct Panicking;

    impl Write for Panicking {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            panic!("the output is gone");
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn loggers_never_wait_for_a_writer_that_is_gone() {
        let (lines, writer) = spawn(Panicking, "test-log").expect("the writer thread");
        line(&lines, "ends the writer\n");
        // More than the queue holds: a logger would wait for room forever.
        let long = "x".repeat(1 << 20);
        (0..3 * MAX_QUEUED / long.len()).for_each(|_| line(&lines, &long));
        drop(writer);
    }

    #[test]
    fn a_line_is_written_without_waiting_for_more() {
        let sink = Sink::default();
        let (lines, _writer) = spawn(sink.clone(), "test-log").expect("the writer thread");
        line(&lines, "alone\n");
        let start = Instant::now();
        while sink.0.lock().expect("the sink").is_empty() {
            assert!(start.elapsed() < Duration::from_secs(10), "the line reached the output");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(sink.0.lock().expect("the sink").as_slice(), b"alone\n");
    }
}
