//! Logs, metrics and traces. Logs: `ORGRAPH_LOG` (else `RUST_LOG`) filters, default
//! `info`; `ORGRAPH_LOG_FORMAT=json` writes one JSON object a line; colours only on a
//! terminal (and never with `NO_COLOR`). Traces go to an OTLP collector when built with
//! the `otlp` feature and `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Metrics: `metrics.rs`.

mod batched;
pub mod metrics;
#[cfg(feature = "otlp")]
mod otlp;
pub mod request;
mod text;
pub mod unspanned;

use crate::config::{LogFormat, LogSettings};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::Layered;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

// async-graphql is built without its "tracing" feature (no span per DataLoader call); its
// own log lines below `warn` are not worth one.
const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,async_graphql=warn";

/// Flushes log lines and exported traces when dropped (at the end of `main`).
pub struct Guard {
    _log: batched::Writer,
    #[cfg(feature = "otlp")]
    otlp: Option<otlp::Exporter>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        #[cfg(feature = "otlp")]
        if let Some(exporter) = self.otlp.take() {
            exporter.shutdown();
        }
    }
}

/// The one filter, in front of every layer.
type BoxedFilter = Box<dyn Layer<Registry> + Send + Sync>;
type BoxedLayer = Box<dyn Layer<Layered<BoxedFilter, Registry>> + Send + Sync>;

/// The filter for `directive` (valid for `EnvFilter`), global: one decision per callsite
/// for every layer. A directive of plain parts, such as the default, is a `Targets`
/// filter: the same static directives and matching as `EnvFilter`, without its
/// bookkeeping at every span entry and exit (a lock shared by all threads, taken each
/// time a request's future is polled inside its span).
fn global_filter(directive: &str) -> BoxedFilter {
    // Only the plainest directives, read alike by both: `level`, `target` or
    // `target=level`, no spaces (`EnvFilter` keeps a space in a target), no empty level
    // (`EnvFilter` reads `target=` as `trace`, `Targets` as `error`).
    let plain = |part: &str| {
        !part.is_empty()
            && !part.contains(|c: char| c.is_whitespace() || "[]{}".contains(c))
            && part.split_once('=').is_none_or(|(target, level)| !target.is_empty() && !level.is_empty())
    };
    match directive.parse::<Targets>() {
        Ok(targets) if directive.split(',').all(plain) => targets.boxed(),
        _ => EnvFilter::try_new(directive).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER)).boxed(),
    }
}

/// Installs the global subscriber; an unknown `ORGRAPH_LOG_FORMAT` is refused.
pub fn init() -> Result<Guard, String> {
    let settings = LogSettings::from_env();
    if let Some(e) = &settings.format_error {
        return Err(e.clone());
    }
    let mut directive = settings.filter.clone().unwrap_or_else(|| DEFAULT_FILTER.into());
    let bad_filter = EnvFilter::try_new(&directive).err().map(|e| (std::mem::replace(&mut directive, DEFAULT_FILTER.into()), e));
    let mut layers: Vec<BoxedLayer> = Vec::new();
    // Lines go to stdout in batches, from a thread of their own (`batched`): a worker
    // thread only formats its line.
    let (writer, log_guard) = batched::spawn(std::io::stdout(), "orgraph-log").map_err(|e| format!("the log thread: {e}"))?;
    let fmt: BoxedLayer = match settings.format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_timer(text::Clock)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_target(false)
            .boxed(),
        // On a terminal, tracing-subscriber's own format, for its colours; else the same
        // bytes written directly (`text`).
        LogFormat::Text if settings.ansi => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(true)
            .with_timer(text::Clock)
            .with_target(false)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(false)
            .fmt_fields(text::Fields)
            .event_format(text::Line)
            .boxed(),
    };
    layers.push(fmt);
    #[cfg(feature = "otlp")]
    let otlp = match &settings.otlp_endpoint {
        Some(_) => match otlp::Exporter::new(settings.otel_service_name.clone()) {
            Ok(exporter) => {
                layers.push(exporter.layer().boxed());
                Some(exporter)
            }
            Err(e) => return Err(format!("OTEL_EXPORTER_OTLP_ENDPOINT: {e}")),
        },
        None => None,
    };
    let _ = tracing_subscriber::registry().with(global_filter(&directive)).with(layers).try_init();
    if let Some((directive, e)) = bad_filter {
        tracing::warn!("ORGRAPH_LOG/RUST_LOG: '{directive}' is not a filter ({e}); using '{DEFAULT_FILTER}'");
    }
    if settings.otlp_endpoint.is_some() && cfg!(not(feature = "otlp")) {
        tracing::warn!(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but this orgraph was built without the `otlp` feature: no traces are exported"
        );
    }
    Ok(Guard {
        _log: log_guard,
        #[cfg(feature = "otlp")]
        otlp,
    })
}

#[cfg(test)]
mod tests {
    use super::global_filter;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tracing_subscriber::layer::SubscriberExt;

    /// Counts the events that pass the filter.
    struct Count(Arc<AtomicUsize>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Count {
        fn on_event(&self, _: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// How many of the events `emit` sends pass `directive`.
    fn passed(directive: &str, emit: impl FnOnce()) -> usize {
        let n = Arc::new(AtomicUsize::new(0));
        let subscriber = tracing_subscriber::registry().with(global_filter(directive)).with(Count(n.clone()));
        tracing::subscriber::with_default(subscriber, emit);
        n.load(Ordering::SeqCst)
    }

    #[test]
    fn static_directives_filter_by_target_and_level() {
        let directive = "info,noisy=warn";
        assert_eq!(passed(directive, || tracing::info!(target: "orgraph::http", "kept")), 1);
        assert_eq!(passed(directive, || tracing::debug!(target: "orgraph::http", "below info")), 0);
        assert_eq!(passed(directive, || tracing::info!(target: "noisy::pool", "below warn")), 0);
        assert_eq!(passed(directive, || tracing::warn!(target: "noisy::pool", "kept")), 1);
    }

    #[test]
    fn directives_read_differently_by_targets_keep_env_filter_s_reading() {
        // `target=` is `target=trace` to EnvFilter.
        assert_eq!(passed("warn,noisy=", || tracing::trace!(target: "noisy", "kept")), 1);
        // A space belongs to the target for EnvFilter: " noisy" matches nothing.
        assert_eq!(passed("warn, noisy", || tracing::info!(target: "noisy", "not kept")), 0);
        assert_eq!(passed("warn, noisy", || tracing::warn!(target: "noisy", "kept")), 1);
    }

    #[test]
    fn span_directives_still_apply() {
        let directive = "warn,[special]=debug";
        let inside = || {
            let span = tracing::info_span!("special");
            let _entered = span.enter();
            tracing::debug!("inside the span");
        };
        assert_eq!(passed(directive, inside), 1);
        assert_eq!(passed(directive, || tracing::debug!("outside it")), 0);
    }
}
