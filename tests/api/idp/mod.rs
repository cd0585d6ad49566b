//! Real identity providers (issue 13 item 2). The provider is a real HTTP server started
//! by each test (axum on a random port) serving a JSON Web Key Set of keys generated
//! here and a userinfo endpoint; orgraph fetches them over HTTP like from Auth0 or
//! Keycloak. The end-to-end run against the npm `oidc-provider` is in `tests/oidc/`.

mod claims;
mod jwks;

use crate::helpers::*;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use orgraph::config::Settings;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const ISSUER: &str = "https://idp.example.org/";
pub const AUDIENCE: &str = "https://api.orgraph.example";
pub const VIEWER: &str = "{ viewer { id name email } }";

/// A signing key of the provider and its public JWK.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub alg: Algorithm,
    pub key: EncodingKey,
    pub jwk: Value,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("PEM body")
}

/// RS256 with a fixture key (PKCS#8 PEM); the JWK carries its modulus and exponent.
pub fn rsa_key(kid: &str, pem: &str) -> SigningKey {
    let pair = RsaKeyPair::from_pkcs8(&pem_der(pem)).expect("RSA key");
    let public = pair.public_key();
    let n = b64(public.modulus().big_endian_without_leading_zero());
    let e = b64(public.exponent().big_endian_without_leading_zero());
    SigningKey {
        kid: kid.into(),
        alg: Algorithm::RS256,
        key: EncodingKey::from_rsa_pem(pem.as_bytes()).expect("RSA PEM"),
        jwk: json!({ "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e }),
    }
}

pub fn rsa_a() -> SigningKey {
    rsa_key("key-a", include_str!("../../fixtures/rsa_private.pem"))
}

pub fn rsa_b() -> SigningKey {
    rsa_key("key-b", include_str!("../../fixtures/rsa_other_private.pem"))
}

/// ES256 with the fixture P-256 key.
pub fn ec_key(kid: &str) -> SigningKey {
    let pem = include_str!("../../fixtures/ec_private.pem");
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pem_der(pem)).expect("EC key");
    let point = pair.public_key().as_ref().to_vec();
    SigningKey {
        kid: kid.into(),
        alg: Algorithm::ES256,
        key: EncodingKey::from_ec_pem(pem.as_bytes()).expect("EC PEM"),
        jwk: json!({ "kty": "EC", "crv": "P-256", "kid": kid, "x": b64(&point[1..33]), "y": b64(&point[33..65]) }),
    }
}

/// A fresh Ed25519 key (EdDSA); never published unless a test publishes it.
pub fn ed_key(kid: &str) -> SigningKey {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&aws_lc_rs::rand::SystemRandom::new()).expect("generate");
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("Ed25519 key");
    SigningKey {
        kid: kid.into(),
        alg: Algorithm::EdDSA,
        key: EncodingKey::from_ed_der(pkcs8.as_ref()),
        jwk: json!({ "kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64(pair.public_key().as_ref()) }),
    }
}

/// The provider's claims for a user, valid for an hour.
pub fn claims(sub: &str, email: &str) -> Value {
    let now = get_current_timestamp();
    json!({ "sub": sub, "email": email, "email_verified": true, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600 })
}

pub fn sign(key: &SigningKey, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    encode(&header, claims, &key.key).expect("sign")
}

/// The in-test identity provider: `/jwks` and `/userinfo`, both counting their calls.
#[derive(Clone, Default)]
pub struct Idp {
    pub base: String,
    keys: Arc<Mutex<Vec<Value>>>,
    cache_control: Arc<Mutex<Option<String>>>,
    profiles: Arc<Mutex<HashMap<String, Value>>>,
    pub jwks_hits: Arc<AtomicUsize>,
    pub userinfo_hits: Arc<AtomicUsize>,
    /// Answer 503 to everything (the provider is down).
    pub down: Arc<AtomicBool>,
}

impl Idp {
    pub async fn start(keys: &[&SigningKey]) -> Self {
        let idp = Idp::default();
        idp.publish(keys);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let app = axum::Router::new()
            .route("/jwks", axum::routing::get(serve_jwks))
            .route("/userinfo", axum::routing::get(serve_userinfo))
            .with_state(idp.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Idp { base, ..idp }
    }

    pub fn publish(&self, keys: &[&SigningKey]) {
        *self.keys.lock().expect("keys") = keys.iter().map(|k| k.jwk.clone()).collect();
    }

    pub fn set_cache_control(&self, value: &str) {
        *self.cache_control.lock().expect("cache control") = Some(value.into());
    }

    /// What `/userinfo` answers for tokens of `sub`.
    pub fn set_profile(&self, sub: &str, profile: Value) {
        self.profiles.lock().expect("profiles").insert(sub.into(), profile);
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/jwks", self.base)
    }

    /// orgraph configured for this provider only (no HS256 secret), fetching at most once
    /// per `min_refresh`.
    pub fn settings(&self, min_refresh: Duration) -> impl FnOnce(&mut Settings) + use<> {
        let url = self.jwks_url();
        move |s: &mut Settings| {
            s.jwt_secret = None;
            s.idp.jwks_url = Some(url);
            s.idp.jwks_min_refresh = min_refresh;
            s.jwt_issuer = Some(ISSUER.into());
            s.jwt_audience = Some(AUDIENCE.into());
        }
    }
}

async fn serve_jwks(State(idp): State<Idp>) -> Response {
    idp.jwks_hits.fetch_add(1, Ordering::SeqCst);
    if idp.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let body = json!({ "keys": *idp.keys.lock().expect("keys") }).to_string();
    let mut res = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(cc) = idp.cache_control.lock().expect("cache control").clone() {
        res.headers_mut().insert(header::CACHE_CONTROL, cc.parse().expect("header"));
    }
    res
}

/// Answers for the token's `sub` (read from its payload: the provider knows its tokens).
async fn serve_userinfo(State(idp): State<Idp>, headers: HeaderMap) -> Response {
    idp.userinfo_hits.fetch_add(1, Ordering::SeqCst);
    if idp.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let sub = token
        .and_then(|t| t.split('.').nth(1))
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|p| serde_json::from_slice::<Value>(&p).ok())
        .and_then(|c| c["sub"].as_str().map(str::to_string));
    match sub.and_then(|s| idp.profiles.lock().expect("profiles").get(&s).cloned()) {
        Some(profile) => axum::Json(profile).into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// Runs a test once per database against a fresh provider publishing `$keys`, with
/// orgraph configured by `$configure(&Idp)`.
#[macro_export]
macro_rules! with_idp {
    ($name:ident, keys = $keys:expr, settings = $configure:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run(db: $crate::helpers::Db) {
                let keys: Vec<$crate::idp::SigningKey> = $keys;
                let refs: Vec<&$crate::idp::SigningKey> = keys.iter().collect();
                let idp = $crate::idp::Idp::start(&refs).await;
                let app = $crate::helpers::spawn_app_with(db, ($configure)(&idp)).await;
                ($body)(app, idp, keys).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                run($crate::helpers::Db::Sqlite).await;
            }
            postgres_gate::gated! {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    $crate::helpers::require_postgres();
                    run($crate::helpers::Db::Postgres).await;
                }
            }
        }
    };
}

/// POSTs `query` with `Authorization: Bearer <token>`.
pub async fn bearer(app: &TestApp, token: &str, query: &str) -> (reqwest::StatusCode, Value) {
    let res = app
        .http
        .post(format!("{}/graphql", app.addr))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub async fn accepted(app: &TestApp, token: &str, what: &str) -> Value {
    let (status, body) = bearer(app, token, VIEWER).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{what}: {body}");
    assert!(body.get("errors").is_none(), "{what}: {body}");
    body["data"]["viewer"].clone()
}

pub async fn refused(app: &TestApp, token: &str, what: &str) {
    let (status, body) = bearer(app, token, VIEWER).await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED, "{what}: {body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{what}: {body}");
}

/// Waits (up to 15 s) until `cond` holds.
pub async fn eventually(what: &str, mut cond: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !cond().await {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The stored user of `sub` (to read `email_verified`, which the API shows nobody).
pub async fn stored_user(app: &TestApp, sub: &str) -> entity::user::Model {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = sea_orm::Database::connect(&app.database_url).await.expect("connect");
    let user = entity::user::Entity::find().filter(entity::user::Column::Sub.eq(sub)).one(&db).await.expect("query");
    db.close().await.ok();
    user.expect("user")
}
