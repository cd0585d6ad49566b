//! Claim names (`ORGRAPH_JWT_EMAIL_CLAIM`, `…_EMAIL_VERIFIED_CLAIM`, `…_NAME_CLAIM`,
//! namespaced ones included), the userinfo endpoint for access tokens without an e-mail
//! (`ORGRAPH_OIDC_USERINFO_URL`), and the validation of these settings.

use super::*;
use crate::with_idp;
use futures_util::future::join_all;
use std::sync::atomic::Ordering::SeqCst;

const NS: &str = "https://orgraph.example/";

fn namespaced(idp: &Idp) -> impl FnOnce(&mut Settings) + use<> {
    let base = idp.settings(Duration::ZERO);
    move |s: &mut Settings| {
        base(s);
        s.idp.claims.email = format!("{NS}email");
        s.idp.claims.email_verified = format!("{NS}email_verified");
        s.idp.claims.name = format!("{NS}name");
    }
}

with_idp!(
    namespaced_claims_are_plain_top_level_keys,
    keys = vec![rsa_a()],
    settings = namespaced,
    |app: TestApp, _idp: Idp, keys: Vec<SigningKey>| async move {
        let now = get_current_timestamp();
        let base = json!({ "sub": "auth0|alice", "iss": ISSUER, "aud": [AUDIENCE, "https://idp.example.org/userinfo"], "exp": now + 600 });
        let mut c = base.clone();
        c[format!("{NS}email")] = json!("Alice@Example.org");
        c[format!("{NS}email_verified")] = json!("true");
        c[format!("{NS}name")] = json!("Alice Liddell");
        // The standard claims, if present, are not what orgraph reads.
        c["email"] = json!("someone-else@example.org");
        c["name"] = json!("Not Alice");
        let viewer = accepted(&app, &sign(&keys[0], &c), "namespaced claims").await;
        assert_eq!(viewer["email"], "alice@example.org", "normalized (RULES.md §2)");
        assert_eq!(viewer["name"], "Alice Liddell");
        assert!(stored_user(&app, "auth0|alice").await.email_verified, "\"true\" as a string counts (Cognito)");

        // Unverified: kept as unverified.
        let mut c = base.clone();
        c["sub"] = json!("auth0|bob");
        c[format!("{NS}email")] = json!("bob@example.org");
        accepted(&app, &sign(&keys[0], &c), "no verified claim").await;
        assert!(!stored_user(&app, "auth0|bob").await.email_verified, "a provider's e-mail is verified only when it says so");

        // The configured claim is required (no userinfo endpoint configured here).
        let mut c = base.clone();
        c["sub"] = json!("auth0|carol");
        c["email"] = json!("carol@example.org");
        refused(&app, &sign(&keys[0], &c), "only the standard email claim").await;
        c[format!("{NS}email")] = json!(42);
        refused(&app, &sign(&keys[0], &c), "an e-mail claim that is not a string").await;
    }
);

fn with_userinfo(idp: &Idp) -> impl FnOnce(&mut Settings) + use<> {
    let base = idp.settings(Duration::ZERO);
    let url = format!("{}/userinfo", idp.base);
    move |s: &mut Settings| {
        base(s);
        s.idp.userinfo_url = Some(url);
    }
}

/// An access token as Auth0 issues it: no e-mail, no name.
fn access_token(key: &SigningKey, sub: &str, jti: &str) -> String {
    let now = get_current_timestamp();
    sign(
        key,
        &json!({ "sub": sub, "iss": ISSUER, "aud": AUDIENCE, "exp": now + 600, "iat": now, "jti": jti, "scope": "openid email" }),
    )
}

with_idp!(
    tokens_without_an_email_ask_the_userinfo_endpoint_once_per_token,
    keys = vec![rsa_a()],
    settings = with_userinfo,
    |app: TestApp, idp: Idp, keys: Vec<SigningKey>| async move {
        let sub = "auth0|6601";
        idp.set_profile(sub, json!({ "sub": sub, "email": "Dana@Example.org", "email_verified": true, "name": "Dana" }));
        let first = access_token(&keys[0], sub, "1");
        let viewer = accepted(&app, &first, "a token without e-mail").await;
        assert_eq!(viewer["email"], "dana@example.org");
        assert_eq!(viewer["name"], "Dana");
        assert!(stored_user(&app, sub).await.email_verified);
        accepted(&app, &first, "the same token again").await;
        assert_eq!(idp.userinfo_hits.load(SeqCst), 1, "cached for the token's lifetime");

        // Ten concurrent first requests with a new token make one call.
        let second = access_token(&keys[0], sub, "2");
        join_all((0..10).map(|_| accepted(&app, &second, "concurrent"))).await;
        assert_eq!(idp.userinfo_hits.load(SeqCst), 2, "one call per token");

        // A token that carries the e-mail itself never asks.
        let mut c = claims("auth0|erin", "erin@example.org");
        c["sub"] = json!("auth0|erin");
        accepted(&app, &sign(&keys[0], &c), "e-mail in the token").await;
        assert_eq!(idp.userinfo_hits.load(SeqCst), 2);
    }
);

with_idp!(
    an_older_tokens_cached_profile_does_not_put_back_a_moved_email,
    keys = vec![rsa_a()],
    settings = with_userinfo,
    |app: TestApp, idp: Idp, keys: Vec<SigningKey>| async move {
        // The provider moves the user's address; the older token's profile, cached with
        // it, is older than the newer token's (RULES.md §2 "later tokens", §9.7).
        let sub = "auth0|6602";
        idp.set_profile(sub, json!({ "sub": sub, "email": "old@example.org", "email_verified": true }));
        let older = access_token(&keys[0], sub, "1");
        assert_eq!(accepted(&app, &older, "the older token").await["email"], "old@example.org");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        idp.set_profile(sub, json!({ "sub": sub, "email": "new@example.org", "email_verified": true }));
        let newer = access_token(&keys[0], sub, "2");
        assert_eq!(accepted(&app, &newer, "the newer token").await["email"], "new@example.org");
        assert_eq!(accepted(&app, &older, "the older token again").await["email"], "new@example.org");
        assert_eq!(stored_user(&app, sub).await.email, "new@example.org");
        assert_eq!(idp.userinfo_hits.load(SeqCst), 2, "each profile read once");
    }
);

with_idp!(
    userinfo_answers_follow_the_email_rules_and_failures_are_401,
    keys = vec![rsa_a()],
    settings = with_userinfo,
    |app: TestApp, idp: Idp, keys: Vec<SigningKey>| async move {
        // Unverified at the provider: kept as unverified.
        idp.set_profile("okta|frank", json!({ "sub": "okta|frank", "email": "frank@example.org", "email_verified": false }));
        accepted(&app, &access_token(&keys[0], "okta|frank", "f"), "unverified e-mail").await;
        assert!(!stored_user(&app, "okta|frank").await.email_verified);
        // An answer about another subject is not used (OIDC Core §5.3.2).
        idp.set_profile("okta|gina", json!({ "sub": "okta|frank", "email": "gina@example.org", "email_verified": true }));
        refused(&app, &access_token(&keys[0], "okta|gina", "g"), "userinfo about another sub").await;
        // No e-mail at all.
        idp.set_profile("okta|hal", json!({ "sub": "okta|hal", "name": "Hal" }));
        refused(&app, &access_token(&keys[0], "okta|hal", "h"), "no e-mail in userinfo").await;
        // The endpoint refuses the token, or is down: 401, never 500.
        refused(&app, &access_token(&keys[0], "okta|unknown", "u"), "userinfo 401").await;
        idp.set_profile("okta|ivy", json!({ "sub": "okta|ivy", "email": "ivy@example.org", "email_verified": true }));
        idp.down.store(true, SeqCst);
        refused(&app, &access_token(&keys[0], "okta|ivy", "i"), "userinfo down").await;
        // A token refused by signature never reaches the endpoint.
        let hits = idp.userinfo_hits.load(SeqCst);
        refused(&app, &access_token(&ed_key("forged"), "okta|ivy", "x"), "unknown key").await;
        assert_eq!(idp.userinfo_hits.load(SeqCst), hits);
    }
);

/// `orgraph serve` with only `env` (and a throwaway SQLite file): exits with a message.
fn serve_refuses(env: &[(&str, &str)]) -> String {
    let dir = std::env::temp_dir().join(format!("orgraph-idp-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_orgraph"));
    cmd.arg("serve").current_dir(&dir).env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd.env("DATABASE_URL", format!("sqlite://{}/x.db?mode=rwc", dir.display())).env("ORGRAPH_LISTEN", "127.0.0.1:0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.stdin(std::process::Stdio::null()).output().expect("run orgraph");
    assert!(!out.status.success(), "expected a refusal for {env:?}");
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn identity_provider_settings_are_validated_before_serving() {
    let iss = ("ORGRAPH_JWT_ISSUER", ISSUER);
    let aud = ("ORGRAPH_JWT_AUDIENCE", AUDIENCE);
    let jwks = ("ORGRAPH_JWT_JWKS_URL", "https://idp.example.org/.well-known/jwks.json");
    let err = serve_refuses(&[jwks]);
    assert!(err.contains("ORGRAPH_JWT_ISSUER and ORGRAPH_JWT_AUDIENCE are required"), "{err}");
    let err = serve_refuses(&[("ORGRAPH_JWT_JWKS_URL", "http://idp.example.org/jwks"), iss, aud]);
    assert!(err.contains("ORGRAPH_JWT_JWKS_URL") && err.contains("https://"), "clear-text keys over a network: {err}");
    let err = serve_refuses(&[("ORGRAPH_JWT_JWKS_URL", "not a url"), iss, aud]);
    assert!(err.contains("ORGRAPH_JWT_JWKS_URL: not a URL"), "{err}");
    let pem = include_str!("../../fixtures/rsa_public.pem");
    let err = serve_refuses(&[jwks, ("ORGRAPH_JWT_PUBLIC_KEY", pem), iss, aud]);
    assert!(err.contains("not both"), "{err}");
    let err = serve_refuses(&[("ORGRAPH_OIDC_USERINFO_URL", "https://idp.example.org/userinfo")]);
    assert!(err.contains("ORGRAPH_OIDC_USERINFO_URL"), "userinfo without a provider: {err}");
    let err = serve_refuses(&[jwks, iss, aud, ("ORGRAPH_JWT_EMAIL_CLAIM", "e\tmail")]);
    assert!(err.contains("ORGRAPH_JWT_EMAIL_CLAIM"), "{err}");
    let err = serve_refuses(&[jwks, iss, aud, ("ORGRAPH_JWKS_MIN_REFRESH_SECONDS", "0")]);
    assert!(err.contains("ORGRAPH_JWKS_MIN_REFRESH_SECONDS"), "{err}");
    // An invitation's expiry stays a four-digit year (SQLite compares them as text; past
    // ~2.6e11 s computing it panicked).
    for ttl in ["0", "9000000000000"] {
        let err = serve_refuses(&[jwks, iss, aud, ("ORGRAPH_INVITATION_TTL_SECONDS", ttl)]);
        assert!(err.contains("ORGRAPH_INVITATION_TTL_SECONDS"), "{ttl}: {err}");
    }
}
