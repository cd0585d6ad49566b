//! `Line`, `Fields` and `Clock` against tracing-subscriber's own format: the same bytes.

use super::{Clock, Fields, Line};
use std::error::Error;
use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::layer::SubscriberExt;

/// Collects what a layer writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[derive(Debug)]
struct Failed(&'static str, Option<Box<Failed>>);

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for Failed {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.1.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

/// Every kind of field, span and message the server logs, and some it does not.
fn emit() {
    tracing::info!("plain message");
    let request = tracing::info_span!("request", request_id = %"01a243dc-1795", method = %"POST", path = %"/graphql");
    request.in_scope(|| {
        tracing::info!(status = 200u16, latency_ms = 250.925, operation_type = %"query", operation_name = %"-", user = %"-", "request");
        tracing::debug!(latency_ms = 1.0, big = u64::MAX, small = i64::MIN, negative = -42i64, yes = true, "debug line");
        let inner = tracing::trace_span!("inner");
        inner.in_scope(|| tracing::trace!("in two spans"));
    });
    let later = tracing::info_span!("later", first = 1u64, second = tracing::field::Empty);
    later.record("second", "recorded \"after\"");
    later.in_scope(|| tracing::warn!(name = "quoted \"str\"\n", r#type = "raw", precise = 0.1f64, wide = i128::MIN, "w"));
    tracing::error!("esc \x1b[31m bel \x07 bs \x08 ff \x0c del \x7f c1 \u{9b} ok é");
    tracing::error!(message = %"displayed \x1b message", extra = 1u64);
    tracing::info!(message = 5u64);
    tracing::info!(message = -5i64, other = 6i64);
    tracing::info!(only = "fields", count = 3u64);
    tracing::info!(log.target = "skipped", kept = 1u64, "log fields are skipped");
    let chain = Failed("outer \x1b", Some(Box::new(Failed("middle", Some(Box::new(Failed("root \u{85}", None)))))));
    tracing::error!(error = &chain as &(dyn Error + 'static), "failed");
    tracing::error!(error = &Failed("alone", None) as &(dyn Error + 'static));
    tracing::error!(message = &chain as &(dyn Error + 'static));
    tracing::info!(bytes = ?b"\x00\x01", empty = "", "end");
}

/// What `layer` writes for `emit`, with the clock's 27 bytes cut from each line (the
/// clock is compared below); checks each line starts with a timestamp.
fn lines<L>(layer: L, capture: &Capture) -> Vec<String>
where
    L: tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync,
{
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, emit);
    let bytes = capture.0.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let text = String::from_utf8(bytes).expect("utf-8");
    text.lines()
        .map(|l| {
            let (time, rest) = l.split_at(27);
            assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T' && time.as_bytes()[19] == b'.', "{l}");
            rest.to_string()
        })
        .collect()
}

#[test]
fn lines_are_tracing_subscriber_s_bytes() {
    let (theirs, ours) = (Capture::default(), Capture::default());
    let reference = tracing_subscriber::fmt::layer().with_ansi(false).with_target(false).with_writer(theirs.clone());
    let fast = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_target(false)
        .fmt_fields(Fields)
        .event_format(Line)
        .with_writer(ours.clone());
    let (expected, got) = (lines(reference, &theirs), lines(fast, &ours));
    assert_eq!(expected.len(), 15);
    for (e, g) in expected.iter().zip(&got) {
        assert_eq!(g, e);
    }
    assert_eq!(got.len(), expected.len());
}

#[test]
fn the_clock_writes_rfc_3339_with_microseconds() {
    let at = |secs: u64, micros: u32| {
        let mut out = String::new();
        Clock::write(&mut out, Duration::new(secs, micros * 1000 + 999)).expect("written");
        let date = chrono::DateTime::from_timestamp(secs as i64, micros * 1000).expect("in range");
        assert_eq!(out, date.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
        out
    };
    assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z");
    assert_eq!(at(951_782_400, 7), "2000-02-29T00:00:00.000007Z");
    // The same second again (the kept text), then the next one.
    assert_eq!(at(1_764_905_085, 123_456), "2025-12-05T03:24:45.123456Z");
    assert_eq!(at(1_764_905_085, 999_999), "2025-12-05T03:24:45.999999Z");
    assert_eq!(at(1_764_905_086, 10), "2025-12-05T03:24:46.000010Z");
    assert_eq!(at(super::LAST_SECOND, 999_999), "9999-12-31T23:59:59.999999Z");
}

#[test]
fn the_clock_writes_tracing_subscriber_s_date() {
    // Both clocks read the time themselves: compared when theirs reads the same second
    // before and after ours.
    let now = |clock: &dyn FormatTime| {
        let mut text = String::new();
        clock.format_time(&mut Writer::new(&mut text)).expect("formatted");
        text
    };
    for _ in 0..100 {
        let (before, ours, after) = (now(&SystemTime), now(&Clock), now(&SystemTime));
        if before[..20] == after[..20] {
            assert_eq!(ours[..20], before[..20]);
            assert_eq!((ours.len(), ours.as_bytes()[26]), (before.len(), b'Z'));
            return;
        }
    }
    panic!("the second changed between the reads a hundred times");
}
