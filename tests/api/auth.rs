//! Authentication at the HTTP edge (RULES.md §2): which tokens are accepted, that a
//! present but invalid token is HTTP 401 `UNAUTHENTICATED`, just-in-time provisioning
//! (also under concurrent first requests), claim refresh and e-mail normalization.

use crate::both;
use crate::helpers::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::join_all;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use orgraph::config::{Secret, Settings};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const RSA_PRIVATE: &str = include_str!("../fixtures/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("../fixtures/rsa_public.pem");
const RSA_OTHER_PRIVATE: &str = include_str!("../fixtures/rsa_other_private.pem");
const EC_PRIVATE: &str = include_str!("../fixtures/ec_private.pem");
const EC_PUBLIC: &str = include_str!("../fixtures/ec_public.pem");
const ISSUER: &str = "https://idp.example.org/";
const AUDIENCE: &str = "orgraph-tests";
const VIEWER: &str = "{ viewer { id name email } }";

fn now() -> u64 {
    get_current_timestamp()
}

/// Valid claims of the identity provider (HS256 tokens ignore `iss`/`aud`).
fn claims(sub: &str, email: &str) -> Value {
    json!({ "sub": sub, "email": email, "exp": now() + 3600, "iat": now(), "iss": ISSUER, "aud": AUDIENCE, "email_verified": true })
}

fn sign(alg: Algorithm, key: &EncodingKey, claims: &Value) -> String {
    encode(&Header::new(alg), claims, key).expect("sign")
}

fn hs256(claims: &Value) -> String {
    sign(Algorithm::HS256, &EncodingKey::from_secret(SECRET.as_bytes()), claims)
}

fn rs256(claims: &Value) -> String {
    sign(Algorithm::RS256, &EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).expect("rsa key"), claims)
}

fn es256(claims: &Value) -> String {
    sign(Algorithm::ES256, &EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).expect("ec key"), claims)
}

/// POSTs `query` with the given raw `Authorization` header (none when `None`).
async fn post_with(app: &TestApp, authorization: Option<&str>, query: &str) -> (StatusCode, Value) {
    let mut req = app.http.post(format!("{}/graphql", app.addr)).json(&json!({ "query": query }));
    if let Some(value) = authorization {
        req = req.header("Authorization", value);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn bearer(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    post_with(app, Some(&format!("Bearer {token}")), query).await
}

/// The token is refused: HTTP 401 with a GraphQL error body coded `UNAUTHENTICATED`.
async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let (status, body) = bearer(app, token, VIEWER).await;
    assert_unauthorized(status, &body, what);
}

fn assert_unauthorized(status: StatusCode, body: &Value, what: &str) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{what}: {body}");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
    assert!(body.get("data").is_none_or(Value::is_null), "{what}: no data with a refused token: {body}");
}

/// The token is accepted: HTTP 200 and `viewer` answers.
async fn assert_accepted(app: &TestApp, token: &str, what: &str) -> Value {
    let (status, body) = bearer(app, token, VIEWER).await;
    assert_eq!(status, StatusCode::OK, "{what}: {body}");
    assert!(body.get("errors").is_none(), "{what}: {body}");
    assert!(body["data"]["viewer"]["id"].is_string(), "{what}: {body}");
    body["data"]["viewer"].clone()
}

async fn users_with_sub(app: &TestApp, sub: &str) -> Vec<entity::user::Model> {
    let db = app.database().await;
    let users = entity::user::Entity::find().filter(entity::user::Column::Sub.eq(sub)).all(&db).await.expect("users");
    db.close().await.ok();
    users
}

fn identity_provider(public_key: &'static str, keep_secret: bool) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        if !keep_secret {
            s.jwt_secret = None;
        }
        s.jwt_public_key = Some(public_key.into());
        s.jwt_issuer = Some(ISSUER.into());
        s.jwt_audience = Some(AUDIENCE.into());
    }
}

both!(no_token_is_http_200_with_unauthenticated_fields_but_introspection_works, |app: TestApp| async move {
    let (status, body) = post_with(&app, None, "{ viewer { id } }").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
    for q in [
        "{ node(id: \"x\") { id } }",
        "{ organization(slug: \"x\") { id } }",
        "mutation { createOrganization(input: { slug: \"x\" }) { organization { id } } }",
    ] {
        let (status, body) = post_with(&app, None, q).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{q}: {body}");
    }
    let (status, body) = post_with(&app, None, "{ __schema { queryType { name } } }").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    let (_, body) = post_with(&app, None, "{ __type(name: \"User\") { name } }").await;
    assert_eq!(body["data"]["__type"]["name"], "User", "{body}");
});

both!(a_token_with_a_bad_signature_is_401, |app: TestApp| async move {
    let forged = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(b"another-secret-another-secret-0123456789"),
        &claims("mallory", "m@example.org"),
    );
    assert_refused(&app, &forged, "signed with another secret").await;
    // A valid token whose payload was swapped keeps a signature that no longer matches.
    let good = hs256(&claims("alice", "alice@example.org"));
    let other = hs256(&claims("admin", "admin@example.org"));
    let parts: Vec<&str> = good.split('.').collect();
    let swapped = format!("{}.{}.{}", parts[0], other.split('.').nth(1).expect("payload"), parts[2]);
    assert_refused(&app, &swapped, "payload swapped").await;
    assert!(users_with_sub(&app, "admin").await.is_empty(), "a refused token provisions nobody");
});

both!(unsigned_and_unsupported_algorithms_are_401, |app: TestApp| async move {
    let b64 = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let payload = b64(claims("mallory", "m@example.org"));
    for alg in ["none", "None", "NONE"] {
        let header = b64(json!({ "alg": alg, "typ": "JWT" }));
        assert_refused(&app, &format!("{header}.{payload}."), alg).await;
        assert_refused(&app, &format!("{header}.{payload}"), alg).await;
    }
    // HS512 with the right secret: only HS256, RS256 and ES256 are accepted.
    let hs512 = sign(Algorithm::HS512, &EncodingKey::from_secret(SECRET.as_bytes()), &claims("mallory", "m@example.org"));
    assert_refused(&app, &hs512, "HS512").await;
    // RS256 when no public key is configured.
    assert_refused(&app, &rs256(&claims("mallory", "m@example.org")), "RS256 without a public key").await;
    assert!(users_with_sub(&app, "mallory").await.is_empty());
});

both!(expiry_is_checked_with_a_30_second_leeway, |app: TestApp| async move {
    let mut c = claims("alice", "alice@example.org");
    c["exp"] = json!(now() - 10);
    assert_accepted(&app, &hs256(&c), "expired 10 s ago (inside the leeway)").await;
    c["exp"] = json!(now() - 60);
    assert_refused(&app, &hs256(&c), "expired 60 s ago").await;
    c["exp"] = json!(now() - 86_400);
    assert_refused(&app, &hs256(&c), "expired a day ago").await;
    // Not valid before: checked with the same leeway.
    let mut c = claims("bob", "bob@example.org");
    c["nbf"] = json!(now() + 3600);
    assert_refused(&app, &hs256(&c), "not valid for another hour").await;
    c["nbf"] = json!(now() + 10);
    assert_accepted(&app, &hs256(&c), "valid in 10 s (inside the leeway)").await;
});

both!(tokens_missing_a_required_claim_are_401, |app: TestApp| async move {
    for missing in ["sub", "email", "exp"] {
        let mut c = claims("alice", "alice@example.org");
        c.as_object_mut().expect("object").remove(missing);
        assert_refused(&app, &hs256(&c), &format!("without {missing}")).await;
    }
    let mut c = claims("", "alice@example.org");
    assert_refused(&app, &hs256(&c), "empty sub").await;
    c["sub"] = json!("alice");
    c["email"] = json!("not-an-email");
    assert_refused(&app, &hs256(&c), "email that is not an address").await;
    c["email"] = json!(null);
    assert_refused(&app, &hs256(&c), "null email").await;
    c["email"] = json!("alice@example.org");
    c["exp"] = json!("tomorrow");
    assert_refused(&app, &hs256(&c), "exp that is not a number").await;
    assert!(users_with_sub(&app, "alice").await.is_empty());
});

both!(malformed_authorization_headers_are_401, |app: TestApp| async move {
    let good = hs256(&claims("alice", "alice@example.org"));
    for header in ["Basic x", "Bearer", "Bearer   ", "Bearer not-a-jwt", "Bearer a.b.c", "Token abc", good.as_str()] {
        let (status, body) = post_with(&app, Some(header), VIEWER).await;
        assert_unauthorized(status, &body, header);
    }
    // The scheme is case-insensitive.
    let (status, body) = post_with(&app, Some(&format!("bearer {good}")), VIEWER).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["data"]["viewer"]["id"].is_string(), "{body}");
});

both!(an_invalid_token_is_401_whatever_the_request, |app: TestApp| async move {
    // Authentication is the first check (RULES.md §3): a refused token answers 401 before
    // the body, the document, its limits or the method are looked at.
    let url = format!("{}/graphql", app.addr);
    let bad = "Bearer a.b.c";
    let posts = [
        ("unparsable document", json!({ "query": "{" })),
        ("subscription over HTTP", json!({ "query": "subscription { invitationReceived { id } }" })),
        ("over the depth limit", json!({ "query": format!("{}{}", "{ viewer ".repeat(200), "}".repeat(200)) })),
        (
            "unknown persisted query",
            json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "0".repeat(64) } } }),
        ),
        ("batch", json!([{ "query": VIEWER }])),
    ];
    for (what, body) in posts {
        let res = app.http.post(&url).header("Authorization", bad).json(&body).send().await.expect("post");
        let status = res.status();
        assert_unauthorized(status, &res.json().await.unwrap_or(Value::Null), what);
    }
    let res = app.http.post(&url).header("Authorization", bad).body("not json").send().await.expect("post");
    let status = res.status();
    assert_unauthorized(status, &res.json().await.unwrap_or(Value::Null), "not JSON");
    for query in ["mutation%7BcreateOrganization%7Bid%7D%7D", "%7B"] {
        let res = app.http.get(format!("{url}?query={query}")).header("Authorization", bad).send().await.expect("get");
        let status = res.status();
        assert_unauthorized(status, &res.json().await.unwrap_or(Value::Null), query);
    }
    // Without a token the same requests keep their own answers.
    let (status, body) = post_with(&app, None, "{").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED", "{body}");
});

both!(
    rs256_tokens_of_the_identity_provider_are_checked_for_issuer_and_audience,
    settings = identity_provider(RSA_PUBLIC, false),
    |app: TestApp| async move {
        let viewer = assert_accepted(&app, &rs256(&claims("idp|1", "ida@example.org")), "right issuer and audience").await;
        assert_eq!(viewer["email"], "ida@example.org");

        let mut c = claims("idp|2", "x@example.org");
        c["iss"] = json!("https://evil.example.org/");
        assert_refused(&app, &rs256(&c), "wrong issuer").await;
        let mut c = claims("idp|2", "x@example.org");
        c["aud"] = json!("another-app");
        assert_refused(&app, &rs256(&c), "wrong audience").await;
        let mut c = claims("idp|2", "x@example.org");
        c.as_object_mut().expect("object").remove("iss");
        assert_refused(&app, &rs256(&c), "no issuer").await;
        let mut c = claims("idp|2", "x@example.org");
        c.as_object_mut().expect("object").remove("aud");
        assert_refused(&app, &rs256(&c), "no audience").await;
        let mut c = claims("idp|2", "x@example.org");
        c["exp"] = json!(now() - 120);
        assert_refused(&app, &rs256(&c), "expired").await;

        let other = sign(
            Algorithm::RS256,
            &EncodingKey::from_rsa_pem(RSA_OTHER_PRIVATE.as_bytes()).expect("key"),
            &claims("idp|2", "x@example.org"),
        );
        assert_refused(&app, &other, "RS256 signed by another key").await;
        assert_refused(&app, &es256(&claims("idp|2", "x@example.org")), "ES256 when the key is RSA").await;
        // Only a public key is configured: HS256 is off, whatever the secret.
        assert_refused(&app, &hs256(&claims("idp|2", "x@example.org")), "HS256 without ORGRAPH_JWT_SECRET").await;
        assert!(users_with_sub(&app, "idp|2").await.is_empty());
    }
);

both!(
    es256_tokens_of_the_identity_provider_are_accepted,
    settings = identity_provider(EC_PUBLIC, false),
    |app: TestApp| async move {
        let viewer = assert_accepted(&app, &es256(&claims("idp|ec", "ec@example.org")), "ES256").await;
        assert_eq!(viewer["email"], "ec@example.org");
        let mut c = claims("idp|ec2", "ec2@example.org");
        c["iss"] = json!("https://evil.example.org/");
        assert_refused(&app, &es256(&c), "wrong issuer").await;
        let mut c = claims("idp|ec2", "ec2@example.org");
        c["aud"] = json!(["someone-else"]);
        assert_refused(&app, &es256(&c), "wrong audience").await;
        assert_refused(&app, &rs256(&claims("idp|ec2", "ec2@example.org")), "RS256 when the key is EC").await;
        assert_refused(&app, &hs256(&claims("idp|ec2", "ec2@example.org")), "HS256 without a secret").await;
    }
);

both!(
    hs256_is_accepted_beside_a_public_key_when_a_secret_is_also_configured,
    settings = identity_provider(RSA_PUBLIC, true),
    |app: TestApp| async move {
        // Our own tokens carry no issuer or audience.
        assert_accepted(&app, &token("local", "local@example.org", Some("Local")), "HS256").await;
        assert_accepted(&app, &rs256(&claims("idp|1", "ida@example.org")), "RS256").await;
        let mut c = claims("idp|2", "x@example.org");
        c["aud"] = json!("another-app");
        assert_refused(&app, &rs256(&c), "RS256 with a wrong audience").await;
    }
);

both!(
    an_unverified_email_from_the_identity_provider_is_accepted_and_recorded,
    settings = identity_provider(RSA_PUBLIC, false),
    |app: TestApp| async move {
        let mut c = claims("idp|u", "unverified@example.org");
        c["email_verified"] = json!(false);
        let viewer = assert_accepted(&app, &rs256(&c), "email_verified false").await;
        assert_eq!(viewer["email"], "unverified@example.org");
        let users = users_with_sub(&app, "idp|u").await;
        assert_eq!(users.len(), 1);
        assert!(!users[0].email_verified, "recorded as unverified");
        // The user is fully provisioned.
        let (_, body) =
            bearer(&app, &rs256(&c), "{ viewer { organizations(first: 5) { totalCount nodes { personal } } } }").await;
        assert_eq!(body["data"]["viewer"]["organizations"]["totalCount"], 1, "{body}");
        assert_eq!(body["data"]["viewer"]["organizations"]["nodes"][0]["personal"], true, "{body}");

        // Without the claim an IdP e-mail is not verified either; a later verified token records it.
        let mut c = claims("idp|n", "nothing@example.org");
        c.as_object_mut().expect("object").remove("email_verified");
        assert_accepted(&app, &rs256(&c), "no email_verified").await;
        assert!(!users_with_sub(&app, "idp|n").await[0].email_verified);
        c["email_verified"] = json!(true);
        assert_accepted(&app, &rs256(&c), "email_verified true").await;
        assert!(users_with_sub(&app, "idp|n").await[0].email_verified);
    }
);

both!(later_tokens_update_name_and_email, |app: TestApp| async move {
    let first = assert_accepted(&app, &token("u1", "old@example.org", Some("Old Name")), "first").await;
    assert_eq!(first["name"], "Old Name");
    assert_eq!(first["email"], "old@example.org");
    let second = assert_accepted(&app, &token("u1", "New@Example.org", Some("New Name")), "second").await;
    assert_eq!(second["id"], first["id"], "same user");
    assert_eq!(second["name"], "New Name");
    assert_eq!(second["email"], "new@example.org");
    // A token without `name` keeps the known name.
    let third = assert_accepted(&app, &token("u1", "new@example.org", None), "third").await;
    assert_eq!(third["name"], "New Name");
    assert_eq!(users_with_sub(&app, "u1").await.len(), 1);
});

both!(emails_are_normalized_on_write, |app: TestApp| async move {
    let viewer = assert_accepted(&app, &token("alice", "  Alice@Example.COM ", None), "padded, mixed case").await;
    assert_eq!(viewer["email"], "alice@example.com");
    // NFKC: full-width letters fold to ASCII.
    let viewer = assert_accepted(&app, &token("bob", "\u{FF22}ob@\u{FF25}xample.com", None), "full width").await;
    assert_eq!(viewer["email"], "bob@example.com");
    assert_eq!(users_with_sub(&app, "alice").await[0].email, "alice@example.com");
});

both!(a_token_whose_email_belongs_to_another_account_is_401, |app: TestApp| async move {
    assert_accepted(&app, &token("alice", "alice@example.com", None), "alice").await;
    assert_accepted(&app, &token("bob", "bob@example.com", None), "bob").await;
    // A new sub with a taken (differently spelled) e-mail.
    assert_refused(&app, &token("eve", "ALICE@example.com", None), "new sub, taken e-mail").await;
    assert!(users_with_sub(&app, "eve").await.is_empty());
    // A known sub whose e-mail changed to a taken one.
    assert_refused(&app, &token("bob", "alice@example.com", None), "known sub, taken e-mail").await;
    let viewer = assert_accepted(&app, &token("bob", "bob@example.com", None), "bob again").await;
    assert_eq!(viewer["email"], "bob@example.com");
});

both!(control_characters_in_claims_are_refused_or_cleaned, |app: TestApp| async move {
    // NUL cannot be stored by PostgreSQL: it must never reach the database.
    assert_refused(&app, &token("nul\u{0}sub", "nul@example.org", None), "NUL in sub").await;
    assert_refused(&app, &token("tab\tsub", "tab@example.org", None), "tab in sub").await;
    assert_refused(&app, &token("nul", "n\u{0}ul@example.org", None), "NUL in email").await;
    let viewer = assert_accepted(&app, &token("nul", "nul@example.org", Some("Nu\u{0}l\n")), "NUL in name").await;
    assert_eq!(viewer["name"], "Nu l");
    let viewer = assert_accepted(&app, &token("blank", "blank@example.org", Some(" \u{7} ")), "only control characters").await;
    assert!(viewer["name"].is_null(), "{viewer}");
});

both!(twenty_concurrent_first_requests_create_one_user_with_one_personal_organization, |app: TestApp| async move {
    let t = token("racer", "racer@example.org", Some("Racer"));
    let requests = (0..20).map(|_| {
        let (http, addr, t) = (app.http.clone(), app.addr.clone(), t.clone());
        tokio::spawn(async move {
            let res = http
                .post(format!("{addr}/graphql"))
                .bearer_auth(t)
                .json(&json!({ "query": "{ viewer { id } }" }))
                .send()
                .await
                .expect("request");
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        })
    });
    let results: Vec<(StatusCode, Value)> = join_all(requests).await.into_iter().map(|r| r.expect("task")).collect();
    let mut ids = Vec::new();
    for (status, body) in &results {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        ids.push(body["data"]["viewer"]["id"].as_str().expect("id").to_string());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1, "every request sees the same user: {ids:?}");
    let (_, body) =
        bearer(&app, &t, "{ viewer { organizations(first: 5) { totalCount } teams(first: 5) { totalCount } } }").await;
    assert_eq!(body["data"]["viewer"]["organizations"]["totalCount"], 1, "{body}");
    assert_eq!(body["data"]["viewer"]["teams"]["totalCount"], 1, "{body}");
    assert_eq!(users_with_sub(&app, "racer").await.len(), 1);
    let db = app.database().await;
    let orgs = entity::organization::Entity::find()
        .filter(entity::organization::Column::Personal.eq(true))
        .count(&db)
        .await
        .expect("count");
    assert_eq!(orgs, 1, "exactly one personal organization");
    db.close().await.ok();
});

#[test]
fn minted_tokens_are_hs256_with_the_required_claims() {
    let t = orgraph::http::auth::mint_hs256(
        &Secret::new(SECRET.as_bytes().to_vec()),
        "s",
        "e@x.org",
        None,
        std::time::Duration::from_secs(60),
    )
    .expect("mint");
    let header = jsonwebtoken::decode_header(&t).expect("header");
    assert_eq!(header.alg, Algorithm::HS256);
    let payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(t.split('.').nth(1).expect("payload")).expect("b64")).expect("json");
    assert_eq!(payload["sub"], "s");
    assert_eq!(payload["email"], "e@x.org");
    assert!(payload["exp"].as_u64().expect("exp") > now());
}
