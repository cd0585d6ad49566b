//! Expiry, resend and revoke (RULES.md §6): `EXPIRED` is derived from the last send plus
//! the TTL and can be neither accepted nor declined; a resend (by the inviter while they
//! still hold `member.invite`, or any holder of it) resets the expiry, at most five times
//! per invitation per rolling hour; revoking needs the same people and ends the invitation.

use super::*;
use crate::both;
use crate::helpers::*;
use crate::ops::*;
use futures_util::future::join_all;
use serde_json::json;
use std::time::Duration;

both!(
    an_invitation_past_its_ttl_reads_expired_and_cannot_be_answered,
    settings = |s: &mut orgraph::config::Settings| s.invitation_ttl = Duration::from_secs(1),
    |app: TestApp| async move {
        let t = DefaultOrg::new(&app).await;
        let late = app.user("late").await;
        let id = invite(&t.owner, &t.org, "late@example.com", "worker").await;
        tokio::time::sleep(Duration::from_millis(1500)).await;

        assert_eq!(status(&t.owner, &id).await, "EXPIRED");
        assert_eq!(status(&late, &id).await, "EXPIRED");
        assert!(pending(&late).await.is_empty(), "an expired invitation is not pending");
        assert_eq!(late.code(ACCEPT, id_vars(&id)).await, "FAILED_PRECONDITION");
        assert_eq!(late.code(DECLINE, id_vars(&id)).await, "FAILED_PRECONDITION");
        assert_eq!(status(&t.owner, &id).await, "EXPIRED", "no background job, no side effect");
        assert!(my_role_at(&late, &t.org).await.is_none());

        assert_eq!(invitations(&t.owner, &t.org, Some("EXPIRED")).await, Some(vec![(id.clone(), "EXPIRED".into())]));
        assert_eq!(invitations(&t.owner, &t.org, Some("PENDING")).await, Some(vec![]));
        assert_eq!(invitations(&t.owner, &t.org, None).await, Some(vec![(id.clone(), "EXPIRED".into())]));

        // A new invitation for the same e-mail and scope is allowed once the old one expired.
        let again = invite(&t.owner, &t.org, "late@example.com", "supervisor").await;
        assert_ne!(again, id);
        assert_eq!(status(&t.owner, &id).await, "EXPIRED");
        let expired: Vec<String> =
            invitations(&t.owner, &t.org, Some("EXPIRED")).await.expect("list").into_iter().map(|(i, _)| i).collect();
        assert!(expired.contains(&id), "{expired:?}");
    }
);

both!(
    a_resend_resets_the_expiry_and_makes_an_expired_invitation_pending_again,
    settings = |s: &mut orgraph::config::Settings| s.invitation_ttl = Duration::from_secs(1),
    |app: TestApp| async move {
        let t = DefaultOrg::new(&app).await;
        let late = app.user("late").await;
        let d = t.owner.ok(INVITE, invite_vars(&t.org, "late@example.com", "worker")).await;
        let id = d["inviteMember"]["invitation"]["id"].as_str().expect("id").to_string();
        let mut expires = d["inviteMember"]["invitation"]["expiresAt"].as_str().expect("expiresAt").to_string();

        // By the inviter, then by another holder of member.invite.
        for who in [&t.owner, &t.maintainer] {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            assert_eq!(status(&t.owner, &id).await, "EXPIRED");
            let d = who.ok(RESEND, id_vars(&id)).await;
            let inv = &d["resendInvitation"]["invitation"];
            assert_eq!(inv["status"], "PENDING", "{} resent: {d}", who.sub);
            let new_expiry = inv["expiresAt"].as_str().expect("expiresAt").to_string();
            let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("DateTime");
            assert!(parse(&new_expiry) > parse(&expires), "{new_expiry} after {expires}");
            expires = new_expiry;
        }
        let d = late.ok(ACCEPT, id_vars(&id)).await;
        assert_eq!(d["acceptInvitation"]["invitation"]["status"], "ACCEPTED");
        assert_eq!(my_role_at(&late, &t.org).await.as_deref(), Some("worker"));
    }
);

both!(resends_are_limited_to_five_per_invitation_per_rolling_hour, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let db = app.database().await;
    let id = invite(&t.owner, &t.org, "ivy@example.com", "worker").await;
    let other = invite(&t.owner, &t.org, "joe@example.com", "worker").await;
    // Eight at once, by the inviter and a maintainer: exactly five go through.
    let requests = (0..8).map(|i| {
        let who = if i % 2 == 0 { t.owner.clone() } else { t.maintainer.clone() };
        let id = id.clone();
        tokio::spawn(async move {
            let (_, body) = who.post(RESEND, id_vars(&id)).await;
            body["errors"][0]["extensions"]["code"].as_str().map(str::to_string)
        })
    });
    let codes: Vec<Option<String>> = join_all(requests).await.into_iter().map(|r| r.expect("task")).collect();
    assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 5, "{codes:?}");
    assert!(codes.iter().flatten().all(|c| c == "RATE_LIMITED"), "{codes:?}");

    let expires = invitation(&t.owner, &id).await["expiresAt"].clone();
    let e = t.owner.error(RESEND, id_vars(&id)).await;
    assert_eq!(e["extensions"]["code"], "RATE_LIMITED", "{e}");
    let retry = e["extensions"]["retryAfterSeconds"].as_u64().unwrap_or_else(|| panic!("retryAfterSeconds: {e}"));
    assert!(retry > 0 && retry <= 3600, "{retry}");
    assert_eq!(invitation(&t.owner, &id).await["expiresAt"], expires, "a refused resend changes nothing");
    assert_eq!(events(&db, &id).await.len(), 6, "one created, five resent");
    // The throttle is per invitation.
    t.owner.ok(RESEND, id_vars(&other)).await;
    // Revoking is not throttled.
    assert_eq!(t.maintainer.ok(REVOKE, id_vars(&id)).await["revokeInvitation"]["invitation"]["status"], "REVOKED");
});

both!(only_holders_of_member_invite_resend_or_revoke_and_a_revoked_invitation_cannot_be_accepted, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let db = app.database().await;
    let ivy = app.user("ivy").await;
    let id = invite(&t.owner, &t.org, "ivy@example.com", "worker").await;
    let by_maintainer = invite(&t.maintainer, &t.org, "max@example.com", "worker").await;
    let maintainer_membership = membership_id(&t.owner, &t.org, &t.maintainer).await;
    let expires = invitation(&t.owner, &id).await["expiresAt"].clone();

    // The invitee sees it but holds no member.invite.
    assert_eq!(ivy.code(RESEND, id_vars(&id)).await, "FORBIDDEN");
    assert_eq!(ivy.code(REVOKE, id_vars(&id)).await, "FORBIDDEN");
    // A worker or supervisor who did not send it does not even see it.
    for who in [&t.worker, &t.supervisor] {
        assert_eq!(who.code(RESEND, id_vars(&id)).await, "NOT_FOUND", "{}", who.sub);
        assert_eq!(who.code(REVOKE, id_vars(&id)).await, "NOT_FOUND", "{}", who.sub);
    }
    // An inviter demoted to worker still sees their invitation, but may no longer act on it.
    t.owner.ok(CHANGE_ROLE, json!({ "m": maintainer_membership, "r": "worker" })).await;
    assert_eq!(status(&t.maintainer, &by_maintainer).await, "PENDING");
    assert_eq!(t.maintainer.code(RESEND, id_vars(&by_maintainer)).await, "FORBIDDEN");
    assert_eq!(t.maintainer.code(REVOKE, id_vars(&by_maintainer)).await, "FORBIDDEN");
    assert_eq!(status(&t.owner, &id).await, "PENDING");
    assert_eq!(invitation(&t.owner, &id).await["expiresAt"], expires);
    assert_eq!(status(&t.owner, &by_maintainer).await, "PENDING");
    assert_eq!(events(&db, &id).await.len(), 1);
    assert_eq!(events(&db, &by_maintainer).await.len(), 1);
    // Any holder of member.invite may act on an invitation someone else sent.
    t.owner.ok(RESEND, id_vars(&by_maintainer)).await;
    assert_eq!(events(&db, &by_maintainer).await.len(), 2);

    // Revoked: the invitee can no longer accept or decline.
    assert_eq!(t.owner.ok(REVOKE, id_vars(&id)).await["revokeInvitation"]["invitation"]["status"], "REVOKED");
    assert!(pending(&ivy).await.is_empty());
    assert_eq!(ivy.code(ACCEPT, id_vars(&id)).await, "FAILED_PRECONDITION");
    assert_eq!(ivy.code(DECLINE, id_vars(&id)).await, "FAILED_PRECONDITION");
    assert_eq!(status(&ivy, &id).await, "REVOKED");
    assert!(my_role_at(&ivy, &t.org).await.is_none());
    // A fresh invitation for the same e-mail is fine after a revoke.
    invite(&t.owner, &t.org, "ivy@example.com", "worker").await;
});

both!(
    an_invitation_superseded_after_expiry_can_still_be_resent_or_revoked,
    settings = |s: &mut orgraph::config::Settings| s.invitation_ttl = Duration::from_secs(1),
    |app: TestApp| async move {
        let t = DefaultOrg::new(&app).await;
        let late = app.user("late").await;
        let old = invite(&t.owner, &t.org, "late@example.com", "worker").await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let new = invite(&t.owner, &t.org, "late@example.com", "supervisor").await;
        // The old one reads EXPIRED; while the new one is pending, reviving it is a conflict.
        assert_eq!(t.owner.code(RESEND, id_vars(&old)).await, "CONFLICT");
        assert_eq!(status(&t.owner, &old).await, "EXPIRED");
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(status(&t.owner, &new).await, "EXPIRED");

        // Both read EXPIRED: the old one can be resent (the newer one is retired)…
        let d = t.maintainer.ok(RESEND, id_vars(&old)).await;
        assert_eq!(d["resendInvitation"]["invitation"]["status"], "PENDING", "{d}");
        let d = late.ok(ACCEPT, id_vars(&old)).await;
        assert_eq!(d["acceptInvitation"]["membership"]["role"]["key"], "worker");
        assert_eq!(status(&t.owner, &new).await, "EXPIRED");
        // …and the newer one, now superseded in turn, can still be revoked.
        assert_eq!(t.owner.ok(REVOKE, id_vars(&new)).await["revokeInvitation"]["invitation"]["status"], "REVOKED");
        // Resending it: `late` is a member now, and uniqueness answers before the
        // invitation's state (RULES.md §3).
        assert_eq!(t.owner.code(RESEND, id_vars(&new)).await, "CONFLICT");
        assert_eq!(my_role_at(&late, &t.org).await.as_deref(), Some("worker"));
    }
);

both!(an_invitation_is_not_resent_to_someone_who_joined_since, |app: TestApp| async move {
    // Joined another way (added by a manager, or through another invitation): resending
    // answers `CONFLICT` as `inviteMember` would, and sends nothing; the invitee may still
    // decline it.
    let t = DefaultOrg::new(&app).await;
    let ann = app.user("ann").await;
    let id = invite(&t.owner, &t.org, "ann@example.com", "supervisor").await;
    crate::fixtures::add_member(&t.owner, &t.org, &ann, "worker").await;
    for who in [&t.owner, &t.maintainer] {
        assert_eq!(who.code(RESEND, id_vars(&id)).await, "CONFLICT", "{}", who.sub);
    }
    assert_eq!(status(&t.owner, &id).await, "PENDING");
    assert_eq!(ann.code(ACCEPT, id_vars(&id)).await, "CONFLICT");
    assert_eq!(ann.ok(DECLINE, id_vars(&id)).await["declineInvitation"]["invitation"]["status"], "DECLINED");
});
