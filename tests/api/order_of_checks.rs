//! The order of checks (RULES.md §3): authentication → input validation → visibility
//! (`NOT_FOUND`) → permission (`FORBIDDEN`) → uniqueness (`CONFLICT`) → invariants
//! (`FAILED_PRECONDITION`); the first failing one answers, and nothing changes.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::json;

both!(checks_run_in_order_visibility_then_permission_then_uniqueness_then_invariants, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (owner, vic, wor, eve) = (&t.owner, &t.viewer, &t.worker, &t.outsider);
    let (org, team, ws, p) = (&t.org, &t.team, &t.workspace, &t.project);
    let q = create_project(owner, ws, "Bikes").await;
    create_org(owner, "taken").await;

    // Input validation comes first, even for an outsider — except a role key, which is
    // valid or not only in the scope's organization: on a hidden scope it is NOT_FOUND
    // (RULES.md §9.8), for the viewer who sees the scope BAD_USER_INPUT.
    assert_eq!(eve.code(UPDATE_TEAM, json!({ "t": team, "n": "  " })).await, "BAD_USER_INPUT");
    assert_eq!(eve.code(ADD_MEMBER, json!({ "s": org, "u": vic.id, "r": "wizard" })).await, "NOT_FOUND");
    assert_eq!(wor.code(ADD_MEMBER, json!({ "s": org, "u": vic.id, "r": "wizard" })).await, "BAD_USER_INPUT");
    assert_eq!(eve.code(UPDATE_ORGANIZATION, json!({ "o": org, "s": "bad slug" })).await, "BAD_USER_INPUT");
    // Outsider with a duplicate: NOT_FOUND, never CONFLICT.
    assert_eq!(eve.code(UPDATE_PROJECT, json!({ "p": q, "n": "Cars" })).await, "NOT_FOUND");
    assert_eq!(eve.code(UPDATE_TEAM, json!({ "t": team, "n": "Core" })).await, "NOT_FOUND");
    assert_eq!(eve.code(CREATE_TEAM, json!({ "o": org, "n": "Core" })).await, "NOT_FOUND");
    assert_eq!(eve.code(CREATE_WORKSPACE, json!({ "t": team, "n": "First Workspace" })).await, "NOT_FOUND");
    assert_eq!(eve.code(ADD_MEMBER, json!({ "s": org, "u": vic.id, "r": "worker" })).await, "NOT_FOUND");
    assert_eq!(eve.code(DELETE_WORKSPACE, json!({ "w": ws })).await, "NOT_FOUND");
    // Read-only members with a duplicate: FORBIDDEN, never CONFLICT.
    assert_eq!(vic.code(UPDATE_PROJECT, json!({ "p": q, "n": "Cars" })).await, "FORBIDDEN");
    assert_eq!(vic.code(UPDATE_TEAM, json!({ "t": team, "n": "Core" })).await, "FORBIDDEN");
    assert_eq!(vic.code(CREATE_WORKSPACE, json!({ "t": team, "n": "First Workspace" })).await, "FORBIDDEN");
    assert_eq!(wor.code(CREATE_TEAM, json!({ "o": org, "n": "Core" })).await, "FORBIDDEN");
    assert_eq!(wor.code(ADD_MEMBER, json!({ "s": org, "u": vic.id, "r": "worker" })).await, "FORBIDDEN");
    assert_eq!(wor.code(UPDATE_ORGANIZATION, json!({ "o": org, "s": "taken" })).await, "FORBIDDEN");
    // Permission before invariant: the last workspace; a move into another project.
    assert_eq!(vic.code(DELETE_WORKSPACE, json!({ "w": ws })).await, "FORBIDDEN");
    let a = create_dataset(owner, p, None, "a").await;
    let x = create_dataset(owner, &q, None, "x").await;
    assert_eq!(vic.code(MOVE_DATASET, json!({ "d": a, "p": x })).await, "FORBIDDEN");
    assert_eq!(owner.code(MOVE_DATASET, json!({ "d": a, "p": x })).await, "FAILED_PRECONDITION");
    // Those allowed reach uniqueness, then invariants.
    assert_eq!(owner.code(UPDATE_PROJECT, json!({ "p": q, "n": "Cars" })).await, "CONFLICT");
    assert_eq!(owner.code(CREATE_TEAM, json!({ "o": org, "n": "Core" })).await, "CONFLICT");
    assert_eq!(owner.code(ADD_MEMBER, json!({ "s": org, "u": vic.id, "r": "worker" })).await, "CONFLICT");
    assert_eq!(owner.code(UPDATE_ORGANIZATION, json!({ "o": org, "s": "TAKEN" })).await, "CONFLICT");
    assert_eq!(owner.code(DELETE_WORKSPACE, json!({ "w": ws })).await, "FAILED_PRECONDITION");
    // Nothing changed.
    assert_eq!(owner.node(&q).await["name"], "Bikes");
    assert_eq!(owner.node(p).await["name"], "Cars");
    assert_eq!(owner.node(team).await["name"], "Core");
    assert_eq!(owner.ok("{ organization(slug: \"acme\") { slug } }", json!({})).await["organization"]["slug"], "acme");
});

both!(a_user_the_viewer_does_not_see_is_not_found_before_any_permission_is_decided, |app: TestApp| async move {
    // RULES.md §9.8: a user id the viewer cannot see is NOT_FOUND whether or not it
    // exists — and, visibility coming before permission (§3), also to a viewer who may not
    // make the change at all; a user they see is FORBIDDEN to them.
    let t = DefaultOrg::new(&app).await;
    let stranger = app.user("stranger").await;
    let (org, p) = (&t.org, &t.project);
    let d = create_dataset(&t.owner, p, None, "D").await;
    let group = "mutation($o: ID!) { createGroup(input: { organizationId: $o, name: \"G\" }) { group { id } } }";
    let group = t.owner.ok(group, json!({ "o": org })).await["createGroup"]["group"]["id"].as_str().expect("group").to_string();
    let job = crate::labeling_jobs::create_job(&t.owner, p, "J", &[&d]).await;
    let add_to_group = "mutation($g: ID!, $u: ID!) { addGroupMember(input: { groupId: $g, userId: $u }) { group { id } } }";
    let remove_from_group =
        "mutation($g: ID!, $u: ID!) { removeGroupMember(input: { groupId: $g, userId: $u }) { group { id } } }";
    // The supervisor reads groups but does not manage them; the team's viewer sees the job
    // but does not manage it. (Granting a capability or the ownership to a user who is no
    // member, seen or not, is FAILED_PRECONDITION: a user one does not see is never a
    // member of one's organization, so that answer tells nothing.)
    let cases = [
        (&t.supervisor, add_to_group, json!({ "g": group })),
        (&t.supervisor, remove_from_group, json!({ "g": group })),
        (&t.viewer, crate::labeling_jobs::ASSIGN, json!({ "j": job })),
        (&t.viewer, crate::labeling_jobs::UNASSIGN, json!({ "j": job })),
    ];
    for (who, op, mut vars) in cases {
        vars["u"] = json!(stranger.id);
        assert_eq!(who.code(op, vars.clone()).await, "NOT_FOUND", "{op}");
        vars["u"] = json!(t.annotator.id);
        assert_eq!(who.code(op, vars).await, "FORBIDDEN", "{op}");
    }
    // Those who may: still NOT_FOUND for the stranger, never an answer about their rows.
    assert_eq!(t.owner.code(add_to_group, json!({ "g": group, "u": stranger.id })).await, "NOT_FOUND");
    assert_eq!(t.owner.code(crate::labeling_jobs::ASSIGN, json!({ "j": job, "u": stranger.id })).await, "NOT_FOUND");
});

both!(a_share_link_is_not_found_by_who_may_not_list_it, |app: TestApp| async move {
    // A project's share links are listed only to who may update it (`Project.shareLinks`);
    // revoking one answers anyone else as for a missing link (RULES.md §3, §9.8).
    let t = DefaultOrg::new(&app).await;
    let create = "mutation($p: ID!) { createShareLink(input: { projectId: $p }) { shareLink { id } } }";
    let revoke = "mutation($l: ID!) { revokeShareLink(input: { shareLinkId: $l }) { shareLink { id active } } }";
    let link = t.owner.ok(create, json!({ "p": t.project })).await["createShareLink"]["shareLink"]["id"]
        .as_str()
        .expect("link")
        .to_string();
    let listed = "query($p: ID!) { node(id: $p) { ... on Project { shareLinks { totalCount } } } }";
    assert!(t.viewer.ok(listed, json!({ "p": t.project })).await["node"]["shareLinks"].is_null());
    for who in [&t.viewer, &t.annotator, &t.outsider] {
        assert_eq!(who.code(revoke, json!({ "l": link })).await, "NOT_FOUND");
    }
    let d = t.manager.ok(revoke, json!({ "l": link })).await;
    assert_eq!(d["revokeShareLink"]["shareLink"]["active"], false, "{d}");
});

both!(every_named_object_is_found_before_permission_is_decided, |app: TestApp| async move {
    // A helper's sweep of every mutation: three named a second object or a role after the
    // permission check (FORBIDDEN or a role list where NOT_FOUND was due).
    let t = DefaultOrg::new(&app).await;
    let (owner, vic, sup, wor) = (&t.owner, &t.viewer, &t.supervisor, &t.worker);
    let d = owner.ok(CREATE_TEAM, json!({ "o": t.org, "n": "Hidden" })).await;
    let hidden_ws = d["createTeam"]["team"]["workspaces"]["nodes"][0]["id"].as_str().expect("workspace").to_string();
    let hidden_project = create_project(owner, &hidden_ws, "H").await;
    let hidden = create_dataset(owner, &hidden_project, None, "hd").await;
    let mine = create_dataset(owner, &t.project, None, "mine").await;
    // Labeling jobs: the viewer reads `Cars` but manages no jobs; a dataset it does not
    // see is NOT_FOUND, one it sees FORBIDDEN; too many ids are an input error first.
    let create = "mutation($p: ID!, $ds: [ID!]) { createLabelingJob(input: { projectId: $p, name: \"j\", datasetIds: $ds }) {
        labelingJob { id } } }";
    assert_eq!(vic.code(create, json!({ "p": t.project, "ds": [hidden] })).await, "NOT_FOUND");
    assert_eq!(vic.code(create, json!({ "p": t.project, "ds": [mine] })).await, "FORBIDDEN");
    let dataset_id = |_| orgraph::graphql::ids::encode(orgraph::graphql::ids::Kind::Dataset, uuid::Uuid::now_v7()).0;
    let many: Vec<String> = (0..101).map(dataset_id).collect();
    assert_eq!(vic.code(create, json!({ "p": t.project, "ds": many })).await, "BAD_USER_INPUT");
    let job = owner.ok(create, json!({ "p": t.project, "ds": [mine] })).await["createLabelingJob"]["labelingJob"]["id"].clone();
    let update = "mutation($j: ID!, $ds: [ID!]) { updateLabelingJob(input: { labelingJobId: $j, datasetIds: $ds }) {
        labelingJob { id } } }";
    assert_eq!(vic.code(update, json!({ "j": job, "ds": [hidden] })).await, "NOT_FOUND");
    assert_eq!(vic.code(update, json!({ "j": job, "ds": [mine] })).await, "FORBIDDEN");
    // Roles: a member sees the organization's roles; an unknown key is NOT_FOUND for them
    // as for a manager, a known one FORBIDDEN.
    let update_role = "mutation($o: ID!, $k: String!) { updateRole(input: { organizationId: $o, scopeKind: TEAM, key: $k,
        name: \"x\" }) { role { key } } }";
    let delete_role = "mutation($o: ID!, $k: String!) { deleteRole(input: { organizationId: $o, scopeKind: TEAM, key: $k }) {
        key } }";
    assert_eq!(wor.code(update_role, json!({ "o": t.org, "k": "nope" })).await, "NOT_FOUND");
    assert_eq!(wor.code(delete_role, json!({ "o": t.org, "k": "nope" })).await, "NOT_FOUND");
    assert_eq!(owner.code(update_role, json!({ "o": t.org, "k": "nope" })).await, "NOT_FOUND");
    assert_eq!(wor.code(update_role, json!({ "o": t.org, "k": "viewer" })).await, "FORBIDDEN");
    // Groups: the supervisor sees the group (group.read), not the project: NOT_FOUND for
    // an unknown role key too, and no list of the project's roles.
    let group = "mutation($o: ID!) { createGroup(input: { organizationId: $o, name: \"G\" }) { group { id } } }";
    let g = owner.ok(group, json!({ "o": t.org })).await["createGroup"]["group"]["id"].clone();
    let assign =
        "mutation($g: ID!, $p: ID!, $r: String!) { assignGroupToProject(input: { groupId: $g, projectId: $p, role: $r }) {
        group { id } } }";
    let e = sup.error(assign, json!({ "g": g, "p": hidden_project, "r": "nope" })).await;
    assert_eq!(e["extensions"]["code"], "NOT_FOUND", "{e}");
    assert_eq!(owner.code(assign, json!({ "g": g, "p": hidden_project, "r": "nope" })).await, "BAD_USER_INPUT");
});
