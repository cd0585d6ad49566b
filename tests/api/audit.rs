//! The audit trail (issue 5 item 7): membership changes are recorded with actor, target,
//! before and after, and read newest first through `Organization.auditLog` by holders of
//! `member.manage`; everyone else gets an empty connection.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use base64::Engine;
use serde_json::{Value, json};

const LOG: &str = "query($o: ID!, $first: Int, $after: String, $action: String) { node(id: $o) { ... on Organization {
    auditLog(first: $first, after: $after, action: $action) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { id action actor { id name } targetKind targetId before after createdAt } } } } }";
/// The raw (hyphenated) UUID inside a global id, as audit states store it.
fn uuid_of(global: &str) -> String {
    let text = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(global).expect("base64")).expect("utf8");
    let (_, simple) = text.split_once(':').expect("kind:uuid");
    uuid::Uuid::parse_str(simple).expect("uuid").to_string()
}

/// One page of the organization's audit log as `c` sees it.
async fn log(c: &Client, org: &str, vars: Value) -> Value {
    let mut vars = vars;
    vars["o"] = json!(org);
    c.ok(LOG, vars).await["node"]["auditLog"].clone()
}

/// The whole log, newest first.
async fn entries(c: &Client, org: &str) -> Vec<Value> {
    log(c, org, json!({ "first": 20 })).await["nodes"].as_array().expect("nodes").clone()
}

async fn total(c: &Client, org: &str) -> i64 {
    log(c, org, json!({ "first": 1 })).await["totalCount"].as_i64().expect("totalCount")
}

fn state(user: &Client, kind: &str, scope: &str, role: &str) -> Value {
    json!({ "userId": uuid_of(&user.id), "scopeKind": kind, "scopeId": uuid_of(scope), "role": role })
}

/// Asserts one entry: action, actor, target and states.
fn check(e: &Value, action: &str, actor: &Client, target: (&str, &str), before: Value, after: Value) {
    assert_eq!(e["action"], action, "{e}");
    assert_eq!(e["actor"]["id"], actor.id.as_str(), "{e}");
    assert_eq!(e["actor"]["name"], actor.sub.as_str(), "{e}");
    assert_eq!((e["targetKind"].as_str(), e["targetId"].as_str()), (Some(target.0), Some(target.1)), "{e}");
    assert_eq!(e["before"], before, "{e}");
    assert_eq!(e["after"], after, "{e}");
    assert!(e["createdAt"].is_string(), "{e}");
}

both!(membership_changes_are_recorded_newest_first_with_actor_before_and_after, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let org = create_org(&owner, "acme").await;
    // Creating the organization and its team makes the owner's two memberships: recorded.
    let made = entries(&owner, &org.id).await;
    assert_eq!(made.len(), 2, "{made:#?}");
    for (e, kind) in made.iter().zip(["team", "organization"]) {
        assert_eq!(
            (e["action"].as_str(), e["actor"]["id"].as_str()),
            (Some("membership.created"), Some(owner.id.as_str())),
            "{e}"
        );
        assert_eq!(e["after"]["scopeKind"], kind, "{e}");
    }

    let alice_org = add_member(&owner, &org.id, &alice, "worker").await;
    owner.ok(CHANGE_ROLE, json!({ "m": alice_org, "r": "supervisor" })).await;
    let alice_team = add_member(&owner, &org.team, &alice, "developer").await;
    // Removing the organization membership takes the team membership along: one entry each.
    owner.ok(REMOVE_MEMBER, json!({ "m": alice_org })).await;
    // Bob, not yet a member, is invited to the team: accepting makes him an organization worker too.
    let d = owner.ok(INVITE, json!({ "s": org.team, "e": "bob@example.com", "r": "developer" })).await;
    let inv = d["inviteMember"]["invitation"]["id"].as_str().expect("invitation").to_string();
    let bob_team =
        bob.ok(ACCEPT, json!({ "i": inv })).await["acceptInvitation"]["membership"]["id"].as_str().expect("m").to_string();
    let bob_org = membership_id(&owner, &org.id, &bob).await;
    let owner_org = membership_id(&owner, &org.id, &owner).await;
    owner.ok(TRANSFER_OWNERSHIP, json!({ "o": org.id, "u": bob.id })).await;

    let log = entries(&bob, &org.id).await;
    assert_eq!(log.len(), 12, "{log:#?}");
    let o = |role| state(&owner, "organization", &org.id, role);
    let a = |role| state(&alice, "organization", &org.id, role);
    let b = |role| state(&bob, "organization", &org.id, role);
    let (owner_id, bob_id) = (uuid_of(&owner.id), uuid_of(&bob.id));
    let transferred = "organization.ownership_transferred";
    check(&log[0], transferred, &owner, ("Organization", &org.id), json!({ "ownerId": owner_id }), json!({ "ownerId": bob_id }));
    check(&log[1], "membership.role_changed", &owner, ("Membership", &bob_org), b("worker"), b("owner"));
    check(&log[2], "membership.role_changed", &owner, ("Membership", &owner_org), o("owner"), o("maintainer"));
    let bob_dev = state(&bob, "team", &org.team, "developer");
    check(&log[3], "membership.created", &bob, ("Membership", &bob_team), Value::Null, bob_dev);
    check(&log[4], "membership.created", &bob, ("Membership", &bob_org), Value::Null, b("worker"));
    let alice_dev = state(&alice, "team", &org.team, "developer");
    check(&log[5], "membership.removed", &owner, ("Membership", &alice_team), alice_dev.clone(), Value::Null);
    check(&log[6], "membership.removed", &owner, ("Membership", &alice_org), a("supervisor"), Value::Null);
    check(&log[7], "membership.created", &owner, ("Membership", &alice_team), Value::Null, alice_dev);
    check(&log[8], "membership.role_changed", &owner, ("Membership", &alice_org), a("worker"), a("supervisor"));
    check(&log[9], "membership.created", &owner, ("Membership", &alice_org), Value::Null, a("worker"));
    let ids: Vec<&str> = log.iter().map(|e| e["id"].as_str().expect("id")).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|x, y| y.cmp(x));
    assert_eq!(ids, sorted, "newest (highest id) first");

    // The entries outlive the memberships they describe.
    assert_eq!(owner.node(&alice_org).await, Value::Null);
    // The old owner is now a maintainer, who may manage members: they read the same log.
    assert_eq!(entries(&owner, &org.id).await, log);
    // Leaving is recorded too, with the leaver as actor — whom the owner no longer sees
    // (they share no organization any more, RULES.md §3.1): `actor` is null.
    let carol = app.user("carol").await;
    let carol_org = add_member(&bob, &org.id, &carol, "worker").await;
    carol.ok(LEAVE, json!({ "s": org.id })).await;
    let log = entries(&owner, &org.id).await;
    let c = state(&carol, "organization", &org.id, "worker");
    assert_eq!(log[0]["actor"], Value::Null, "{}", log[0]);
    let mut leave = log[0].clone();
    leave["actor"] = json!({ "id": carol.id, "name": carol.sub });
    check(&leave, "membership.removed", &carol, ("Membership", &carol_org), c.clone(), Value::Null);
    check(&log[1], "membership.created", &bob, ("Membership", &carol_org), Value::Null, c);
    assert_eq!(log.len(), 14);
});

both!(only_member_managers_read_the_log_and_denied_changes_record_nothing, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let worker = app.user("worker").await;
    let maint = app.user("maint").await;
    let dave = app.user("dave").await;
    let org = create_org(&owner, "acme").await;
    add_member(&owner, &org.id, &worker, "worker").await;
    add_member(&owner, &org.id, &maint, "maintainer").await;
    assert_eq!(total(&owner, &org.id).await, 4);

    // A worker sees the organization but not its audit trail: an empty connection, not null.
    let page = log(&worker, &org.id, json!({ "first": 10 })).await;
    assert_eq!(page["totalCount"], 0, "{page}");
    assert_eq!(page["nodes"], json!([]), "{page}");
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    assert_eq!(log(&maint, &org.id, json!({ "first": 10 })).await["totalCount"], 4, "a maintainer reads it");

    // A refused change writes no entry.
    let vars = json!({ "s": org.id, "u": dave.id, "r": "worker" });
    // Dave shares no organization with the worker: his id is NOT_FOUND to her (RULES.md §9.8).
    assert_eq!(worker.code(ADD_MEMBER, vars.clone()).await, "NOT_FOUND");
    let vars_team = json!({ "s": org.team, "u": dave.id, "r": "developer" });
    assert_eq!(owner.code(ADD_MEMBER, vars_team).await, "FAILED_PRECONDITION", "dave is not an organization member");
    let mid = membership_id(&owner, &org.id, &worker).await;
    assert_eq!(maint.code(CHANGE_ROLE, json!({ "m": mid, "r": "maintainer" })).await, "FORBIDDEN");
    let owner_m = membership_id(&owner, &org.id, &owner).await;
    assert_eq!(owner.code(LEAVE, json!({ "s": org.id })).await, "FAILED_PRECONDITION");
    assert_eq!(maint.code(REMOVE_MEMBER, json!({ "m": owner_m })).await, "FORBIDDEN");
    assert_eq!(total(&owner, &org.id).await, 4, "no entry for refused changes");
    // An outsider of the organization gets null for the organization itself.
    let d = dave.ok(LOG, json!({ "o": org.id, "first": 5 })).await;
    assert_eq!(d["node"], Value::Null);
});

both!(the_log_pages_newest_first_and_filters_by_action, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let mut users = Vec::new();
    for i in 0..5 {
        let u = app.user(&format!("u{i}")).await;
        let m = add_member(&owner, &org.id, &u, "worker").await;
        owner.ok(CHANGE_ROLE, json!({ "m": m, "r": "supervisor" })).await;
        users.push(u);
    }
    let all = entries(&owner, &org.id).await;
    assert_eq!(all.len(), 12);
    // Pages of 3 walk the same list, newest first.
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = log(&owner, &org.id, json!({ "first": 3, "after": after })).await;
        assert_eq!(page["totalCount"], 12);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], after.is_some());
        walked.extend(page["nodes"].as_array().expect("nodes").iter().cloned());
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(String::from);
    }
    assert_eq!(walked, all);
    assert_eq!(all[0]["action"], "membership.role_changed", "the newest change comes first");
    assert_eq!(all[0]["before"]["userId"], uuid_of(&users[4].id));

    // The action filter keeps one kind, still newest first, and pages within it.
    let created = log(&owner, &org.id, json!({ "action": "membership.created", "first": 2 })).await;
    assert_eq!(created["totalCount"], 7);
    let nodes = created["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 2);
    assert!(nodes.iter().all(|e| e["action"] == "membership.created"));
    assert_eq!(nodes[0]["after"]["userId"], uuid_of(&users[4].id));
    assert_eq!(nodes[1]["after"]["userId"], uuid_of(&users[3].id));
    let cursor = created["pageInfo"]["endCursor"].as_str().expect("cursor");
    let next = log(&owner, &org.id, json!({ "action": "membership.created", "first": 2, "after": cursor })).await;
    assert_eq!(next["nodes"][0]["after"]["userId"], uuid_of(&users[2].id));
    assert_eq!(log(&owner, &org.id, json!({ "action": "group.created", "first": 5 })).await["totalCount"], 0);

    // Bad input answers BAD_USER_INPUT, naming the field.
    for (vars, field) in [
        (json!({ "o": org.id, "action": "membership.exploded" }), "action"),
        (json!({ "o": org.id, "after": "not-a-cursor" }), "after"),
        (json!({ "o": org.id, "first": 0 }), "first"),
        (json!({ "o": org.id, "first": 101 }), "first"),
    ] {
        const COUNT: &str = "query($o: ID!, $first: Int, $after: String, $action: String) { node(id: $o) { ... on Organization {
            auditLog(first: $first, after: $after, action: $action) { totalCount } } } }";
        let (_, body) = owner.post(COUNT, vars.clone()).await;
        let e = &body["errors"][0]["extensions"];
        assert_eq!(e["code"], "BAD_USER_INPUT", "{vars}: {body}");
        assert_eq!(e["field"], field, "{vars}: {body}");
    }
});

both!(
    reading_actors_of_the_log_costs_statements_per_level_not_per_entry,
    settings = |s: &mut orgraph::config::Settings| {
        s.limits.complexity = usize::MAX;
        counting_statements(s);
    },
    |app: TestApp| async move {
        const QUERY: &str = "{ viewer { organizations(first: 10) { nodes { slug
            auditLog(first: 50) { totalCount nodes { action actor { name } } } } } } }";
        let owner = app.user("owner").await;
        let org = create_org(&owner, "one").await;
        let u = app.user("u").await;
        add_member(&owner, &org.id, &u, "worker").await;
        let before = app.statement_count();
        owner.ok(QUERY, json!({})).await;
        let small = app.statement_count() - before;

        // More organizations, more entries, more distinct actors.
        for o in 0..3 {
            let org = create_org(&owner, &format!("org{o}")).await;
            for i in 0..4 {
                let maint = app.user(&format!("m{o}{i}")).await;
                add_member(&owner, &org.id, &maint, "maintainer").await;
                let w = app.user(&format!("w{o}{i}")).await;
                add_member(&maint, &org.id, &w, "worker").await;
            }
        }
        let before = app.statement_count();
        let d = owner.ok(QUERY, json!({})).await;
        let big = app.statement_count() - before;
        let orgs = d["viewer"]["organizations"]["nodes"].as_array().expect("orgs");
        let entries: usize = orgs.iter().map(|o| o["auditLog"]["nodes"].as_array().map_or(0, Vec::len)).sum();
        // Each organization also records its owner's organization and team memberships
        // (the personal one too).
        assert_eq!(entries, 2 + (2 + 1) + 3 * (2 + 8), "{d}");
        assert!(
            orgs.iter()
                .flat_map(|o| o["auditLog"]["nodes"].as_array().into_iter().flatten())
                .all(|e| e["actor"]["name"].is_string())
        );
        assert_eq!(small, big, "statements depend on rows: small {small}, big {big}");
    }
);

both!(deleting_a_team_or_project_records_the_memberships_it_takes, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let alice = app.user("alice").await;
    let org = create_org(&owner, "acme").await;
    add_member(&owner, &org.id, &alice, "worker").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let alice_project = add_member(&owner, &p, &alice, "labeler").await;
    owner.ok(DELETE_PROJECT, json!({ "p": p })).await;
    let log = entries(&owner, &org.id).await;
    assert_eq!(
        (log[0]["action"].as_str(), log[0]["targetId"].as_str()),
        (Some("membership.removed"), Some(alice_project.as_str()))
    );
    assert_eq!(log[0]["before"]["role"], "labeler");

    let alice_team = add_member(&owner, &org.team, &alice, "developer").await;
    let before = total(&owner, &org.id).await;
    owner.ok(DELETE_TEAM, json!({ "t": org.team })).await;
    // The owner keeps their personal team, so deleting this one is allowed: both team
    // memberships (alice's and the owner's admin membership) are recorded as removed.
    assert_eq!(total(&owner, &org.id).await, before + 2);
    let log = entries(&owner, &org.id).await;
    let removed: Vec<&str> = log[..2].iter().map(|e| e["targetId"].as_str().unwrap_or_default()).collect();
    assert!(removed.contains(&alice_team.as_str()), "{log:#?}");
    assert!(log[..2].iter().all(|e| e["action"] == "membership.removed" && e["actor"]["id"] == owner.id.as_str()));
});

both!(membership_entries_of_a_team_or_project_need_member_read_there, |app: TestApp| async move {
    // An organization role holding `member.read` and `member.manage` reads the log, and
    // sees the teams and projects, but lists no team's or project's members (its
    // `member.read` holds on the organization): their membership entries stay hidden too
    // (RULES.md §3.1, §9.1), the organization's own stay shown.
    let t = crate::fixtures::DefaultOrg::new(&app).await;
    let create = "mutation($o: ID!) { createRole(input: { organizationId: $o, key: \"hr\", name: \"HR\", scopeKind: ORGANIZATION,
        permissions: [\"org.read\", \"member.read\", \"member.manage\", \"team.read\", \"project.read\"] }) { role { key } } }";
    t.owner.ok(create, json!({ "o": t.org })).await;
    let m = membership_id(&t.owner, &t.org, &t.worker).await;
    t.owner.ok(CHANGE_ROLE, json!({ "m": m, "r": "hr" })).await;
    t.owner.ok(ADD_MEMBER, json!({ "s": t.project, "u": t.viewer.id, "r": "labeler" })).await;
    let members = "query($s: ID!) { node(id: $s) { ... on Team { members(first: 1) { totalCount } } ... on Project { members(first: 1) { totalCount } } } }";
    for scope in [&t.team, &t.project] {
        assert_eq!(t.worker.ok(members, json!({ "s": scope })).await["node"]["members"]["totalCount"], 0, "{scope}");
        let all = t.owner.ok(members, json!({ "s": scope })).await;
        assert!(all["node"]["members"]["totalCount"].as_i64() > Some(0), "{scope}: {all}");
    }
    let scopes = |c: &Client| {
        let c = c.clone();
        let org = t.org.clone();
        async move {
            entries_of(&c, &org, "membership.created")
                .await
                .iter()
                .map(|e| e["after"]["scopeKind"].as_str().unwrap_or("-").to_string())
                .collect::<Vec<_>>()
        }
    };
    let owners = scopes(&t.owner).await;
    assert!(owners.iter().any(|k| k == "team") && owners.iter().any(|k| k == "project"), "{owners:?}");
    let hr = scopes(&t.worker).await;
    assert!(!hr.is_empty() && hr.iter().all(|k| k == "organization"), "{hr:?}");
});

/// Up to 100 entries of one action, newest first.
async fn entries_of(c: &Client, org: &str, action: &str) -> Vec<Value> {
    log(c, org, json!({ "first": 100, "action": action })).await["nodes"].as_array().expect("nodes").clone()
}

both!(a_cascade_records_its_removals_in_id_order_on_both_databases, |app: TestApp| async move {
    // A team's memberships, read for the audit in the database's scan order, came out in
    // another order on PostgreSQL once a row had been updated (its new version moves to
    // the heap's end): the log and its pages differed between the databases.
    let owner = app.user("owner").await;
    let (b, c) = (app.user("b").await, app.user("c").await);
    let org = create_org(&owner, "acme").await;
    let (team, _) = crate::fixtures::create_team(&owner, &org.id, "T").await;
    let mut taken = Vec::new();
    for who in [&b, &c] {
        add_member(&owner, &org.id, who, "worker").await;
        taken.push(add_member(&owner, &team, who, "viewer").await);
    }
    owner.ok(CHANGE_ROLE, json!({ "m": taken[0], "r": "developer" })).await;
    owner.ok(DELETE_TEAM, json!({ "t": team })).await;
    // Newest first: recorded in id order, so read back in reverse of it (c's, b's, then
    // the creator's own membership, made before both).
    let removed: Vec<String> = entries_of(&owner, &org.id, "membership.removed")
        .await
        .iter()
        .map(|e| e["targetId"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(removed.len(), 3, "{removed:?}");
    assert_eq!(removed[..2], [taken[1].clone(), taken[0].clone()], "{removed:?}");
});
