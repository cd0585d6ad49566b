//! The invariants of RULES.md §4–5 that memberships must keep, whoever acts: a team keeps
//! an explicit admin (also against the organization-level cascade), a user keeps their own
//! last team, a team keeps a workspace, team and project memberships need an organization
//! membership; and `CONFLICT` for existing members, `BAD_USER_INPUT` for role keys that do
//! not fit the scope.

use super::*;
use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::json;

both!(the_last_explicit_team_admin_cannot_be_demoted_removed_or_leave, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let core = &t.team;
    // The org owner leaves Core: the team admin stays its only explicit admin.
    t.owner.ok(LEAVE, json!({ "s": core })).await;
    let m_team_admin = membership_id(&t.owner, core, &t.team_admin).await;
    let before = members(&t.owner, core).await;
    assert_eq!(t.owner.code(CHANGE_ROLE, json!({ "m": m_team_admin, "r": "developer" })).await, "FAILED_PRECONDITION");
    assert_eq!(t.owner.code(REMOVE_MEMBER, json!({ "m": m_team_admin })).await, "FAILED_PRECONDITION");
    assert_eq!(t.team_admin.code(LEAVE, json!({ "s": core })).await, "FAILED_PRECONDITION");
    // Removing her from the organization would cascade to Core: refused as well.
    let m_org = membership_id(&t.owner, &t.org, &t.team_admin).await;
    assert_eq!(t.owner.code(REMOVE_MEMBER, json!({ "m": m_org })).await, "FAILED_PRECONDITION");
    assert_eq!(t.team_admin.code(LEAVE, json!({ "s": t.org })).await, "FAILED_PRECONDITION");
    assert_eq!(members(&t.owner, core).await, before);
    assert_eq!(role_of(&t.owner, &t.org, &t.team_admin).await.as_deref(), Some("worker"));

    // With a second admin, all of it works.
    let m_dev = membership_id(&t.owner, core, &t.developer).await;
    t.team_admin.ok(CHANGE_ROLE, json!({ "m": m_dev, "r": "admin" })).await;
    t.owner.ok(CHANGE_ROLE, json!({ "m": m_team_admin, "r": "developer" })).await;
    assert_eq!(role_of(&t.owner, core, &t.team_admin).await.as_deref(), Some("developer"));
    // Removing an org member removes their team memberships in it.
    t.owner.ok(REMOVE_MEMBER, json!({ "m": m_org })).await;
    assert_eq!(role_of(&t.owner, core, &t.team_admin).await, None);
});

both!(a_user_keeps_their_own_last_team_but_may_leave_one_of_several, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    // The outsider's personal team is their only one.
    let solo = &t.outsider;
    let solo_team = personal_team(solo).await;
    assert_eq!(solo.code(DELETE_TEAM, json!({ "t": solo_team })).await, "FAILED_PRECONDITION");
    assert_eq!(solo.code(LEAVE, json!({ "s": solo_team })).await, "FAILED_PRECONDITION");
    assert_eq!(solo.code(DELETE_ORGANIZATION, json!({ "o": personal_org(solo).await })).await, "FAILED_PRECONDITION");
    assert_eq!(solo.node(&solo_team).await["name"], "outsider");

    // The developer has their personal team and Core.
    let dev = &t.developer;
    dev.ok(LEAVE, json!({ "s": t.team })).await;
    assert_eq!(role_of(&t.owner, &t.team, dev).await, None);
    add_member(&t.owner, &t.team, dev, "developer").await;
    // Deleting their personal team is fine while they have Core; then Core is their last team.
    dev.ok(DELETE_TEAM, json!({ "t": personal_team(dev).await })).await;
    assert_eq!(dev.code(LEAVE, json!({ "s": t.team })).await, "FAILED_PRECONDITION");
    assert_eq!(dev.code(LEAVE, json!({ "s": t.org })).await, "FAILED_PRECONDITION");
    assert_eq!(role_of(&t.owner, &t.team, dev).await.as_deref(), Some("developer"));
    assert_eq!(role_of(&t.owner, &t.org, dev).await.as_deref(), Some("worker"));
    // Nor may one delete the organization holding one's last team.
    t.owner.ok(DELETE_TEAM, json!({ "t": personal_team(&t.owner).await })).await;
    assert_eq!(t.owner.code(DELETE_ORGANIZATION, json!({ "o": t.org })).await, "FAILED_PRECONDITION");
    assert_eq!(t.owner.node(&t.org).await["name"], "acme");
    // Others' actions may leave a user without a team.
    let m = membership_id(&t.owner, &t.team, dev).await;
    t.owner.ok(REMOVE_MEMBER, json!({ "m": m })).await;
    let d = dev.ok("{ viewer { teams(first: 5) { totalCount } } }", json!({})).await;
    assert_eq!(d["viewer"]["teams"]["totalCount"], 0);
});

both!(deleting_the_last_workspace_of_a_team_fails, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let count = "query($t: ID!) { node(id: $t) { ... on Team { workspaces(first: 5) { totalCount } } } }";
    // Permission is checked before the invariant.
    assert_eq!(t.developer.code(DELETE_WORKSPACE, json!({ "w": t.workspace })).await, "FORBIDDEN");
    assert_eq!(t.team_admin.code(DELETE_WORKSPACE, json!({ "w": t.workspace })).await, "FAILED_PRECONDITION");
    assert_eq!(t.owner.ok(count, json!({ "t": t.team })).await["node"]["workspaces"]["totalCount"], 1);
    let second =
        t.team_admin.ok(CREATE_WORKSPACE, json!({ "t": t.team, "n": "Second" })).await["createWorkspace"]["workspace"]["id"]
            .as_str()
            .expect("ws")
            .to_string();
    t.team_admin.ok(DELETE_WORKSPACE, json!({ "w": t.workspace })).await;
    assert_eq!(t.team_admin.code(DELETE_WORKSPACE, json!({ "w": second })).await, "FAILED_PRECONDITION");
    assert_eq!(t.owner.ok(count, json!({ "t": t.team })).await["node"]["workspaces"]["totalCount"], 1);
    assert_eq!(t.owner.node(&second).await["name"], "Second");
});

both!(team_and_project_memberships_require_an_organization_membership, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let zed = &t.outsider;
    assert_eq!(t.owner.code(ADD_MEMBER, json!({ "s": t.team, "u": zed.id, "r": "developer" })).await, "FAILED_PRECONDITION");
    assert_eq!(t.owner.code(ADD_MEMBER, json!({ "s": t.project, "u": zed.id, "r": "labeler" })).await, "FAILED_PRECONDITION");
    assert_eq!(role_of(&t.owner, &t.team, zed).await, None);
    assert_eq!(role_of(&t.owner, &t.project, zed).await, None);
    let d = zed.ok("{ viewer { memberships(first: 10) { totalCount } } }", json!({})).await;
    assert_eq!(d["viewer"]["memberships"]["totalCount"], 2, "only the personal org and team: {d}");
});

both!(existing_members_conflict_and_bad_role_keys_are_bad_user_input, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (org, team, p) = (&t.org, &t.team, &t.project);
    let bob = &t.developer;
    let m_org = membership_id(&t.owner, org, bob).await;
    let m_team = membership_id(&t.owner, team, bob).await;
    let m_proj = add_member(&t.owner, p, bob, "labeler").await;
    let snapshot = |c: &Client| {
        let c = c.clone();
        async move { (members(&c, org).await, members(&c, team).await, members(&c, p).await) }
    };
    let before = snapshot(&t.owner).await;

    assert_eq!(t.owner.code(ADD_MEMBER, json!({ "s": org, "u": bob.id, "r": "supervisor" })).await, "CONFLICT");
    assert_eq!(t.owner.code(ADD_MEMBER, json!({ "s": team, "u": bob.id, "r": "viewer" })).await, "CONFLICT");
    assert_eq!(t.owner.code(ADD_MEMBER, json!({ "s": p, "u": bob.id, "r": "reviewer" })).await, "CONFLICT");

    let carl = &t.outsider;
    let bad = [
        (ADD_MEMBER, json!({ "s": org, "u": carl.id, "r": "wizard" })),
        (ADD_MEMBER, json!({ "s": org, "u": carl.id, "r": "" })),
        (ADD_MEMBER, json!({ "s": org, "u": carl.id, "r": "developer" })),
        (ADD_MEMBER, json!({ "s": team, "u": bob.id, "r": "worker" })),
        (ADD_MEMBER, json!({ "s": p, "u": bob.id, "r": "admin" })),
        (CHANGE_ROLE, json!({ "m": m_org, "r": "wizard" })),
        (CHANGE_ROLE, json!({ "m": m_org, "r": "developer" })),
        (CHANGE_ROLE, json!({ "m": m_team, "r": "supervisor" })),
        (CHANGE_ROLE, json!({ "m": m_proj, "r": "viewer" })),
    ];
    for (q, v) in bad {
        let (_, body) = t.owner.post(q, v.clone()).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{v}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "role", "{v}: {body}");
    }
    assert_eq!(snapshot(&t.owner).await, before);
});
