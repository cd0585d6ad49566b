//! The OpenID Connect userinfo endpoint (`ORGRAPH_OIDC_USERINFO_URL`), for access tokens
//! that carry no e-mail (Auth0 and Okta access tokens by default). Asked with the same
//! bearer token after its signature and claims were verified; the answer's `sub` must be
//! the token's (OIDC Core §5.3.2). Answers are cached per token until it expires
//! (failures for 10 s), at most `CAPACITY` tokens; concurrent requests with one token make
//! one call; each call is bounded by the provider time limit.

use crate::config::ClaimNames;
use foldhash::{HashMap, HashMapExt};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

const CAPACITY: usize = 10_000;
const FAILURE_TTL_SECONDS: u64 = 10;
const MAX_BODY: usize = 64 * 1024;

/// What the endpoint says about the token's user.
#[derive(Clone, Debug)]
pub struct Profile {
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// When it was read (Unix seconds): the profile stands for the account as of then.
    pub read_at: i64,
}

type Answer = Result<Profile, String>;

struct Entry {
    /// Unix seconds after which the entry is asked again.
    until: u64,
    cell: Arc<OnceCell<(Answer, u64)>>,
}

pub struct UserInfo {
    url: String,
    http: reqwest::Client,
    claims: ClaimNames,
    cache: Mutex<HashMap<[u8; 32], Entry>>,
}

impl UserInfo {
    pub fn new(url: String, http: reqwest::Client, claims: ClaimNames) -> Self {
        Self { url, http, claims, cache: Mutex::new(HashMap::new()) }
    }

    /// The profile of the (verified) `token` of `sub`, which expires at `exp`.
    pub async fn profile(&self, token: &str, sub: &str, exp: u64) -> Answer {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = jsonwebtoken::get_current_timestamp();
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match cache.get(&key) {
                Some(e) if e.until > now => e.cell.clone(),
                _ => {
                    if cache.len() >= CAPACITY {
                        evict(&mut cache, now);
                    }
                    let cell = Arc::new(OnceCell::new());
                    // Until answered, the entry lives as long as the token.
                    cache.insert(key, Entry { until: exp, cell: cell.clone() });
                    cell
                }
            }
        };
        let (answer, until) = cell
            .get_or_init(|| async {
                let answer = self.fetch(token, sub).await;
                let until = if answer.is_ok() { exp } else { now + FAILURE_TTL_SECONDS };
                if let Err(e) = &answer {
                    tracing::warn!(error = %e, "userinfo lookup failed");
                }
                (answer, until)
            })
            .await
            .clone();
        if let Some(e) = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_mut(&key)
            && Arc::ptr_eq(&e.cell, &cell)
        {
            e.until = until;
        }
        answer
    }

    async fn fetch(&self, token: &str, sub: &str) -> Answer {
        let unreachable = |e: String| format!("the identity provider's userinfo endpoint did not answer: {e}");
        let mut res = self
            .http
            .get(&self.url)
            .bearer_auth(token)
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        if !res.status().is_success() {
            return Err(unreachable(format!("HTTP {}", res.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| unreachable(e.to_string()))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(unreachable("the answer is too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        let doc: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&body).map_err(|_| unreachable("the answer is not a JSON object".into()))?;
        if doc.get("sub").and_then(serde_json::Value::as_str) != Some(sub) {
            return Err("the userinfo answer is about another subject than the token".into());
        }
        // The configured claim names first (a provider may namespace them here too), then
        // the standard ones of OIDC Core §5.1.
        let pick = |configured: &str, standard: &str| doc.get(configured).or_else(|| doc.get(standard)).cloned();
        let c = &self.claims;
        Ok(Profile {
            email: pick(&c.email, "email").and_then(|v| v.as_str().map(str::to_string)),
            email_verified: pick(&c.email_verified, "email_verified").is_some_and(|v| super::auth::is_true(&v)),
            name: pick(&c.name, "name").and_then(|v| v.as_str().map(str::to_string)),
            read_at: i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap_or(i64::MAX),
        })
    }

    /// Cached tokens (for tests and metrics).
    pub fn cached(&self) -> usize {
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }
}

/// Drops expired entries; if the cache is still full, the one expiring first.
fn evict(cache: &mut HashMap<[u8; 32], Entry>, now: u64) {
    cache.retain(|_, e| e.until > now);
    if cache.len() >= CAPACITY
        && let Some(first) = cache.iter().min_by_key(|(_, e)| e.until).map(|(k, _)| *k)
    {
        cache.remove(&first);
    }
}
