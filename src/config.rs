//! Typed configuration, read once from the environment (RULES.md §1 and §8). No
//! `env::var` anywhere else.

mod checks;
mod identity;
mod logging;
mod secret;

pub use checks::{DEFAULT_CORS_HEADERS, VARIABLES, parse_bool, parse_listen, unknown_variables};

pub use identity::{ClaimNames, IdentityProvider, provider_url};
pub use logging::{LogFormat, LogSettings};
pub use secret::Secret;
use secret::{install_private, read_secret_file};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
    #[error("secret file {path}: {source}")]
    SecretFile { path: String, source: std::io::Error },
}

fn invalid(name: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { name, message: message.into() }
}

/// Request limits of RULES.md §8.
#[derive(Clone, Debug)]
pub struct Limits {
    pub body_bytes: usize,
    pub query_depth: usize,
    pub complexity: usize,
    pub aliases: usize,
    /// Fields a document selects once its fragments are expanded (what validation walks).
    pub selections: usize,
    /// Errors listed in one response; the rest are counted in `extensions.omittedErrors`.
    pub errors: usize,
    pub request_timeout: Duration,
    pub subscriptions_per_socket: usize,
    pub sockets_per_user: usize,
    /// A WebSocket must send `connection_init` within this time (closed 4408).
    pub connection_init_timeout: Duration,
    /// HTTP connections served at once (`http::serve`); the next waits for one to close.
    pub connections: usize,
    /// A request's headers must arrive within this time, and an idle keep-alive
    /// connection, or one whose client stopped reading an answer, is closed after it: longer than a proxy in front keeps an idle
    /// connection to orgraph (60 s for the common ones), else a request it sends on one
    /// orgraph is closing fails (75 s, nginx's `keepalive_timeout`).
    pub header_timeout: Duration,
}

impl Limits {
    /// Bracket nesting allowed in a document's text: the selection depth plus room for
    /// argument values, and never so deep that the parser's recursion could exhaust a stack.
    pub fn nesting(&self) -> usize {
        (self.query_depth + 16).min(128)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 256 * 1024,
            query_depth: 16,
            complexity: 500_000,
            aliases: 64,
            selections: 10_000,
            errors: 100,
            request_timeout: Duration::from_secs(10),
            subscriptions_per_socket: 10,
            sockets_per_user: 5,
            connection_init_timeout: Duration::from_secs(10),
            connections: 10_000,
            header_timeout: Duration::from_secs(75),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub listen: SocketAddr,
    pub jwt_secret: Option<Secret>,
    pub jwt_public_key: Option<String>,
    pub jwt_issuer: Option<String>,
    pub jwt_audience: Option<String>,
    /// The longest token lifetime accepted (`ORGRAPH_JWT_MAX_LIFETIME`, default 24 h).
    pub jwt_max_lifetime: Duration,
    pub invitation_ttl: Duration,
    pub max_dataset_depth: i32,
    pub dev: bool,
    pub cors_origins: Vec<String>,
    /// Request headers a cross-origin browser request may send (`ORGRAPH_CORS_ALLOW_HEADERS`
    /// added to `DEFAULT_CORS_HEADERS`), lower case.
    pub cors_allow_headers: Vec<String>,
    /// `Access-Control-Max-Age` of preflight answers (`ORGRAPH_CORS_MAX_AGE_SECONDS`).
    pub cors_max_age: Duration,
    /// Bytes of query text kept for automatic persisted queries; 0: they are off.
    pub persisted_queries_bytes: usize,
    pub limits: Limits,
    /// `smtp://user:pass@host:port` or `smtps://…`; unset: invitation mails are logged.
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    /// How long a DataLoader collects keys before it queries when no driver runs its
    /// batches (a subscription's stream; queries and mutations start a batch as soon as
    /// every resolver of the level has asked, `request::drive`). Statement-count tests
    /// widen it so that a loaded machine cannot split a batch.
    pub loader_batch_delay: Duration,
    /// How long deleted projects and datasets stay in the trash bin.
    pub trash_retention: Duration,
    /// Custom roles an organization may define (`createRole` beyond it: FAILED_PRECONDITION).
    pub max_custom_roles: u64,
    /// Where the GraphiQL page loads its bundle from; None: from this server.
    pub graphiql_assets: Option<AssetsBase>,
    /// JWKS URL, claim names and userinfo endpoint of a real identity provider.
    pub idp: IdentityProvider,
    /// `ORGRAPH_METRICS_LISTEN`: `/metrics` is served on this address only. Unset: on the
    /// main address in dev mode, not at all in production.
    pub metrics_listen: Option<SocketAddr>,
}

/// A base URL serving copies of the GraphiQL bundle (`ORGRAPH_GRAPHIQL_ASSETS_URL`):
/// `https://host[:port]/path` or a same-origin `/path`, without trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetsBase {
    pub url: String,
    /// `scheme://host[:port]` for the page's Content-Security-Policy; None for a path.
    pub origin: Option<String>,
}

impl AssetsBase {
    /// Only characters that need no escaping in a URL, an HTML attribute or a CSP header
    /// are accepted, so the value can be written into the page as it is.
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = text.trim().trim_end_matches('/');
        let path_ok = |p: &str| p.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~/%+@".contains(&b));
        if url.starts_with('/') && !url.starts_with("//") {
            return if path_ok(url) {
                Ok(Self { url: url.to_string(), origin: None })
            } else {
                Err("a path may hold only letters, digits and - . _ ~ / % + @".into())
            };
        }
        let (scheme, rest) = if let Some(rest) = url.strip_prefix("https://") {
            ("https", rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            ("http", rest)
        } else {
            return Err("expected an http(s):// URL or a path starting with /".into());
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host_ok = |b: u8| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b);
        if authority.is_empty() || authority.starts_with(':') || !authority.bytes().all(host_ok) {
            return Err("expected a host (no user info, query or fragment)".into());
        }
        if !path_ok(path) {
            return Err("the path may hold only letters, digits and - . _ ~ / % + @ (no query or fragment)".into());
        }
        let origin = format!("{scheme}://{}", authority.to_ascii_lowercase());
        Ok(Self { url: format!("{origin}{path}"), origin: Some(origin) })
    }
}

/// The deepest `ORGRAPH_MAX_DATASET_DEPTH` may be set: a chain that deep is created,
/// moved, deleted and restored on both databases (RULES.md §9.9, `tests/api/deep_trees.rs`).
/// SQLite runs a cascade of deletes (an organization's, down a chain) as nested triggers,
/// at most 1,000 deep; 10,000 was accepted before and failed there past about 995.
pub const DATASET_DEPTH_CEILING: u64 = 900;

/// The longest invitation lifetime `ORGRAPH_INVITATION_TTL_SECONDS` takes: ten years.
pub const MAX_INVITATION_TTL_SECONDS: u64 = 10 * 366 * 86_400;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://orgraph.db?mode=rwc";

impl Settings {
    /// Defaults of RULES.md §1 for the given database; what tests and `from_env` start from.
    pub fn with_database(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            jwt_secret: None,
            jwt_public_key: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_max_lifetime: Duration::from_secs(86_400),
            invitation_ttl: Duration::from_secs(604_800),
            max_dataset_depth: 128,
            dev: true,
            cors_origins: Vec::new(),
            cors_allow_headers: DEFAULT_CORS_HEADERS.iter().map(|h| (*h).to_string()).collect(),
            cors_max_age: Duration::from_secs(600),
            persisted_queries_bytes: 8 * 1024 * 1024,
            limits: Limits::default(),
            smtp_url: None,
            smtp_from: "orgraph <no-reply@localhost>".into(),
            loader_batch_delay: Duration::from_millis(1),
            trash_retention: Duration::from_secs(30 * 86_400),
            max_custom_roles: 5,
            graphiql_assets: None,
            idp: IdentityProvider::default(),
            metrics_listen: None,
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut s = Self::with_database(var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()));
        checks::check_database_url(&s.database_url).map_err(|e| invalid("DATABASE_URL", e))?;
        if let Some(listen) = var("ORGRAPH_LISTEN") {
            s.listen = parse_listen(&listen).map_err(|e| invalid("ORGRAPH_LISTEN", e))?;
        }
        if let Some(secret) = var("ORGRAPH_JWT_SECRET") {
            if secret.len() < 32 {
                return Err(invalid("ORGRAPH_JWT_SECRET", "must be at least 32 bytes"));
            }
            s.jwt_secret = Some(Secret::new(secret.into_bytes()));
        }
        s.jwt_public_key = var("ORGRAPH_JWT_PUBLIC_KEY");
        s.jwt_issuer = var("ORGRAPH_JWT_ISSUER");
        s.jwt_audience = var("ORGRAPH_JWT_AUDIENCE");
        s.idp = IdentityProvider::from_env(&var)?;
        if s.jwt_public_key.is_some() && s.idp.jwks_url.is_some() {
            return Err(invalid("ORGRAPH_JWT_JWKS_URL", "set either ORGRAPH_JWT_PUBLIC_KEY or ORGRAPH_JWT_JWKS_URL, not both"));
        }
        for (name, set) in
            [("ORGRAPH_JWT_PUBLIC_KEY", s.jwt_public_key.is_some()), ("ORGRAPH_JWT_JWKS_URL", s.idp.jwks_url.is_some())]
        {
            if set && (s.jwt_issuer.is_none() || s.jwt_audience.is_none()) {
                return Err(invalid(
                    name,
                    "ORGRAPH_JWT_ISSUER and ORGRAPH_JWT_AUDIENCE are required with a public key or JWKS URL",
                ));
            }
        }
        if s.idp.userinfo_url.is_some() && !s.has_identity_provider() {
            return Err(invalid("ORGRAPH_OIDC_USERINFO_URL", "needs ORGRAPH_JWT_JWKS_URL or ORGRAPH_JWT_PUBLIC_KEY"));
        }
        if let Some(listen) = var("ORGRAPH_METRICS_LISTEN") {
            let addr = parse_listen(&listen).map_err(|e| invalid("ORGRAPH_METRICS_LISTEN", e))?;
            s.metrics_listen = Some(addr);
        }
        if let Some(lifetime) = var("ORGRAPH_JWT_MAX_LIFETIME") {
            s.jwt_max_lifetime = parse_duration(&lifetime).map_err(|e| invalid("ORGRAPH_JWT_MAX_LIFETIME", e))?;
        }
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match var(name) {
                None => Ok(default),
                Some(v) => v.parse().map_err(|_| invalid(name, "expected a non-negative integer")),
            }
        };
        // At most ten years: an expiry must stay a four-digit year (SQLite compares them as
        // text) and within chrono's range (past ~2.6e11 s `now + ttl` panicked).
        let ttl = number("ORGRAPH_INVITATION_TTL_SECONDS", 604_800)?;
        if !(1..=MAX_INVITATION_TTL_SECONDS).contains(&ttl) {
            return Err(invalid("ORGRAPH_INVITATION_TTL_SECONDS", format!("expected 1..{MAX_INVITATION_TTL_SECONDS}")));
        }
        s.invitation_ttl = Duration::from_secs(ttl);
        let depth = number("ORGRAPH_MAX_DATASET_DEPTH", 128)?;
        if !(1..=DATASET_DEPTH_CEILING).contains(&depth) {
            return Err(invalid("ORGRAPH_MAX_DATASET_DEPTH", format!("expected 1..{DATASET_DEPTH_CEILING}")));
        }
        s.max_dataset_depth = depth as i32;
        s.trash_retention = Duration::from_secs(number("ORGRAPH_TRASH_RETENTION_DAYS", 30)?.saturating_mul(86_400));
        s.max_custom_roles = number("ORGRAPH_MAX_CUSTOM_ROLES", 5)?;
        if let Some(dev) = var("ORGRAPH_DEV") {
            s.dev = parse_bool(&dev).map_err(|e| invalid("ORGRAPH_DEV", e))?;
        }
        if let Some(origins) = var("ORGRAPH_CORS_ORIGINS") {
            let entries = origins.split(',').map(str::trim).filter(|o| !o.is_empty());
            s.cors_origins =
                entries.map(checks::parse_origin).collect::<Result<_, _>>().map_err(|e| invalid("ORGRAPH_CORS_ORIGINS", e))?;
        }
        s.cors_allow_headers = checks::parse_cors_headers(var("ORGRAPH_CORS_ALLOW_HEADERS").as_deref())
            .map_err(|e| invalid("ORGRAPH_CORS_ALLOW_HEADERS", e))?;
        if let Some(age) = var("ORGRAPH_CORS_MAX_AGE_SECONDS") {
            s.cors_max_age = checks::parse_max_age(&age).map_err(|e| invalid("ORGRAPH_CORS_MAX_AGE_SECONDS", e))?;
        }
        if let Some(url) = var("ORGRAPH_GRAPHIQL_ASSETS_URL") {
            s.graphiql_assets = Some(AssetsBase::parse(&url).map_err(|e| invalid("ORGRAPH_GRAPHIQL_ASSETS_URL", e))?);
        }
        s.smtp_url = var("ORGRAPH_SMTP_URL");
        if let Some(url) = &s.smtp_url {
            checks::check_smtp_url(url).map_err(|e| invalid("ORGRAPH_SMTP_URL", e))?;
        }
        if let Some(from) = var("ORGRAPH_SMTP_FROM") {
            from.parse::<lettre::message::Mailbox>()
                .map_err(|e| invalid("ORGRAPH_SMTP_FROM", format!("{e} (expected Name <address@example.com>)")))?;
            s.smtp_from = from;
        }
        let l = &mut s.limits;
        l.body_bytes = number("ORGRAPH_MAX_BODY_BYTES", l.body_bytes as u64)? as usize;
        l.query_depth = number("ORGRAPH_MAX_QUERY_DEPTH", l.query_depth as u64)? as usize;
        l.complexity = number("ORGRAPH_MAX_COMPLEXITY", l.complexity as u64)? as usize;
        l.aliases = number("ORGRAPH_MAX_ALIASES", l.aliases as u64)? as usize;
        l.selections = number("ORGRAPH_MAX_SELECTIONS", l.selections as u64)? as usize;
        l.errors = number("ORGRAPH_MAX_ERRORS", l.errors as u64)?.max(1) as usize;
        l.request_timeout = Duration::from_secs(number("ORGRAPH_REQUEST_TIMEOUT_SECONDS", 10)?.max(1));
        l.subscriptions_per_socket = number("ORGRAPH_MAX_SUBSCRIPTIONS_PER_SOCKET", 10)? as usize;
        l.sockets_per_user = number("ORGRAPH_MAX_SOCKETS_PER_USER", 5)? as usize;
        l.connections = number("ORGRAPH_MAX_CONNECTIONS", l.connections as u64)?.clamp(1, 1 << 20) as usize;
        // Bounded: hyper adds it to the current instant, which must not overflow.
        let header = number("ORGRAPH_HEADER_TIMEOUT_SECONDS", l.header_timeout.as_secs())?;
        if !(1..=3600).contains(&header) {
            return Err(invalid("ORGRAPH_HEADER_TIMEOUT_SECONDS", "expected 1..3600"));
        }
        l.header_timeout = Duration::from_secs(header);
        s.persisted_queries_bytes = number("ORGRAPH_PERSISTED_QUERIES_BYTES", s.persisted_queries_bytes as u64)? as usize;
        Ok(s)
    }

    /// Warnings about `ORGRAPH_*` variables of the environment that orgraph does not read.
    pub fn unknown_env_variables() -> Vec<String> {
        let names: Vec<String> = std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()).collect();
        unknown_variables(names.iter().map(String::as_str))
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// Where the generated HS256 secret lives: beside the SQLite file, else the working directory.
    pub fn secret_file(&self) -> PathBuf {
        let name = "orgraph-secret";
        match self.sqlite_file().as_deref().and_then(std::path::Path::parent) {
            Some(dir) => dir.join(name),
            None => PathBuf::from(name),
        }
    }

    /// The SQLite database file, read from the URL the way sqlx reads it (`sqlite://` or
    /// `sqlite:` prefix, parameters after `?`, percent-decoded); None for PostgreSQL and
    /// in-memory databases.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        let url = &self.database_url;
        let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
        let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
        let in_memory = params.split('&').any(|p| p == "mode=memory");
        if path.is_empty() || path == ":memory:" || in_memory {
            return None;
        }
        Some(PathBuf::from(percent_decode(path)))
    }

    /// True when a secret, a public key or a JWKS URL was configured (not generated).
    pub fn has_configured_key(&self) -> bool {
        self.jwt_secret.is_some() || self.has_identity_provider()
    }

    /// True when tokens of an identity provider (PEM key or JWKS) are accepted.
    pub fn has_identity_provider(&self) -> bool {
        self.jwt_public_key.is_some() || self.idp.jwks_url.is_some()
    }

    /// The HS256 secret: configured, or read from / generated into the secret file.
    /// With a public key configured and no explicit secret, HS256 is off (None).
    pub fn hs256_secret(&self) -> Result<Option<Secret>, ConfigError> {
        if let Some(secret) = &self.jwt_secret {
            return Ok(Some(secret.clone()));
        }
        if self.has_identity_provider() {
            return Ok(None);
        }
        self.hs256_secret_or_generate().map(Some)
    }

    pub fn hs256_secret_or_generate(&self) -> Result<Secret, ConfigError> {
        if let Some(secret) = &self.jwt_secret {
            return Ok(secret.clone());
        }
        let path = self.secret_file();
        let err = |source| ConfigError::SecretFile { path: path.display().to_string(), source };
        if let Some(secret) = read_secret_file(&path).map_err(err)? {
            return Ok(secret);
        }
        use base64::Engine;
        use rand::RngCore;
        let mut raw = [0u8; 48];
        rand::rng().fill_bytes(&mut raw);
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        install_private(&path, secret.as_bytes()).map_err(err)?;
        // Whoever won a race between processes generating at once, the file is the secret.
        read_secret_file(&path)
            .and_then(|s| s.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "vanished after it was written")))
            .map_err(err)
    }
}

/// `%XX` escapes → bytes (invalid escapes stay as they are), as sqlx decodes file names.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `90`, `90s`, `30m`, `1h`, `7d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, "s"),
    };
    let n: u64 = number.parse().map_err(|_| format!("'{text}' is not a duration like 30m, 1h, 7d"))?;
    let unit_secs: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("unknown unit '{unit}' (use s, m, h or d)")),
    };
    let secs = n.checked_mul(unit_secs).ok_or_else(|| format!("'{text}' is too long"))?;
    Ok(Duration::from_secs(secs))
}
