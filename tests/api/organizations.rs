//! Organizations: creation, personal organization on signup, CVAT rules for update,
//! delete and ownership transfer.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::json;

both!(first_token_provisions_personal_org_team_and_first_workspace, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let d = alice
        .ok(
            "{ viewer { name email organizations(first: 2) { totalCount nodes { slug personal viewerRole { key } owner { id }
               teams(first: 2) { nodes { name viewerRole { key } workspaces(first: 2) { totalCount nodes { name } } } } } } } }",
            json!({}),
        )
        .await;
    let org = &d["viewer"]["organizations"]["nodes"][0];
    assert_eq!(d["viewer"]["organizations"]["totalCount"], 1);
    assert_eq!(org["slug"], "alice");
    assert_eq!(org["personal"], true);
    assert_eq!(org["viewerRole"]["key"], "owner");
    assert_eq!(org["owner"]["id"], alice.id.as_str());
    let team = &org["teams"]["nodes"][0];
    assert_eq!(team["name"], "alice");
    assert_eq!(team["viewerRole"]["key"], "admin");
    assert_eq!(team["workspaces"]["totalCount"], 1);
    assert_eq!(team["workspaces"]["nodes"][0]["name"], "First Workspace");
});

both!(personal_slug_gets_a_suffix_when_taken, |app: TestApp| async move {
    let first = app.anonymous();
    let mut a = first.clone();
    a.token = Some(token("s1", "Jo.Doe@example.com", None));
    let mut b = first.clone();
    b.token = Some(token("s2", "jo.doe@other.org", None));
    let slug = |d: serde_json::Value| d["viewer"]["organizations"]["nodes"][0]["slug"].as_str().unwrap_or("").to_string();
    let q = "{ viewer { organizations { nodes { slug } } } }";
    assert_eq!(slug(a.ok(q, json!({})).await), "jo-doe");
    assert_eq!(slug(b.ok(q, json!({})).await), "jo-doe-2");
});

both!(a_personal_slug_stays_within_16_characters, |app: TestApp| async move {
    // Others took `johnsmith123` and `johnsmith123-2` to `-999` (each a valid slug): the
    // next is cut to keep 16 characters (RULES.md §4), not `johnsmith123-1000`.
    use sea_orm::{EntityTrait, IntoActiveModel};
    app.user("holder").await;
    let db = app.database().await;
    let owner = entity::user::Entity::find().one(&db).await.expect("users").expect("the holder").id;
    let slugs = std::iter::once("johnsmith123".to_string()).chain((2..=999).map(|n| format!("johnsmith123-{n}")));
    let rows = slugs.map(|slug| {
        entity::organization::Model {
            id: uuid::Uuid::now_v7(),
            name: slug.clone(),
            slug,
            description: None,
            contact_email: None,
            contact_phone: None,
            location: None,
            personal: false,
            role_preset: "DEFAULT".into(),
            owner_id: owner,
            created_at: chrono::Utc::now(),
        }
        .into_active_model()
    });
    let rows: Vec<_> = rows.collect();
    for chunk in rows.chunks(100) {
        entity::organization::Entity::insert_many(chunk.to_vec()).exec_without_returning(&db).await.expect("organizations");
    }
    let mut john = app.anonymous();
    john.token = Some(token("john", "JohnSmith1234@example.com", None));
    let d = john.ok("{ viewer { organizations { nodes { slug personal } } } }", json!({})).await;
    let slug = d["viewer"]["organizations"]["nodes"][0]["slug"].as_str().unwrap_or_default().to_string();
    assert_eq!(slug, "johnsmith12-1000", "{d}");
    let found = john.ok("query($s: String!) { organization(slug: $s) { slug } }", json!({ "s": slug })).await;
    assert_eq!(found["organization"]["slug"], slug.as_str());
});

both!(slug_rules_and_conflicts, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    for bad in ["", "has space", "seventeen-chars-x", "ünï"] {
        assert_eq!(alice.code(CREATE_ORGANIZATION, json!({ "s": bad })).await, "BAD_USER_INPUT", "{bad}");
    }
    let d = alice.ok(CREATE_ORGANIZATION, json!({ "s": "Acme" })).await;
    assert_eq!(d["createOrganization"]["organization"]["slug"], "acme");
    assert_eq!(d["createOrganization"]["organization"]["name"], "acme");
    assert_eq!(bob.code(CREATE_ORGANIZATION, json!({ "s": "ACME" })).await, "CONFLICT");
    let found = alice.ok("{ organization(slug: \"ACME\") { slug } }", json!({})).await;
    assert_eq!(found["organization"]["slug"], "acme");
    let hidden = bob.ok("{ organization(slug: \"acme\") { slug } }", json!({})).await;
    assert!(hidden["organization"].is_null());
});
