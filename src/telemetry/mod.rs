//! Logs, metrics and traces. Logs: `ORGRAPH_LOG` (else `RUST_LOG`) filters, default
//! `info`; `ORGRAPH_LOG_FORMAT=json` writes one JSON object a line; colours only on a
//! terminal (and never with `NO_COLOR`). Traces go to an OTLP collector when built with
//! the `otlp` feature and `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Metrics: `metrics.rs`.

pub mod metrics;
#[cfg(feature = "otlp")]
mod otlp;
pub mod request;

use crate::config::{LogFormat, LogSettings};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

// async-graphql opens an `info` span around every DataLoader call (its "tracing" feature,
// which the Tracing extension needs): one per field of a nested read, none worth a log line.
const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,async_graphql=warn";

/// Flushes log lines and exported traces when dropped (at the end of `main`).
pub struct Guard {
    _log: tracing_appender::non_blocking::WorkerGuard,
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

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Installs the global subscriber; an unknown `ORGRAPH_LOG_FORMAT` is refused.
pub fn init() -> Result<Guard, String> {
    let settings = LogSettings::from_env();
    if let Some(e) = &settings.format_error {
        return Err(e.clone());
    }
    let mut directive = settings.filter.clone().unwrap_or_else(|| DEFAULT_FILTER.into());
    let bad_filter = EnvFilter::try_new(&directive).err().map(|e| (std::mem::replace(&mut directive, DEFAULT_FILTER.into()), e));
    let filter = || EnvFilter::try_new(&directive).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let mut layers: Vec<BoxedLayer> = Vec::new();
    // Lines go to stdout from a thread of their own, which writes what is queued in one
    // go: a worker thread only formats its line. Lossless: past 128k queued lines a
    // logging thread waits, as it did on stdout itself.
    let (writer, log_guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("orgraph-log")
        .finish(std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()));
    let fmt: BoxedLayer = match settings.format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_target(false)
            .with_filter(filter())
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(settings.ansi)
            .with_target(false)
            .with_filter(filter())
            .boxed(),
    };
    layers.push(fmt);
    #[cfg(feature = "otlp")]
    let otlp = match &settings.otlp_endpoint {
        Some(_) => match otlp::Exporter::new(settings.otel_service_name.clone()) {
            Ok(exporter) => {
                layers.push(exporter.layer().with_filter(filter()).boxed());
                Some(exporter)
            }
            Err(e) => return Err(format!("OTEL_EXPORTER_OTLP_ENDPOINT: {e}")),
        },
        None => None,
    };
    let _ = tracing_subscriber::registry().with(layers).try_init();
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
