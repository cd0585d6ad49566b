//! Organization roles (RULES.md §5 note ¹, the CVAT rules): the owner assigns any role but
//! `owner`, maintainers manage only supervisors and workers, nobody changes their own role,
//! anyone but the owner may leave, and ownership moves only by transfer to an active
//! member (the old owner becomes a maintainer).

use super::*;
use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::json;
use std::collections::BTreeSet;

both!(owner_and_maintainer_update_the_organization_supervisor_and_worker_cannot, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let d = t.owner.ok(UPDATE_ORGANIZATION, json!({ "o": t.org, "n": "By owner" })).await;
    assert_eq!(d["updateOrganization"]["organization"]["name"], "By owner");
    let d = t.maintainer.ok(UPDATE_ORGANIZATION, json!({ "o": t.org, "n": "By maintainer" })).await;
    assert_eq!(d["updateOrganization"]["organization"]["name"], "By maintainer");
    for who in [&t.supervisor, &t.worker] {
        assert_eq!(who.code(UPDATE_ORGANIZATION, json!({ "o": t.org, "n": "Hijacked" })).await, "FORBIDDEN", "{}", who.sub);
    }
    assert_eq!(t.owner.node(&t.org).await["name"], "By maintainer");
});

both!(only_the_owner_deletes_the_organization, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    for who in [&t.maintainer, &t.supervisor, &t.worker] {
        assert_eq!(who.code(DELETE_ORGANIZATION, json!({ "o": t.org })).await, "FORBIDDEN", "{}", who.sub);
    }
    let q = "{ organization(slug: \"acme\") { id } }";
    assert_eq!(t.maintainer.ok(q, json!({})).await["organization"]["id"], t.org.as_str());
    t.owner.ok(DELETE_ORGANIZATION, json!({ "o": t.org })).await;
    assert!(t.owner.ok(q, json!({})).await["organization"].is_null());
    assert!(t.maintainer.ok(q, json!({})).await["organization"].is_null());
});

both!(owner_changes_any_role_except_to_owner_and_never_their_own, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let org = &t.org;
    let (m_worker, m_maintainer, m_supervisor) = (
        membership_id(&t.owner, org, &t.worker).await,
        membership_id(&t.owner, org, &t.maintainer).await,
        membership_id(&t.owner, org, &t.supervisor).await,
    );
    let m_owner = membership_id(&t.owner, org, &t.owner).await;

    let d = t.owner.ok(CHANGE_ROLE, json!({ "m": m_worker, "r": "maintainer" })).await;
    assert_eq!(d["changeMemberRole"]["membership"]["role"]["key"], "maintainer");
    t.owner.ok(CHANGE_ROLE, json!({ "m": m_maintainer, "r": "supervisor" })).await;
    t.owner.ok(CHANGE_ROLE, json!({ "m": m_supervisor, "r": "worker" })).await;

    let before = members(&t.owner, org).await;
    assert_eq!(t.owner.code(CHANGE_ROLE, json!({ "m": m_worker, "r": "owner" })).await, "FORBIDDEN");
    assert_eq!(t.owner.code(CHANGE_ROLE, json!({ "m": m_owner, "r": "maintainer" })).await, "FORBIDDEN");
    assert_eq!(t.owner.code(ADD_MEMBER, json!({ "s": org, "u": app.user("newbie").await.id, "r": "owner" })).await, "FORBIDDEN");
    assert_eq!(members(&t.owner, org).await, before);
    assert_eq!(role_of(&t.owner, org, &t.worker).await.as_deref(), Some("maintainer"));
    assert_eq!(role_of(&t.owner, org, &t.maintainer).await.as_deref(), Some("supervisor"));
    assert_eq!(role_of(&t.owner, org, &t.supervisor).await.as_deref(), Some("worker"));
    assert_eq!(role_of(&t.owner, org, &t.owner).await.as_deref(), Some("owner"));
});

both!(maintainer_manages_only_supervisors_and_workers_and_only_to_those_roles, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let mona = app.user("mona").await; // a second maintainer
    add_member(&t.owner, &t.org, &mona, "maintainer").await;
    let org = &t.org;
    let (m_worker, m_supervisor, m_mona, m_owner) = (
        membership_id(&t.owner, org, &t.worker).await,
        membership_id(&t.owner, org, &t.supervisor).await,
        membership_id(&t.owner, org, &mona).await,
        membership_id(&t.owner, org, &t.owner).await,
    );
    // Allowed: supervisor <-> worker, adding a worker or supervisor.
    t.maintainer.ok(CHANGE_ROLE, json!({ "m": m_worker, "r": "supervisor" })).await;
    t.maintainer.ok(CHANGE_ROLE, json!({ "m": m_worker, "r": "worker" })).await;
    t.maintainer.ok(CHANGE_ROLE, json!({ "m": m_supervisor, "r": "worker" })).await;
    t.maintainer.ok(CHANGE_ROLE, json!({ "m": m_supervisor, "r": "supervisor" })).await;
    let nia = app.user("nia").await;
    add_member(&t.maintainer, org, &nia, "supervisor").await;

    let before = members(&t.owner, org).await;
    let forbidden = [
        (CHANGE_ROLE, json!({ "m": m_worker, "r": "maintainer" })),
        (CHANGE_ROLE, json!({ "m": m_worker, "r": "owner" })),
        (CHANGE_ROLE, json!({ "m": m_mona, "r": "worker" })),
        (CHANGE_ROLE, json!({ "m": m_mona, "r": "supervisor" })),
        (CHANGE_ROLE, json!({ "m": m_owner, "r": "maintainer" })),
        (ADD_MEMBER, json!({ "s": org, "u": app.user("pat").await.id, "r": "maintainer" })),
    ];
    for (q, v) in forbidden {
        assert_eq!(t.maintainer.code(q, v.clone()).await, "FORBIDDEN", "{v}");
    }
    // Supervisors and workers manage nobody. A user they cannot see (sharing no
    // organization with them) is NOT_FOUND, as a nonexistent id would be (RULES.md §9.8).
    for who in [&t.supervisor, &t.worker] {
        assert_eq!(who.code(CHANGE_ROLE, json!({ "m": m_mona, "r": "worker" })).await, "FORBIDDEN");
        assert_eq!(who.code(ADD_MEMBER, json!({ "s": org, "u": app.user("quin").await.id, "r": "worker" })).await, "NOT_FOUND");
        assert_eq!(who.code(ADD_MEMBER, json!({ "s": org, "u": t.viewer.id, "r": "worker" })).await, "FORBIDDEN");
    }
    assert_eq!(t.worker.code(CHANGE_ROLE, json!({ "m": m_supervisor, "r": "worker" })).await, "FORBIDDEN");
    assert_eq!(members(&t.owner, org).await, before);
});

both!(nobody_changes_their_own_role, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let org = &t.org;
    for (who, to) in [
        (&t.owner, "maintainer"),
        (&t.maintainer, "worker"),
        (&t.maintainer, "maintainer"),
        (&t.supervisor, "worker"),
        (&t.worker, "supervisor"),
    ] {
        let mine = membership_id(&t.owner, org, who).await;
        assert_eq!(who.code(CHANGE_ROLE, json!({ "m": mine, "r": to })).await, "FORBIDDEN", "{} to {to}", who.sub);
    }
    // Also at team scope: an admin cannot demote (or re-assign) themself, even with other admins.
    add_member(&t.owner, &t.team, &t.maintainer, "admin").await;
    let own_team = membership_id(&t.owner, &t.team, &t.owner).await;
    assert_eq!(t.owner.code(CHANGE_ROLE, json!({ "m": own_team, "r": "developer" })).await, "FORBIDDEN");
    assert_eq!(t.owner.code(CHANGE_ROLE, json!({ "m": own_team, "r": "admin" })).await, "FORBIDDEN");

    assert_eq!(role_of(&t.owner, org, &t.owner).await.as_deref(), Some("owner"));
    assert_eq!(role_of(&t.owner, org, &t.maintainer).await.as_deref(), Some("maintainer"));
    assert_eq!(role_of(&t.owner, org, &t.supervisor).await.as_deref(), Some("supervisor"));
    assert_eq!(role_of(&t.owner, org, &t.worker).await.as_deref(), Some("worker"));
    assert_eq!(role_of(&t.owner, &t.team, &t.owner).await.as_deref(), Some("admin"));
});

both!(owner_removes_anyone_but_themself_and_maintainer_only_supervisors_and_workers, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let mona = app.user("mona").await; // a second maintainer
    add_member(&t.owner, &t.org, &mona, "maintainer").await;
    let org = &t.org;
    let (m_owner, m_maintainer, m_mona, m_supervisor, m_worker) = (
        membership_id(&t.owner, org, &t.owner).await,
        membership_id(&t.owner, org, &t.maintainer).await,
        membership_id(&t.owner, org, &mona).await,
        membership_id(&t.owner, org, &t.supervisor).await,
        membership_id(&t.owner, org, &t.worker).await,
    );

    let before = members(&t.owner, org).await;
    assert_eq!(t.maintainer.code(REMOVE_MEMBER, json!({ "m": m_mona })).await, "FORBIDDEN");
    assert_eq!(t.maintainer.code(REMOVE_MEMBER, json!({ "m": m_owner })).await, "FORBIDDEN");
    assert_eq!(t.owner.code(REMOVE_MEMBER, json!({ "m": m_owner })).await, "FORBIDDEN");
    assert_eq!(t.supervisor.code(REMOVE_MEMBER, json!({ "m": m_worker })).await, "FORBIDDEN");
    assert_eq!(t.worker.code(REMOVE_MEMBER, json!({ "m": m_supervisor })).await, "FORBIDDEN");
    assert_eq!(members(&t.owner, org).await, before);

    let d = t.maintainer.ok(REMOVE_MEMBER, json!({ "m": m_worker })).await;
    assert_eq!(d["removeMember"]["removedMembershipId"], m_worker.as_str());
    t.maintainer.ok(REMOVE_MEMBER, json!({ "m": m_supervisor })).await;
    t.owner.ok(REMOVE_MEMBER, json!({ "m": m_mona })).await;
    t.owner.ok(REMOVE_MEMBER, json!({ "m": m_maintainer })).await;
    // Left: the owner and the holders of team roles, whom nobody touched.
    let left: BTreeSet<String> = members(&t.owner, org).await.into_iter().map(|m| m.user).collect();
    let untouched = [&t.owner].into_iter().chain(t.team_role_holders());
    assert_eq!(left, untouched.map(|u| u.id.clone()).collect());
    // A removed member no longer sees the organization.
    assert!(t.worker.ok("{ organization(slug: \"acme\") { id } }", json!({})).await["organization"].is_null());
});

both!(any_member_but_the_owner_may_leave_the_organization, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let mona = app.user("mona").await; // a second maintainer
    add_member(&t.owner, &t.org, &mona, "maintainer").await;
    let org = &t.org;
    let before = members(&t.owner, org).await;
    assert_eq!(t.owner.code(LEAVE, json!({ "s": org })).await, "FAILED_PRECONDITION");
    assert_eq!(members(&t.owner, org).await, before);
    for who in [&t.maintainer, &t.supervisor, &t.worker] {
        who.ok(LEAVE, json!({ "s": org })).await;
        assert!(who.ok("{ organization(slug: \"acme\") { id } }", json!({})).await["organization"].is_null());
    }
    // The owner, mona and the holders of team roles remain.
    let left: BTreeSet<String> = members(&t.owner, org).await.into_iter().map(|m| m.user).collect();
    let remain = [&t.owner, &mona].into_iter().chain(t.team_role_holders());
    assert_eq!(left, remain.map(|u| u.id.clone()).collect());
});

both!(only_the_owner_transfers_ownership_to_an_active_member, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let org = &t.org;
    let outsider = &t.outsider;
    let before = members(&t.owner, org).await;
    for who in [&t.maintainer, &t.supervisor, &t.worker] {
        assert_eq!(who.code(TRANSFER_OWNERSHIP, json!({ "o": org, "u": who.id })).await, "FORBIDDEN", "{}", who.sub);
    }
    assert_eq!(outsider.code(TRANSFER_OWNERSHIP, json!({ "o": org, "u": outsider.id })).await, "NOT_FOUND");
    assert_eq!(t.owner.code(TRANSFER_OWNERSHIP, json!({ "o": org, "u": outsider.id })).await, "FAILED_PRECONDITION");
    assert_eq!(members(&t.owner, org).await, before);

    let d = t.owner.ok(TRANSFER_OWNERSHIP, json!({ "o": org, "u": t.worker.id })).await;
    assert_eq!(d["transferOrganizationOwnership"]["organization"]["owner"]["id"], t.worker.id.as_str());
    let after = members(&t.worker, org).await;
    let owners: Vec<&Member> = after.iter().filter(|m| m.role == "owner").collect();
    assert_eq!(owners.len(), 1, "exactly one owner: {after:?}");
    assert_eq!(owners[0].user, t.worker.id);
    assert_eq!(role_of(&t.worker, org, &t.owner).await.as_deref(), Some("maintainer"));
    let q = "query($o: ID!) { node(id: $o) { ... on Organization { owner { id } viewerRole { key } } } }";
    assert_eq!(t.owner.ok(q, json!({ "o": org })).await["node"]["viewerRole"]["key"], "maintainer");
    assert_eq!(t.worker.ok(q, json!({ "o": org })).await["node"]["owner"]["id"], t.worker.id.as_str());
    // The old owner lost the owner's powers; the new owner cannot leave.
    assert_eq!(t.owner.code(DELETE_ORGANIZATION, json!({ "o": org })).await, "FORBIDDEN");
    assert_eq!(t.owner.code(TRANSFER_OWNERSHIP, json!({ "o": org, "u": t.owner.id })).await, "FORBIDDEN");
    assert_eq!(t.worker.code(LEAVE, json!({ "s": org })).await, "FAILED_PRECONDITION");
});
