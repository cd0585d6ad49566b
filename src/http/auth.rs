//! JWT → `Identity` (RULES.md §2). HS256 with the secret; RS256/ES256 with the public
//! key of an identity provider. The key is chosen by the token's `alg`; anything else is
//! refused. Required claims `sub`, `email`, `exp`; `nbf` is checked when present; leeway 30 s.

use crate::config::{Secret, Settings};
use crate::domain::Email;
use crate::user::service::Identity;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub const LEEWAY_SECONDS: u64 = 30;
/// Claim sizes an identity provider's values fit in; a longer claim is refused (401).
pub const MAX_SUB_BYTES: usize = 255;
pub const MAX_EMAIL_BYTES: usize = 254;
pub const MAX_NAME_BYTES: usize = 1024;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub email: Option<String>,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

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
    issuer: Option<String>,
    audience: Option<String>,
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
        Ok(Self {
            max_lifetime: settings.jwt_max_lifetime.as_secs(),
            hs256,
            public,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
        })
    }

    pub fn verify(&self, token: &str) -> Result<Verified, String> {
        let header = decode_header(token).map_err(|_| "malformed token".to_string())?;
        let (key, mut validation, from_idp) = match (header.alg, &self.hs256, &self.public) {
            (Algorithm::HS256, Some(key), _) => (key, Validation::new(Algorithm::HS256), false),
            (alg, _, Some((expected, key))) if alg == *expected => {
                let mut v = Validation::new(alg);
                if let Some(iss) = &self.issuer {
                    v.set_issuer(&[iss]);
                }
                if let Some(aud) = &self.audience {
                    v.set_audience(&[aud]);
                }
                v.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
                (key, v, true)
            }
            (alg, _, _) => return Err(format!("tokens signed with {alg:?} are not accepted")),
        };
        if !from_idp {
            validation.validate_aud = false;
            validation.set_required_spec_claims(&["exp", "sub"]);
        }
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let data = decode::<Claims>(token, key, &validation).map_err(|e| refusal(e.kind()))?;
        let c = data.claims;
        self.check_bounds(&c)?;
        // Control characters (NUL above all: PostgreSQL refuses it in text) never name anyone.
        if c.sub.trim().is_empty() || c.sub.chars().any(char::is_control) {
            return Err("invalid token: sub is empty or holds control characters".into());
        }
        let email = c.email.as_deref().ok_or_else(|| "invalid token: missing claim email".to_string())?;
        if email.chars().any(char::is_control) {
            return Err("invalid token: email is not an e-mail address".into());
        }
        let email = Email::parse("email", email).map_err(|_| "invalid token: email is not an e-mail address".to_string())?;
        // Our own HS256 tokens are trusted for their e-mail; an IdP's only when verified.
        let email_verified = if from_idp { c.email_verified == Some(true) } else { c.email_verified != Some(false) };
        let name = c.name.map(|n| n.replace(char::is_control, " ").trim().to_string()).filter(|n| !n.is_empty());
        Ok(Verified { identity: Identity { sub: c.sub, email, email_verified, name }, expires_at: c.exp })
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
    /// Sizes of `sub`, `email` and `name`, the lifetime and `iat` (RULES.md §2, issue 10).
    fn check_bounds(&self, c: &Claims) -> Result<(), String> {
        if c.sub.len() > MAX_SUB_BYTES {
            return Err(format!("invalid token: sub is longer than {MAX_SUB_BYTES} bytes"));
        }
        if c.email.as_ref().is_some_and(|e| e.len() > MAX_EMAIL_BYTES) {
            return Err(format!("invalid token: email is longer than {MAX_EMAIL_BYTES} bytes"));
        }
        if c.name.as_ref().is_some_and(|n| n.len() > MAX_NAME_BYTES) {
            return Err(format!("invalid token: name is longer than {MAX_NAME_BYTES} bytes"));
        }
        let now = jsonwebtoken::get_current_timestamp();
        if c.iat.is_some_and(|iat| iat > now.saturating_add(LEEWAY_SECONDS)) {
            return Err("invalid token: issued in the future (iat)".into());
        }
        let from = c.iat.unwrap_or(now).min(now);
        if c.exp.saturating_sub(from) > self.max_lifetime.saturating_add(LEEWAY_SECONDS) {
            return Err(format!("invalid token: it lives longer than the accepted {} seconds", self.max_lifetime));
        }
        Ok(())
    }
}

/// Mints an HS256 token (for `orgraph token` and tests).
pub fn mint_hs256(secret: &Secret, sub: &str, email: &str, name: Option<&str>, ttl: Duration) -> Result<String, String> {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        sub: sub.into(),
        email: Some(email.into()),
        exp: now.saturating_add(ttl.as_secs()),
        name: name.map(Into::into),
        email_verified: None,
        iat: Some(now),
    };
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.expose())).map_err(|e| e.to_string())
}
