//! The GraphiQL page (dev mode only), offline: its bundle (React, GraphiQL, the explorer
//! plugin, graphql-ws; built by `assets/graphiql/build.sh` from pinned versions) is compiled
//! into the binary and served under `/graphiql/assets/`, or loaded from
//! `ORGRAPH_GRAPHIQL_ASSETS_URL` with Subresource Integrity so a copy elsewhere must be
//! byte-identical. The user pastes a token once; `page.js` keeps it in localStorage and sends
//! it as the `Authorization` header and in the WebSocket `connection_init` payload.

use super::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use http::{HeaderMap, HeaderValue, StatusCode};
use sha2::{Digest, Sha256, Sha384};
use std::sync::{Arc, LazyLock};

/// Where the router mounts [`asset`].
pub const ASSETS_PATH: &str = "/graphiql/assets";

/// One embedded file, with what the page and the cache need to know about it.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// `sha384-…` for the `integrity` attribute.
    integrity: String,
    /// Short content hash: the `?v=` of the page's links and the ETag.
    version: String,
}

impl Asset {
    fn new(name: &'static str, content_type: &'static str, bytes: &'static [u8]) -> Self {
        let integrity = format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes)));
        let version = Sha256::digest(bytes)[..8].iter().map(|b| format!("{b:02x}")).collect();
        Self { name, content_type, bytes, integrity, version }
    }
}

const JS: &str = "text/javascript; charset=utf-8";
static ASSETS: LazyLock<[Asset; 4]> = LazyLock::new(|| {
    [
        Asset::new("page.js", JS, include_bytes!("../../assets/graphiql/page.js")),
        Asset::new("graphiql.js", JS, include_bytes!("../../assets/graphiql/dist/graphiql.js")),
        Asset::new("graphiql.css", "text/css; charset=utf-8", include_bytes!("../../assets/graphiql/dist/graphiql.css")),
        Asset::new("LICENSES.txt", "text/plain; charset=utf-8", include_bytes!("../../assets/graphiql/dist/LICENSES.txt")),
    ]
});

fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

fn off() -> Response {
    (StatusCode::NOT_FOUND, "GraphiQL is off (ORGRAPH_DEV=0)").into_response()
}

pub async fn page(State(app): State<Arc<AppState>>) -> Response {
    if !app.settings.dev {
        return off();
    }
    let external = app.settings.graphiql_assets.as_ref();
    let base = external.map_or(ASSETS_PATH, |b| b.url.as_str());
    let tag = |name: &str, base: &str| -> String {
        let Some(a) = find(name) else { return String::new() };
        let url = format!("{base}/{}?v={}", a.name, a.version);
        if name.ends_with(".css") {
            format!(r#"<link rel="stylesheet" href="{url}" integrity="{}" crossorigin="anonymous" />"#, a.integrity)
        } else {
            format!(r#"<script src="{url}" integrity="{}" crossorigin="anonymous"></script>"#, a.integrity)
        }
    };
    // page.js always comes from this server: it reports a bundle that fails to load.
    let scripts = [tag("page.js", ASSETS_PATH), tag("graphiql.css", base), tag("graphiql.js", base)].join("\n  ");
    let extra = external.and_then(|b| b.origin.as_deref()).map(|o| format!(" {o}")).unwrap_or_default();
    // Styles: React components set inline styles and insert <style> elements.
    let csp = format!(
        "default-src 'none'; script-src 'self'{extra}; style-src 'self' 'unsafe-inline'{extra}; \
         font-src 'self' data:; img-src 'self' data:; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    let mut res = Html(PAGE.replace("{{SCRIPTS}}", &scripts)).into_response();
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(CONTENT_SECURITY_POLICY, v);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    res
}

#[derive(serde::Deserialize)]
pub struct AssetQuery {
    v: Option<String>,
}

/// `GET /graphiql/assets/{name}`: an embedded file. Asked for with its current `?v=`
/// hash (as the page does) it is cached for a year; otherwise it is revalidated by ETag.
pub async fn asset(
    State(app): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<AssetQuery>,
    headers: HeaderMap,
) -> Response {
    if !app.settings.dev {
        return off();
    }
    let Some(a) = find(&name) else {
        return (StatusCode::NOT_FOUND, "no such GraphiQL asset").into_response();
    };
    let etag = format!("\"{}\"", a.version);
    let cache = if q.v.as_deref() == Some(a.version.as_str()) { "public, max-age=31536000, immutable" } else { "no-cache" };
    let fresh = headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(',').any(|t| {
            let t = t.trim();
            t == etag || t == "*" || t.strip_prefix("W/") == Some(etag.as_str())
        })
    });
    let status = if fresh { StatusCode::NOT_MODIFIED } else { StatusCode::OK };
    let body = if fresh { &[][..] } else { a.bytes };
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    h.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, v);
    }
    res
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>orgraph — GraphiQL</title>
  <link rel="icon" href="data:," />
  <style>
    body { margin: 0; height: 100vh; display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
    #bar { display: flex; gap: 8px; align-items: center; padding: 6px 10px; background: #1f2430; color: #eee; font-size: 13px; }
    #bar form { display: flex; flex: 1; gap: 8px; align-items: center; margin: 0; }
    #bar input { flex: 1; font-family: monospace; min-width: 8em; }
    #state { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 45%; }
    #state[data-state="expired"], #state[data-state="invalid"] { color: #fff; background: #b3261e; padding: 2px 6px; border-radius: 3px; font-weight: bold; }
    #state[data-state="ok"] { color: #9ee29e; }
    #load-error { margin: 16px; padding: 12px 16px; border: 2px solid #b3261e; background: #fdecea; color: #5f1410; font-size: 15px; }
    #graphiql { flex: 1; min-height: 0; }
  </style>
</head>
<body>
  <div id="bar">
    <b>orgraph</b>
    <form id="token-form">
      <label for="token">Token:</label>
      <input id="token" autocomplete="off" spellcheck="false" placeholder="paste the output of `orgraph token --sub you --email you@example.com`" />
      <button id="save" type="submit">Use token</button>
      <button id="forget" type="button">Forget</button>
    </form>
    <span id="state" role="status">no token</span>
  </div>
  <div id="load-error" role="alert" hidden></div>
  <div id="graphiql">Loading GraphiQL…</div>
  <noscript><div id="load-error-noscript">GraphiQL needs JavaScript; the API at /graphql works without it.</div></noscript>
  {{SCRIPTS}}
</body>
</html>
"#;
