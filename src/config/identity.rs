//! Settings of a real identity provider beyond a PEM key (issue 13): a JWKS URL with key
//! rotation, the claim names that carry e-mail and name, and the OpenID Connect userinfo
//! endpoint for access tokens that carry no e-mail.

use super::{ConfigError, invalid};
use std::time::Duration;

/// The token claims (plain top-level keys: `https://example.com/email` is one key) that
/// carry the e-mail, whether it is verified, and the display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimNames {
    pub email: String,
    pub email_verified: String,
    pub name: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self { email: "email".into(), email_verified: "email_verified".into(), name: "name".into() }
    }
}

#[derive(Clone, Debug)]
pub struct IdentityProvider {
    /// `ORGRAPH_JWT_JWKS_URL`: the provider's JSON Web Key Set; keys are chosen by `kid`.
    pub jwks_url: Option<String>,
    /// `ORGRAPH_JWKS_MIN_REFRESH_SECONDS` (default 30): the least time between two fetches
    /// of the key set, whatever asks for them (an unknown `kid`, a short `max-age`), so that
    /// tokens with random `kid`s cannot make orgraph hammer the provider.
    pub jwks_min_refresh: Duration,
    /// `ORGRAPH_JWT_EMAIL_CLAIM`, `ORGRAPH_JWT_EMAIL_VERIFIED_CLAIM`, `ORGRAPH_JWT_NAME_CLAIM`.
    pub claims: ClaimNames,
    /// `ORGRAPH_OIDC_USERINFO_URL`: asked (with the same bearer token) when a token carries
    /// no e-mail claim.
    pub userinfo_url: Option<String>,
    /// Time limit of one call to the provider (key set or userinfo).
    pub http_timeout: Duration,
}

impl Default for IdentityProvider {
    fn default() -> Self {
        Self {
            jwks_url: None,
            jwks_min_refresh: Duration::from_secs(30),
            claims: ClaimNames::default(),
            userinfo_url: None,
            http_timeout: Duration::from_secs(5),
        }
    }
}

impl IdentityProvider {
    pub(super) fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut idp = Self::default();
        if let Some(url) = var("ORGRAPH_JWT_JWKS_URL") {
            idp.jwks_url = Some(provider_url("ORGRAPH_JWT_JWKS_URL", &url)?);
        }
        if let Some(url) = var("ORGRAPH_OIDC_USERINFO_URL") {
            idp.userinfo_url = Some(provider_url("ORGRAPH_OIDC_USERINFO_URL", &url)?);
        }
        if let Some(secs) = var("ORGRAPH_JWKS_MIN_REFRESH_SECONDS") {
            let secs: u64 = secs.trim().parse().map_err(|_| invalid("ORGRAPH_JWKS_MIN_REFRESH_SECONDS", "expected 1..3600"))?;
            if !(1..=3600).contains(&secs) {
                return Err(invalid("ORGRAPH_JWKS_MIN_REFRESH_SECONDS", "expected 1..3600"));
            }
            idp.jwks_min_refresh = Duration::from_secs(secs);
        }
        let claim = |name: &'static str, default: &str| -> Result<String, ConfigError> {
            match var(name) {
                None => Ok(default.to_string()),
                Some(v) => claim_name(name, &v),
            }
        };
        let d = ClaimNames::default();
        idp.claims = ClaimNames {
            email: claim("ORGRAPH_JWT_EMAIL_CLAIM", &d.email)?,
            email_verified: claim("ORGRAPH_JWT_EMAIL_VERIFIED_CLAIM", &d.email_verified)?,
            name: claim("ORGRAPH_JWT_NAME_CLAIM", &d.name)?,
        };
        Ok(idp)
    }
}

fn claim_name(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let value = value.trim();
    if value.is_empty() || value.len() > 256 || value.chars().any(char::is_control) {
        return Err(invalid(name, "expected a claim name of 1 to 256 visible characters"));
    }
    Ok(value.to_string())
}

/// An `https://` URL, or `http://` to a loopback host (a provider on the same machine):
/// keys or profiles fetched in clear text over a network could be replaced on the way.
pub fn provider_url(name: &'static str, text: &str) -> Result<String, ConfigError> {
    let url = reqwest::Url::parse(text.trim()).map_err(|e| invalid(name, format!("not a URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url.to_string()),
        "http" if loopback => Ok(url.to_string()),
        "http" => Err(invalid(name, "use https:// (plain http:// only for a provider on localhost)")),
        other => Err(invalid(name, format!("unsupported scheme {other}: use https://"))),
    }
}
