//! A socket outlives the moment it signed in: each of its operations and each event of its
//! subscriptions runs with the credential, the user's row and the grants as they stand
//! then (RULES.md §9.2, §9.6, §9.7), as the next HTTP request would.

use crate::api_tokens::{REVOKE_TOKEN, create};
use crate::both;
use crate::fixtures::{DefaultOrg, add_member, create_org};
use crate::helpers::*;
use crate::labeling_jobs::{ASSIGN, create_job, dataset};
use crate::ops::{CHANGE_ROLE, INVITE};
use crate::subscriptions::{Event, Ws, connect};
use serde_json::{Value, json};
use std::time::Duration;

/// The next message about operation `id` (others are skipped), or the close code.
async fn about(ws: &mut Ws, id: &str) -> Result<Value, u16> {
    loop {
        match ws.recv(Duration::from_secs(10)).await {
            Event::Json(v) if v["id"] == id => return Ok(v),
            Event::Json(_) => continue,
            Event::Closed(code) => return Err(code),
            Event::Silent => panic!("nothing about operation {id} within 10 s"),
        }
    }
}

async fn signed_in(app: &TestApp, token: &str) -> Ws {
    let mut ws = connect(app, "graphql-transport-ws").await.expect("upgrade");
    ws.init(token).await;
    ws
}

both!(a_token_revoked_while_its_socket_is_open_runs_nothing_more_there, |app: TestApp| async move {
    let alice = app.user("alice").await;
    create_org(&alice, "acme").await;
    let pat = create(&alice, "socket", 3600, None).await;
    let mut ws = signed_in(&app, &pat.secret).await;
    let viewer = |id: &str| json!({ "id": id, "type": "subscribe", "payload": { "query": "{ viewer { id } }" } });
    ws.send(viewer("1")).await;
    let answer = about(&mut ws, "1").await.expect("an answer");
    assert_eq!(answer["payload"]["data"]["viewer"]["id"], alice.id.as_str(), "{answer}");

    alice.ok(REVOKE_TOKEN, json!({ "t": pat.id })).await;
    ws.send(viewer("2")).await;
    let refused = about(&mut ws, "2").await.expect("a refusal");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "UNAUTHENTICATED", "{refused}");
    assert_eq!(about(&mut ws, "3").await, Err(4403), "the socket closes");
});

both!(a_subscription_ends_when_its_token_is_revoked, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let org = create_org(&bob, "bobs").await;
    let pat = create(&alice, "socket", 3600, None).await;
    let mut ws = signed_in(&app, &pat.secret).await;
    ws.subscribe("1").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    bob.ok(INVITE, json!({ "s": org.id, "e": "alice@example.com", "r": "worker" })).await;
    let first = about(&mut ws, "1").await.expect("the first invitation");
    assert_eq!(first["type"], "next", "{first}");

    alice.ok(REVOKE_TOKEN, json!({ "t": pat.id })).await;
    bob.ok(INVITE, json!({ "s": org.team, "e": "alice@example.com", "r": "viewer" })).await;
    let after = about(&mut ws, "1").await.expect("the end of the subscription");
    assert_eq!(after["type"], "error", "nothing more is delivered to a revoked token: {after}");
    assert_eq!(after["payload"][0]["extensions"]["code"], "UNAUTHENTICATED", "{after}");
    assert_eq!(about(&mut ws, "1").await, Err(4403), "the socket closes");
});

const ASSIGNED: &str = "subscription { labelingJobAssigned { id project { name } } }";
const JOB: &str = "query($j: ID!) { node(id: $j) { ... on LabelingJob { id project { name } } } }";

both!(a_subscriptions_events_resolve_with_the_grants_of_their_delivery, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let lead = app.user("lead").await;
    let org_membership = add_member(&t.owner, &t.org, &lead, "maintainer").await;
    add_member(&t.owner, &t.team, &lead, "annotator").await;
    let d = dataset(&t.owner, &t.project, None, "D").await;
    let (one, two) =
        (create_job(&t.manager, &t.project, "one", &[&d]).await, create_job(&t.manager, &t.project, "two", &[&d]).await);
    let mut ws = signed_in(&app, &token("lead", "lead@example.com", Some("lead"))).await;
    ws.send(json!({ "id": "1", "type": "subscribe", "payload": { "query": ASSIGNED } })).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    t.manager.ok(ASSIGN, json!({ "j": one, "u": lead.id })).await;
    let first = about(&mut ws, "1").await.expect("the first assignment");
    let first = &first["payload"]["data"]["labelingJobAssigned"];
    assert_eq!(*first, lead.ok(JOB, json!({ "j": one })).await["node"], "as a maintainer");

    t.owner.ok(CHANGE_ROLE, json!({ "m": org_membership, "r": "worker" })).await;
    t.manager.ok(ASSIGN, json!({ "j": two, "u": lead.id })).await;
    let second = about(&mut ws, "1").await.expect("the second assignment");
    let second = &second["payload"]["data"]["labelingJobAssigned"];
    assert_eq!(*second, lead.ok(JOB, json!({ "j": two })).await["node"], "as a worker, as HTTP answers now");
    assert_ne!(first["project"], second["project"], "the demotion shows in the very next event");
});

both!(a_subscription_selects_exactly_one_root_field, |app: TestApp| async move {
    app.user("alice").await;
    let mut ws = signed_in(&app, &token("alice", "alice@example.com", None)).await;
    // Each alias would be a subscription of its own, past the cap per socket.
    for (id, query) in [
        ("1", "subscription { a: invitationReceived { id } b: invitationReceived { id } }"),
        ("2", "subscription { ...F } fragment F on Subscription { a: invitationReceived { id } labelingJobAssigned { id } }"),
        ("3", "subscription { ...F } fragment F on Subscription { invitationReceived { id } }"),
    ] {
        ws.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query } })).await;
        let refused = about(&mut ws, id).await.expect("a refusal");
        assert_eq!(refused["type"], "error", "{refused}");
        assert_eq!(refused["payload"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{refused}");
    }
    // One root field, written directly, is admitted (async-graphql skips fragments at a
    // subscription's root: the subscription would end at once).
    let one = "subscription { mine: invitationReceived { id } }";
    ws.send(json!({ "id": "4", "type": "subscribe", "payload": { "query": one } })).await;
    assert_eq!(ws.recv(Duration::from_millis(500)).await, Event::Silent, "subscribed, nothing yet");
});
