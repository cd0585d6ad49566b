//! RULES.md §9.1 through memberships, invitations and `explore` (issue 11 findings 6 and 7,
//! and the invitee's view of §3.1): an object reached through a membership, an
//! invitation or a published project answers no more than `node(id)` would; what the
//! viewer may know of the places above it is their identity, in `scopePath`.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

const CREATE_ROLE: &str = "mutation($o: ID!, $k: String!, $s: ScopeKind!, $p: [String!]!) {
    createRole(input: { organizationId: $o, key: $k, name: $k, scopeKind: $s, permissions: $p }) { role { key } } }";

const MY_MEMBERSHIPS: &str = "{ viewer { memberships(first: 50) { nodes { scopeKind
    project { id name datasets(first: 5) { nodes { name } } workspace { name } }
    team { id name workspaces(first: 5) { nodes { name } } }
    scopePath { kind id name slug } } } } }";

/// The path entries as (kind, id, name).
fn path(v: &Value) -> Vec<(String, String, String)> {
    v.as_array()
        .expect("scopePath")
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("kind"), s("id"), s("name"))
        })
        .collect()
}

both!(finding_7_membership_project_follows_visibility, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    create_dataset(&t.owner, &t.project, None, "secret-dataset").await;
    // A custom project role without `project.read`: the worker holds it on `Cars`.
    let vars = json!({ "o": t.org, "k": "tagger", "s": "PROJECT", "p": ["label.read"] });
    t.owner.ok(CREATE_ROLE, vars).await;
    add_member(&t.owner, &t.project, &t.worker, "tagger").await;
    assert!(t.worker.node(&t.project).await.is_null(), "the worker does not see the project by node");
    assert!(t.worker.node(&t.team).await.is_null(), "nor its team");

    let d = t.worker.ok(MY_MEMBERSHIPS, json!({})).await;
    let nodes = d["viewer"]["memberships"]["nodes"].as_array().expect("memberships").clone();
    let m = nodes.iter().find(|m| m["scopeKind"] == "PROJECT").expect("the project membership");
    assert!(m["project"].is_null(), "Membership.project answers what node(id) answers: {m}");
    assert!(m["team"].is_null(), "Membership.team too: {m}");
    // The identity of the scope and its ancestors, and nothing below them.
    let expected = vec![
        ("ORGANIZATION".to_string(), t.org.clone(), "acme".to_string()),
        ("TEAM".to_string(), t.team.clone(), "Core".to_string()),
        ("PROJECT".to_string(), t.project.clone(), "Cars".to_string()),
    ];
    assert_eq!(path(&m["scopePath"]), expected, "{m}");
    assert_eq!(m["scopePath"][0]["slug"], "acme");
    assert!(m["scopePath"][1]["slug"].is_null());

    // Whoever sees the project gets the whole object, as by node.
    let d = t.developer.ok(MY_MEMBERSHIPS, json!({})).await;
    let nodes = d["viewer"]["memberships"]["nodes"].as_array().expect("memberships").clone();
    let m = nodes.iter().find(|m| m["scopeKind"] == "TEAM").expect("the team membership");
    assert_eq!(m["team"]["workspaces"]["nodes"][0]["name"], "First Workspace", "{m}");
});

const PENDING: &str = "{ viewer { pendingInvitations { scopeKind organization { id name slug }
    team { id } project { id } invitedBy { id name } scopePath { kind id name } } } }";

both!(an_invitee_sees_the_scope_and_the_inviter_of_their_invitation, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    t.owner.ok(INVITE, json!({ "s": t.project, "e": "newbie@example.com", "r": "labeler" })).await;
    let newbie = app.user("newbie").await;
    let d = newbie.ok(PENDING, json!({})).await;
    let inv = &d["viewer"]["pendingInvitations"][0];
    assert_eq!(inv["scopeKind"], "PROJECT", "{d}");
    assert_eq!(inv["organization"]["slug"], "acme");
    // The invitee is no member: the objects stay closed, their identity is shown.
    assert!(inv["team"].is_null() && inv["project"].is_null(), "{inv}");
    let expected = vec![
        ("ORGANIZATION".to_string(), t.org.clone(), "acme".to_string()),
        ("TEAM".to_string(), t.team.clone(), "Core".to_string()),
        ("PROJECT".to_string(), t.project.clone(), "Cars".to_string()),
    ];
    assert_eq!(path(&inv["scopePath"]), expected, "{inv}");
    assert_eq!(inv["invitedBy"]["id"], t.owner.id.as_str(), "{inv}");
    assert_eq!(inv["invitedBy"]["name"], "owner", "{inv}");
});

const EXPLORED: &str = "{ explore(first: 5) { nodes { id name
    datasets(first: 5) { nodes { name } }
    activity(first: 50) { totalCount }
    versions(first: 5) { totalCount nodes { title } }
    origin { kind }
    workspace { id name description projects(first: 5) { totalCount } }
    team { id name workspaces(first: 5) { totalCount nodes { name description } } activity(first: 50) { totalCount }
        trash(first: 5) { totalCount } organization { id name slug description roles { key } } } } } }";

both!(finding_6_explore_opens_only_the_published_project, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let owner = &t.owner;
    create_dataset(owner, &t.project, None, "public").await;
    let gone = create_dataset(owner, &t.project, None, "deleted-secret").await;
    owner.ok(DELETE_DATASET, json!({ "d": gone })).await;
    owner.ok(CREATE_VERSION, json!({ "p": t.project, "title": "secret title" })).await;
    owner.ok(CREATE_WORKSPACE, json!({ "t": t.team, "n": "Secret plans" })).await;
    let describe =
        "mutation($w: ID!) { updateWorkspace(input: { workspaceId: $w, description: \"secret\" }) { workspace { id } } }";
    owner.ok(describe, json!({ "w": t.workspace })).await;
    owner.ok(CREATE_ROLE, json!({ "o": t.org, "k": "tagger", "s": "PROJECT", "p": ["label.read"] })).await;
    owner.ok(PUBLISH_PROJECT, json!({ "p": t.project })).await;

    let d = t.outsider.ok(EXPLORED, json!({})).await;
    let p = &d["explore"]["nodes"][0];
    // Open: the project, its datasets, the identity of its team and organization.
    assert_eq!(p["name"], "Cars", "{d}");
    assert_eq!(p["datasets"]["nodes"][0]["name"], "public");
    assert_eq!(p["team"]["id"], t.team.as_str());
    assert_eq!(p["team"]["name"], "Core");
    assert_eq!(p["team"]["organization"]["slug"], "acme");
    // Everything else follows the outsider's own visibility: they see none of it.
    assert_eq!(p["activity"]["totalCount"], 0, "project activity: {p}");
    assert_eq!(p["versions"]["totalCount"], 0, "versions: {p}");
    assert!(p["workspace"]["description"].is_null(), "{p}");
    assert_eq!(p["workspace"]["projects"]["totalCount"], 0, "{p}");
    assert_eq!(p["team"]["workspaces"]["totalCount"], 0, "the team's workspaces: {p}");
    assert_eq!(p["team"]["activity"]["totalCount"], 0, "team activity: {p}");
    assert_eq!(p["team"]["trash"]["totalCount"], 0, "team trash: {p}");
    assert!(p["team"]["organization"]["description"].is_null());
    assert_eq!(p["team"]["organization"]["roles"], json!([]), "the organization's roles: {p}");

    // Members see all of it through the same query.
    let d = owner.ok(EXPLORED, json!({})).await;
    let p = &d["explore"]["nodes"][0];
    assert_eq!(p["versions"]["nodes"][0]["title"], "secret title", "{p}");
    assert_eq!(p["team"]["workspaces"]["totalCount"], 2, "{p}");
    assert!(p["activity"]["totalCount"].as_i64().unwrap_or(0) > 0, "{p}");
    assert!(!p["team"]["organization"]["roles"].as_array().expect("roles").is_empty());
});

both!(a_custom_role_reading_projects_without_team_read_sees_their_team, |app: TestApp| async move {
    // RULES.md §3.1: a team is seen by anyone who sees a project in it, also through an
    // organization or team role that reads projects without `team.read`. `Project.team`
    // and `Project.workspace` are non-null: they failed for such a reader.
    let t = DefaultOrg::new(&app).await;
    let team_role = json!({ "o": t.org, "k": "projreader", "s": "TEAM", "p": ["project.read", "dataset.read"] });
    t.owner.ok(CREATE_ROLE, team_role).await;
    add_member(&t.owner, &t.team, &t.worker, "projreader").await;
    let org_role = json!({ "o": t.org, "k": "orgreader", "s": "ORGANIZATION", "p": ["org.read", "project.read"] });
    t.owner.ok(CREATE_ROLE, org_role).await;
    let carol = app.user("carol").await;
    add_member(&t.owner, &t.org, &carol, "orgreader").await;
    let project = "query($p: ID!) { node(id: $p) { ... on Project { name team { id name } workspace { id } } } }";
    let teams = "query($o: ID!) { node(id: $o) { ... on Organization { teams(first: 10) { nodes { id } } } } }";
    for c in [&t.worker, &carol] {
        let d = c.ok(project, json!({ "p": t.project })).await;
        assert_eq!(d["node"]["team"]["id"], t.team.as_str(), "{d}");
        assert_eq!(d["node"]["workspace"]["id"], t.workspace.as_str(), "{d}");
        assert_eq!(c.node(&t.team).await["id"], t.team.as_str());
        let listed = c.ok(teams, json!({ "o": t.org })).await;
        let ids = listed["node"]["teams"]["nodes"].to_string();
        assert!(ids.contains(t.team.as_str()), "{listed}");
    }
    // An empty team holds no project the organization-wide reader sees: it stays hidden.
    let (empty, _) = crate::fixtures::create_team(&t.owner, &t.org, "Empty").await;
    assert!(carol.node(&empty).await.is_null());
    let listed = carol.ok(teams, json!({ "o": t.org })).await;
    assert!(!listed["node"]["teams"]["nodes"].to_string().contains(empty.as_str()), "{listed}");
    let mine = t.worker.ok("{ viewer { teams(first: 10) { nodes { id } } } }", json!({})).await;
    assert!(mine["viewer"]["teams"].to_string().contains(t.team.as_str()), "{mine}");
});
