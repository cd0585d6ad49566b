//! OTLP export of traces (cargo feature `otlp`): every request span and its children go
//! to the collector named by `OTEL_EXPORTER_OTLP_ENDPOINT` (HTTP/protobuf, `/v1/traces`
//! appended; `OTEL_EXPORTER_OTLP_HEADERS` and the other standard variables apply),
//! batched on a background thread. Service name `orgraph` unless `OTEL_SERVICE_NAME`.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::registry::LookupSpan;

pub struct Exporter {
    provider: SdkTracerProvider,
}

impl Exporter {
    pub fn new(service_name: Option<String>) -> Result<Self, String> {
        let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build().map_err(|e| e.to_string())?;
        let resource =
            opentelemetry_sdk::Resource::builder().with_service_name(service_name.unwrap_or_else(|| "orgraph".into())).build();
        let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
        Ok(Self { provider })
    }

    pub fn layer<S>(&self) -> tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        tracing_opentelemetry::layer().with_tracer(self.provider.tracer("orgraph"))
    }

    /// Flushes what is batched; off the async runtime, since it blocks.
    pub fn shutdown(self) {
        let provider = self.provider;
        let _ = std::thread::spawn(move || provider.shutdown()).join();
    }
}
