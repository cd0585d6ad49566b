//! The text log line, written without the general machinery: the same bytes as
//! tracing-subscriber's default format without colours (`Format<Full>` with its
//! `SystemTime` clock and `DefaultFields`, target off), at a fraction of the cost. The
//! access line is written once per request, so its formatting was a tenth of a trivial
//! request's time (`perf`): the clock formatted the whole date at every line, and every
//! field went through nested `fmt` calls for colours that were off.
//!
//! - The clock (`Clock`, also used by the JSON format) formats a second's date once per
//!   thread and only the microseconds after it.
//! - `Fields` writes `name=value` directly; values are formatted as before (`Debug`, so
//!   a `&str` is quoted and `%x` fields are displayed), messages are escaped as before,
//!   and `log.*` fields are skipped as before.
//! - `Line` writes the timestamp, level, spans (with the fields `Fields` formatted when
//!   they were created) and the event's fields.
//!
//! Terminals keep tracing-subscriber's own format, for its colours. The tests compare
//! every part with tracing-subscriber's output.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// `2026-12-05T03:44:45.123456Z`, as tracing-subscriber's `SystemTime` writes it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock;

thread_local! {
    /// The second last formatted on this thread and its `YYYY-MM-DDTHH:MM:SS.` text.
    static SECOND: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
}

/// The last second of year 9999: later (and earlier than 1970) is left to
/// tracing-subscriber's clock, which writes such years its own way.
const LAST_SECOND: u64 = 253_402_300_799;

impl Clock {
    /// Writes `since` the epoch (at most `LAST_SECOND`).
    fn write(w: &mut impl fmt::Write, since: Duration) -> fmt::Result {
        let secs = since.as_secs() as i64;
        let date = |text: &mut String| {
            let date = chrono::DateTime::from_timestamp(secs, 0).ok_or(fmt::Error)?;
            text.clear();
            write!(text, "{}.", date.format("%Y-%m-%dT%H:%M:%S"))
        };
        // A line logged while the thread's locals are being destroyed formats its date.
        let kept = SECOND.try_with(|cell| {
            let (second, text) = &mut *cell.borrow_mut();
            if *second != secs {
                // Marked stale until the new text is complete.
                *second = i64::MIN;
                date(text)?;
                *second = secs;
            }
            w.write_str(text)
        });
        if let Ok(written) = kept {
            written?;
        } else {
            let mut text = String::new();
            date(&mut text)?;
            w.write_str(&text)?;
        }
        let mut micros = since.subsec_micros();
        let mut digits = [b'0'; 7];
        digits[6] = b'Z';
        for d in digits[..6].iter_mut().rev() {
            *d = b'0' + (micros % 10) as u8;
            micros /= 10;
        }
        w.write_str(std::str::from_utf8(&digits).map_err(|_| fmt::Error)?)
    }
}

impl FormatTime for Clock {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        match SystemTime::now().duration_since(UNIX_EPOCH).ok().filter(|d| d.as_secs() <= LAST_SECOND) {
            Some(since) => Self::write(w, since),
            None => tracing_subscriber::fmt::time::SystemTime.format_time(w),
        }
    }
}

/// Field formatting, as `DefaultFields` without colours.
#[derive(Debug, Default)]
pub struct Fields;

impl<'a> MakeVisitor<Writer<'a>> for Fields {
    type Visitor = Visitor<'a>;

    fn make_visitor(&self, writer: Writer<'a>) -> Visitor<'a> {
        Visitor { writer, first: true, result: Ok(()) }
    }
}

pub struct Visitor<'a> {
    writer: Writer<'a>,
    first: bool,
    result: fmt::Result,
}

impl Visitor<'_> {
    /// The separator before a field and its name (`name=`); false for a skipped field.
    fn start(&mut self, name: &str) -> bool {
        if self.result.is_err() || name.starts_with("log.") {
            return false;
        }
        if !std::mem::replace(&mut self.first, false) {
            self.result = self.writer.write_char(' ');
        }
        if name != "message" {
            let name = name.strip_prefix("r#").unwrap_or(name);
            self.result = self.result.and_then(|()| self.writer.write_str(name)).and_then(|()| self.writer.write_char('='));
        }
        self.result.is_ok()
    }

    /// A message (or an error's text), escaped as tracing-subscriber escapes it (when its
    /// writer does); nothing after an error.
    fn message(&mut self, value: fmt::Arguments<'_>) {
        if self.result.is_err() {
            return;
        }
        self.result = if self.writer.sanitizes_ansi_escapes() {
            Escaping(&mut self.writer).write_fmt(value)
        } else {
            self.writer.write_fmt(value)
        };
    }
}

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "message" {
            self.record_debug(field, &value);
        } else if self.start(field.name()) {
            self.result = integer(&mut self.writer, value, false);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "message" {
            self.record_debug(field, &value);
        } else if self.start(field.name()) {
            self.result = integer(&mut self.writer, value.unsigned_abs(), value < 0);
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if !self.start(field.name()) {
            return;
        }
        self.message(format_args!("{value}"));
        let Some(source) = value.source() else { return };
        self.result = self.result.and_then(|()| write!(self.writer, " {}.sources=[", field.name()));
        let (mut next, mut first) = (Some(source), true);
        while let Some(e) = next {
            if !std::mem::replace(&mut first, false) {
                self.result = self.result.and_then(|()| self.writer.write_str(", "));
            }
            self.message(format_args!("{e}"));
            next = e.source();
        }
        self.result = self.result.and_then(|()| self.writer.write_char(']'));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.start(field.name()) {
            return;
        }
        if field.name() == "message" {
            self.message(format_args!("{value:?}"));
        } else {
            self.result = write!(self.writer, "{value:?}");
        }
    }
}

/// A decimal integer without `fmt`'s padding machinery.
fn integer(w: &mut Writer<'_>, mut n: u64, negative: bool) -> fmt::Result {
    let mut buf = [0u8; 21];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        at -= 1;
        buf[at] = b'-';
    }
    w.write_str(std::str::from_utf8(&buf[at..]).map_err(|_| fmt::Error)?)
}

impl VisitOutput<fmt::Result> for Visitor<'_> {
    fn finish(self) -> fmt::Result {
        self.result
    }
}

impl VisitFmt for Visitor<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        &mut self.writer
    }
}

/// Escapes terminal control characters as tracing-subscriber's `EscapeGuard` does.
struct Escaping<W>(W);

impl<W: fmt::Write> fmt::Write for Escaping<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some(at) = rest.find(|c: char| matches!(c, '\x1b' | '\x07' | '\x08' | '\x0c' | '\x7f' | '\u{80}'..='\u{9f}')) {
            self.0.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().ok_or(fmt::Error)?;
            match c {
                '\x1b' | '\x07' | '\x08' | '\x0c' | '\x7f' => write!(self.0, "\\x{:02x}", c as u32)?,
                _ => write!(self.0, "\\u{{{:x}}}", c as u32)?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        self.0.write_str(rest)
    }
}

/// The line: timestamp, level, the spans from the root with their fields, the fields.
#[derive(Debug, Default)]
pub struct Line;

impl<S, N> FormatEvent<S, N> for Line
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut w: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        if Clock.format_time(&mut w).is_err() {
            w.write_str("<unknown time>")?;
        }
        w.write_str(match *event.metadata().level() {
            Level::TRACE => " TRACE ",
            Level::DEBUG => " DEBUG ",
            Level::INFO => "  INFO ",
            Level::WARN => "  WARN ",
            Level::ERROR => " ERROR ",
        })?;
        if let Some(scope) = ctx.event_scope() {
            let mut seen = false;
            for span in scope.from_root() {
                seen = true;
                w.write_str(span.metadata().name())?;
                if let Some(fields) = span.extensions().get::<FormattedFields<N>>().filter(|f| !f.is_empty()) {
                    w.write_char('{')?;
                    w.write_str(fields)?;
                    w.write_char('}')?;
                }
                w.write_char(':')?;
            }
            if seen {
                w.write_char(' ')?;
            }
        }
        ctx.format_fields(w.by_ref(), event)?;
        w.write_char('\n')
    }
}

#[cfg(test)]
mod tests;
