//! Answering an invitation (RULES.md §6): only the invitee accepts or declines; accepting a
//! team or project invitation also makes them an organization worker; answered
//! invitations cannot be answered again; `pendingInvitations` lists the 100 newest; and
//! at acceptance the inviter's authority is checked again.

use super::*;
use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::json;
use std::collections::BTreeSet;

both!(only_the_invitee_accepts_or_declines, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = invite(&t.owner, &t.org, "  Ivy@Example.COM", "supervisor").await;
    let ivy = app.user("ivy").await;
    let before = members(&t.owner, &t.org).await;
    // Those who see it: the inviter and a manager of the organization.
    for who in [&t.owner, &t.maintainer] {
        assert_eq!(who.code(ACCEPT, id_vars(&id)).await, "FORBIDDEN", "{}", who.sub);
        assert_eq!(who.code(DECLINE, id_vars(&id)).await, "FORBIDDEN", "{}", who.sub);
    }
    // Those who do not: an outsider, a worker, a supervisor of the organization.
    for who in [&t.outsider, &t.worker, &t.supervisor] {
        assert_eq!(who.code(ACCEPT, id_vars(&id)).await, "NOT_FOUND", "{}", who.sub);
        assert_eq!(who.code(DECLINE, id_vars(&id)).await, "NOT_FOUND", "{}", who.sub);
    }
    assert_eq!(status(&t.owner, &id).await, "PENDING");
    assert_eq!(members(&t.owner, &t.org).await, before);
    assert_eq!(pending(&ivy).await, BTreeSet::from([id.clone()]));
    // An id of another kind, a malformed id.
    assert_eq!(ivy.code(ACCEPT, id_vars(&t.org)).await, "NOT_FOUND");
    assert_eq!(ivy.code(ACCEPT, id_vars("garbage")).await, "BAD_USER_INPUT");

    let d = ivy.ok(ACCEPT, id_vars(&id)).await;
    assert_eq!(d["acceptInvitation"]["invitation"]["status"], "ACCEPTED");
    assert_eq!(d["acceptInvitation"]["membership"]["role"]["key"], "supervisor");
    assert_eq!(d["acceptInvitation"]["membership"]["scopeKind"], "ORGANIZATION");
    assert_eq!(my_role_at(&ivy, &t.org).await.as_deref(), Some("supervisor"));
    assert!(members(&t.owner, &t.org).await.contains(&(ivy.id.clone(), "supervisor".into())));
    assert!(pending(&ivy).await.is_empty());
    assert_eq!(status(&ivy, &id).await, "ACCEPTED");

    // Accepting again: already a member.
    assert_eq!(ivy.code(ACCEPT, id_vars(&id)).await, "CONFLICT");
    assert_eq!(ivy.code(DECLINE, id_vars(&id)).await, "FAILED_PRECONDITION");
    assert_eq!(status(&t.owner, &id).await, "ACCEPTED");
    assert_eq!(my_role_at(&ivy, &t.org).await.as_deref(), Some("supervisor"));
});

both!(accepting_a_team_or_project_invitation_also_makes_the_invitee_an_organization_worker, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    // Invited before they have an account.
    let to_team = invite(&t.owner, &t.team, "tom@example.com", "developer").await;
    let to_project = invite(&t.owner, &t.project, "pia@example.com", "reviewer").await;
    // An organization member invited to the team keeps their organization role.
    let worker_team = invite(&t.owner, &t.team, "worker@example.com", "viewer").await;

    let tom = app.user("tom").await;
    let pia = app.user("pia").await;
    assert_eq!(pending(&tom).await, BTreeSet::from([to_team.clone()]));
    assert_eq!(pending(&pia).await, BTreeSet::from([to_project.clone()]));
    // The invitee sees the organization's identity through the invitation.
    let node = invitation(&tom, &to_team).await;
    assert_eq!(node["organization"], json!({ "id": t.org, "slug": t.slug, "name": "acme" }));
    assert!(my_role_at(&tom, &t.org).await.is_none());

    let d = tom.ok(ACCEPT, id_vars(&to_team)).await;
    assert_eq!(d["acceptInvitation"]["membership"]["scopeKind"], "TEAM");
    assert_eq!(d["acceptInvitation"]["membership"]["role"]["key"], "developer");
    assert_eq!(my_role_at(&tom, &t.team).await.as_deref(), Some("developer"));
    assert_eq!(my_role_at(&tom, &t.org).await.as_deref(), Some("worker"));
    assert_eq!(invitation(&tom, &to_team).await["team"]["id"], t.team, "a member sees the team");

    let d = pia.ok(ACCEPT, id_vars(&to_project)).await;
    assert_eq!(d["acceptInvitation"]["membership"]["scopeKind"], "PROJECT");
    assert_eq!(my_role_at(&pia, &t.project).await.as_deref(), Some("reviewer"));
    assert_eq!(my_role_at(&pia, &t.org).await.as_deref(), Some("worker"));
    assert!(my_role_at(&pia, &t.team).await.is_none(), "a project invitation gives no team membership");

    t.worker.ok(ACCEPT, id_vars(&worker_team)).await;
    assert_eq!(my_role_at(&t.worker, &t.team).await.as_deref(), Some("viewer"));
    let orgs: Vec<_> = my_memberships(&t.worker).await.into_iter().filter(|(_, s, _)| s == &t.org).collect();
    assert_eq!(orgs, vec![("ORGANIZATION".to_string(), t.org.clone(), "worker".to_string())]);

    let org_members = members(&t.owner, &t.org).await;
    for who in [&tom, &pia, &t.worker] {
        assert!(org_members.contains(&(who.id.clone(), "worker".into())), "{} in {org_members:?}", who.sub);
    }
    assert!(members(&t.owner, &t.team).await.contains(&(tom.id.clone(), "developer".into())));
    assert!(members(&t.owner, &t.project).await.contains(&(pia.id.clone(), "reviewer".into())));
});

both!(declined_revoked_and_accepted_invitations_cannot_be_answered_again, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let a_id = invite(&t.owner, &t.org, "ann@example.com", "worker").await;
    let b_id = invite(&t.owner, &t.org, "ben@example.com", "worker").await;
    let c_id = invite(&t.owner, &t.org, "cid@example.com", "worker").await;
    let (ann, ben, cid) = (app.user("ann").await, app.user("ben").await, app.user("cid").await);

    let d = ann.ok(DECLINE, id_vars(&a_id)).await;
    assert_eq!(d["declineInvitation"]["invitation"]["status"], "DECLINED");
    assert_eq!(t.owner.ok(REVOKE, id_vars(&b_id)).await["revokeInvitation"]["invitation"]["status"], "REVOKED");
    cid.ok(ACCEPT, id_vars(&c_id)).await;
    let before = members(&t.owner, &t.org).await;

    for (who, id, expected) in [(&ann, &a_id, "DECLINED"), (&ben, &b_id, "REVOKED")] {
        assert_eq!(who.code(ACCEPT, id_vars(id)).await, "FAILED_PRECONDITION", "{}", who.sub);
        assert_eq!(who.code(DECLINE, id_vars(id)).await, "FAILED_PRECONDITION", "{}", who.sub);
        assert_eq!(status(who, id).await, expected);
        assert!(my_role_at(who, &t.org).await.is_none());
        assert!(pending(who).await.is_empty());
        // Nor can the inviter resend or revoke what is no longer pending.
        assert_eq!(t.owner.code(RESEND, id_vars(id)).await, "FAILED_PRECONDITION");
        assert_eq!(t.owner.code(REVOKE, id_vars(id)).await, "FAILED_PRECONDITION");
        assert_eq!(status(&t.owner, id).await, expected);
    }
    assert_eq!(cid.code(ACCEPT, id_vars(&c_id)).await, "CONFLICT");
    assert_eq!(cid.code(DECLINE, id_vars(&c_id)).await, "FAILED_PRECONDITION");
    assert_eq!(t.owner.code(REVOKE, id_vars(&c_id)).await, "FAILED_PRECONDITION");
    assert_eq!(members(&t.owner, &t.org).await, before);
    // Once cid has left, the ACCEPTED invitation is still not a way back in.
    cid.ok(LEAVE, json!({ "s": t.org })).await;
    assert_eq!(cid.code(ACCEPT, id_vars(&c_id)).await, "FAILED_PRECONDITION");
    assert!(my_role_at(&cid, &t.org).await.is_none());
    assert_eq!(status(&cid, &c_id).await, "ACCEPTED");
});

both!(pending_invitations_lists_the_hundred_newest_pending_ones, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    // 102 teams, one invitation each (one pending invitation per e-mail and scope).
    let mut teams = Vec::new();
    for batch in 0..6 {
        let doc: String = (0..17)
            .map(|i| {
                format!(
                    "t{i}: createTeam(input: {{ organizationId: \"{}\", name: \"T{}\" }}) {{ team {{ id }} }}\n",
                    org.id,
                    batch * 17 + i
                )
            })
            .collect();
        let d = owner.ok(&format!("mutation {{ {doc} }}"), json!({})).await;
        teams.extend((0..17).map(|i| d[format!("t{i}")]["team"]["id"].as_str().expect("team").to_string()));
    }
    let mut ids = Vec::new();
    for chunk in teams.chunks(17) {
        let doc: String = chunk
            .iter()
            .enumerate()
            .map(|(i, t)| {
                format!("i{i}: inviteMember(input: {{ scopeId: \"{t}\", email: \"pat@example.com\", role: \"viewer\" }}) {{ invitation {{ id }} }}\n")
            })
            .collect();
        let d = owner.ok(&format!("mutation {{ {doc} }}"), json!({})).await;
        ids.extend((0..chunk.len()).map(|i| d[format!("i{i}")]["invitation"]["id"].as_str().expect("invitation").to_string()));
    }
    assert_eq!(ids.len(), 102);
    let pat = app.user("pat").await;
    assert_eq!(pending(&pat).await, ids[2..].iter().cloned().collect::<BTreeSet<_>>(), "the 100 newest");

    // Answered ones drop out; older pending ones move up.
    pat.ok(DECLINE, id_vars(&ids[101])).await;
    owner.ok(REVOKE, id_vars(&ids[50])).await;
    pat.ok(ACCEPT, id_vars(&ids[3])).await;
    let expected: BTreeSet<String> =
        ids.iter().enumerate().filter(|(i, _)| ![3, 50, 101].contains(i)).map(|(_, id)| id.clone()).collect();
    assert_eq!(expected.len(), 99);
    assert_eq!(pending(&pat).await, expected);
    // Others' pending invitations never show.
    let other = app.user("other").await;
    assert!(pending(&other).await.is_empty());
    let d =
        other.ok("query($u: ID!) { node(id: $u) { ... on User { pendingInvitations { id } } } }", json!({ "u": pat.id })).await;
    assert!(d["node"].is_null() || d["node"]["pendingInvitations"].is_null(), "{d}");
});

// ---------------------------------------------------------------- the re-check at acceptance

both!(acceptance_fails_and_revokes_when_the_inviter_lost_the_authority, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let mona = app.user("mona").await;
    let mona_membership = add_member(&t.owner, &t.org, &mona, "maintainer").await;
    let maintainer_membership = membership_id(&t.owner, &t.org, &t.maintainer).await;
    let team_admin_membership = membership_id(&t.owner, &t.team, &t.team_admin).await;

    let by_maintainer = invite(&t.maintainer, &t.org, "sue@example.com", "supervisor").await;
    let by_mona = invite(&mona, &t.org, "sid@example.com", "worker").await;
    let by_team_admin = invite(&t.team_admin, &t.team, "worker@example.com", "developer").await;
    let control = invite(&t.maintainer, &t.org, "kim@example.com", "worker").await;

    // The maintainer demoted to worker; mona removed; the team admin no longer one.
    t.owner.ok(CHANGE_ROLE, json!({ "m": maintainer_membership, "r": "worker" })).await;
    t.owner.ok(REMOVE_MEMBER, json!({ "m": mona_membership })).await;
    t.owner.ok(CHANGE_ROLE, json!({ "m": team_admin_membership, "r": "developer" })).await;

    let (sue, sid) = (app.user("sue").await, app.user("sid").await);
    let before_org = members(&t.owner, &t.org).await;
    let before_team = members(&t.owner, &t.team).await;
    for (who, id, scope) in [(&sue, &by_maintainer, &t.org), (&sid, &by_mona, &t.org), (&t.worker, &by_team_admin, &t.team)] {
        assert_eq!(pending(who).await, BTreeSet::from([id.clone()]), "{}", who.sub);
        assert_eq!(who.code(ACCEPT, id_vars(id)).await, "FAILED_PRECONDITION", "{}", who.sub);
        assert_eq!(status(&t.owner, id).await, "REVOKED", "{}", who.sub);
        assert_eq!(status(who, id).await, "REVOKED");
        assert!(pending(who).await.is_empty());
        assert!(my_role_at(who, scope).await.is_none(), "{}", who.sub);
        assert_eq!(who.code(ACCEPT, id_vars(id)).await, "FAILED_PRECONDITION", "stays revoked");
    }
    assert_eq!(members(&t.owner, &t.org).await, before_org);
    assert_eq!(members(&t.owner, &t.team).await, before_team);

    // The control: promoted back, the maintainer's other invitation is valid again.
    t.owner.ok(CHANGE_ROLE, json!({ "m": maintainer_membership, "r": "maintainer" })).await;
    let kim = app.user("kim").await;
    kim.ok(ACCEPT, id_vars(&control)).await;
    assert_eq!(my_role_at(&kim, &t.org).await.as_deref(), Some("worker"));
});
