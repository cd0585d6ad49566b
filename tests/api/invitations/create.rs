//! Who may invite whom, with which role (RULES.md §5 notes ¹–³, §6): the role must be valid
//! for the scope and assignable by the inviter; bringing someone new into the
//! organization needs `member.invite` there; input errors come before visibility and
//! permission, and `CONFLICT` (a member, a pending e-mail) only after permission.

use super::*;
use crate::both;
use crate::helpers::*;
use crate::ops::*;
use std::collections::BTreeSet;

both!(owner_invites_maintainers_supervisors_and_workers_but_not_owners, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let m = invite(&t.owner, &t.org, "new-maintainer@example.com", "maintainer").await;
    let s = invite(&t.owner, &t.org, "new-supervisor@example.com", "supervisor").await;
    let w = invite(&t.owner, &t.org, "new-worker@example.com", "worker").await;
    assert_eq!(invitation_ids(&t.owner, &t.org).await, vec![m.clone(), s, w]);
    let node = invitation(&t.owner, &m).await;
    assert_eq!(node["scopeKind"], "ORGANIZATION");
    assert_eq!(node["email"], "new-maintainer@example.com");

    assert_eq!(t.owner.code(INVITE, invite_vars(&t.org, "new-owner@example.com", "owner")).await, "FORBIDDEN");
    assert_eq!(invitation_ids(&t.owner, &t.org).await.len(), 3, "nothing written by the refused invitation");
    let would_be_owner = app.user("new-owner").await;
    assert!(pending(&would_be_owner).await.is_empty());
});

both!(maintainer_invites_supervisors_and_workers_but_not_maintainers_or_owners, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    invite(&t.maintainer, &t.org, "s@example.com", "supervisor").await;
    invite(&t.maintainer, &t.org, "w@example.com", "worker").await;
    for role in ["maintainer", "owner"] {
        assert_eq!(t.maintainer.code(INVITE, invite_vars(&t.org, "m@example.com", role)).await, "FORBIDDEN", "{role}");
    }
    assert_eq!(invitation_ids(&t.owner, &t.org).await.len(), 2);
    let m = app.user("m").await;
    assert!(pending(&m).await.is_empty());
});

both!(supervisors_and_workers_cannot_invite_and_learn_nothing_about_members_or_pending_invitations, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let existing = invite(&t.owner, &t.org, "pending@example.com", "worker").await;
    for who in [&t.supervisor, &t.worker] {
        for role in ["worker", "supervisor"] {
            assert_eq!(who.code(INVITE, invite_vars(&t.org, "fresh@example.com", role)).await, "FORBIDDEN", "{} {role}", who.sub);
        }
        // CONFLICT only after the permission check: an active member, a pending e-mail.
        assert_eq!(who.code(INVITE, invite_vars(&t.org, "maintainer@example.com", "worker")).await, "FORBIDDEN", "{}", who.sub);
        assert_eq!(who.code(INVITE, invite_vars(&t.org, "pending@example.com", "worker")).await, "FORBIDDEN", "{}", who.sub);
    }
    assert_eq!(invitation_ids(&t.owner, &t.org).await, vec![existing]);
});

both!(a_team_admin_invites_org_members_to_the_team_but_only_org_managers_bring_in_new_people, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let stranger = app.user("stranger").await; // has an account, but is no member of acme

    // An organization member: any team role, and project roles of the team's projects.
    let to_team = invite(&t.team_admin, &t.team, "worker@example.com", "developer").await;
    let admin = invite(&t.team_admin, &t.team, "supervisor@example.com", "admin").await;
    let to_project = invite(&t.team_admin, &t.project, "worker@example.com", "labeler").await;
    assert_eq!(invitation(&t.team_admin, &to_team).await["scopeKind"], "TEAM");
    assert_eq!(invitation(&t.team_admin, &to_project).await["scopeKind"], "PROJECT");

    // Someone new to the organization needs member.invite on the organization.
    for (scope, role) in [(&t.team, "developer"), (&t.project, "labeler")] {
        for email in ["newbie@example.com", "stranger@example.com"] {
            assert_eq!(t.team_admin.code(INVITE, invite_vars(scope, email, role)).await, "FORBIDDEN", "{email} to {scope}");
        }
    }
    // The team admin manages no organization invitations.
    assert_eq!(t.team_admin.code(INVITE, invite_vars(&t.org, "newbie@example.com", "worker")).await, "FORBIDDEN");
    assert_eq!(invitation_ids(&t.owner, &t.team).await, vec![to_team.clone(), admin.clone()]);
    assert_eq!(invitation_ids(&t.owner, &t.project).await, vec![to_project.clone()]);
    assert!(invitation_ids(&t.owner, &t.org).await.is_empty());
    assert!(pending(&stranger).await.is_empty());

    // The organization owner does bring them in, to the team and to the project.
    let newbie_team = invite(&t.owner, &t.team, "newbie@example.com", "developer").await;
    let stranger_project = invite(&t.owner, &t.project, "stranger@example.com", "reviewer").await;
    // A maintainer too.
    let maintainer_brings = invite(&t.maintainer, &t.project, "newbie@example.com", "labeler").await;
    assert_eq!(invitation_ids(&t.owner, &t.team).await, vec![to_team, admin, newbie_team]);
    assert_eq!(invitation_ids(&t.owner, &t.project).await, vec![to_project, stranger_project.clone(), maintainer_brings]);
    assert_eq!(pending(&stranger).await, BTreeSet::from([stranger_project]));
});

both!(project_leads_and_managers_invite_org_members_only_to_roles_below_their_own, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    add_member(&t.owner, &t.project, &t.supervisor, "lead").await;
    add_member(&t.owner, &t.project, &t.worker, "manager").await;
    let (ann, ben) = (app.user("ann").await, app.user("ben").await);
    add_member(&t.owner, &t.org, &ann, "worker").await;
    add_member(&t.owner, &t.org, &ben, "worker").await;

    let mut expected = Vec::new();
    for (who, email, role) in [
        (&t.supervisor, "ann@example.com", "manager"),
        (&t.supervisor, "ben@example.com", "reviewer"),
        (&t.worker, "maintainer@example.com", "labeler"),
    ] {
        expected.push(invite(who, &t.project, email, role).await);
    }
    for (who, role) in [(&t.supervisor, "lead"), (&t.worker, "lead"), (&t.worker, "manager")] {
        assert_eq!(who.code(INVITE, invite_vars(&t.project, "owner@example.com", role)).await, "FORBIDDEN", "{} {role}", who.sub);
    }
    // Someone new to the organization needs the organization's member.invite.
    assert_eq!(t.supervisor.code(INVITE, invite_vars(&t.project, "newbie@example.com", "labeler")).await, "FORBIDDEN");
    // A lead needs a team admin; the organization owner is one.
    expected.push(invite(&t.owner, &t.project, "owner@example.com", "lead").await);
    assert_eq!(invitation_ids(&t.owner, &t.project).await, expected);
    // The lead manages the project's invitations; they see the team (through the project)
    // but may not invite to it.
    assert_eq!(invitation_ids(&t.supervisor, &t.project).await, expected);
    assert_eq!(t.supervisor.code(INVITE, invite_vars(&t.team, "ann@example.com", "viewer")).await, "FORBIDDEN");
    assert_eq!(invitations(&t.supervisor, &t.team, None).await, None);
    assert!(invitation_ids(&t.owner, &t.team).await.is_empty());
});

both!(bad_roles_and_e_mails_are_bad_user_input_before_visibility_and_permission, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let cases = [
        (&t.org, "x@example.com", "nonsense", "role"),
        (&t.org, "x@example.com", "admin", "role"),          // a team role
        (&t.org, "x@example.com", "labeler", "role"),        // a project role
        (&t.team, "x@example.com", "worker", "role"),        // an organization role
        (&t.team, "x@example.com", "lead", "role"),          // a project role
        (&t.project, "x@example.com", "admin", "role"),      // a team role
        (&t.project, "x@example.com", "maintainer", "role"), // an organization role
        (&t.org, "not-an-email", "worker", "email"),
        (&t.org, "", "worker", "email"),
        (&t.org, "a@b@example.com", "worker", "email"),
        (&t.org, "two words@example.com", "worker", "email"),
        // Addresses no mail can go to: the mailer would retry them for hours, and a
        // quoted one would be mailed to another address.
        (&t.org, "trail@example.com.", "worker", "email"),
        (&t.org, "a@-bad.example.com", "worker", "email"),
        (&t.org, "\"quoted\"@example.com", "worker", "email"),
        (&t.org, "zw\u{200b}@example.com", "worker", "email"),
    ];
    for (scope, email, role, field) in cases {
        // The owner and a worker (no permission) get BAD_USER_INPUT: input is validated
        // first. An outsider (no visibility) too for the e-mail, which depends on no
        // scope; a role key is valid or not only in the scope's organization, so on a
        // scope the viewer cannot see (the outsider anywhere, the worker on the team and
        // the project) it is NOT_FOUND (RULES.md §9.8).
        for who in [&t.owner, &t.worker, &t.outsider] {
            let e = who.error(INVITE, invite_vars(scope, email, role)).await;
            let hidden = who.sub == "outsider" || (who.sub == "worker" && scope != &t.org);
            let expected = if field == "role" && hidden { "NOT_FOUND" } else { "BAD_USER_INPUT" };
            assert_eq!(e["extensions"]["code"], expected, "{} {email} {role}: {e}", who.sub);
            if expected == "BAD_USER_INPUT" {
                assert_eq!(e["extensions"]["field"], field, "{e}");
            }
        }
    }
    let e = t.owner.error(INVITE, invite_vars("not-an-id", "x@example.com", "worker")).await;
    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT");
    // A workspace is no scope of memberships.
    assert_eq!(t.owner.code(INVITE, invite_vars(&t.workspace, "x@example.com", "worker")).await, "NOT_FOUND");
    for scope in [&t.org, &t.team, &t.project] {
        assert!(invitation_ids(&t.owner, scope).await.is_empty());
    }
});

both!(an_outsider_or_a_mere_invitee_inviting_into_an_organization_gets_not_found, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let ivy = app.user("ivy").await;
    invite(&t.owner, &t.org, "ivy@example.com", "maintainer").await;
    for who in [&t.outsider, &ivy] {
        for (scope, role) in [(&t.org, "worker"), (&t.team, "developer"), (&t.project, "labeler")] {
            assert_eq!(who.code(INVITE, invite_vars(scope, "x@example.com", role)).await, "NOT_FOUND", "{} {scope}", who.sub);
            // Even for existing members: nothing is revealed.
            assert_eq!(
                who.code(INVITE, invite_vars(scope, "worker@example.com", role)).await,
                "NOT_FOUND",
                "{} {scope}",
                who.sub
            );
        }
    }
    assert_eq!(invitation_ids(&t.owner, &t.org).await.len(), 1);
    assert!(invitation_ids(&t.owner, &t.team).await.is_empty());
    assert!(invitation_ids(&t.owner, &t.project).await.is_empty());
});

both!(inviting_an_active_member_or_an_e_mail_already_pending_in_the_scope_is_a_conflict, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    // Active members, whatever the case or spacing of the e-mail.
    for email in ["worker@example.com", "  WORKER@Example.com ", "maintainer@example.com"] {
        let e = t.owner.error(INVITE, invite_vars(&t.org, email, "worker")).await;
        assert_eq!(e["extensions"]["code"], "CONFLICT", "{email}: {e}");
    }
    let first = invite(&t.owner, &t.org, "new@example.com", "worker").await;
    for (who, email, role) in [(&t.owner, "new@example.com", "supervisor"), (&t.maintainer, " New@EXAMPLE.com", "worker")] {
        assert_eq!(who.code(INVITE, invite_vars(&t.org, email, role)).await, "CONFLICT", "{} {email}", who.sub);
    }
    // The same e-mail in another scope is another invitation.
    let team = invite(&t.owner, &t.team, "new@example.com", "viewer").await;
    assert_eq!(t.owner.code(INVITE, invite_vars(&t.team, "new@example.com", "developer")).await, "CONFLICT");
    // A team member of the team; an org member who is not in the team may be invited to it.
    assert_eq!(t.owner.code(INVITE, invite_vars(&t.team, "owner@example.com", "developer")).await, "CONFLICT");
    let worker_team = invite(&t.owner, &t.team, "worker@example.com", "viewer").await;

    assert_eq!(invitations(&t.owner, &t.org, None).await, Some(vec![(first.clone(), "PENDING".into())]));
    assert_eq!(invitation_ids(&t.owner, &t.team).await, vec![team.clone(), worker_team]);
    assert_eq!(invitation(&t.owner, &first).await["role"]["key"], "worker", "the refused invitation changed nothing");
    let new = app.user("new").await;
    assert_eq!(pending(&new).await, BTreeSet::from([first, team]));
});
