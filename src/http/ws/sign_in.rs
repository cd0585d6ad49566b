//! Who a socket signs in as: the token of its `connection_init`, verified as HTTP verifies
//! a bearer token.

use crate::http::AppState;
use crate::request::Viewer;
use serde_json::Value;

/// The token of a `connection_init` payload: `{"Authorization": "Bearer …"}` (any key
/// case) or `{"token": "…"}`.
pub(super) fn token_of(payload: &Value) -> Option<String> {
    let map = payload.as_object()?;
    for (k, v) in map {
        if k.eq_ignore_ascii_case("authorization") {
            let v = v.as_str()?.trim();
            let (scheme, token) = v.split_once(' ')?;
            return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string());
        }
    }
    map.get("token").and_then(Value::as_str).map(|t| t.trim().to_string())
}

/// The `connection_init` token → the viewer, when the token expires (unix seconds) and a
/// personal access token's organization restriction; `Err` is the refusal message (4403).
pub(super) async fn sign_in(app: &AppState, token: Option<String>) -> Result<(Viewer, u64), String> {
    let token = token.ok_or("missing token in the connection_init payload")?;
    if crate::api_token::is_pat(&token) {
        return match crate::api_token::service::authenticate(&app.db, &token).await {
            Ok(Some((user, pat))) => {
                Ok((Viewer::with_api_token(user, &pat), u64::try_from(pat.expires_at.timestamp()).unwrap_or(0)))
            }
            Ok(None) => Err("invalid, revoked or expired API token".into()),
            Err(_) => Err("could not sign in".into()),
        };
    }
    let verified = app.verifier.verify(&token).await?;
    let viewer = crate::user::service::provision(&app.db, &app.catalog, &verified.identity)
        .await
        .map_err(|_| "could not sign in".to_string())?;
    Ok((Viewer::signed_in(viewer), verified.expires_at))
}
