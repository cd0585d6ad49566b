//! The GraphiQL page works offline: its bundle comes from the binary under
//! `/graphiql/assets/` with Subresource Integrity and long caching, or from
//! `ORGRAPH_GRAPHIQL_ASSETS_URL`; production serves none of it. (tests/browser/ drives
//! the page itself in chromium.)

use crate::both;
use crate::helpers::*;
use base64::Engine;
use orgraph::config::{AssetsBase, Settings};
use reqwest::StatusCode;
use sha2::{Digest, Sha384};

fn url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.addr)
}

/// `(url, integrity)` of every `src="…"` / `href="…"` in the page, in order.
fn resources(html: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        Some(tag[start..].split('"').next()?.to_string())
    };
    html.split('<')
        .filter(|t| t.starts_with("script") || t.starts_with("link"))
        .filter_map(|t| Some((attr(t, "src").or_else(|| attr(t, "href"))?, attr(t, "integrity")?)))
        .collect()
}

async fn page(app: &TestApp) -> (reqwest::header::HeaderMap, String) {
    let res = app.http.get(url(app, "/")).send().await.expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    (headers, res.text().await.expect("body"))
}

both!(the_page_loads_a_pinned_bundle_from_the_binary_and_nothing_from_elsewhere, |app: TestApp| async move {
    let (headers, html) = page(&app).await;
    assert!(!html.contains("unpkg") && !html.contains("https://"), "no CDN: {html}");
    let found = resources(&html);
    let names: Vec<&str> = found.iter().filter_map(|(u, _)| u.split('?').next()?.rsplit('/').next()).collect();
    assert_eq!(names, ["page.js", "graphiql.css", "graphiql.js"], "{html}");
    for (src, integrity) in &found {
        assert!(src.starts_with("/graphiql/assets/") && src.contains("?v="), "{src}");
        let res = app.http.get(url(&app, src)).send().await.expect("asset");
        assert_eq!(res.status(), StatusCode::OK, "{src}");
        let h = res.headers().clone();
        let expected = if src.contains(".css") { "text/css; charset=utf-8" } else { "text/javascript; charset=utf-8" };
        assert_eq!(h["content-type"], expected, "{src}");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable", "{src}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        let body = res.bytes().await.expect("bytes");
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&body));
        assert_eq!(integrity, &format!("sha384-{digest}"), "integrity of {src}");
    }
    let csp = headers["content-security-policy"].to_str().expect("ascii");
    for part in ["default-src 'none'", "script-src 'self';", "connect-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    assert!(!csp.contains("unsafe-eval"), "{csp}");
});

both!(assets_revalidate_by_etag_and_unknown_names_are_404, |app: TestApp| async move {
    let plain = app.http.get(url(&app, "/graphiql/assets/graphiql.js")).send().await.expect("asset");
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(plain.headers()["cache-control"], "no-cache", "no ?v=: revalidate");
    let etag = plain.headers()["etag"].clone();
    let again =
        app.http.get(url(&app, "/graphiql/assets/graphiql.js")).header("if-none-match", etag).send().await.expect("asset");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.expect("body").is_empty());
    let stale = app.http.get(url(&app, "/graphiql/assets/graphiql.js?v=0000")).send().await.expect("asset");
    assert_eq!(stale.headers()["cache-control"], "no-cache", "an old ?v= is not cached for a year");
    for name in ["nope.js", "..%2FCargo.toml", "graphiql.js.map"] {
        let res = app.http.get(url(&app, &format!("/graphiql/assets/{name}"))).send().await.expect("request");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{name}");
    }
    let licenses = app.http.get(url(&app, "/graphiql/assets/LICENSES.txt")).send().await.expect("request");
    assert!(licenses.text().await.unwrap_or_default().contains("graphiql@"), "third-party licenses are served");
});

both!(production_serves_no_graphiql_asset, settings = |s: &mut Settings| s.dev = false, |app: TestApp| async move {
    for name in ["page.js", "graphiql.js", "graphiql.css", "LICENSES.txt"] {
        let res = app.http.get(url(&app, &format!("/graphiql/assets/{name}"))).send().await.expect("request");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{name}");
    }
});

both!(
    a_configured_assets_url_serves_the_bundle_from_there_with_integrity,
    settings = |s: &mut Settings| s.graphiql_assets = AssetsBase::parse("https://CDN.example.com/orgraph/graphiql/").ok(),
    |app: TestApp| async move {
        let (headers, html) = page(&app).await;
        let found = resources(&html);
        assert!(found[0].0.starts_with("/graphiql/assets/page.js?v="), "page.js stays local: {html}");
        assert!(found[1].0.starts_with("https://cdn.example.com/orgraph/graphiql/graphiql.css?v="), "{html}");
        assert!(found[2].0.starts_with("https://cdn.example.com/orgraph/graphiql/graphiql.js?v="), "{html}");
        assert!(html.contains(r#"crossorigin="anonymous""#));
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        assert!(csp.contains("script-src 'self' https://cdn.example.com;"), "{csp}");
        // The local copy is what the integrity attribute names.
        let local = app.http.get(url(&app, "/graphiql/assets/graphiql.js")).send().await.expect("asset");
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha384::digest(local.bytes().await.expect("bytes")));
        assert_eq!(found[2].1, format!("sha384-{digest}"));
    }
);

#[test]
fn assets_url_accepts_http_urls_and_paths_and_refuses_anything_that_needs_escaping() {
    let ok = |t: &str| AssetsBase::parse(t).unwrap_or_else(|e| panic!("{t}: {e}"));
    assert_eq!(
        ok("https://cdn.example.com/x/"),
        AssetsBase { url: "https://cdn.example.com/x".into(), origin: Some("https://cdn.example.com".into()) }
    );
    assert_eq!(ok("http://127.0.0.1:9000").url, "http://127.0.0.1:9000");
    assert_eq!(ok("http://[::1]:9000/a").origin.as_deref(), Some("http://[::1]:9000"));
    assert_eq!(ok(" /static/graphiql/ "), AssetsBase { url: "/static/graphiql".into(), origin: None });
    for bad in [
        "cdn.example.com/x",
        "ftp://cdn.example.com",
        "//cdn.example.com/x",
        "https://",
        "https://:443/x",
        "https://user:pw@cdn.example.com/x",
        "https://cdn.example.com/x?y=1",
        "https://cdn.example.com/x#y",
        "https://cdn.example.com/\"onerror=\"alert(1)",
        "https://cdn.example.com/a b",
        "https://cdn.example.com/<x>",
        "/static/it's",
        "javascript:alert(1)",
        "/",
    ] {
        assert!(AssetsBase::parse(bad).is_err(), "{bad} must be refused");
    }
}

#[test]
fn a_malformed_assets_url_stops_the_server_before_the_database_is_touched() {
    let dir = std::env::temp_dir().join(format!("orgraph-graphiql-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_orgraph"));
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(|n| n.starts_with("ORGRAPH_") || n == "DATABASE_URL") {
            cmd.env_remove(name);
        }
    }
    let out = cmd
        .current_dir(&dir)
        .args(["serve"])
        .env("ORGRAPH_GRAPHIQL_ASSETS_URL", "cdn.example.com/graphiql")
        .env("ORGRAPH_LISTEN", "127.0.0.1:0")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run orgraph");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let created = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success(), "must refuse: {stderr}");
    assert!(stderr.contains("ORGRAPH_GRAPHIQL_ASSETS_URL") && stderr.contains("http(s)://"), "clear message: {stderr}");
    assert_eq!(created, 0, "no database or secret file was created");
}
