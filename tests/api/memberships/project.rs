//! Project roles (RULES.md §5 note ³): a lead assigns manager, reviewer and labeler; a
//! project manager only reviewer and labeler; making or unmaking a lead needs a team admin;
//! and a project role alone shows that project and its ancestors' identity, nothing else.

use super::*;
use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::json;

/// Signs in `subs` and makes each a worker of `t`'s organization (in no team).
async fn org_workers<const N: usize>(app: &TestApp, t: &DefaultOrg, subs: [&str; N]) -> [Client; N] {
    let mut users = Vec::new();
    for sub in subs {
        let u = app.user(sub).await;
        add_member(&t.owner, &t.org, &u, "worker").await;
        users.push(u);
    }
    users.try_into().unwrap_or_else(|_| unreachable!("one user per sub"))
}

both!(project_lead_assigns_manager_reviewer_and_labeler_but_not_lead, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let [lee, mo, rev, lab, x] = org_workers(&app, &t, ["lee", "mo", "rev", "lab", "x"]).await;
    let pid = &t.project;
    let m_lee = add_member(&t.owner, pid, &lee, "lead").await;
    let m_mo = add_member(&lee, pid, &mo, "manager").await;
    let m_rev = add_member(&lee, pid, &rev, "reviewer").await;
    let m_lab = add_member(&lee, pid, &lab, "labeler").await;
    lee.ok(CHANGE_ROLE, json!({ "m": m_rev, "r": "manager" })).await;
    lee.ok(CHANGE_ROLE, json!({ "m": m_rev, "r": "reviewer" })).await;

    let before = members(&t.owner, pid).await;
    let forbidden = [
        (ADD_MEMBER, json!({ "s": pid, "u": x.id, "r": "lead" })),
        (CHANGE_ROLE, json!({ "m": m_mo, "r": "lead" })),
        (CHANGE_ROLE, json!({ "m": m_lee, "r": "manager" })),
        // A team membership is not a project lead's business.
        (ADD_MEMBER, json!({ "s": t.team, "u": x.id, "r": "viewer" })),
    ];
    for (q, v) in forbidden {
        assert_eq!(lee.code(q, v.clone()).await, "FORBIDDEN", "{v}");
    }
    // Reviewers and labelers manage nobody.
    assert_eq!(rev.code(ADD_MEMBER, json!({ "s": pid, "u": x.id, "r": "labeler" })).await, "FORBIDDEN");
    assert_eq!(lab.code(REMOVE_MEMBER, json!({ "m": m_rev })).await, "FORBIDDEN");
    assert_eq!(members(&t.owner, pid).await, before);
    lee.ok(REMOVE_MEMBER, json!({ "m": m_lab })).await;
    assert_eq!(role_of(&t.owner, pid, &lab).await, None);
});

both!(project_manager_assigns_only_reviewers_and_labelers, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let [lee, mo, mo2, rev, x] = org_workers(&app, &t, ["lee", "mo", "mo2", "rev", "x"]).await;
    let pid = &t.project;
    let m_lee = add_member(&t.owner, pid, &lee, "lead").await;
    add_member(&t.owner, pid, &mo, "manager").await;
    let m_mo2 = add_member(&t.owner, pid, &mo2, "manager").await;
    let m_rev = add_member(&mo, pid, &rev, "reviewer").await;
    mo.ok(CHANGE_ROLE, json!({ "m": m_rev, "r": "labeler" })).await;

    let before = members(&t.owner, pid).await;
    let forbidden = [
        (ADD_MEMBER, json!({ "s": pid, "u": x.id, "r": "manager" })),
        (ADD_MEMBER, json!({ "s": pid, "u": x.id, "r": "lead" })),
        (CHANGE_ROLE, json!({ "m": m_rev, "r": "manager" })),
        (CHANGE_ROLE, json!({ "m": m_mo2, "r": "reviewer" })),
        (CHANGE_ROLE, json!({ "m": m_lee, "r": "reviewer" })),
        (REMOVE_MEMBER, json!({ "m": m_lee })),
        (REMOVE_MEMBER, json!({ "m": m_mo2 })),
    ];
    for (q, v) in forbidden {
        assert_eq!(mo.code(q, v.clone()).await, "FORBIDDEN", "{q} {v}");
    }
    assert_eq!(members(&t.owner, pid).await, before);
    mo.ok(REMOVE_MEMBER, json!({ "m": m_rev })).await;
    assert_eq!(role_of(&t.owner, pid, &rev).await, None);
});

both!(team_admin_manages_project_memberships_including_leads, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let [lee, lee2] = org_workers(&app, &t, ["lee", "lee2"]).await;
    let (admin, developer) = (&t.team_admin, &t.developer);
    let pid = &t.project;
    let m_lee = add_member(admin, pid, &lee, "lead").await;
    let m_lee2 = add_member(admin, pid, &lee2, "lead").await;
    // A lead cannot unmake another lead; the team admin can.
    assert_eq!(lee.code(CHANGE_ROLE, json!({ "m": m_lee2, "r": "manager" })).await, "FORBIDDEN");
    assert_eq!(lee.code(REMOVE_MEMBER, json!({ "m": m_lee2 })).await, "FORBIDDEN");
    admin.ok(CHANGE_ROLE, json!({ "m": m_lee2, "r": "manager" })).await;
    admin.ok(CHANGE_ROLE, json!({ "m": m_lee, "r": "reviewer" })).await;
    // A developer of the team has no say on project memberships.
    let before = members(&t.owner, pid).await;
    assert_eq!(developer.code(ADD_MEMBER, json!({ "s": pid, "u": developer.id, "r": "lead" })).await, "FORBIDDEN");
    assert_eq!(developer.code(CHANGE_ROLE, json!({ "m": m_lee, "r": "lead" })).await, "FORBIDDEN");
    assert_eq!(developer.code(REMOVE_MEMBER, json!({ "m": m_lee })).await, "FORBIDDEN");
    assert_eq!(members(&t.owner, pid).await, before);
    admin.ok(REMOVE_MEMBER, json!({ "m": m_lee })).await;
    assert_eq!(role_of(&t.owner, pid, &lee).await, None);
    assert_eq!(role_of(&t.owner, pid, &lee2).await.as_deref(), Some("manager"));
});

both!(a_project_only_labeler_sees_that_project_and_its_ancestors_but_no_other_project, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let [lab] = org_workers(&app, &t, ["lab"]).await;
    let other = create_project(&t.owner, &t.workspace, "Bikes").await;
    let other_ds = create_dataset(&t.owner, &other, None, "b").await;
    let ds = create_dataset(&t.owner, &t.project, None, "a").await;
    add_member(&t.owner, &t.project, &lab, "labeler").await;

    let q = "query($p: ID!) { node(id: $p) { ... on Project { name viewerRole { key } viewerPermissions
               datasets(first: 5) { nodes { id } }
               team { name viewerRole { key } viewerPermissions members(first: 5) { totalCount } organization { slug viewerRole { key } } }
               workspace { name projects(first: 5) { nodes { name } } } } } }";
    let d = lab.ok(q, json!({ "p": t.project })).await;
    let n = &d["node"];
    assert_eq!(n["name"], "Cars");
    assert_eq!(n["viewerRole"]["key"], "labeler");
    assert_eq!(n["viewerPermissions"], json!(["dataset.read", "labeling_job.access", "member.read", "project.read"]));
    assert_eq!(n["datasets"]["nodes"], json!([{ "id": ds }]));
    assert_eq!(n["team"]["name"], "Core");
    assert!(n["team"]["viewerRole"].is_null());
    assert_eq!(n["team"]["viewerPermissions"], json!([]));
    assert_eq!(n["team"]["members"]["totalCount"], 0, "filtered, not nulled: {d}");
    assert_eq!(n["team"]["organization"]["slug"], "acme");
    assert_eq!(n["team"]["organization"]["viewerRole"]["key"], "worker");
    assert_eq!(n["workspace"]["projects"]["nodes"], json!([{ "name": "Cars" }]));
    assert!(lab.node(&other).await.is_null());
    assert!(lab.node(&other_ds).await.is_null());
    assert_eq!(lab.code(UPDATE_PROJECT, json!({ "p": other, "n": "x" })).await, "NOT_FOUND");
    assert_eq!(lab.code(UPDATE_PROJECT, json!({ "p": t.project, "n": "x" })).await, "FORBIDDEN");
    assert_eq!(lab.code(CREATE_DATASET, json!({ "p": t.project, "n": "x" })).await, "FORBIDDEN");
    let teams = lab
        .ok(
            "query($o: ID!) { node(id: $o) { ... on Organization { teams(first: 5) { nodes { name } } } } }",
            json!({ "o": t.org }),
        )
        .await;
    assert_eq!(teams["node"]["teams"]["nodes"], json!([{ "name": "Core" }]));
    // The labeler may leave the project; then it is gone from their view.
    lab.ok(LEAVE, json!({ "s": t.project })).await;
    assert!(lab.node(&t.project).await.is_null());
    assert_eq!(t.owner.node(&t.project).await["name"], "Cars");
});
