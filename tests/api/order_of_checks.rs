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
