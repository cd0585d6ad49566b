//! The identity provider's signing keys, from its JSON Web Key Set (`ORGRAPH_JWT_JWKS_URL`).
//!
//! - Keys are chosen by the token's `kid`; each key's algorithm comes from its `alg`, or
//!   from its type (RSA → RS256, EC P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA), and a
//!   token must use exactly that algorithm. Symmetric (`oct`) and encryption keys are
//!   ignored: a public key set never verifies an HMAC token.
//! - The set is cached and fetched again when its `Cache-Control: max-age` runs out
//!   (clamped between the minimum refresh interval and one day; 10 minutes without one),
//!   and when a token names an unknown `kid` — at most once per minimum refresh interval,
//!   whatever causes the fetch, so tokens with random `kid`s cannot make orgraph hammer the
//!   provider. A request waits for at most one bounded fetch; while the provider cannot be
//!   reached the cached keys stay in use, and unknown `kid`s are refused (401).
//! - A fetched set replaces the cached one: a key the provider withdrew stops verifying.
//! - At startup the set is fetched once (bounded); if that fails orgraph starts anyway,
//!   logs a warning, keeps retrying in the background (1 s, doubling, at most 1 min) and
//!   `/readyz` answers 503 until keys are loaded.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// One usable key of the set.
pub struct Key {
    pub kid: Option<String>,
    pub alg: Algorithm,
    pub key: DecodingKey,
}

/// A fetched key set.
#[derive(Default)]
pub struct KeySet {
    pub keys: Vec<Key>,
}

impl KeySet {
    /// The key for a token's `kid`; without a `kid`, the set's only key.
    pub fn find(&self, kid: Option<&str>) -> Option<&Key> {
        match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            None if self.keys.len() == 1 => self.keys.first(),
            None => None,
        }
    }
}

const MAX_KEYS: usize = 100;
const MAX_BODY: usize = 1 << 20;
const CEILING: Duration = Duration::from_secs(86_400);
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(600);
const MAX_RETRY: Duration = Duration::from_secs(60);

struct State {
    set: Arc<KeySet>,
    loaded: bool,
    last_attempt: Option<Instant>,
    /// When the cached set should be fetched again.
    due: Instant,
    failures: u32,
}

pub struct Jwks {
    url: String,
    http: reqwest::Client,
    min_refresh: Duration,
    state: Mutex<State>,
    /// One fetch at a time; requests with an unknown `kid` wait for the one under way.
    fetching: tokio::sync::Mutex<()>,
    pub stats: Stats,
}

/// Counters exported on `/metrics`.
#[derive(Default)]
pub struct Stats {
    pub fetches_ok: std::sync::atomic::AtomicU64,
    pub fetches_failed: std::sync::atomic::AtomicU64,
    pub unknown_kid: std::sync::atomic::AtomicU64,
}

impl Jwks {
    pub fn new(url: String, http: reqwest::Client, min_refresh: Duration) -> Arc<Self> {
        let state = State { set: Arc::default(), loaded: false, last_attempt: None, due: Instant::now(), failures: 0 };
        Arc::new(Self {
            url,
            http,
            min_refresh,
            state: Mutex::new(state),
            fetching: tokio::sync::Mutex::new(()),
            stats: Stats::default(),
        })
    }

    /// Fetches the set once (warning on failure) and keeps it fresh in the background for
    /// as long as the verifier lives.
    pub async fn start(self: &Arc<Self>) {
        if let Err(e) = self.fetch().await {
            tracing::warn!(url = %self.url, error = %e, "identity provider keys not loaded yet; retrying in the background");
        }
        tokio::spawn(refresh_loop(Arc::downgrade(self)));
    }

    pub fn current(&self) -> Arc<KeySet> {
        self.lock().set.clone()
    }

    /// Whether a key set has been fetched successfully at least once.
    pub fn loaded(&self) -> bool {
        self.lock().loaded
    }

    pub fn key_count(&self) -> usize {
        self.lock().set.keys.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The set after a token named a `kid` the cached set lacks: fetched again unless the
    /// last fetch was less than the minimum refresh interval ago.
    pub async fn refresh_for_unknown_kid(&self) -> Arc<KeySet> {
        self.stats.unknown_kid.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _one = self.fetching.lock().await;
        let recent = self.lock().last_attempt.is_some_and(|t| t.elapsed() < self.min_refresh);
        if !recent && let Err(e) = self.fetch_locked().await {
            tracing::warn!(url = %self.url, error = %e, "fetching the identity provider's keys failed");
        }
        self.current()
    }

    async fn fetch(&self) -> Result<(), String> {
        let _one = self.fetching.lock().await;
        self.fetch_locked().await
    }

    /// Fetches and installs the set; the caller holds `fetching`.
    async fn fetch_locked(&self) -> Result<(), String> {
        self.lock().last_attempt = Some(Instant::now());
        let outcome = download(&self.http, &self.url).await;
        let mut st = self.lock();
        match outcome {
            Ok((set, max_age)) => {
                let max_age = max_age.unwrap_or(DEFAULT_MAX_AGE).clamp(self.min_refresh, CEILING.max(self.min_refresh));
                tracing::info!(url = %self.url, keys = set.keys.len(), refresh_in_seconds = max_age.as_secs(), "identity provider keys loaded");
                st.set = Arc::new(set);
                st.loaded = true;
                st.failures = 0;
                st.due = Instant::now() + max_age;
                self.stats.fetches_ok.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                st.failures = st.failures.saturating_add(1);
                // Background retries are not caused by tokens: 1 s, doubling, at most 1 min.
                let retry = Duration::from_secs(1u64 << (st.failures - 1).min(6)).min(MAX_RETRY);
                st.due = Instant::now() + retry;
                self.stats.fetches_failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Err(e)
            }
        }
    }
}

async fn refresh_loop(jwks: Weak<Jwks>) {
    loop {
        let Some(due) = jwks.upgrade().map(|j| j.lock().due) else { return };
        tokio::time::sleep_until(due.max(Instant::now()).into()).await;
        let Some(j) = jwks.upgrade() else { return };
        if j.lock().due > Instant::now() {
            continue; // a request-triggered fetch moved the schedule
        }
        if let Err(e) = j.fetch().await {
            tracing::warn!(url = %j.url, error = %e, "refreshing the identity provider's keys failed; the cached keys stay in use");
        }
    }
}

/// GET the key set: its usable keys and the response's `max-age`.
async fn download(http: &reqwest::Client, url: &str) -> Result<(KeySet, Option<Duration>), String> {
    let mut res = http
        .get(url)
        .header(http::header::ACCEPT, "application/jwk-set+json, application/json")
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if !res.status().is_success() {
        return Err(format!("GET {url}: HTTP {}", res.status()));
    }
    let max_age = res.headers().get(http::header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).and_then(max_age);
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| format!("GET {url}: {e}"))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(format!("GET {url}: the key set exceeds {MAX_BODY} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    let set = parse_key_set(&body)?;
    Ok((set, max_age))
}

/// `max-age=N` of a `Cache-Control` value; `no-store`/`no-cache` count as none.
fn max_age(value: &str) -> Option<Duration> {
    value.split(',').map(str::trim).find_map(|d| {
        let (name, v) = d.split_once('=')?;
        name.trim().eq_ignore_ascii_case("max-age").then(|| v.trim().trim_matches('"').parse().ok().map(Duration::from_secs))?
    })
}

/// The usable signing keys of a JWKS document. Keys orgraph cannot use (encryption keys,
/// symmetric keys, unknown types or curves) are skipped, not fatal: providers publish them.
pub fn parse_key_set(body: &[u8]) -> Result<KeySet, String> {
    #[derive(serde::Deserialize)]
    struct Doc {
        keys: Vec<serde_json::Value>,
    }
    let doc: Doc = serde_json::from_slice(body).map_err(|e| format!("not a JSON Web Key Set: {e}"))?;
    let mut keys = Vec::new();
    for raw in doc.keys.into_iter().take(MAX_KEYS) {
        let Ok(jwk) = serde_json::from_value::<Jwk>(raw) else { continue };
        if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
            continue;
        }
        let Some(alg) = algorithm(&jwk) else { continue };
        let Ok(key) = DecodingKey::from_jwk(&jwk) else { continue };
        keys.push(Key { kid: jwk.common.key_id.clone(), alg, key });
    }
    if keys.is_empty() {
        return Err("the key set holds no usable signing key".into());
    }
    Ok(KeySet { keys })
}

/// The one algorithm a key verifies: its declared `alg` if that fits its type, else the
/// type's usual one.
fn algorithm(jwk: &Jwk) -> Option<Algorithm> {
    let declared = jwk.common.key_algorithm;
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => match declared {
            None => Some(Algorithm::RS256),
            Some(KeyAlgorithm::RS256) => Some(Algorithm::RS256),
            Some(KeyAlgorithm::RS384) => Some(Algorithm::RS384),
            Some(KeyAlgorithm::RS512) => Some(Algorithm::RS512),
            Some(KeyAlgorithm::PS256) => Some(Algorithm::PS256),
            Some(KeyAlgorithm::PS384) => Some(Algorithm::PS384),
            Some(KeyAlgorithm::PS512) => Some(Algorithm::PS512),
            Some(_) => None,
        },
        AlgorithmParameters::EllipticCurve(p) => match (&p.curve, declared) {
            (EllipticCurve::P256, None | Some(KeyAlgorithm::ES256)) => Some(Algorithm::ES256),
            (EllipticCurve::P384, None | Some(KeyAlgorithm::ES384)) => Some(Algorithm::ES384),
            _ => None,
        },
        AlgorithmParameters::OctetKeyPair(p) => match (&p.curve, declared) {
            (EllipticCurve::Ed25519, None | Some(KeyAlgorithm::EdDSA)) => Some(Algorithm::EdDSA),
            _ => None,
        },
        // Symmetric keys never verify here (no HMAC from a public key set); unknown types.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_from_cache_control() {
        assert_eq!(max_age("public, max-age=300, must-revalidate"), Some(Duration::from_secs(300)));
        assert_eq!(max_age("no-cache"), None);
        assert_eq!(max_age("max-age=abc"), None);
    }

    #[test]
    fn symmetric_and_encryption_keys_are_skipped() {
        let doc = br#"{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"h"},{"kty":"RSA","use":"enc","kid":"e","n":"AQAB","e":"AQAB"},{"kty":"weird"}]}"#;
        assert!(parse_key_set(doc).is_err());
    }
}
