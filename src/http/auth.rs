//! JWT → `Identity` (RULES.md §2). HS256 with the secret; an identity provider's tokens
//! with its PEM public key (RS256/ES256) or with the keys of its JWKS, chosen by `kid`
//! (`jwks.rs`). The algorithm is the key's, never the token's choice: anything else,
//! `alg: none`, and HMAC tokens when no secret is configured are refused. Required claims
//! `sub`, `exp` and the e-mail (under `ORGRAPH_JWT_EMAIL_CLAIM`; for provider tokens
//! without one, from the userinfo endpoint, `userinfo.rs`); provider tokens need `iss`
//! and `aud`, both checked; `nbf` is checked when present; leeway 30 s.

use super::jwks::Jwks;
use super::userinfo::UserInfo;
use crate::config::{ClaimNames, Secret, Settings};
use crate::domain::Email;
use crate::user::service::Identity;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

pub const LEEWAY_SECONDS: u64 = 30;
/// Claim sizes an identity provider's values fit in; a longer claim is refused (401).
pub const MAX_SUB_BYTES: usize = 255;
pub const MAX_EMAIL_BYTES: usize = 254;
pub const MAX_NAME_BYTES: usize = 1024;

/// A verified token's identity and when the token expires (unix seconds).
#[derive(Clone, Debug)]
pub struct Verified {
    pub identity: Identity,
    pub expires_at: u64,
}

pub struct TokenVerifier {
    /// The longest lifetime (`exp` − `iat`, or `exp` − now without `iat`) accepted.
    max_lifetime: u64,
    hs256: Option<DecodingKey>,
    public: Option<(Algorithm, DecodingKey)>,
    jwks: Option<Arc<Jwks>>,
    userinfo: Option<UserInfo>,
    /// Tokens this process verified (`verified.rs`).
    verified: super::verified::VerifiedTokens,
    issuer: Option<String>,
    audience: Option<String>,
    claims: ClaimNames,
}

impl TokenVerifier {
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let hs256 = settings.hs256_secret().map_err(|e| e.to_string())?.map(|s| DecodingKey::from_secret(s.expose()));
        let public = match &settings.jwt_public_key {
            None => None,
            Some(pem) => {
                let pem = pem.replace("\\n", "\n");
                if let Ok(key) = DecodingKey::from_rsa_pem(pem.as_bytes()) {
                    Some((Algorithm::RS256, key))
                } else if let Ok(key) = DecodingKey::from_ec_pem(pem.as_bytes()) {
                    Some((Algorithm::ES256, key))
                } else {
                    return Err("ORGRAPH_JWT_PUBLIC_KEY: not an RSA or EC public key in PEM".into());
                }
            }
        };
        let idp = &settings.idp;
        let http = || {
            reqwest::Client::builder()
                .timeout(idp.http_timeout)
                .connect_timeout(idp.http_timeout)
                .redirect(reqwest::redirect::Policy::limited(3))
                .user_agent(concat!("orgraph/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| format!("HTTP client: {e}"))
        };
        let jwks = match &idp.jwks_url {
            Some(url) => Some(Jwks::new(url.clone(), http()?, idp.jwks_min_refresh)),
            None => None,
        };
        let userinfo = match &idp.userinfo_url {
            Some(url) => Some(UserInfo::new(url.clone(), http()?, idp.claims.clone())),
            None => None,
        };
        Ok(Self {
            max_lifetime: settings.jwt_max_lifetime.as_secs(),
            hs256,
            public,
            jwks,
            userinfo,
            verified: Default::default(),
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            claims: idp.claims.clone(),
        })
    }

    /// Loads the provider's key set (bounded; a failure is a warning) and keeps it fresh.
    pub async fn start(&self) {
        if let Some(jwks) = &self.jwks {
            jwks.start().await;
        }
    }

    /// The JWKS cache, when one is configured (for `/readyz` and `/metrics`).
    pub fn jwks(&self) -> Option<&Arc<Jwks>> {
        self.jwks.as_ref()
    }

    /// The identity a token names, when the token is valid now. A token this process
    /// verified before is not decoded again (`verified.rs`).
    pub async fn verify(&self, token: &str) -> Result<Verified, String> {
        let keys = self.jwks.as_ref().map(|jwks| jwks.current());
        if let Some(verified) = self.verified.get(token, keys.as_ref()) {
            return Ok(verified);
        }
        let (verified, from_claims) = self.decode(token).await?;
        // An identity from the userinfo endpoint is the provider's answer while the token
        // is valid there (`userinfo.rs`): it is asked again, not kept here.
        if from_claims {
            self.verified.keep(token, &verified, keys);
        }
        Ok(verified)
    }

    /// The token's identity, and whether it came from its claims alone.
    async fn decode(&self, token: &str) -> Result<(Verified, bool), String> {
        let header = decode_header(token).map_err(|_| "malformed token".to_string())?;
        let key_set;
        let (key, from_idp) = match (header.alg, &self.hs256, &self.public, &self.jwks) {
            (Algorithm::HS256, Some(key), _, _) => (key, false),
            (alg, _, Some((expected, key)), _) if alg == *expected => (key, true),
            (alg, _, _, Some(jwks)) if !matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) => {
                let kid = header.kid.as_deref();
                let mut set = jwks.current();
                if kid.is_some() && set.find(kid).is_none() {
                    set = jwks.refresh_for_unknown_kid().await;
                }
                key_set = set;
                let key = key_set.find(kid).ok_or_else(|| match kid {
                    Some(_) => "invalid token: signed with a key the identity provider does not publish".to_string(),
                    None => "invalid token: no kid, and the identity provider publishes several keys".to_string(),
                })?;
                if key.alg != alg {
                    return Err(format!(
                        "invalid token: the key {} is for {:?}, not {alg:?}",
                        bounded(&header.kid.unwrap_or_default()),
                        key.alg
                    ));
                }
                (&key.key, true)
            }
            (alg, _, _, _) => return Err(format!("tokens signed with {alg:?} are not accepted")),
        };
        let mut validation = Validation::new(header.alg);
        if from_idp {
            if let Some(iss) = &self.issuer {
                validation.set_issuer(&[iss]);
            }
            if let Some(aud) = &self.audience {
                validation.set_audience(&[aud]);
            }
            validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        } else {
            validation.validate_aud = false;
            validation.set_required_spec_claims(&["exp", "sub"]);
        }
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let data = decode::<Map<String, Value>>(token, key, &validation).map_err(|e| refusal(e.kind()))?;
        self.check_bounds(&data.claims)?;
        self.identity(token, data.claims, from_idp).await
    }

    /// The identity the verified claims name, with the e-mail rules of RULES.md §2.
    async fn identity(&self, token: &str, c: Map<String, Value>, from_idp: bool) -> Result<(Verified, bool), String> {
        let sub = c.get("sub").and_then(Value::as_str).unwrap_or_default();
        // Control characters (NUL above all: PostgreSQL refuses it in text) never name anyone.
        if sub.trim().is_empty() || sub.chars().any(char::is_control) {
            return Err("invalid token: sub is empty or holds control characters".into());
        }
        let exp = c.get("exp").and_then(Value::as_u64).ok_or("invalid token: exp is not a number")?;
        let iat = c.get("iat").and_then(Value::as_u64).and_then(|t| i64::try_from(t).ok());
        let names = &self.claims;
        let mut name = c.get(&names.name).and_then(Value::as_str).map(str::to_string);
        let (email, verified) = match c.get(&names.email) {
            Some(Value::String(email)) => (email.clone(), c.get(&names.email_verified)),
            Some(_) => return Err(format!("invalid token: claim {} is not a string", names.email)),
            None => match (&self.userinfo, from_idp) {
                (Some(userinfo), true) => {
                    let profile = userinfo.profile(token, sub, exp).await?;
                    let email = profile.email.ok_or("the identity provider's userinfo has no e-mail for this user")?;
                    name = name.or(profile.name);
                    let verified = Value::Bool(profile.email_verified);
                    // Ordered by when it was read, not by the token's `iat`: the profile
                    // is cached with the token, and a later use of an older token must not
                    // put back what a newer token's profile has since changed.
                    let read = (exp, Some(profile.read_at));
                    return self.finish(sub, &email, Some(&verified), name, read, from_idp).map(|v| (v, false));
                }
                _ => return Err(format!("invalid token: missing claim {}", names.email)),
            },
        };
        self.finish(sub, &email, verified, name, (exp, iat), from_idp).map(|v| (v, true))
    }

    fn finish(
        &self,
        sub: &str,
        email: &str,
        verified: Option<&Value>,
        name: Option<String>,
        (exp, issued_at): (u64, Option<i64>),
        from_idp: bool,
    ) -> Result<Verified, String> {
        if email.len() > MAX_EMAIL_BYTES {
            return Err(format!("invalid token: email is longer than {MAX_EMAIL_BYTES} bytes"));
        }
        if name.as_ref().is_some_and(|n| n.len() > MAX_NAME_BYTES) {
            return Err(format!("invalid token: name is longer than {MAX_NAME_BYTES} bytes"));
        }
        if email.chars().any(char::is_control) {
            return Err("invalid token: email is not an e-mail address".into());
        }
        let email = Email::parse("email", email).map_err(|_| "invalid token: email is not an e-mail address".to_string())?;
        // Our own HS256 tokens are trusted for their e-mail; an IdP's only when verified.
        let email_verified = match verified {
            None => !from_idp,
            Some(v) => is_true(v),
        };
        let name = name.map(|n| n.replace(char::is_control, " ").trim().to_string()).filter(|n| !n.is_empty());
        let identity = Identity { sub: sub.to_string(), email, email_verified, name, issued_at };
        Ok(Verified { identity, expires_at: exp })
    }
}

/// `true`, or the string `"true"` (Amazon Cognito sends `email_verified` as a string).
pub fn is_true(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// What a refused token is told: our words, never the library's.
fn refusal(kind: &jsonwebtoken::errors::ErrorKind) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    let why = match kind {
        K::ExpiredSignature => "the token has expired",
        K::ImmatureSignature => "the token is not valid yet (nbf)",
        K::InvalidSignature => "the signature does not verify",
        K::InvalidIssuer => "wrong issuer",
        K::InvalidAudience => "wrong audience",
        K::InvalidAlgorithm | K::UnsupportedAlgorithm | K::InvalidAlgorithmName | K::MissingAlgorithm => {
            "the signing algorithm is not accepted"
        }
        K::MissingRequiredClaim(claim) => return format!("invalid token: missing claim {}", bounded(claim)),
        K::InvalidClaimFormat(_) | K::Json(_) => "a claim has the wrong type",
        _ => "malformed token",
    };
    format!("invalid token: {why}")
}

/// A claim name as shown back: short and printable.
fn bounded(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(32).collect()
}

impl TokenVerifier {
    /// Sizes of `sub`, the e-mail and the name, the lifetime and `iat` (issue 10). The
    /// e-mail and name from a userinfo endpoint are bounded again in `finish`.
    fn check_bounds(&self, c: &Map<String, Value>) -> Result<(), String> {
        let text = |key: &str| c.get(key).and_then(Value::as_str).map_or(0, str::len);
        if text("sub") > MAX_SUB_BYTES {
            return Err(format!("invalid token: sub is longer than {MAX_SUB_BYTES} bytes"));
        }
        if text(&self.claims.email) > MAX_EMAIL_BYTES {
            return Err(format!("invalid token: email is longer than {MAX_EMAIL_BYTES} bytes"));
        }
        if text(&self.claims.name) > MAX_NAME_BYTES {
            return Err(format!("invalid token: name is longer than {MAX_NAME_BYTES} bytes"));
        }
        let now = jsonwebtoken::get_current_timestamp();
        let iat = c.get("iat").and_then(Value::as_u64);
        if iat.is_some_and(|iat| iat > now.saturating_add(LEEWAY_SECONDS)) {
            return Err("invalid token: issued in the future (iat)".into());
        }
        let exp = c.get("exp").and_then(Value::as_u64).unwrap_or(0);
        let from = iat.unwrap_or(now).min(now);
        if exp.saturating_sub(from) > self.max_lifetime.saturating_add(LEEWAY_SECONDS) {
            return Err(format!("invalid token: it lives longer than the accepted {} seconds", self.max_lifetime));
        }
        Ok(())
    }
}

/// Mints an HS256 token (for `orgraph token` and tests).
pub fn mint_hs256(secret: &Secret, sub: &str, email: &str, name: Option<&str>, ttl: Duration) -> Result<String, String> {
    mint_hs256_named(secret, &ClaimNames::default(), sub, email, name, ttl)
}

/// Mints an HS256 token whose e-mail and name are under the configured claim names.
pub fn mint_hs256_named(
    secret: &Secret,
    names: &ClaimNames,
    sub: &str,
    email: &str,
    name: Option<&str>,
    ttl: Duration,
) -> Result<String, String> {
    let now = jsonwebtoken::get_current_timestamp();
    let mut claims = Map::new();
    claims.insert("sub".into(), sub.into());
    claims.insert("exp".into(), now.saturating_add(ttl.as_secs()).into());
    claims.insert("iat".into(), now.into());
    claims.insert(names.email.clone(), email.into());
    if let Some(name) = name {
        claims.insert(names.name.clone(), name.into());
    }
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.expose())).map_err(|e| e.to_string())
}
