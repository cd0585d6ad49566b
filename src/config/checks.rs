//! Parsing and checking of individual settings (issue 13, "safe operations"): every value
//! is refused with the variable's name before the database is touched, and the list of
//! known variables that `serve --help` prints and unknown `ORGRAPH_*` names are checked
//! against.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Every variable orgraph reads, with its meaning: printed by `orgraph serve --help`, and
/// the names an `ORGRAPH_*` variable is compared with (a typo is warned about at startup).
pub const VARIABLES: &[(&str, &str)] = &[
    ("DATABASE_URL", "sqlite://FILE?mode=rwc (default sqlite://orgraph.db?mode=rwc) or postgres://USER:PASS@HOST:PORT/DB"),
    ("ORGRAPH_LISTEN", "address to serve, HOST:PORT (default 127.0.0.1:8080; localhost:PORT accepted)"),
    ("ORGRAPH_DEV", "GraphiQL and introspection: true/false, 1/0, yes/no, on/off (default on)"),
    ("ORGRAPH_JWT_SECRET", "HS256 secret, at least 32 bytes (default: generated into orgraph-secret beside the SQLite file)"),
    ("ORGRAPH_JWT_PUBLIC_KEY", "PEM public key (RS256/ES256) of the identity provider"),
    ("ORGRAPH_JWT_ISSUER", "required iss of public-key and JWKS tokens"),
    ("ORGRAPH_JWT_AUDIENCE", "required aud of public-key and JWKS tokens"),
    ("ORGRAPH_JWT_JWKS_URL", "JSON Web Key Set of the identity provider"),
    ("ORGRAPH_JWKS_MIN_REFRESH_SECONDS", "least seconds between two fetches of the key set (default 30)"),
    ("ORGRAPH_JWT_EMAIL_CLAIM", "claim carrying the e-mail (default email)"),
    ("ORGRAPH_JWT_EMAIL_VERIFIED_CLAIM", "claim carrying email_verified (default email_verified)"),
    ("ORGRAPH_JWT_NAME_CLAIM", "claim carrying the display name (default name)"),
    ("ORGRAPH_OIDC_USERINFO_URL", "userinfo endpoint asked for the e-mail of tokens that carry none"),
    ("ORGRAPH_JWT_MAX_LIFETIME", "longest token lifetime accepted, e.g. 24h (default)"),
    ("ORGRAPH_METRICS_LISTEN", "HOST:PORT serving /metrics, /healthz, /readyz (default: /metrics in dev only)"),
    (
        "ORGRAPH_LOG",
        "log filter, e.g. info,orgraph=debug (else RUST_LOG; default info,sqlx=warn,sea_orm=warn,async_graphql=warn)",
    ),
    ("ORGRAPH_LOG_FORMAT", "text (default) or json"),
    ("ORGRAPH_CORS_ORIGINS", "comma-separated browser origins, scheme://host[:port] (default: none; dev: loopback)"),
    ("ORGRAPH_CORS_ALLOW_HEADERS", "request headers browsers may send, added to the defaults"),
    ("ORGRAPH_CORS_MAX_AGE_SECONDS", "how long browsers cache a preflight answer (default 600)"),
    ("ORGRAPH_GRAPHIQL_ASSETS_URL", "base URL serving copies of the GraphiQL bundle"),
    ("ORGRAPH_SMTP_URL", "smtp://USER:PASS@HOST:PORT or smtps://… (default: invitation mails are logged)"),
    ("ORGRAPH_SMTP_FROM", "sender of invitation mails"),
    ("ORGRAPH_INVITATION_TTL_SECONDS", "invitation lifetime (default 604800)"),
    ("ORGRAPH_MAX_DATASET_DEPTH", "dataset nesting levels (default 128)"),
    ("ORGRAPH_TRASH_RETENTION_DAYS", "days deleted projects and datasets stay in the trash (default 30)"),
    ("ORGRAPH_MAX_CUSTOM_ROLES", "custom roles per organization (default 5)"),
    ("ORGRAPH_MAX_BODY_BYTES", "request body limit (default 262144)"),
    ("ORGRAPH_MAX_QUERY_DEPTH", "query depth limit (default 16)"),
    ("ORGRAPH_MAX_COMPLEXITY", "query cost limit (default 500000)"),
    ("ORGRAPH_MAX_ALIASES", "aliases per document (default 64)"),
    ("ORGRAPH_MAX_SELECTIONS", "fields per document, fragments expanded (default 10000)"),
    ("ORGRAPH_MAX_ERRORS", "errors listed in one response (default 100)"),
    ("ORGRAPH_REQUEST_TIMEOUT_SECONDS", "per-request time limit (default 10)"),
    ("ORGRAPH_MAX_SUBSCRIPTIONS_PER_SOCKET", "subscriptions per WebSocket (default 10)"),
    ("ORGRAPH_MAX_SOCKETS_PER_USER", "WebSockets per user (default 5)"),
    ("ORGRAPH_MAX_CONNECTIONS", "HTTP connections served at once; more wait (default 10000)"),
    (
        "ORGRAPH_HEADER_TIMEOUT_SECONDS",
        "time for a request's headers, and for an idle keep-alive connection (default 75; above your proxy's idle timeout)",
    ),
    ("ORGRAPH_PERSISTED_QUERIES_BYTES", "memory for automatic persisted queries, 0 turns them off (default 8388608)"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTLP collector for traces (build with --features otlp)"),
];

/// `ORGRAPH_*` names read by orgraph's own test and CI scripts, never by the server.
fn is_tooling(name: &str) -> bool {
    name.starts_with("ORGRAPH_TEST_") || name.starts_with("ORGRAPH_CI_") || matches!(name, "ORGRAPH_BIN" | "ORGRAPH_CHROMIUM")
}

/// One warning per `ORGRAPH_*` variable of `names` orgraph does not read, naming the
/// closest known one when it looks like a typo.
pub fn unknown_variables<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    for name in names.filter(|n| n.starts_with("ORGRAPH_") && !is_tooling(n)) {
        if VARIABLES.iter().any(|(known, _)| *known == name) {
            continue;
        }
        let closest = VARIABLES.iter().map(|(k, _)| (edit_distance(k, name), *k)).min().filter(|(d, _)| *d <= 3);
        out.push(match closest {
            Some((_, k)) => format!("unknown variable {name} is ignored (did you mean {k}?)"),
            None => format!("unknown variable {name} is ignored (`orgraph serve --help` lists the known ones)"),
        });
    }
    out
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `HOST:PORT` with an IP address, or `localhost:PORT` (the IPv4 loopback).
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let expected = "expected IP:PORT, [IPv6]:PORT or localhost:PORT";
    let (host, port) = text.rsplit_once(':').ok_or_else(|| format!("'{text}': {expected}"))?;
    let port: u16 = port.parse().map_err(|_| format!("'{text}': the port must be 0..65535"))?;
    match host.to_ascii_lowercase().as_str() {
        "localhost" => Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port))),
        "[localhost]" | "ip6-localhost" => Ok(SocketAddr::from((Ipv6Addr::LOCALHOST, port))),
        _ => Err(format!("'{text}': {expected} (host names other than localhost are not resolved)")),
    }
}

/// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` (any case).
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("'{}' is not a boolean (use true/false, 1/0, yes/no, on/off)", text.trim())),
    }
}

/// `sqlite:…` or `postgres://…` / `postgresql://…`.
pub fn check_database_url(url: &str) -> Result<(), String> {
    if url.starts_with("sqlite:") {
        return Ok(());
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return url::Url::parse(url).map(|_| ()).map_err(|e| format!("not a PostgreSQL URL: {e}"));
    }
    Err("expected sqlite://FILE?mode=rwc or postgres://USER:PASS@HOST:PORT/DB".into())
}

/// An SMTP URL the mailer can use: `smtp://` or `smtps://`, with a host. The URL is
/// never repeated in the message (it may hold a password).
pub fn check_smtp_url(text: &str) -> Result<(), String> {
    let expected = "expected smtp://USER:PASS@HOST:PORT or smtps://USER:PASS@HOST:PORT";
    let url = url::Url::parse(text.trim()).map_err(|e| format!("{e}; {expected}"))?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err(format!("unknown scheme '{}'; {expected}", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("no host; {expected}"));
    }
    use lettre::{AsyncSmtpTransport, Tokio1Executor};
    AsyncSmtpTransport::<Tokio1Executor>::from_url(text.trim()).map(|_| ()).map_err(|e| format!("{e}; {expected}"))
}

/// A browser origin exactly as browsers send it: `http(s)://host[:port]`, lower case, no
/// path, no trailing slash, no wildcard.
pub fn parse_origin(text: &str) -> Result<String, String> {
    let t = text.trim();
    let bad = |why: &str| format!("'{t}': {why} (expected scheme://host[:port], e.g. https://app.example.com)");
    if t == "*" || t.contains('*') {
        return Err(bad("wildcards are not accepted: list each origin"));
    }
    let url = url::Url::parse(t).map_err(|_| bad("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("not an http(s) origin"));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("an origin has no user, query or fragment"));
    }
    if t.trim_end_matches('/') != t || url.path() != "/" {
        return Err(bad("an origin has no path, not even a trailing /"));
    }
    let origin = url.origin().ascii_serialization();
    if !origin.eq_ignore_ascii_case(t) {
        return Err(bad(&format!("browsers send it as {origin}")));
    }
    Ok(origin)
}

/// Request headers a browser may send on a cross-origin request unless configured otherwise.
pub const DEFAULT_CORS_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "apollographql-client-name",
    "apollographql-client-version",
    "traceparent",
    "tracestate",
    "x-request-id",
];

/// The defaults plus the comma-separated header names of `extra`, lower case.
pub fn parse_cors_headers(extra: Option<&str>) -> Result<Vec<String>, String> {
    let mut headers: Vec<String> = DEFAULT_CORS_HEADERS.iter().map(|h| (*h).to_string()).collect();
    for name in extra.unwrap_or("").split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let header = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("'{name}' is not a header name"))?;
        if !headers.iter().any(|h| h == header.as_str()) {
            headers.push(header.as_str().to_string());
        }
    }
    Ok(headers)
}

/// The preflight cache time: at most a day (browsers cap it lower anyway).
pub fn parse_max_age(text: &str) -> Result<Duration, String> {
    let secs: u64 = text.trim().parse().map_err(|_| "expected seconds, 0..86400".to_string())?;
    if secs > 86_400 {
        return Err("expected seconds, 0..86400".into());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_and_ip_addresses_are_listen_addresses() {
        assert_eq!(parse_listen("localhost:9000").expect("accepted"), SocketAddr::from(([127, 0, 0, 1], 9000)));
        assert_eq!(parse_listen("0.0.0.0:80").expect("accepted"), SocketAddr::from(([0, 0, 0, 0], 80)));
        assert!(parse_listen("[::1]:80").expect("accepted").ip().is_loopback());
        assert!(parse_listen("example.com:80").is_err());
        assert!(parse_listen("localhost").is_err());
        assert!(parse_listen("localhost:99999").is_err());
    }

    #[test]
    fn only_booleans_are_booleans() {
        assert_eq!(parse_bool("Off"), Ok(false));
        assert_eq!(parse_bool("1"), Ok(true));
        assert!(parse_bool("disabled").is_err());
        assert!(parse_bool("fales").is_err());
    }

    #[test]
    fn origins_are_written_as_browsers_send_them() {
        assert_eq!(parse_origin("https://app.example.com").expect("accepted"), "https://app.example.com");
        assert_eq!(parse_origin("http://localhost:3000").expect("accepted"), "http://localhost:3000");
        for bad in ["*", "https://*.example.com", "https://app.example.com/", "app.example.com", "https://a.com/x", "ftp://a.com"]
        {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_origin("https://App.example.com").expect("accepted"), "https://app.example.com", "as browsers send it");
        assert!(parse_origin("https://a.com:443").is_err(), "browsers omit the default port");
    }

    #[test]
    fn smtp_urls_need_a_scheme_and_host() {
        assert!(check_smtp_url("smtp://user:pass@mail.example.com:587").is_ok());
        assert!(check_smtp_url("smtps://mail.example.com").is_ok());
        assert!(check_smtp_url("mail.example.com:25").is_err());
        assert!(check_smtp_url("http://mail.example.com").is_err());
        let err = check_smtp_url("smtpx://user:hunter2@mail").expect_err("refused");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn a_typo_names_the_variable_meant() {
        let w = unknown_variables(["ORGRAPH_LISTN", "ORGRAPH_LISTEN", "ORGRAPH_TEST_DATABASE_URL", "PATH"].into_iter());
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("ORGRAPH_LISTN") && w[0].contains("did you mean ORGRAPH_LISTEN"), "{w:?}");
    }

    #[test]
    fn cors_headers_extend_the_defaults() {
        let h = parse_cors_headers(Some("X-Tenant, apollographql-client-name")).expect("accepted");
        assert!(h.contains(&"x-tenant".to_string()) && h.contains(&"traceparent".to_string()));
        assert_eq!(h.iter().filter(|x| *x == "apollographql-client-name").count(), 1);
        assert!(parse_cors_headers(Some("bad header")).is_err());
    }
}
