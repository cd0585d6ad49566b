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
