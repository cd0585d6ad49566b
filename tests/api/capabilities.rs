//! Capability grants and training runs (issue 5 item 4, seed 004): the SuperAnnotate
//! Team Owner lets a Team Admin run training, then takes it back; the admin keeps
//! reading their earlier sessions but can no longer change them, nor see new ones.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

const GRANT: &str = "mutation($o: ID!, $u: ID!, $p: String!) {
  grantCapability(input: { organizationId: $o, userId: $u, permission: $p }) {
    grant { id permission user { id } grantedBy { id } organization { id } createdAt }
  }
}";
const REVOKE_GRANT: &str = "mutation($o: ID!, $u: ID!, $p: String!) {
  revokeCapability(input: { organizationId: $o, userId: $u, permission: $p }) { revokedGrantId }
}";
const GRANTS: &str = "query($id: ID!, $u: ID) { node(id: $id) { ... on Organization { capabilityGrants(userId: $u) { nodes { id permission user { id } } } } } }";
const TEAM_CAN: &str =
    "query($id: ID!, $k: String!) { node(id: $id) { ... on Team { viewerCan(permission: $k) viewerPermissions } } }";
const ORG_CAN: &str =
    "query($id: ID!, $k: String!) { node(id: $id) { ... on Organization { viewerCan(permission: $k) viewerPermissions } } }";
const START: &str =
    "mutation($t: ID!, $n: String!) { startTrainingRun(input: { teamId: $t, name: $n }) { trainingRun { id name status } } }";
const RENAME: &str =
    "mutation($id: ID!, $n: String!) { updateTrainingRun(input: { trainingRunId: $id, name: $n }) { trainingRun { id name } } }";
const STOP: &str = "mutation($id: ID!) { stopTrainingRun(input: { trainingRunId: $id }) { trainingRun { id status } } }";
const DELETE: &str = "mutation($id: ID!) { deleteTrainingRun(input: { trainingRunId: $id }) { deletedTrainingRunId } }";
const RUNS: &str =
    "query($id: ID!) { node(id: $id) { ... on Team { trainingRuns(first: 20) { totalCount nodes { id name status } } } } }";
const RUN: &str =
    "query($id: ID!) { node(id: $id) { ... on TrainingRun { id name status viewerCanEdit createdBy { id } team { id } } } }";

/// A SuperAnnotate organization: the owner (Team Owner), a Team Admin, a Contributor,
/// one team created by the owner, and an outsider.
struct Sa {
    owner: Client,
    admin: Client,
    contributor: Client,
    outsider: Client,
    org: String,
    team: String,
    contributor_membership: String,
}

async fn superannotate(app: &TestApp) -> Sa {
    let owner = app.user("owner");
    let admin = app.user("admin");
    let contributor = app.user("contrib");
    let outsider = app.user("outsider");
    let (owner, admin, contributor, outsider) = tokio::join!(owner, admin, contributor, outsider);
    let d = owner.ok(CREATE_ORGANIZATION, json!({ "s": "sa", "p": "SUPERANNOTATE" })).await;
    let org = d["createOrganization"]["organization"]["id"].as_str().expect("org").to_string();
    let (team, _) = create_team(&owner, &org, "Core").await;
    add_member(&owner, &org, &admin, "admin").await;
    let contributor_membership = add_member(&owner, &org, &contributor, "contributor").await;
    Sa { owner, admin, contributor, outsider, org, team, contributor_membership }
}

async fn grant(by: &Client, org: &str, user: &Client, key: &str) -> (String, Value) {
    let (_, body) = by.post(GRANT, json!({ "o": org, "u": user.id, "p": key })).await;
    let code = body["errors"][0]["extensions"]["code"].as_str().unwrap_or("OK").to_string();
    (code, body)
}

async fn team_can(c: &Client, team: &str, key: &str) -> bool {
    let d = c.ok(TEAM_CAN, json!({ "id": team, "k": key })).await;
    let listed = d["node"]["viewerPermissions"].as_array().expect("permissions").iter().any(|k| k == key);
    let can = d["node"]["viewerCan"].as_bool().expect("viewerCan");
    assert_eq!(listed, can, "viewerPermissions and viewerCan disagree on {key}");
    can
}

async fn org_can(c: &Client, org: &str, key: &str) -> bool {
    let d = c.ok(ORG_CAN, json!({ "id": org, "k": key })).await;
    d["node"]["viewerCan"].as_bool().expect("viewerCan")
}

async fn grant_count(c: &Client, org: &str) -> usize {
    c.ok(GRANTS, json!({ "id": org })).await["node"]["capabilityGrants"]["nodes"].as_array().expect("grants").len()
}

async fn run_names(c: &Client, team: &str) -> Vec<String> {
    let d = c.ok(RUNS, json!({ "id": team })).await;
    let nodes = d["node"]["trainingRuns"]["nodes"].as_array().expect("runs").clone();
    nodes.iter().map(|n| n["name"].as_str().expect("name").to_string()).collect()
}

async fn start(c: &Client, team: &str, name: &str) -> String {
    c.ok(START, json!({ "t": team, "n": name })).await["startTrainingRun"]["trainingRun"]["id"].as_str().expect("run").into()
}

both!(a_revoked_admin_keeps_reading_earlier_runs_but_cannot_change_them, |app: TestApp| async move {
    let sa = superannotate(&app).await;
    let (owner, admin) = (&sa.owner, &sa.admin);
    // "Needs permission" for the Team Admin: not held until granted.
    assert!(!team_can(admin, &sa.team, "model.train").await);
    assert!(!org_can(admin, &sa.org, "sdk_token.view").await);
    assert_eq!(admin.code(START, json!({ "t": sa.team, "n": "early" })).await, "FORBIDDEN");

    for key in ["model.train", "sdk_token.view"] {
        let (code, body) = grant(owner, &sa.org, admin, key).await;
        assert_eq!(code, "OK", "{body}");
        let g = &body["data"]["grantCapability"]["grant"];
        assert_eq!(g["permission"], key);
        assert_eq!(g["user"]["id"], admin.id.as_str());
        assert_eq!(g["grantedBy"]["id"], owner.id.as_str());
        assert_eq!(g["organization"]["id"], sa.org.as_str());
    }
    // Effective on the very next request.
    assert!(team_can(admin, &sa.team, "model.train").await);
    assert!(org_can(admin, &sa.org, "sdk_token.view").await);

    let a = start(admin, &sa.team, "run A").await;
    assert_eq!(run_names(admin, &sa.team).await, ["run A"]);
    assert_eq!(run_names(owner, &sa.team).await, ["run A"]);

    let d = owner.ok(REVOKE_GRANT, json!({ "o": sa.org, "u": admin.id, "p": "model.train" })).await;
    assert!(d["revokeCapability"]["revokedGrantId"].is_string());
    assert!(!team_can(admin, &sa.team, "model.train").await);
    assert!(org_can(admin, &sa.org, "sdk_token.view").await, "other grants stay");

    // Still readable, no longer editable.
    assert_eq!(run_names(admin, &sa.team).await, ["run A"]);
    let d = admin.ok(RUN, json!({ "id": a })).await;
    assert_eq!(d["node"]["name"], "run A");
    assert_eq!(d["node"]["viewerCanEdit"], false);
    assert_eq!(d["node"]["createdBy"]["id"], admin.id.as_str());
    assert_eq!(admin.code(RENAME, json!({ "id": a, "n": "renamed" })).await, "FORBIDDEN");
    assert_eq!(admin.code(STOP, json!({ "id": a })).await, "FORBIDDEN");
    assert_eq!(admin.code(DELETE, json!({ "id": a })).await, "FORBIDDEN");
    assert_eq!(admin.code(START, json!({ "t": sa.team, "n": "run C" })).await, "FORBIDDEN");
    let d = owner.ok(RUN, json!({ "id": a })).await;
    assert_eq!((d["node"]["name"].as_str(), d["node"]["status"].as_str()), (Some("run A"), Some("RUNNING")), "unchanged");

    // New sessions are not the admin's to see.
    let b = start(owner, &sa.team, "run B").await;
    assert_eq!(run_names(admin, &sa.team).await, ["run A"]);
    assert!(admin.ok(RUN, json!({ "id": b })).await["node"].is_null());
    assert_eq!(admin.code(STOP, json!({ "id": b })).await, "NOT_FOUND");
    assert_eq!(run_names(owner, &sa.team).await, ["run A", "run B"]);

    // The owner sees the admin's session and may modify and stop it.
    let d = owner.ok(RUN, json!({ "id": a })).await;
    assert_eq!(d["node"]["viewerCanEdit"], true);
    assert_eq!(owner.ok(RENAME, json!({ "id": a, "n": "run A2" })).await["updateTrainingRun"]["trainingRun"]["name"], "run A2");
    assert_eq!(owner.ok(STOP, json!({ "id": a })).await["stopTrainingRun"]["trainingRun"]["status"], "STOPPED");
    assert_eq!(owner.code(STOP, json!({ "id": a })).await, "FAILED_PRECONDITION");
    assert_eq!(run_names(admin, &sa.team).await, ["run A2"]);

    // A Contributor does not see the team, nor its sessions.
    assert!(sa.contributor.ok(RUN, json!({ "id": a })).await["node"].is_null());
    assert_eq!(sa.contributor.code(RENAME, json!({ "id": a, "n": "x" })).await, "NOT_FOUND");

    assert_eq!(owner.ok(DELETE, json!({ "id": b })).await["deleteTrainingRun"]["deletedTrainingRunId"], b.as_str());
    assert_eq!(run_names(owner, &sa.team).await, ["run A2"]);

    // The audit trail has both changes, newest first.
    let d = owner
        .ok(
            "query($id: ID!) { node(id: $id) { ... on Organization { auditLog(first: 10) { nodes { action targetKind before after } } } } }",
            json!({ "id": sa.org }),
        )
        .await;
    let entries = d["node"]["auditLog"]["nodes"].as_array().expect("audit").clone();
    let revoked = entries.iter().find(|e| e["action"] == "capability.revoked").expect("revocation audited");
    assert_eq!(revoked["targetKind"], "CapabilityGrant");
    assert_eq!(revoked["before"], json!({ "userId": uuid_of(&admin.id), "permission": "model.train" }));
    assert!(revoked["after"].is_null());
    assert_eq!(entries.iter().filter(|e| e["action"] == "capability.granted").count(), 2);
});

/// The raw uuid behind a global id, as audit states store it.
fn uuid_of(id: &str) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id).expect("id");
    let text = String::from_utf8(text).expect("utf-8");
    let simple = text.split_once(':').expect("kind:uuid").1;
    uuid::Uuid::parse_str(simple).expect("uuid").to_string()
}

both!(capability_changes_are_refused_in_rule_order, |app: TestApp| async move {
    let sa = superannotate(&app).await;
    let (owner, admin) = (&sa.owner, &sa.admin);
    // Input: unknown key, then a key that is not grantable (BAD_USER_INPUT on "permission").
    // `orchestrate.access` and `explore.datasets` gate nothing orgraph owns: not grantable.
    for key in ["model.nope", "org.delete", "capability.manage", "orchestrate.access", "explore.datasets"] {
        let (code, body) = grant(owner, &sa.org, admin, key).await;
        assert_eq!(code, "BAD_USER_INPUT", "{key}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "permission");
    }
    // Visibility: an outsider does not see the organization.
    assert_eq!(grant(&sa.outsider, &sa.org, admin, "model.train").await.0, "NOT_FOUND");
    // Permission: only holders of capability.manage (the owner); nothing stored.
    assert_eq!(grant(admin, &sa.org, admin, "model.train").await.0, "FORBIDDEN");
    assert_eq!(grant(admin, &sa.org, &sa.contributor, "model.train").await.0, "FORBIDDEN");
    assert_eq!(grant(&sa.contributor, &sa.org, &sa.contributor, "sdk_token.view").await.0, "FORBIDDEN");
    assert_eq!(grant_count(owner, &sa.org).await, 0);
    // Invariant: the grantee must be an active member.
    assert_eq!(grant(owner, &sa.org, &sa.outsider, "model.train").await.0, "FAILED_PRECONDITION");
    assert_eq!(grant_count(owner, &sa.org).await, 0);
    // Self-grants by the owner are allowed.
    assert_eq!(grant(owner, &sa.org, owner, "sdk_token.view").await.0, "OK");
    // Uniqueness.
    assert_eq!(grant(owner, &sa.org, admin, "model.train").await.0, "OK");
    assert_eq!(grant(owner, &sa.org, admin, "model.train").await.0, "CONFLICT");
    assert_eq!(grant_count(owner, &sa.org).await, 2);
    // Revoking: the same checks, and a missing grant is NOT_FOUND.
    let revoke = |by: &Client, user: &Client, key: &str| {
        let (by, vars) = (by.clone(), json!({ "o": sa.org, "u": user.id, "p": key }));
        async move { by.code(REVOKE_GRANT, vars).await }
    };
    assert_eq!(revoke(admin, admin, "model.train").await, "FORBIDDEN");
    assert_eq!(revoke(owner, admin, "org.delete").await, "BAD_USER_INPUT");
    assert_eq!(revoke(owner, admin, "sdk_token.view").await, "NOT_FOUND");
    assert_eq!(revoke(&sa.outsider, admin, "model.train").await, "NOT_FOUND");
    assert_eq!(grant_count(owner, &sa.org).await, 2);
});

both!(members_see_only_their_own_grants_and_removal_drops_them, |app: TestApp| async move {
    let sa = superannotate(&app).await;
    let (owner, admin, contributor) = (&sa.owner, &sa.admin, &sa.contributor);
    assert_eq!(grant(owner, &sa.org, admin, "model.train").await.0, "OK");
    assert_eq!(grant(owner, &sa.org, contributor, "sdk_token.view").await.0, "OK");
    assert_eq!(grant_count(owner, &sa.org).await, 2);
    let d = owner.ok(GRANTS, json!({ "id": sa.org, "u": contributor.id })).await;
    assert_eq!(d["node"]["capabilityGrants"]["nodes"][0]["permission"], "sdk_token.view");
    // Others' grants are filtered, never an error.
    let d = admin.ok(GRANTS, json!({ "id": sa.org })).await;
    let mine = d["node"]["capabilityGrants"]["nodes"].as_array().expect("grants").clone();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["user"]["id"], admin.id.as_str());
    let d = admin.ok(GRANTS, json!({ "id": sa.org, "u": contributor.id })).await;
    assert_eq!(d["node"]["capabilityGrants"]["nodes"], json!([]));
    let id = mine[0]["id"].as_str().expect("grant id");
    let grant_node = "query($id: ID!) { node(id: $id) { ... on CapabilityGrant { permission } } }";
    assert_eq!(admin.ok(grant_node, json!({ "id": id })).await["node"]["permission"], "model.train");
    assert!(contributor.node(id).await.is_null());
    assert!(sa.outsider.node(id).await.is_null());
    // Removing the contributor from the organization takes their grants along.
    owner.ok(REMOVE_MEMBER, json!({ "m": sa.contributor_membership })).await;
    assert_eq!(grant_count(owner, &sa.org).await, 1);
});

both!(concurrent_duplicate_grants_store_exactly_one, |app: TestApp| async move {
    let sa = superannotate(&app).await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (owner, admin, org) = (sa.owner.clone(), sa.admin.clone(), sa.org.clone());
            tokio::spawn(async move { grant(&owner, &org, &admin, "sdk_token.view").await.0 })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.expect("task"));
    }
    assert_eq!(codes.iter().filter(|c| *c == "OK").count(), 1, "{codes:?}");
    assert!(codes.iter().all(|c| c == "OK" || c == "CONFLICT"), "{codes:?}");
    assert_eq!(grant_count(&sa.owner, &sa.org).await, 1);
    // Concurrent revokes: exactly one removes it.
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (owner, vars) = (sa.owner.clone(), json!({ "o": sa.org, "u": sa.admin.id, "p": "sdk_token.view" }));
            tokio::spawn(async move {
                owner.post(REVOKE_GRANT, vars).await.1["errors"][0]["extensions"]["code"].as_str().unwrap_or("OK").to_string()
            })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.expect("task"));
    }
    assert_eq!(codes.iter().filter(|c| *c == "OK").count(), 1, "{codes:?}");
    assert!(codes.iter().all(|c| c == "OK" || c == "NOT_FOUND"), "{codes:?}");
    assert_eq!(grant_count(&sa.owner, &sa.org).await, 0);
});

both!(only_holders_of_sdk_token_generate_create_organization_tokens, |app: TestApp| async move {
    let sa = superannotate(&app).await;
    let create = "mutation($o: ID) { createApiToken(input: { name: \"sdk\", expiresInSeconds: 3600, organizationId: $o }) { apiToken { id } } }";
    let tokens = "{ viewer { apiTokens { totalCount } } }";
    for c in [&sa.admin, &sa.contributor] {
        assert_eq!(c.code(create, json!({ "o": sa.org })).await, "FORBIDDEN");
        assert_eq!(c.ok(tokens, json!({})).await["viewer"]["apiTokens"]["totalCount"], 0, "nothing stored");
        // Unrestricted tokens are not an organization's SDK token.
        c.ok(create, json!({ "o": null })).await;
    }
    sa.owner.ok(create, json!({ "o": sa.org })).await;
    assert_eq!(sa.owner.ok(tokens, json!({})).await["viewer"]["apiTokens"]["totalCount"], 1);
});

both!(a_delegated_capability_manager_grants_only_keys_their_role_holds, |app: TestApp| async move {
    let sa = superannotate(&app).await;
    let create_role = "mutation($o: ID!, $p: [String!]!) { createRole(input: { organizationId: $o, key: \"grantor\",
        name: \"Grantor\", scopeKind: ORGANIZATION, permissions: $p }) { role { key } } }";
    let perms = json!(["org.read", "member.read", "capability.manage"]);
    sa.owner.ok(create_role, json!({ "o": sa.org, "p": perms })).await;
    let bob = app.user("bob").await;
    add_member(&sa.owner, &sa.org, &bob, "grantor").await;
    // No escalation: bob's role does not hold model.train, neither for him nor for others.
    assert_eq!(grant(&bob, &sa.org, &bob, "model.train").await.0, "FORBIDDEN");
    assert_eq!(grant(&bob, &sa.org, &sa.admin, "sdk_token.view").await.0, "FORBIDDEN");
    assert_eq!(grant_count(&sa.owner, &sa.org).await, 0, "nothing stored");
    assert!(org_can(&bob, &sa.org, "capability.manage").await);
    // Nor through a capability the owner granted him: only his role counts.
    assert_eq!(grant(&sa.owner, &sa.org, &bob, "model.train").await.0, "OK");
    assert_eq!(grant(&bob, &sa.org, &sa.admin, "model.train").await.0, "FORBIDDEN");
    assert_eq!(grant_count(&sa.owner, &sa.org).await, 1);
    // Revoking stays open to every holder of capability.manage.
    let d = bob.ok(REVOKE_GRANT, json!({ "o": sa.org, "u": bob.id, "p": "model.train" })).await;
    assert!(d["revokeCapability"]["revokedGrantId"].is_string());
    assert_eq!(grant_count(&sa.owner, &sa.org).await, 0);
});

both!(
    capability_grants_of_many_organizations_cost_the_statements_of_one,
    settings = |s: &mut orgraph::config::Settings| {
        s.limits.complexity = usize::MAX;
        crate::helpers::counting_statements(s);
    },
    |app: TestApp| async move {
        const QUERY: &str = "{ viewer { organizations(first: 20) { nodes { capabilityGrants { nodes { id permission } } } } } }";
        let owner = app.user("owner").await;
        let member = app.user("member").await;
        let make = |slug: String| {
            let (owner, member) = (owner.clone(), member.clone());
            async move {
                let org = create_org(&owner, &slug).await;
                add_member(&owner, &org.id, &member, "worker").await;
                for key in ["model.train", "sdk_token.view"] {
                    assert_eq!(grant(&owner, &org.id, &member, key).await.0, "OK");
                }
            }
        };
        make("one".into()).await;
        let count = |c: Client| {
            let app = &app;
            async move {
                let before = app.statement_count();
                let d = c.ok(QUERY, json!({})).await;
                let n: usize = d["viewer"]["organizations"]["nodes"]
                    .as_array()
                    .expect("orgs")
                    .iter()
                    .map(|o| o["capabilityGrants"]["nodes"].as_array().map_or(0, Vec::len))
                    .sum();
                (app.statement_count() - before, n)
            }
        };
        let (owner_small, n) = count(owner.clone()).await;
        assert_eq!(n, 2);
        let (member_small, n) = count(member.clone()).await;
        assert_eq!(n, 2);
        for i in 0..4 {
            make(format!("org{i}")).await;
        }
        let (owner_big, n) = count(owner.clone()).await;
        assert_eq!(n, 10);
        let (member_big, n) = count(member.clone()).await;
        assert_eq!(n, 10, "the member lists their own grants in every organization");
        assert_eq!(owner_small, owner_big, "manager: statements depend on organizations");
        assert_eq!(member_small, member_big, "member: statements depend on organizations");
    }
);

both!(a_capability_is_not_passed_on_through_roles, |app: TestApp| async move {
    // A DEFAULT maintainer manages roles but holds no `sdk_token.view`; the owner grants
    // it to them alone. They may not put it in a role, nor assign a role that has it.
    let t = DefaultOrg::new(&app).await;
    let (owner, maint, worker) = (&t.owner, &t.maintainer, &t.worker);
    assert_eq!(grant(owner, &t.org, maint, "sdk_token.view").await.0, "OK");
    assert!(org_can(maint, &t.org, "sdk_token.view").await);
    let create = "mutation($o: ID!, $k: String!) { createRole(input: { organizationId: $o, key: $k, name: \"Viewer of tokens\",
        scopeKind: ORGANIZATION, permissions: [\"org.read\", \"member.read\", \"sdk_token.view\"] }) { role { key } } }";
    assert_eq!(maint.code(create, json!({ "o": t.org, "k": "tokens" })).await, "FORBIDDEN");
    // The owner makes such a role; the maintainer still may not hand it out.
    owner.ok(create, json!({ "o": t.org, "k": "tokens" })).await;
    let worker_membership = membership_id(owner, &t.org, worker).await;
    assert_eq!(maint.code(CHANGE_ROLE, json!({ "m": worker_membership, "r": "tokens" })).await, "FORBIDDEN");
    assert!(!org_can(worker, &t.org, "sdk_token.view").await);
});
