//! `ORGRAPH_JWT_JWKS_URL`: keys chosen by `kid`, the algorithm fixed by the key, caching,
//! refresh on an unknown `kid` (rate-limited) and when `max-age` runs out, rotation
//! without a restart, a provider that is down (401, never 500; cached keys keep working),
//! and a start while the provider is down (`/readyz` 503 until the keys load).

use super::*;
use crate::with_idp;
use futures_util::future::join_all;
use std::sync::atomic::Ordering::SeqCst;

fn no_refresh_limit(idp: &Idp) -> impl FnOnce(&mut Settings) + use<> {
    idp.settings(Duration::ZERO)
}

with_idp!(
    tokens_signed_by_any_published_key_are_accepted_by_kid,
    keys = vec![rsa_a(), ec_key("key-ec"), ed_key("key-ed")],
    settings = no_refresh_limit,
    |app: TestApp, _idp: Idp, keys: Vec<SigningKey>| async move {
        for (i, key) in keys.iter().enumerate() {
            let sub = format!("user-{i}");
            let viewer = accepted(&app, &sign(key, &claims(&sub, &format!("{sub}@example.org"))), &key.kid).await;
            assert_eq!(viewer["email"], format!("{sub}@example.org"));
            assert!(stored_user(&app, &sub).await.email_verified, "email_verified: true from the provider");
        }
        // The issuer and the audience are checked for JWKS tokens as for a PEM key.
        let mut c = claims("alice", "alice@example.org");
        c["aud"] = json!("https://another-api.example");
        refused(&app, &sign(&keys[0], &c), "another audience").await;
        let mut c = claims("alice", "alice@example.org");
        c["iss"] = json!("https://evil.example/");
        refused(&app, &sign(&keys[0], &c), "another issuer").await;
        let mut c = claims("alice", "alice@example.org");
        c.as_object_mut().expect("object").remove("aud");
        refused(&app, &sign(&keys[0], &c), "no audience").await;
    }
);

with_idp!(
    the_algorithm_is_the_keys_never_the_tokens_choice,
    keys = vec![rsa_a(), ec_key("key-ec")],
    settings = no_refresh_limit,
    |app: TestApp, _idp: Idp, keys: Vec<SigningKey>| async move {
        let c = claims("mallory", "mallory@example.org");
        // RS384 with the RS256 key: the key's algorithm is RS256.
        let mut rs384 = keys[0].clone();
        rs384.alg = Algorithm::RS384;
        refused(&app, &sign(&rs384, &c), "RS384 with an RS256 key").await;
        // The classic confusion: HS256 "signed" with the public key's bytes as secret.
        let modulus = keys[0].jwk["n"].as_str().expect("n").to_string();
        for secret in [modulus.as_bytes().to_vec(), URL_SAFE_NO_PAD.decode(&modulus).expect("n")] {
            let hs = SigningKey { alg: Algorithm::HS256, key: EncodingKey::from_secret(&secret), ..keys[0].clone() };
            refused(&app, &sign(&hs, &c), "HS256 with the public key as secret").await;
        }
        // The kid of the EC key on an RS256 token.
        let wrong_kid = SigningKey { kid: "key-ec".into(), ..keys[0].clone() };
        refused(&app, &sign(&wrong_kid, &c), "RS256 token naming an EC key").await;
        // Unsigned.
        let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "kid": "key-a" }).to_string());
        let payload = URL_SAFE_NO_PAD.encode(c.to_string());
        refused(&app, &format!("{header}.{payload}."), "alg none").await;
        // No kid while the set holds two keys: which key would it be?
        let mut header = Header::new(Algorithm::RS256);
        header.kid = None;
        let no_kid = encode(&header, &c, &keys[0].key).expect("sign");
        refused(&app, &no_kid, "no kid among two keys").await;
        // No HS256 secret is configured beside the provider: our own tokens are refused.
        refused(&app, &token("mallory", "mallory@example.org", None), "HS256 without a secret").await;
        let (status, body) = bearer(&app, "x.y.z", VIEWER).await;
        assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED, "{body}");
    }
);

with_idp!(
    a_new_kid_is_fetched_and_accepted_and_rotation_needs_no_restart,
    keys = vec![rsa_a()],
    settings = no_refresh_limit,
    |app: TestApp, idp: Idp, keys: Vec<SigningKey>| async move {
        let (a, b) = (keys[0].clone(), rsa_b());
        let old = sign(&a, &claims("alice", "alice@example.org"));
        accepted(&app, &old, "key A at start").await;
        let fetched = idp.jwks_hits.load(SeqCst);
        accepted(&app, &old, "key A again").await;
        assert_eq!(idp.jwks_hits.load(SeqCst), fetched, "a known kid is served from the cache");

        // The provider rotates: B signs, A is still published for tokens in flight.
        idp.publish(&[&b, &a]);
        accepted(&app, &sign(&b, &claims("bob", "bob@example.org")), "key B after rotation").await;
        assert_eq!(idp.jwks_hits.load(SeqCst), fetched + 1, "one fetch for the unknown kid");
        accepted(&app, &old, "key A while still published").await;

        // The provider withdraws A; the next fetch (here caused by an unknown kid) drops it.
        idp.publish(&[&b]);
        refused(&app, &sign(&ed_key("never-published"), &claims("eve", "eve@example.org")), "unknown key").await;
        refused(&app, &old, "key A after it was withdrawn").await;
        accepted(&app, &sign(&b, &claims("bob", "bob@example.org")), "key B").await;
    }
);

with_idp!(
    random_kids_cannot_make_orgraph_hammer_the_provider,
    keys = vec![rsa_a()],
    settings = |idp: &Idp| idp.settings(Duration::from_secs(3600)),
    |app: TestApp, idp: Idp, _keys: Vec<SigningKey>| async move {
        let before = idp.jwks_hits.load(SeqCst);
        let tokens: Vec<String> =
            (0..30).map(|i| sign(&ed_key(&format!("random-{i}")), &claims("mallory", "mallory@example.org"))).collect();
        join_all(tokens.iter().map(|t| refused(&app, t, "random kid"))).await;
        assert_eq!(idp.jwks_hits.load(SeqCst), before, "fetched at startup less than the minimum interval ago: no fetch");
        let (status, metrics) = get(&app, "/metrics").await;
        assert_eq!(status, 200);
        assert!(metrics.contains("\norgraph_jwks_unknown_kids_total 30\n"), "{metrics}");
    }
);

with_idp!(
    the_key_set_is_fetched_again_when_its_max_age_runs_out,
    keys = vec![rsa_a()],
    settings = |idp: &Idp| {
        idp.set_cache_control("public, max-age=1");
        idp.settings(Duration::from_secs(1))
    },
    |app: TestApp, idp: Idp, keys: Vec<SigningKey>| async move {
        let a = keys[0].clone();
        let token_a = sign(&a, &claims("alice", "alice@example.org"));
        accepted(&app, &token_a, "key A").await;
        // Withdrawn without any token asking: the periodic fetch drops it.
        idp.publish(&[&rsa_b()]);
        let seen = idp.jwks_hits.load(SeqCst);
        eventually("two more fetches of the key set", async || idp.jwks_hits.load(SeqCst) >= seen + 2).await;
        refused(&app, &token_a, "key A after the provider withdrew it").await;
        accepted(&app, &sign(&rsa_b(), &claims("bob", "bob@example.org")), "key B").await;
    }
);

with_idp!(
    an_unreachable_provider_keeps_cached_keys_and_refuses_unknown_kids_with_401,
    keys = vec![rsa_a()],
    settings = no_refresh_limit,
    |app: TestApp, idp: Idp, keys: Vec<SigningKey>| async move {
        idp.down.store(true, SeqCst);
        accepted(&app, &sign(&keys[0], &claims("alice", "alice@example.org")), "a cached key").await;
        refused(&app, &sign(&rsa_b(), &claims("bob", "bob@example.org")), "an unknown kid while the provider is down").await;
        assert!(idp.jwks_hits.load(SeqCst) >= 2, "the unknown kid was looked up");
        idp.down.store(false, SeqCst);
        idp.publish(&[&keys[0], &rsa_b()]);
        accepted(&app, &sign(&rsa_b(), &claims("bob", "bob@example.org")), "once the provider is back").await;
    }
);

with_idp!(
    orgraph_starts_while_the_provider_is_down_and_is_ready_once_keys_load,
    keys = vec![rsa_a()],
    settings = |idp: &Idp| {
        idp.down.store(true, SeqCst);
        idp.settings(Duration::from_secs(1))
    },
    |app: TestApp, idp: Idp, keys: Vec<SigningKey>| async move {
        let (status, body) = get(&app, "/readyz").await;
        assert_eq!(status, 503, "{body}");
        let body: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(body["failed"], json!(["identityProvider"]), "{body}");
        let token = sign(&keys[0], &claims("alice", "alice@example.org"));
        refused(&app, &token, "no keys yet").await;
        idp.down.store(false, SeqCst);
        eventually("ready once the keys are loaded", async || get(&app, "/readyz").await.0 == 200).await;
        accepted(&app, &token, "after the background retry loaded the keys").await;
    }
);

/// GET `path` on the app: (status, body).
pub async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let res = app.http.get(format!("{}{path}", app.addr)).send().await.expect("request");
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}
