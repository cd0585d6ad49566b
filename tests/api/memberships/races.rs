//! Races between managers (RULES.md §9.2, decisions on current data): a demotion or
//! removal decided on grants read before a concurrent promotion committed must never win.

use super::*;
use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

both!(a_maintainer_never_demotes_someone_the_owner_promotes_at_the_same_time, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let org = &t.org;
    let m_worker = membership_id(&t.owner, org, &t.worker).await;
    for round in 0..12 {
        t.owner.ok(CHANGE_ROLE, json!({ "m": m_worker, "r": "worker" })).await;
        let (promote, demote) = {
            let (o, m) = (t.owner.clone(), t.maintainer.clone());
            let (v1, v2) = (json!({ "m": m_worker, "r": "maintainer" }), json!({ "m": m_worker, "r": "supervisor" }));
            let a = tokio::spawn(async move { o.post(CHANGE_ROLE, v1).await.1 });
            let b = tokio::spawn(async move { m.post(CHANGE_ROLE, v2).await.1 });
            (a.await.expect("task"), b.await.expect("task"))
        };
        assert!(promote.get("errors").is_none(), "the owner's promotion always succeeds: {promote}");
        let final_role = role_of(&t.owner, org, &t.worker).await;
        match demote["errors"][0]["extensions"]["code"].as_str() {
            // Ran first, on a worker: the promotion came after it.
            None => {
                assert_eq!(final_role.as_deref(), Some("maintainer"), "round {round}: a maintainer was demoted by a maintainer")
            }
            Some(code) => assert_eq!(code, "FORBIDDEN", "round {round}: {demote}"),
        }
        assert_eq!(final_role.as_deref(), Some("maintainer"), "round {round}");
    }
});

both!(a_team_admin_never_removes_someone_the_owner_makes_admin_at_the_same_time, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let core = &t.team;
    for round in 0..12 {
        let m = membership_id(&t.owner, core, &t.developer).await;
        let (promote, remove) = {
            let (o, a) = (t.owner.clone(), t.team_admin.clone());
            let (v1, v2) = (json!({ "m": m, "r": "admin" }), json!({ "m": m }));
            let x = tokio::spawn(async move { o.post(CHANGE_ROLE, v1).await.1 });
            let y = tokio::spawn(async move { a.post(REMOVE_MEMBER, v2).await.1 });
            (x.await.expect("task"), y.await.expect("task"))
        };
        let code = |b: &Value| b["errors"][0]["extensions"]["code"].as_str().map(str::to_string);
        match (code(&promote), code(&remove)) {
            // Removed first: the promotion finds nothing.
            (Some(p), None) => assert_eq!(p, "NOT_FOUND", "round {round}"),
            // Promoted first: a team admin may not remove an admin.
            (None, Some(r)) => assert_eq!(r, "FORBIDDEN", "round {round}"),
            other => panic!("round {round}: exactly one must succeed, got {other:?}: {promote} {remove}"),
        }
        // Reset: the developer is back as a developer.
        if role_of(&t.owner, core, &t.developer).await.is_some() {
            t.owner.ok(REMOVE_MEMBER, json!({ "m": m })).await;
        }
        add_member(&t.owner, core, &t.developer, "developer").await;
    }
});
