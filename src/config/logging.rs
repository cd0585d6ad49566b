//! Logging settings, read before anything else so that every later line (including a
//! refused configuration) is written in the chosen format.

/// `ORGRAPH_LOG_FORMAT`: `text` (default) or `json` (one JSON object a line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct LogSettings {
    pub format: LogFormat,
    /// `ORGRAPH_LOG`, else `RUST_LOG`: an `EnvFilter` directive (`info`, `orgraph=debug`…).
    pub filter: Option<String>,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` is set: traces are exported when built with `otlp`.
    pub otlp_endpoint: Option<String>,
    /// An unknown `ORGRAPH_LOG_FORMAT` value: the process refuses to start.
    pub format_error: Option<String>,
    /// `OTEL_SERVICE_NAME` (default `orgraph`).
    pub otel_service_name: Option<String>,
    /// Colours: only when stdout is a terminal and `NO_COLOR` is unset.
    pub ansi: bool,
}

impl LogSettings {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let (format, format_error) = match var("ORGRAPH_LOG_FORMAT").map(|v| v.trim().to_ascii_lowercase()) {
            None => (LogFormat::Text, None),
            Some(v) if v == "text" => (LogFormat::Text, None),
            Some(v) if v == "json" => (LogFormat::Json, None),
            Some(v) => (LogFormat::Text, Some(format!("ORGRAPH_LOG_FORMAT: unknown format '{v}' (expected text or json)"))),
        };
        Self {
            format,
            filter: var("ORGRAPH_LOG").or_else(|| var("RUST_LOG")),
            otlp_endpoint: var("OTEL_EXPORTER_OTLP_ENDPOINT"),
            format_error,
            otel_service_name: var("OTEL_SERVICE_NAME"),
            ansi: std::io::IsTerminal::is_terminal(&std::io::stdout()) && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}
