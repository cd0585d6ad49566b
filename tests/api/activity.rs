//! The activity (workflow) log of seed 000: creations, deletions and moves, per team and
//! per project, recorded with the change and filtered by what the viewer may see.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

const TEAM_LOG: &str = "query($t: ID!) { node(id: $t) { ... on Team { activity(first: 50) { totalCount nodes {
    action objectKind objectId objectName actor { id } createdAt } } } } }";
const PROJECT_LOG: &str = "query($p: ID!) { node(id: $p) { ... on Project { activity(first: 50) { totalCount nodes {
    action objectKind objectName actor { id } } } } } }";

fn entries(d: &Value) -> Vec<(String, String, String)> {
    d["node"]["activity"]["nodes"]
        .as_array()
        .expect("activity")
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("action"), s("objectKind"), s("objectName"))
        })
        .collect()
}

fn row(action: &str, kind: &str, name: &str) -> (String, String, String) {
    (action.into(), kind.into(), name.into())
}

both!(creations_deletions_and_moves_are_logged_with_their_actor, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let dev = app.user("dev").await;
    add_member(&owner, &org.id, &dev, "worker").await;
    add_member(&owner, &org.team, &dev, "developer").await;
    let p = create_project(&dev, &org.workspace, "Cars").await;
    let a = create_dataset(&dev, &p, None, "a").await;
    let b = create_dataset(&dev, &p, None, "b").await;
    dev.ok(MOVE_DATASET, json!({ "d": b, "p": a })).await;
    dev.ok(DELETE_DATASET, json!({ "d": b })).await;

    let d = owner.ok(PROJECT_LOG, json!({ "p": p })).await;
    assert_eq!(
        entries(&d),
        vec![
            row("created", "Project", "Cars"),
            row("created", "Dataset", "a"),
            row("created", "Dataset", "b"),
            row("moved", "Dataset", "b"),
            row("deleted", "Dataset", "b"),
        ]
    );
    assert!(d["node"]["activity"]["nodes"].as_array().expect("nodes").iter().all(|e| e["actor"]["id"] == dev.id.as_str()));

    // A workspace and its deletion are team-level entries; a deleted project's history stays.
    let w = create_workspace(&owner, &org.team, "Scratch").await;
    owner.ok(DELETE_WORKSPACE, json!({ "w": w })).await;
    owner.ok(DELETE_PROJECT, json!({ "p": p })).await;
    let d = owner.ok(TEAM_LOG, json!({ "t": org.team })).await;
    let log = entries(&d);
    assert_eq!(log.len(), 8, "{d}");
    assert_eq!(log[5], row("created", "Workspace", "Scratch"));
    assert_eq!(log[6], row("deleted", "Workspace", "Scratch"));
    assert_eq!(log[7], row("deleted", "Project", "Cars"));
    assert_eq!(d["node"]["activity"]["nodes"][7]["objectId"], json!(p));
});

both!(refused_changes_leave_no_entry_and_hidden_projects_are_left_out, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let p = create_project(&t.owner, &t.workspace, "Secret").await;
    create_dataset(&t.owner, &p, None, "a").await;
    // An annotator sees the team but not its projects: their entries are left out.
    let d = t.annotator.ok(TEAM_LOG, json!({ "t": t.team })).await;
    assert_eq!(d["node"]["activity"]["totalCount"], 0, "{d}");
    // A refused deletion writes nothing.
    assert_eq!(t.viewer.code(DELETE_PROJECT, json!({ "p": p })).await, "FORBIDDEN");
    let d = t.owner.ok(PROJECT_LOG, json!({ "p": p })).await;
    assert_eq!(entries(&d), vec![row("created", "Project", "Secret"), row("created", "Dataset", "a")]);
    // Viewers of the project read its log.
    let d = t.viewer.ok(PROJECT_LOG, json!({ "p": p })).await;
    assert_eq!(d["node"]["activity"]["totalCount"], 2);
});

both!(publishing_and_versions_are_logged, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    owner.ok(PUBLISH_PROJECT, json!({ "p": p })).await;
    owner.ok(UNPUBLISH_PROJECT, json!({ "p": p })).await;
    owner.ok(CREATE_VERSION, json!({ "p": p, "title": "v1" })).await;
    let d = owner.ok(PROJECT_LOG, json!({ "p": p })).await;
    assert_eq!(
        entries(&d),
        vec![
            row("created", "Project", "Cars"),
            row("published", "Project", "Cars"),
            row("unpublished", "Project", "Cars"),
            row("versioned", "Project", "Cars"),
        ]
    );
});

both!(a_team_reached_through_a_publication_shows_no_activity, |app: TestApp| async move {
    // The worker labels a project that moves to another team; the transfer's entry stays
    // in the old team's log. Through a published project of the old team the worker
    // reaches its identity, never its log (RULES.md §9.1), whatever the entry is about.
    let t = DefaultOrg::new(&app).await;
    let (owner, worker) = (&t.owner, &t.worker);
    let p5 = create_project(owner, &t.workspace, "P5").await;
    add_member(owner, &p5, worker, "labeler").await;
    let d = owner.ok(CREATE_TEAM, json!({ "o": t.org, "n": "Other" })).await;
    let other_ws = d["createTeam"]["team"]["workspaces"]["nodes"][0]["id"].as_str().expect("workspace").to_string();
    owner.ok(TRANSFER_PROJECT, json!({ "p": p5, "w": other_ws })).await;
    owner.ok(PUBLISH_PROJECT, json!({ "p": t.project })).await;
    assert!(worker.node(&t.team).await.is_null(), "the worker no longer sees the old team");
    let explore = "{ explore(first: 5) { nodes { id team { id activity(first: 10) { totalCount nodes { objectName } } } } } }";
    let d = worker.ok(explore, json!({})).await;
    let seen = &d["explore"]["nodes"][0];
    assert_eq!((seen["id"].as_str(), seen["team"]["id"].as_str()), (Some(t.project.as_str()), Some(t.team.as_str())), "{d}");
    assert_eq!(seen["team"]["activity"], json!({ "totalCount": 0, "nodes": [] }), "{d}");
    // Whoever sees the old team reads the entry.
    let log = owner.ok(TEAM_LOG, json!({ "t": t.team })).await;
    assert!(entries(&log).iter().any(|(a, _, n)| a == "transferred" && n == "P5"), "{log}");
});

both!(a_published_project_s_log_is_empty_for_whoever_does_not_see_the_project, |app: TestApp| async move {
    // P5 moves from the team admin's team to another and is published: the admin reaches
    // it through `explore` but does not see it, so its log is empty (README, "explore"),
    // although the transfer's entry stays in the old team's log, which the admin reads.
    let t = DefaultOrg::new(&app).await;
    let owner = &t.owner;
    let p5 = create_project(owner, &t.workspace, "P5").await;
    let d = owner.ok(CREATE_TEAM, json!({ "o": t.org, "n": "Other" })).await;
    let other_ws = d["createTeam"]["team"]["workspaces"]["nodes"][0]["id"].as_str().expect("workspace").to_string();
    owner.ok(TRANSFER_PROJECT, json!({ "p": p5, "w": other_ws })).await;
    owner.ok(PUBLISH_PROJECT, json!({ "p": p5 })).await;
    assert!(t.team_admin.node(&p5).await.is_null(), "the team admin does not see the moved project");
    let explore = "{ explore(first: 5) { nodes { id activity(first: 10) { totalCount nodes { action } } } } }";
    let d = t.team_admin.ok(explore, json!({})).await;
    let seen = d["explore"]["nodes"].as_array().expect("explore").iter().find(|n| n["id"] == p5.as_str()).expect("P5 explored");
    assert_eq!(seen["activity"], json!({ "totalCount": 0, "nodes": [] }), "{d}");
    let log = t.team_admin.ok(TEAM_LOG, json!({ "t": t.team })).await;
    assert!(entries(&log).iter().any(|(a, _, n)| a == "transferred" && n == "P5"), "{log}");
    // Whoever sees the project reads its log, the transfer included.
    let log = owner.ok(PROJECT_LOG, json!({ "p": p5 })).await;
    assert!(entries(&log).iter().any(|(a, _, _)| a == "transferred"), "{log}");
});
