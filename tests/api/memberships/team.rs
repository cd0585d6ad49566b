//! Team roles (RULES.md §5 note ², Supervisely seed 000), each checked by the holder of the
//! role in `Core`: the team admin manages any team role, admins included, but only the
//! organization's owner and maintainers demote or remove an admin; developers delete only
//! what they created; managers edit but never delete; viewers read and change nothing;
//! annotators see no projects at all.

use super::*;
use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::json;

both!(team_admin_adds_and_promotes_admins_but_only_org_owner_or_maintainer_demotes_them, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let core = &t.team;
    let (ben, cat) = (app.user("ben").await, app.user("cat").await);
    add_member(&t.owner, &t.org, &ben, "worker").await;
    add_member(&t.owner, &t.org, &cat, "worker").await;
    // The explicit team admin (only a worker in the organization) adds members, also admins.
    let m_ben = add_member(&t.team_admin, core, &ben, "admin").await;
    let m_cat = add_member(&t.team_admin, core, &cat, "developer").await;
    let d = t.team_admin.ok(CHANGE_ROLE, json!({ "m": m_cat, "r": "admin" })).await;
    assert_eq!(d["changeMemberRole"]["membership"]["role"]["key"], "admin");
    let m_dev = membership_id(&t.team_admin, core, &t.developer).await;
    t.team_admin.ok(CHANGE_ROLE, json!({ "m": m_dev, "r": "manager" })).await;
    t.team_admin.ok(CHANGE_ROLE, json!({ "m": m_dev, "r": "developer" })).await;

    // ...but demoting or removing another admin needs the org owner or a maintainer.
    let before = members(&t.owner, core).await;
    assert_eq!(t.team_admin.code(CHANGE_ROLE, json!({ "m": m_ben, "r": "developer" })).await, "FORBIDDEN");
    assert_eq!(t.team_admin.code(REMOVE_MEMBER, json!({ "m": m_ben })).await, "FORBIDDEN");
    // Non-admin team roles manage nobody.
    for who in [&t.developer, &t.manager, &t.viewer] {
        assert_eq!(who.code(CHANGE_ROLE, json!({ "m": m_cat, "r": "viewer" })).await, "FORBIDDEN", "{}", who.sub);
        assert_eq!(who.code(ADD_MEMBER, json!({ "s": core, "u": t.owner.id, "r": "viewer" })).await, "FORBIDDEN", "{}", who.sub);
    }
    assert_eq!(members(&t.owner, core).await, before);

    t.owner.ok(CHANGE_ROLE, json!({ "m": m_ben, "r": "developer" })).await;
    // The maintainer is an implicit team admin: removes an explicit admin without being a team member.
    t.team_admin.ok(CHANGE_ROLE, json!({ "m": m_ben, "r": "admin" })).await;
    t.maintainer.ok(REMOVE_MEMBER, json!({ "m": m_ben })).await;
    assert_eq!(role_of(&t.owner, core, &ben).await, None);
    assert_eq!(role_of(&t.owner, core, &cat).await.as_deref(), Some("admin"));
});

both!(developer_deletes_only_what_they_created_and_admin_deletes_anything, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let ws = &t.workspace;
    let theirs = create_project(&t.owner, ws, "Owner's").await;
    let their_ds = create_dataset(&t.owner, &theirs, None, "o1").await;
    let mine = create_project(&t.developer, ws, "Dev's").await;
    let my_ds_in_theirs = create_dataset(&t.developer, &theirs, None, "d1").await;
    let their_ds_in_mine = create_dataset(&t.owner, &mine, None, "o2").await;

    assert_eq!(t.developer.code(DELETE_PROJECT, json!({ "p": theirs })).await, "FORBIDDEN");
    assert_eq!(t.developer.code(DELETE_DATASET, json!({ "d": their_ds })).await, "FORBIDDEN");
    assert_eq!(t.owner.node(&theirs).await["name"], "Owner's");
    assert_eq!(t.owner.node(&their_ds).await["name"], "o1");
    let q = "query($p: ID!) { node(id: $p) { ... on Project { viewerCan(permission: \"project.delete\") } } }";
    assert_eq!(t.developer.ok(q, json!({ "p": theirs })).await["node"]["viewerCan"], false);
    assert_eq!(t.developer.ok(q, json!({ "p": mine })).await["node"]["viewerCan"], true);

    // Their own dataset; not someone else's in their own project, nor the project while
    // it holds it (RULES.md §5 v3: `.own` needs the whole subtree to be theirs).
    t.developer.ok(DELETE_DATASET, json!({ "d": my_ds_in_theirs })).await;
    assert_eq!(t.developer.code(DELETE_DATASET, json!({ "d": their_ds_in_mine })).await, "FORBIDDEN");
    assert_eq!(t.developer.code(DELETE_PROJECT, json!({ "p": mine })).await, "FORBIDDEN");
    t.team_admin.ok(DELETE_DATASET, json!({ "d": their_ds_in_mine })).await;
    t.developer.ok(DELETE_PROJECT, json!({ "p": mine })).await;
    assert!(t.developer.node(&mine).await.is_null());

    // The explicit admin deletes what others created.
    let again = create_project(&t.developer, ws, "Dev's again").await;
    t.team_admin.ok(DELETE_DATASET, json!({ "d": their_ds })).await;
    t.team_admin.ok(DELETE_PROJECT, json!({ "p": again })).await;
    t.team_admin.ok(DELETE_PROJECT, json!({ "p": theirs })).await;
    assert!(t.owner.node(&theirs).await.is_null());
});

both!(manager_edits_projects_and_creates_datasets_but_cannot_delete, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let p = t.project.clone();
    let d = t.manager.ok(UPDATE_PROJECT, json!({ "p": p, "n": "Trucks" })).await;
    assert_eq!(d["updateProject"]["project"]["name"], "Trucks");
    let ds = t.manager.ok(CREATE_DATASET, json!({ "p": p, "n": "mine" })).await["createDataset"]["dataset"]["id"]
        .as_str()
        .expect("dataset")
        .to_string();
    t.manager.ok(UPDATE_DATASET, json!({ "d": ds, "n": "renamed" })).await;

    assert_eq!(t.manager.code(DELETE_DATASET, json!({ "d": ds })).await, "FORBIDDEN");
    assert_eq!(t.manager.code(DELETE_PROJECT, json!({ "p": p })).await, "FORBIDDEN");
    assert_eq!(t.manager.code(CREATE_PROJECT, json!({ "w": t.workspace, "n": "New" })).await, "FORBIDDEN");
    assert_eq!(t.owner.node(&p).await["name"], "Trucks");
    assert_eq!(t.owner.node(&ds).await["name"], "renamed");
    let q = "query($w: ID!) { node(id: $w) { ... on Workspace { projects(first: 5) { totalCount } } } }";
    assert_eq!(t.owner.ok(q, json!({ "w": t.workspace })).await["node"]["projects"]["totalCount"], 1);
});

both!(viewer_reads_everything_but_every_mutation_is_forbidden, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let p = t.project.clone();
    let a = create_dataset(&t.owner, &p, None, "a").await;
    let b = create_dataset(&t.owner, &p, None, "b").await;
    let read = "query($p: ID!) { node(id: $p) { ... on Project { name viewerRole { key } datasets(first: 5) { totalCount nodes { name } } workspace { name } team { name workspaces(first: 5) { totalCount } } } } }";
    let seen = t.viewer.ok(read, json!({ "p": p })).await;
    assert_eq!(seen["node"]["name"], "Cars");
    assert!(seen["node"]["viewerRole"].is_null(), "no project role: {seen}");
    assert_eq!(seen["node"]["datasets"]["totalCount"], 2);
    let before = t.owner.ok(read, json!({ "p": p })).await;

    let forbidden = [
        (UPDATE_PROJECT, json!({ "p": p, "n": "x" })),
        (DELETE_PROJECT, json!({ "p": p })),
        (CREATE_PROJECT, json!({ "w": t.workspace, "n": "x" })),
        (CREATE_DATASET, json!({ "p": p, "n": "x" })),
        (UPDATE_DATASET, json!({ "d": a, "n": "x" })),
        (MOVE_DATASET, json!({ "d": a, "p": b })),
        (DELETE_DATASET, json!({ "d": a })),
        (CREATE_WORKSPACE, json!({ "t": t.team, "n": "x" })),
        (DELETE_WORKSPACE, json!({ "w": t.workspace })),
        (UPDATE_TEAM, json!({ "t": t.team, "n": "x" })),
        (DELETE_TEAM, json!({ "t": t.team })),
        (ADD_MEMBER, json!({ "s": t.team, "u": t.owner.id, "r": "viewer" })),
        (ADD_MEMBER, json!({ "s": p, "u": t.annotator.id, "r": "labeler" })),
    ];
    for (q, v) in forbidden {
        assert_eq!(t.viewer.code(q, v.clone()).await, "FORBIDDEN", "{q} {v}");
    }
    assert_eq!(t.owner.ok(read, json!({ "p": p })).await, before);
});

both!(annotator_sees_no_projects_and_mutations_on_them_are_not_found, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let p = t.project.clone();
    let ds = create_dataset(&t.owner, &p, None, "a").await;
    let q = "query($w: ID!) { node(id: $w) { ... on Workspace { name projects(first: 5) { totalCount nodes { id } } team { viewerRole { key } } } } }";
    let d = t.annotator.ok(q, json!({ "w": t.workspace })).await;
    assert_eq!(d["node"]["name"], "First Workspace", "the team and its workspaces are visible: {d}");
    assert_eq!(d["node"]["team"]["viewerRole"]["key"], "annotator");
    assert_eq!(d["node"]["projects"]["totalCount"], 0);
    assert_eq!(d["node"]["projects"]["nodes"], json!([]));
    for id in [&p, &ds] {
        assert!(t.annotator.node(id).await.is_null());
    }
    let not_found = [
        (UPDATE_PROJECT, json!({ "p": p, "n": "x" })),
        (DELETE_PROJECT, json!({ "p": p })),
        (CREATE_DATASET, json!({ "p": p, "n": "x" })),
        (UPDATE_DATASET, json!({ "d": ds, "n": "x" })),
        (MOVE_DATASET, json!({ "d": ds, "p": null })),
        (DELETE_DATASET, json!({ "d": ds })),
        (ADD_MEMBER, json!({ "s": p, "u": t.annotator.id, "r": "labeler" })),
        (LEAVE, json!({ "s": p })),
    ];
    for (q, v) in not_found {
        assert_eq!(t.annotator.code(q, v.clone()).await, "NOT_FOUND", "{q} {v}");
    }
    // The workspace is visible, so creating a project there is a permission question.
    assert_eq!(t.annotator.code(CREATE_PROJECT, json!({ "w": t.workspace, "n": "x" })).await, "FORBIDDEN");
    assert_eq!(t.owner.node(&p).await["name"], "Cars");
    assert_eq!(t.owner.node(&ds).await["name"], "a");
});
