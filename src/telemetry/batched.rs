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
//! written when the `Writer` is dropped.

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

fn write_batches(shared: &Shared, mut out: impl Write) {
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
        // Nowhere to report a failed write to but stderr; the lines are dropped then.
        if let Err(e) = out.write_all(&batch).and_then(|()| out.flush()) {
            eprintln!("orgraph: writing log lines failed: {e}");
        }
        if closed && batch.is_empty() {
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
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn line(lines: &Lines, text: &str) {
        use tracing_subscriber::fmt::MakeWriter;
        lines.make_writer().write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn every_line_is_written_in_order_by_shutdown() {
        let sink = Sink::default();
        let (lines, writer) = spawn(sink.clone(), "test-log").unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let lines = lines.clone();
                std::thread::spawn(move || (0..20_000).for_each(|i| line(&lines, &format!("{t} {i}\n"))))
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        drop(writer);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let mut next = [0; 4];
        for l in text.lines() {
            let (t, i) = l.split_once(' ').unwrap();
            let t: usize = t.parse().unwrap();
            assert_eq!(i.parse::<usize>().unwrap(), next[t], "thread {t}'s lines in order, none lost");
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
        let (lines, writer) = spawn(Slow(sink.clone()), "test-log").unwrap();
        let long = "x".repeat(4095);
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (lines, long) = (lines.clone(), long.clone());
                std::thread::spawn(move || (0..6_000).for_each(|_| line(&lines, &format!("{long}\n"))))
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        drop(writer);
        let written = sink.0.lock().unwrap();
        assert_eq!(written.len(), 2 * 6_000 * 4096, "more than the queue holds, all written");
        assert!(written.chunks(4096).all(|l| l.ends_with(b"\n") && l[..4095].iter().all(|b| *b == b'x')), "whole lines");
    }

    #[test]
    fn a_line_is_written_without_waiting_for_more() {
        let sink = Sink::default();
        let (lines, _writer) = spawn(sink.clone(), "test-log").unwrap();
        line(&lines, "alone\n");
        let start = Instant::now();
        while sink.0.lock().unwrap().is_empty() {
            assert!(start.elapsed() < Duration::from_secs(10), "the line reached the output");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(sink.0.lock().unwrap().as_slice(), b"alone\n");
    }
}
