//! Who sees what (RULES.md §3.1, §9.1): a non-member sees nothing of an organization, by
//! slug, `node` or `nodes`, and every mutation on it answers `NOT_FOUND`; a user's e-mail and
//! lists are for themself; the owner and maintainers see every team, supervisors and
//! workers only their own; a project membership is hidden from those who do not see the
//! project. (The viewer fields are in `viewer_permissions`, the order of checks in
//! `order_of_checks`.)

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

/// `DefaultOrg` with datasets `a/b` in its project, and the developer's organization and
/// team memberships: one object of each kind a non-member must not see.
struct World {
    t: DefaultOrg,
    dataset: String,
    child: String,
    membership: String,
    team_membership: String,
}

async fn world(app: &TestApp) -> World {
    let t = DefaultOrg::new(app).await;
    let dataset = create_dataset(&t.owner, &t.project, None, "a").await;
    let child = create_dataset(&t.owner, &t.project, Some(&dataset), "b").await;
    let membership = membership_id(&t.owner, &t.org, &t.developer).await;
    let team_membership = membership_id(&t.owner, &t.team, &t.developer).await;
    World { t, dataset, child, membership, team_membership }
}

impl World {
    fn ids(&self) -> Vec<String> {
        let t = &self.t;
        vec![
            t.org.clone(),
            t.team.clone(),
            t.workspace.clone(),
            t.project.clone(),
            self.dataset.clone(),
            self.child.clone(),
            self.membership.clone(),
            self.team_membership.clone(),
        ]
    }
}

both!(a_non_member_sees_nothing_by_slug_node_or_nodes, |app: TestApp| async move {
    let w = world(&app).await;
    let (owner, eve) = (&w.t.owner, &w.t.outsider);
    assert!(eve.ok("{ organization(slug: \"acme\") { id } }", json!({})).await["organization"].is_null());
    assert!(eve.ok("{ organization(slug: \"ACME\") { id } }", json!({})).await["organization"].is_null());
    for id in w.ids() {
        assert!(!owner.node(&id).await.is_null(), "the owner sees {id}");
        assert!(eve.node(&id).await.is_null(), "the outsider must not see {id}");
    }
    // Users who share no organization are invisible to each other.
    assert!(eve.node(&owner.id).await.is_null());
    assert!(owner.node(&eve.id).await.is_null());

    // `nodes` answers each entry as `node` would, in order, null for the invisible ones.
    let mut ids = vec![eve.id.clone()];
    ids.extend(w.ids());
    let d = eve.ok(NODES, json!({ "ids": ids })).await;
    let mut expected = vec![json!({ "id": eve.id })];
    expected.extend(w.ids().iter().map(|_| Value::Null));
    assert_eq!(d["nodes"], Value::Array(expected));
    let d = owner.ok(NODES, json!({ "ids": ids })).await;
    let got: Vec<bool> = d["nodes"].as_array().expect("nodes").iter().map(Value::is_null).collect();
    assert_eq!(got, [vec![true], vec![false; w.ids().len()]].concat(), "{d}");
});

both!(every_mutation_of_a_non_member_on_hidden_objects_is_not_found, |app: TestApp| async move {
    let w = world(&app).await;
    let (t, eve) = (&w.t, &w.t.outsider);
    let mut before = Vec::new();
    for id in w.ids() {
        before.push(t.owner.node(&id).await);
    }
    let cases: Vec<(&str, Value)> = vec![
        (UPDATE_ORGANIZATION, json!({ "o": t.org, "n": "x" })),
        (DELETE_ORGANIZATION, json!({ "o": t.org })),
        (TRANSFER_OWNERSHIP, json!({ "o": t.org, "u": eve.id })),
        (CREATE_TEAM, json!({ "o": t.org, "n": "x" })),
        (UPDATE_TEAM, json!({ "t": t.team, "n": "x" })),
        (DELETE_TEAM, json!({ "t": t.team })),
        (CREATE_WORKSPACE, json!({ "t": t.team, "n": "x" })),
        (UPDATE_WORKSPACE, json!({ "w": t.workspace, "n": "x" })),
        (DELETE_WORKSPACE, json!({ "w": t.workspace })),
        (CREATE_PROJECT, json!({ "w": t.workspace, "n": "x" })),
        (UPDATE_PROJECT, json!({ "p": t.project, "n": "x" })),
        (DELETE_PROJECT, json!({ "p": t.project })),
        (CREATE_DATASET, json!({ "p": t.project, "n": "x" })),
        (UPDATE_DATASET, json!({ "d": w.dataset, "n": "x" })),
        (MOVE_DATASET, json!({ "d": w.child, "p": null })),
        (DELETE_DATASET, json!({ "d": w.dataset })),
        (ADD_MEMBER, json!({ "s": t.org, "u": eve.id, "r": "worker" })),
        (ADD_MEMBER, json!({ "s": t.team, "u": eve.id, "r": "admin" })),
        (ADD_MEMBER, json!({ "s": t.project, "u": eve.id, "r": "lead" })),
        (CHANGE_ROLE, json!({ "m": w.membership, "r": "maintainer" })),
        (CHANGE_ROLE, json!({ "m": w.team_membership, "r": "admin" })),
        (REMOVE_MEMBER, json!({ "m": w.membership })),
        (REMOVE_MEMBER, json!({ "m": w.team_membership })),
        (LEAVE, json!({ "s": t.org })),
        (LEAVE, json!({ "s": t.team })),
        (LEAVE, json!({ "s": t.project })),
        (INVITE, json!({ "s": t.org, "e": "eve2@example.com", "r": "worker" })),
    ];
    for (q, v) in cases {
        assert_eq!(eve.code(q, v.clone()).await, "NOT_FOUND", "{q} {v}");
    }
    let mut after = Vec::new();
    for id in w.ids() {
        after.push(t.owner.node(&id).await);
    }
    assert_eq!(after, before, "nothing changed");
    assert!(eve.ok("{ organization(slug: \"acme\") { id } }", json!({})).await["organization"].is_null());
});

both!(email_and_the_lists_of_a_user_are_only_for_themself, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let q = "query($id: ID!) { node(id: $id) { ... on User { id name email organizations(first: 2) { totalCount } teams(first: 2) { totalCount } memberships(first: 2) { totalCount } } } }";
    // The developer shares an organization with the owner: sees them, but not their private fields.
    let d = t.developer.ok(q, json!({ "id": t.owner.id })).await;
    let u = &d["node"];
    assert_eq!(u["id"], t.owner.id.as_str());
    assert_eq!(u["name"], "owner");
    for field in ["email", "organizations", "teams", "memberships"] {
        assert!(u[field].is_null(), "{field} must be null for another user: {d}");
    }
    // Through other paths too.
    let d = t
        .developer
        .ok("query($o: ID!) { node(id: $o) { ... on Organization { owner { email } members(first: 5) { nodes { user { id email } } } } } }", json!({ "o": t.org }))
        .await;
    assert!(d["node"]["owner"]["email"].is_null(), "{d}");
    for m in d["node"]["members"]["nodes"].as_array().expect("members") {
        let mine = m["user"]["id"] == t.developer.id.as_str();
        assert_eq!(m["user"]["email"].is_null(), !mine, "{d}");
    }
    // Themself: everything.
    let d = t.developer.ok(q, json!({ "id": t.developer.id })).await;
    assert_eq!(d["node"]["email"], "developer@example.com");
    assert_eq!(d["node"]["organizations"]["totalCount"], 2);
    assert_eq!(d["node"]["teams"]["totalCount"], 2);
    assert_eq!(d["node"]["memberships"]["totalCount"], 4);
    let d = t.owner.ok("{ viewer { email } }", json!({})).await;
    assert_eq!(d["viewer"]["email"], "owner@example.com");
});

both!(org_owner_and_maintainers_see_every_team_supervisors_and_workers_only_their_own, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (owner, mai, sup, wor) = (&t.owner, &t.maintainer, &t.supervisor, &t.worker);
    let (red, _) = create_team(sup, &t.org, "Red").await;
    let (blue, blue_ws) = create_team(owner, &t.org, "Blue").await;
    add_member(owner, &blue, wor, "annotator").await;
    assert_eq!(wor.code(CREATE_TEAM, json!({ "o": t.org, "n": "Green" })).await, "FORBIDDEN");

    let teams = |c: &Client| {
        let (c, o) = (c.clone(), t.org.clone());
        async move {
            let d = c
                .ok(
                    "query($o: ID!) { node(id: $o) { ... on Organization { teams(first: 10) { totalCount nodes { name } } } } }",
                    json!({ "o": o }),
                )
                .await;
            let names: Vec<String> = d["node"]["teams"]["nodes"]
                .as_array()
                .expect("teams")
                .iter()
                .map(|t| t["name"].as_str().expect("name").to_string())
                .collect();
            assert_eq!(d["node"]["teams"]["totalCount"], names.len(), "{d}");
            names
        }
    };
    assert_eq!(teams(owner).await, ["Core", "Red", "Blue"]);
    assert_eq!(teams(mai).await, ["Core", "Red", "Blue"]);
    assert_eq!(teams(sup).await, ["Red"]);
    assert_eq!(teams(wor).await, ["Blue"]);
    assert!(sup.node(&t.team).await.is_null());
    assert!(wor.node(&red).await.is_null());
    assert!(wor.node(&t.workspace).await.is_null());
    assert_eq!(mai.node(&red).await["name"], "Red");
    assert_eq!(mai.node(&t.workspace).await["name"], "First Workspace");
    // The same for projects: every project of the org for owner and maintainers.
    let bp = create_project(owner, &blue_ws, "Blue project").await;
    assert_eq!(mai.node(&t.project).await["name"], "Cars");
    assert_eq!(mai.node(&bp).await["name"], "Blue project");
    assert!(sup.node(&t.project).await.is_null());
    assert!(sup.node(&bp).await.is_null());
    // An annotator of Blue sees the team but none of its projects.
    assert!(wor.node(&bp).await.is_null());
    // A hidden team is NOT_FOUND for mutations, a visible one FORBIDDEN without permission.
    assert_eq!(sup.code(UPDATE_TEAM, json!({ "t": t.team, "n": "x" })).await, "NOT_FOUND");
    assert_eq!(wor.code(UPDATE_TEAM, json!({ "t": blue, "n": "x" })).await, "FORBIDDEN");
    mai.ok(UPDATE_TEAM, json!({ "t": red, "n": "x" })).await;
    assert_eq!(sup.node(&red).await["name"], "x");
});

both!(project_memberships_are_hidden_from_those_who_do_not_see_the_project, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let p = create_project(&t.owner, &t.workspace, "Secret").await;
    let (ann, dev) = (&t.annotator, &t.developer);
    let lab = app.user("lab").await;
    add_member(&t.owner, &t.org, &lab, "worker").await;
    let m_lab = add_member(&t.owner, &p, &lab, "labeler").await;
    let m_dev_team = membership_id(&t.owner, &t.team, dev).await;
    // The annotator sees the team (and its memberships) but not the project, nor its memberships.
    assert!(ann.node(&p).await.is_null());
    assert!(ann.node(&m_lab).await.is_null(), "a project membership reveals the project");
    assert_eq!(ann.node(&m_dev_team).await["role"]["key"], "developer");
    assert_eq!(ann.code(REMOVE_MEMBER, json!({ "m": m_lab })).await, "NOT_FOUND");
    assert_eq!(ann.code(CHANGE_ROLE, json!({ "m": m_lab, "r": "reviewer" })).await, "NOT_FOUND");
    // Those who see the project see its memberships; the member sees their own.
    assert_eq!(dev.node(&m_lab).await["role"]["key"], "labeler");
    assert_eq!(lab.node(&m_lab).await["role"]["key"], "labeler");
    assert_eq!(dev.code(REMOVE_MEMBER, json!({ "m": m_lab })).await, "FORBIDDEN");
    assert_eq!(t.owner.node(&m_lab).await["role"]["key"], "labeler");
    // An outsider sees no membership at all.
    assert!(t.outsider.node(&m_lab).await.is_null());
    assert!(t.outsider.node(&m_dev_team).await.is_null());
});
