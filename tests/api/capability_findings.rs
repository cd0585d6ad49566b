//! Issue 11, capabilities, tokens and identity (RULES.md §2, §5 `.own`, §9.6, §9.7):
//! findings 8, 9, 10, 11, 12, 15 and 17, each as the attack that worked before.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use crate::subscriptions::{Event, subscribed};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use serde_json::json;
use std::time::Duration;

const CREATE_LINK: &str = "mutation($p: ID!) { createShareLink(input: { projectId: $p }) { token shareLink { id active } } }";
const CLONE_LINK: &str =
    "mutation($t: String!, $w: ID!, $n: String!) { cloneFromShareLink(input: { token: $t, workspaceId: $w, name: $n }) {
    project { id } } }";
const CREATE_TOKEN: &str = "mutation($n: String!, $s: Int!, $o: ID) {
  createApiToken(input: { name: $n, expiresInSeconds: $s, organizationId: $o }) { secret apiToken { id } } }";
const REVOKE_TOKEN: &str = "mutation($t: ID!) { revokeApiToken(input: { apiTokenId: $t }) { apiToken { id revoked } } }";

/// `by` signed in with a new personal access token (restricted to `org` if given).
async fn pat(by: &Client, org: Option<&str>) -> (Client, String) {
    let d = by.ok(CREATE_TOKEN, json!({ "n": "script", "s": 31_536_000, "o": org })).await;
    let secret = d["createApiToken"]["secret"].as_str().expect("secret").to_string();
    let id = d["createApiToken"]["apiToken"]["id"].as_str().expect("id").to_string();
    (Client { token: Some(secret), ..by.clone() }, id)
}

/// An HS256 token whose e-mail is explicitly unverified (`email_verified: false`).
fn unverified_token(sub: &str, email: &str) -> String {
    let now = get_current_timestamp();
    let claims = json!({ "sub": sub, "email": email, "email_verified": false, "exp": now + 3600, "iat": now });
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).expect("sign")
}

/// An HS256 token for `sub` with `email`, issued `ago` seconds before now.
fn issued(sub: &str, email: &str, ago: u64) -> String {
    let now = get_current_timestamp();
    let claims = json!({ "sub": sub, "email": email, "exp": now + 3600, "iat": now - ago });
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).expect("sign")
}

fn signed(app: &TestApp, token: String) -> Client {
    Client { token: Some(token), ..app.anonymous() }
}

both!(finding_8_a_share_link_dies_with_its_creators_right, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let theirs = create_org(&t.outsider, "theirs").await;
    // The developer holds `project.update` through the team and creates a link.
    let d = t.developer.ok(CREATE_LINK, json!({ "p": t.project })).await;
    let token = d["createShareLink"]["token"].as_str().expect("token").to_string();
    t.outsider.ok(CLONE_LINK, json!({ "t": token, "w": theirs.workspace, "n": "Before" })).await;

    // Removed from the organization, he no longer may create it: the link stops working,
    // for him (into his personal workspace) and for anyone.
    let m = membership_id(&t.owner, &t.org, &t.developer).await;
    t.owner.ok(REMOVE_MEMBER, json!({ "m": m })).await;
    let mine = personal_team(&t.developer).await;
    let ws = t
        .developer
        .ok("query($t: ID!) { node(id: $t) { ... on Team { workspaces(first: 1) { nodes { id } } } } }", json!({ "t": mine }))
        .await;
    let ws = ws["node"]["workspaces"]["nodes"][0]["id"].as_str().expect("workspace").to_string();
    assert_eq!(t.developer.code(CLONE_LINK, json!({ "t": token, "w": ws, "n": "Stolen" })).await, "NOT_FOUND");
    assert_eq!(t.outsider.code(CLONE_LINK, json!({ "t": token, "w": theirs.workspace, "n": "After" })).await, "NOT_FOUND");

    // Back with the right, the link works again (it was never revoked).
    add_member(&t.owner, &t.org, &t.developer, "worker").await;
    add_member(&t.owner, &t.team, &t.developer, "developer").await;
    t.outsider.ok(CLONE_LINK, json!({ "t": token, "w": theirs.workspace, "n": "Again" })).await;
});

both!(finding_9_moving_others_datasets_under_ones_own_never_makes_them_deletable, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let theirs = create_dataset(&t.owner, &t.project, None, "Owners").await;
    let mine = create_dataset(&t.developer, &t.project, None, "Mine").await;
    t.developer.ok(MOVE_DATASET, json!({ "d": theirs, "p": mine })).await;
    assert_eq!(t.developer.code(DELETE_DATASET, json!({ "d": mine })).await, "FORBIDDEN");
    assert_eq!(t.developer.code(DELETE_DATASET, json!({ "d": theirs })).await, "FORBIDDEN");
    assert_eq!(t.owner.node(&theirs).await["id"], theirs.as_str(), "still there");

    // Someone else's items in one's own dataset count as well.
    let full = create_dataset(&t.developer, &t.project, None, "Full").await;
    add_items(&t.manager, &full, &[("a.png", 10)]).await;
    assert_eq!(t.developer.code(DELETE_DATASET, json!({ "d": full })).await, "FORBIDDEN");

    // The same for a project of his holding someone else's dataset.
    let proj = create_project(&t.developer, &t.workspace, "Dev's").await;
    create_dataset(&t.manager, &proj, None, "Managers").await;
    assert_eq!(t.developer.code(DELETE_PROJECT, json!({ "p": proj })).await, "FORBIDDEN");

    // A subtree entirely his own stays deletable with `dataset.delete.own`.
    let own = create_dataset(&t.developer, &t.project, None, "Own").await;
    let child = create_dataset(&t.developer, &t.project, Some(&own), "Child").await;
    add_items(&t.developer, &child, &[("b.png", 10)]).await;
    t.developer.ok(DELETE_DATASET, json!({ "d": own })).await;
});

both!(a_project_holding_others_jobs_versions_or_links_is_not_ones_own, |app: TestApp| async move {
    // Every object in the project counts for `project.delete.own` (RULES.md §5): a
    // colleague's labeling job and share link went with the project for good, their
    // versions with its purge, and a transfer carried them to the developer's organization.
    let t = DefaultOrg::new(&app).await;
    let elsewhere = create_org(&t.developer, "devs").await;
    let job = "mutation($p: ID!) { createLabelingJob(input: { projectId: $p, name: \"Batch\" }) { labelingJob { id } } }";
    let delete_job = "mutation($j: ID!) { deleteLabelingJob(input: { labelingJobId: $j }) { deletedLabelingJobId } }";
    for create in [job, CREATE_VERSION, CREATE_LINK] {
        let proj = create_project(&t.developer, &t.workspace, "Dev's").await;
        create_dataset(&t.developer, &proj, None, "His").await;
        let mut vars = json!({ "p": proj });
        if create == CREATE_VERSION {
            vars["title"] = json!("Baseline");
        }
        t.owner.ok(create, vars).await;
        assert_eq!(t.developer.code(DELETE_PROJECT, json!({ "p": proj })).await, "FORBIDDEN", "{create}");
        let to = json!({ "p": proj, "w": elsewhere.workspace });
        assert_eq!(t.developer.code(TRANSFER_PROJECT, to).await, "FORBIDDEN", "{create}");
        t.owner.ok(DELETE_PROJECT, json!({ "p": proj })).await;
    }
    // Nor, once deleted, purged or restored by him: the trash entry holds the owner's version.
    let proj = create_project(&t.developer, &t.workspace, "Versioned").await;
    t.owner.ok(CREATE_VERSION, json!({ "p": proj, "title": "Baseline" })).await;
    t.owner.ok(DELETE_PROJECT, json!({ "p": proj })).await;
    let bin = t.owner.ok(TEAM_TRASH, json!({ "t": t.team })).await;
    let entry = bin["node"]["trash"]["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|e| e["name"] == "Versioned"))
        .and_then(|e| e["id"].as_str())
        .expect("entry")
        .to_string();
    for op in [PURGE_ENTRY, RESTORE_ENTRY] {
        assert_eq!(t.developer.code(op, json!({ "e": entry })).await, "FORBIDDEN", "{op}");
    }
    // Once the owner's job is gone, the project is his entirely again.
    let proj = create_project(&t.developer, &t.workspace, "Solo").await;
    let theirs = t.owner.ok(job, json!({ "p": proj })).await["createLabelingJob"]["labelingJob"]["id"].clone();
    t.owner.ok(delete_job, json!({ "j": theirs })).await;
    t.developer.ok(DELETE_PROJECT, json!({ "p": proj })).await;
});

const TEAM_TRASH: &str = "query($t: ID!) { node(id: $t) { ... on Team { trash(first: 10) { nodes { id name } } } } }";
const RESTORE_ENTRY: &str = "mutation($e: ID!) { restoreFromTrash(input: { trashEntryId: $e }) { dataset { id } } }";
const PURGE_ENTRY: &str = "mutation($e: ID!) { purgeFromTrash(input: { trashEntryId: $e }) { purgedTrashEntryId } }";

both!(own_keys_move_restore_and_purge_only_what_one_created_entirely, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let elsewhere = create_org(&t.developer, "devs").await;
    // Moving a project out of the organization takes `project.delete` as deleting it
    // does: a developer's project holding the manager's dataset stays.
    let proj = create_project(&t.developer, &t.workspace, "Dev's").await;
    create_dataset(&t.manager, &proj, None, "Managers").await;
    let to = json!({ "p": proj, "w": elsewhere.workspace });
    assert_eq!(t.developer.code(TRANSFER_PROJECT, to).await, "FORBIDDEN");
    // The manager's dataset deleted from it does not leave with it either (its trash entry
    // would follow, to where the developer may restore it); deleting the project leaves
    // it in the team's trash.
    let trashed = create_project(&t.developer, &t.workspace, "Trashed").await;
    create_dataset(&t.developer, &trashed, None, "Dev's own").await;
    let theirs = create_dataset(&t.manager, &trashed, None, "Theirs").await;
    t.owner.ok(DELETE_DATASET, json!({ "d": theirs })).await;
    let to = json!({ "p": trashed, "w": elsewhere.workspace });
    assert_eq!(t.developer.code(TRANSFER_PROJECT, to.clone()).await, "FORBIDDEN");
    let bin = t.owner.ok(TEAM_TRASH, json!({ "t": t.team })).await;
    let entry = bin["node"]["trash"]["nodes"][0]["id"].as_str().expect("entry").to_string();
    t.owner.ok(PURGE_ENTRY, json!({ "e": entry })).await;
    t.developer.ok(TRANSFER_PROJECT, to).await;
    // Nor is a deleted subtree holding someone else's dataset restored or purged with `.own`.
    let mine = create_dataset(&t.developer, &t.project, None, "Mine").await;
    create_dataset(&t.manager, &t.project, Some(&mine), "Child").await;
    t.owner.ok(DELETE_DATASET, json!({ "d": mine })).await;
    let bin = t.owner.ok(TEAM_TRASH, json!({ "t": t.team })).await;
    let entry = bin["node"]["trash"]["nodes"][0]["id"].as_str().expect("entry").to_string();
    for op in [RESTORE_ENTRY, PURGE_ENTRY] {
        assert_eq!(t.developer.code(op, json!({ "e": entry })).await, "FORBIDDEN");
    }
    t.owner.ok(RESTORE_ENTRY, json!({ "e": entry })).await;
    // Entirely his own: moved, restored and purged.
    let solo = create_project(&t.developer, &t.workspace, "Solo").await;
    create_dataset(&t.developer, &solo, None, "His").await;
    t.developer.ok(TRANSFER_PROJECT, json!({ "p": solo, "w": elsewhere.workspace })).await;
    let own = create_dataset(&t.developer, &t.project, None, "Own").await;
    t.owner.ok(DELETE_DATASET, json!({ "d": own })).await;
    let bin = t.developer.ok(TEAM_TRASH, json!({ "t": t.team })).await;
    let entry = bin["node"]["trash"]["nodes"][0]["id"].as_str().expect("entry").to_string();
    t.developer.ok(RESTORE_ENTRY, json!({ "e": entry })).await;
    t.owner.ok(DELETE_DATASET, json!({ "d": own })).await;
    let bin = t.developer.ok(TEAM_TRASH, json!({ "t": t.team })).await;
    let entry = bin["node"]["trash"]["nodes"][0]["id"].as_str().expect("entry").to_string();
    t.developer.ok(PURGE_ENTRY, json!({ "e": entry })).await;
});

both!(finding_10_api_tokens_neither_mint_nor_revoke_tokens, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let (script, id) = pat(&alice, None).await;
    assert_eq!(script.code(CREATE_TOKEN, json!({ "n": "child", "s": 31_536_000 })).await, "FORBIDDEN");
    assert_eq!(script.code(REVOKE_TOKEN, json!({ "t": id })).await, "FORBIDDEN");
    // The identity-provider token still does both.
    alice.ok(REVOKE_TOKEN, json!({ "t": id })).await;
});

both!(finding_10_an_api_token_acts_only_where_its_owner_may_generate_one, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let admin = app.user("admin").await;
    let d = owner.ok(CREATE_ORGANIZATION, json!({ "s": "sa", "p": "SUPERANNOTATE" })).await;
    let org = d["createOrganization"]["organization"]["id"].as_str().expect("org").to_string();
    add_member(&owner, &org, &admin, "admin").await;
    // A SuperAnnotate Team Admin is refused an organization SDK token…
    assert_eq!(admin.code(CREATE_TOKEN, json!({ "n": "sdk", "s": 3600, "o": org })).await, "FORBIDDEN");
    // …and an unrestricted one does not act in that organization either.
    let (script, _) = pat(&admin, None).await;
    assert!(script.node(&org).await.is_null(), "the organization is out of the token's reach");
    assert_eq!(admin.node(&org).await["id"], org.as_str(), "the identity-provider token still reaches it");
    let own = personal_org(&admin).await;
    assert_eq!(script.node(&own).await["id"], own.as_str(), "where he holds sdk_token.generate it acts");
});

both!(finding_10_the_sdk_token_right_is_checked_at_each_use, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (script, _) = pat(&t.worker, None).await;
    let (restricted, _) = pat(&t.worker, Some(&t.org)).await;
    assert_eq!(script.node(&t.org).await["id"], t.org.as_str());
    assert_eq!(restricted.node(&t.org).await["id"], t.org.as_str());
    // The owner moves the worker to a custom role without `sdk_token.generate`.
    t.owner
        .ok(
            "mutation($o: ID!) { createRole(input: { organizationId: $o, key: \"reader\", name: \"Reader\", scopeKind: ORGANIZATION, permissions: [\"org.read\", \"member.read\"] }) { role { key } } }",
            json!({ "o": t.org }),
        )
        .await;
    let m = membership_id(&t.owner, &t.org, &t.worker).await;
    t.owner.ok(CHANGE_ROLE, json!({ "m": m, "r": "reader" })).await;
    assert!(script.node(&t.org).await.is_null(), "the unrestricted token no longer acts there");
    assert!(restricted.node(&t.org).await.is_null(), "nor the restricted one");
    assert_eq!(t.worker.node(&t.org).await["id"], t.org.as_str(), "the identity-provider token does");
    t.owner.ok(CHANGE_ROLE, json!({ "m": m, "r": "worker" })).await;
    assert_eq!(script.node(&t.org).await["id"], t.org.as_str(), "back with the key, back in reach");
});

both!(finding_15_a_restricted_token_cannot_create_organizations, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let org = create_org(&alice, "acme").await;
    let (script, _) = pat(&alice, Some(&org.id)).await;
    assert_eq!(script.code(CREATE_ORGANIZATION, json!({ "s": "escape" })).await, "FORBIDDEN");
    let d = alice.ok("{ viewer { organizations(first: 10) { totalCount } } }", json!({})).await;
    assert_eq!(d["viewer"]["organizations"]["totalCount"], 2, "nothing was created");
});

both!(finding_11_an_old_socket_gets_nothing_for_an_address_its_user_lost, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let mut bob = subscribed(&app, "bob").await;

    // Bob's account moves to another address; carol's account takes bob's old one.
    signed(&app, token("bob", "robert@example.com", None)).ok("{ viewer { id } }", json!({})).await;
    signed(&app, token("carol", "bob@example.com", None)).ok("{ viewer { id } }", json!({})).await;
    owner.ok(INVITE, json!({ "s": org.id, "e": "bob@example.com", "r": "worker" })).await;
    assert_eq!(bob.recv(Duration::from_millis(1500)).await, Event::Silent, "carol's invitation must not reach bob");

    // His current address is delivered on the same socket.
    owner.ok(INVITE, json!({ "s": org.id, "e": "robert@example.com", "r": "worker" })).await;
    match bob.recv(Duration::from_secs(10)).await {
        Event::Json(v) => assert_eq!(v["payload"]["data"]["invitationReceived"]["email"], "robert@example.com", "{v}"),
        other => panic!("bob expected his invitation, got {other:?}"),
    }
});

both!(finding_12_an_unverified_claim_never_locks_out_the_verified_owner, |app: TestApp| async move {
    let mallory = signed(&app, unverified_token("mallory", "bob@example.com"));
    mallory.ok("{ viewer { id } }", json!({})).await;
    let bob = app.user("bob").await;
    let d = bob.ok("{ viewer { id email } }", json!({})).await;
    assert_eq!(d["viewer"]["email"], "bob@example.com");
    // Mallory keeps signing in, and is never matched by bob's invitations.
    mallory.ok("{ viewer { id } }", json!({})).await;
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    owner.ok(INVITE, json!({ "s": org.id, "e": "bob@example.com", "r": "worker" })).await;
    let mine = "{ viewer { pendingInvitations { id } } }";
    assert_eq!(bob.ok(mine, json!({})).await["viewer"]["pendingInvitations"].as_array().map(Vec::len), Some(1));
    assert_eq!(mallory.ok(mine, json!({})).await["viewer"]["pendingInvitations"].as_array().map(Vec::len), Some(0));
});

both!(finding_17_a_grantable_capability_gates_something_real, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let grant = "mutation($o: ID!, $u: ID!, $p: String!) {
        grantCapability(input: { organizationId: $o, userId: $u, permission: $p }) { grant { id } } }";
    // Keys orgraph does not enforce are no capabilities.
    for key in ["orchestrate.access", "explore.datasets"] {
        assert_eq!(t.owner.code(grant, json!({ "o": t.org, "u": t.maintainer.id, "p": key })).await, "BAD_USER_INPUT", "{key}");
    }
    // `sdk_token.view` opens the organization's SDK tokens (never their secrets).
    let (_, token) = pat(&t.worker, Some(&t.org)).await;
    let list = "query($o: ID!) { node(id: $o) { ... on Organization { sdkTokens(first: 10) { totalCount
        nodes { id name prefix revoked owner { id } } } } } }";
    assert!(t.maintainer.ok(list, json!({ "o": t.org })).await["node"]["sdkTokens"].is_null());
    assert!(t.maintainer.node(&token).await.is_null());
    t.owner.ok(grant, json!({ "o": t.org, "u": t.maintainer.id, "p": "sdk_token.view" })).await;
    let d = t.maintainer.ok(list, json!({ "o": t.org })).await;
    assert_eq!(d["node"]["sdkTokens"]["totalCount"], 1, "{d}");
    assert_eq!(d["node"]["sdkTokens"]["nodes"][0]["owner"]["id"], t.worker.id.as_str());
    // `node(id)` shows what the list shows (RULES.md §9.1), to its viewers only.
    assert_eq!(t.maintainer.node(&token).await["id"], token.as_str());
    let d = t.owner.ok(list, json!({ "o": t.org })).await;
    assert_eq!(d["node"]["sdkTokens"]["totalCount"], 1, "the owner holds it through the role");
    assert_eq!(t.owner.node(&token).await["id"], token.as_str());
    assert!(t.worker.ok(list, json!({ "o": t.org })).await["node"]["sdkTokens"].is_null());
    assert_eq!(t.worker.node(&token).await["id"], token.as_str(), "its owner");
    assert!(t.supervisor.node(&token).await.is_null());
});
both!(finding_17_every_catalog_key_says_who_enforces_it, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let d = alice.ok("{ permissionCatalog { key grantable enforcement } }", json!({})).await;
    let list = d["permissionCatalog"].as_array().cloned().unwrap_or_default();
    let keys: Vec<&str> = list.iter().filter_map(|p| p["key"].as_str()).collect();
    let mut constants: Vec<&str> = orgraph::authz::keys::ALL.iter().map(|k| k.as_str()).collect();
    constants.sort_unstable();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, constants, "the constants are exactly the migrated catalog");
    for p in &list {
        let key = p["key"].as_str().unwrap_or_default();
        let expected = match orgraph::authz::Key::find(key).map(orgraph::authz::Key::enforcement) {
            Some(orgraph::authz::Enforcement::Orgraph) => "ORGRAPH",
            _ => "CLIENT",
        };
        assert_eq!(p["enforcement"], expected, "{p}");
        // A grantable capability gates something orgraph itself decides.
        if p["grantable"] == true {
            assert_eq!(p["enforcement"], "ORGRAPH", "grantable but gating nothing: {p}");
        }
    }
});

both!(a_token_issued_before_the_one_that_changed_the_claims_does_not_put_them_back, |app: TestApp| async move {
    // The identity provider moved the user from old@ to new@; a token issued before (still
    // valid, in another tab) must not give the account its old e-mail, nor its invitations.
    let owner = app.user("owner").await;
    let org = crate::fixtures::create_org(&owner, "acme").await;
    let before = signed(&app, issued("mover", "old@example.com", 600));
    let after = signed(&app, issued("mover", "new@example.com", 5));
    let me = "{ viewer { email pendingInvitations { email } } }";
    assert_eq!(before.ok(me, json!({})).await["viewer"]["email"], "old@example.com");
    assert_eq!(after.ok(me, json!({})).await["viewer"]["email"], "new@example.com");
    owner.ok(INVITE, json!({ "s": org.id, "e": "old@example.com", "r": "worker" })).await;
    let d = before.ok(me, json!({})).await;
    assert_eq!(d["viewer"], json!({ "email": "new@example.com", "pendingInvitations": [] }), "{d}");
    // A later token still changes them.
    let later = signed(&app, issued("mover", "newest@example.com", 0));
    assert_eq!(later.ok(me, json!({})).await["viewer"]["email"], "newest@example.com");
});

both!(finding_17_a_superannotate_owner_gives_explore_through_a_custom_role, |app: TestApp| async move {
    // Seed 004: "Explore datasets" needs the Team Owner's permission for all three roles:
    // no built-in role holds it, the owner (above every role) gives it through a custom
    // one; a Team Admin, who does not hold it, may not.
    let owner = app.user("owner").await;
    let admin = app.user("admin").await;
    let d = owner.ok(CREATE_ORGANIZATION, json!({ "s": "sa", "p": "SUPERANNOTATE" })).await;
    let org = d["createOrganization"]["organization"]["id"].as_str().expect("org").to_string();
    add_member(&owner, &org, &admin, "admin").await;
    let d = owner.ok(CREATE_TEAM, json!({ "o": org, "n": "Core" })).await;
    let team = d["createTeam"]["team"]["id"].as_str().expect("team").to_string();
    let create = "mutation($o: ID!, $k: String!) { createRole(input: { organizationId: $o, key: $k, name: $k, scopeKind: TEAM,
        permissions: [\"team.read\", \"explore.datasets\"] }) { role { key } } }";
    assert_eq!(admin.code(create, json!({ "o": org, "k": "scout" })).await, "FORBIDDEN");
    owner.ok(create, json!({ "o": org, "k": "explorer" })).await;
    let can = "query($t: ID!) { node(id: $t) { ... on Team { viewerCan(permission: \"explore.datasets\") } } }";
    assert_eq!(admin.ok(can, json!({ "t": team })).await["node"]["viewerCan"], false);
    add_member(&owner, &team, &admin, "explorer").await;
    assert_eq!(admin.ok(can, json!({ "t": team })).await["node"]["viewerCan"], true);
});
