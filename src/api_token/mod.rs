//! Personal access tokens (API tokens): named, expiring secrets a user creates for
//! scripts and integrations, accepted as `Authorization: Bearer orgraph_pat_…` beside
//! JWTs. Shown once, stored as their SHA-256, listed and revoked by their owner; a token
//! restricted to one organization acts as if its user belonged to that organization only
//! (the restriction lives in `authz::Grants`, so every list, `node` and mutation follows).

pub mod loader;
pub mod schema;
pub mod service;

/// Every personal access token starts with this; other bearer values are JWTs.
pub const PREFIX: &str = "orgraph_pat_";

/// Whether a bearer value is a personal access token (not a JWT).
pub fn is_pat(bearer: &str) -> bool {
    bearer.starts_with(PREFIX)
}
