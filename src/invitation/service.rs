//! Creating, resending and revoking invitations. Every created or resent invitation
//! writes an outbox row (`invitation_events`) in the same transaction.

use crate::authz::keys;
use crate::authz::{Grants, MemberChange, Resource, RoleInfo, Scope, check_member_change};
use crate::db::Inserts;
use crate::domain::{Email, RoleKey};
use crate::error::{AppError, AppResult};
use crate::membership::repo::{ScopeRef, find_visible_scope_locked, is_member, is_member_by_email};
use crate::request::{RequestCtx, Write};
use chrono::{DateTime, Utc};
use entity::{invitation, invitation_event, invitation_send, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

pub const MAX_RESENDS_PER_HOUR: u64 = 5;
pub const CHANNEL: &str = "orgraph_invitations";

/// PENDING past `expires_at` reads EXPIRED (no background job).
pub fn status_at(inv: &invitation::Model, now: DateTime<Utc>) -> &str {
    if inv.status == "PENDING" && inv.expires_at <= now { "EXPIRED" } else { inv.status.as_str() }
}

pub fn scope_of(inv: &invitation::Model) -> AppResult<ScopeRef> {
    ScopeRef::from_parts(&inv.scope_kind, inv.scope_id, inv.organization_id, inv.team_id)
}

/// The invitee: a verified token e-mail equal to the invitation's.
pub fn is_invitee(viewer: &user::Model, inv: &invitation::Model) -> bool {
    viewer.email_verified && viewer.email == inv.email
}

/// Who sees an invitation: the invitee, the inviter, whoever sees its scope and holds
/// `member.invite` there.
pub fn sees(grants: &Grants, viewer: &user::Model, inv: &invitation::Model) -> bool {
    (grants.admits(inv.organization_id) && (is_invitee(viewer, inv) || inv.invited_by == Some(viewer.id)))
        || scope_of(inv).is_ok_and(|s| grants.can_in_view(&s.resource(), keys::MEMBER_INVITE))
}

/// Whether `grants` may issue an invitation of `role` to `email` at scope `s`: the role
/// assignment rules, plus `member.invite` on the organization to bring in a non-member.
/// Whether the e-mail belongs to an organization member counts only for an inviter who
/// sees the organization's memberships (`member.read` there); to anyone else every e-mail
/// is a newcomer's, so the answer never tells members' e-mails from others (§9.8).
pub async fn may_invite<C: ConnectionTrait>(
    db: &C,
    grants: &Grants,
    s: &ScopeRef,
    email: &str,
    role: &RoleInfo,
) -> AppResult<()> {
    check_member_change(grants, &s.resource(), Uuid::nil(), &MemberChange::Add { new: role }, keys::MEMBER_INVITE.as_str())?;
    let org = Resource::Organization { org: s.org };
    if s.scope != Scope::Organization && !grants.can(&org, keys::MEMBER_INVITE) {
        let verified = user::Entity::find().filter(user::Column::Email.eq(email)).filter(user::Column::EmailVerified.eq(true));
        let member = match verified.one(db).await? {
            Some(u) if grants.can(&org, keys::MEMBER_READ) => is_member(db, s.org, u.id).await?,
            _ => false,
        };
        if member {
            return Ok(());
        }
        return Err(AppError::forbidden("bringing someone new into the organization needs member.invite on the organization"));
    }
    Ok(())
}

/// Writes the outbox row and, on PostgreSQL, a NOTIFY that other instances receive at
/// commit (ids only; the row is the source of truth).
async fn record_event(txn: &Write, inv: &invitation::Model, kind: &str) -> AppResult<()> {
    with_event(Inserts::new(), inv, kind).exec(txn).await?;
    Ok(())
}

/// `rows`, then the outbox row of `inv` and (PostgreSQL) its NOTIFY: one statement there.
fn with_event(rows: Inserts, inv: &invitation::Model, kind: &str) -> Inserts {
    let event = invitation_event::Model {
        id: Uuid::now_v7(),
        invitation_id: inv.id,
        kind: kind.into(),
        email: inv.email.clone(),
        created_at: crate::db::now(),
        mail_claimed_until: None,
        mail_attempts: 0,
        mailed_at: None,
    };
    let id = event.id.to_string();
    rows.row(event.into_active_model()).notify(CHANNEL, id)
}

pub async fn invite_member(
    req: &RequestCtx,
    scope: Scope,
    scope_id: Uuid,
    email: Email,
    role: &RoleKey,
) -> AppResult<invitation::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let s = find_visible_scope_locked(&txn, &grants, scope, scope_id).await?;
    let role = crate::membership::service::role_for(req, &txn, &s, role).await?;
    may_invite(&txn, &grants, &s, email.as_str(), &role).await?;
    refuse_member(&txn, &grants, &s, email.as_str(), "email").await?;
    let now = crate::db::now();
    retire_expired_pending(&txn, s.id, email.as_str(), None, now).await?;
    let ttl = chrono::Duration::from_std(req.settings.invitation_ttl).unwrap_or(chrono::Duration::days(7));
    let inv = invitation::Model {
        id: Uuid::now_v7(),
        scope_kind: scope.as_str().into(),
        scope_id: s.id,
        organization_id: s.org,
        team_id: s.team,
        project_id: (scope == Scope::Project).then_some(s.id),
        email: email.into_string(),
        role_id: role.id,
        invited_by: Some(viewer.id),
        status: "PENDING".into(),
        created_at: now,
        sent_at: now,
        expires_at: now + ttl,
        responded_at: None,
    };
    with_event(Inserts::new().row(inv.clone().into_active_model()), &inv, "created").exec(&txn).await?;
    txn.commit().await?;
    Ok(inv)
}

/// The one stored-PENDING invitation per e-mail and scope (a unique index): `CONFLICT`
/// while it reads PENDING; once expired it is retired (stored EXPIRED, still reading
/// EXPIRED) so that another one can become the pending one.
async fn retire_expired_pending(
    txn: &Write,
    scope_id: Uuid,
    email: &str,
    except: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut query = invitation::Entity::find()
        .filter(invitation::Column::ScopeId.eq(scope_id))
        .filter(invitation::Column::Email.eq(email))
        .filter(invitation::Column::Status.eq("PENDING"));
    if let Some(id) = except {
        query = query.filter(invitation::Column::Id.ne(id));
    }
    if let Some(old) = query.one(txn).await? {
        if status_at(&old, now) == "PENDING" {
            return Err(AppError::conflict("email", "an invitation for this e-mail is already pending here"));
        }
        let mut am = old.into_active_model();
        am.status = Set("EXPIRED".into());
        am.update(txn).await?;
    }
    Ok(())
}

async fn retire_expired_sibling(txn: &Write, inv: &invitation::Model, now: DateTime<Utc>) -> AppResult<()> {
    retire_expired_pending(txn, inv.scope_id, &inv.email, Some(inv.id), now).await
}

/// Resend and revoke apply to what reads PENDING or EXPIRED (stored PENDING, or stored
/// EXPIRED after a later invitation superseded it); anything answered or revoked is final.
fn require_open(inv: &invitation::Model, verb: &str) -> AppResult<()> {
    match inv.status.as_str() {
        "PENDING" | "EXPIRED" => Ok(()),
        other => Err(AppError::precondition(format!("only a PENDING or EXPIRED invitation can be {verb} (this one is {other})"))),
    }
}

/// Loads an invitation the viewer sees (inside `txn`, locked), else `NOT_FOUND`.
pub async fn find_visible_locked(txn: &Write, grants: &Grants, id: Uuid) -> AppResult<invitation::Model> {
    let visible = <invitation::Entity as crate::authz::Visible>::condition(grants);
    invitation::Entity::find_by_id(id).filter(visible).lock_exclusive().one(txn).await?.ok_or(AppError::NotFound)
}

/// `CONFLICT` (on `field`) when `email` is a member of `scope`, only where the sender sees
/// the scope's members (§9.8); otherwise the invitation is made or resent, and accepting
/// it answers `CONFLICT` to the member.
async fn refuse_member(txn: &Write, grants: &Grants, scope: &ScopeRef, email: &str, field: &str) -> AppResult<()> {
    if grants.can_in_view(&scope.resource(), keys::MEMBER_READ) && is_member_by_email(txn, scope.id, email).await? {
        return Err(AppError::conflict(field, "already a member here"));
    }
    Ok(())
}

/// Resend and revoke: whoever sees the scope and holds `member.invite` there (the inviter
/// too, while they do).
fn require_manager(grants: &Grants, inv: &invitation::Model) -> AppResult<()> {
    if grants.can_in_view(&scope_of(inv)?.resource(), keys::MEMBER_INVITE) {
        Ok(())
    } else {
        Err(AppError::forbidden("requires member.invite on the invitation's scope, and sight of it"))
    }
}

pub async fn resend_invitation(req: &RequestCtx, id: Uuid) -> AppResult<invitation::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let inv = find_visible_locked(&txn, &grants, id).await?;
    require_manager(&grants, &inv)?;
    let now = crate::db::now();
    // As `inviteMember`: a person who joined since (another invitation, `addMember`) is
    // not invited again; uniqueness before the invitation's own state (RULES.md §3), as
    // `acceptInvitation` checks.
    refuse_member(&txn, &grants, &scope_of(&inv)?, &inv.email, "invitationId").await?;
    require_open(&inv, "resent")?;
    if inv.status == "EXPIRED" {
        // Superseded by a later invitation for the same e-mail and scope: it can come back
        // only if that one is no longer pending (an expired one is retired in turn).
        retire_expired_sibling(&txn, &inv, now).await?;
    }
    let hour_ago = now - chrono::Duration::hours(1);
    let recent = invitation_send::Entity::find()
        .filter(invitation_send::Column::InvitationId.eq(inv.id))
        .filter(invitation_send::Column::SentAt.gt(hour_ago))
        .order_by_asc(invitation_send::Column::SentAt);
    if recent.clone().count(&txn).await? >= MAX_RESENDS_PER_HOUR {
        let oldest = recent.limit(1).one(&txn).await?.map_or(now, |s| s.sent_at);
        let retry = (oldest + chrono::Duration::hours(1) - now).num_seconds().max(1) as u64;
        return Err(AppError::RateLimited {
            retry_after_seconds: retry,
            message: format!("at most {MAX_RESENDS_PER_HOUR} resends per invitation per hour"),
        });
    }
    let send = invitation_send::Model { id: Uuid::now_v7(), invitation_id: inv.id, sent_at: now };
    invitation_send::Entity::insert(send.into_active_model()).exec_without_returning(&txn).await?;
    let ttl = chrono::Duration::from_std(req.settings.invitation_ttl).unwrap_or(chrono::Duration::days(7));
    let mut am = inv.into_active_model();
    am.status = Set("PENDING".into());
    am.sent_at = Set(now);
    am.expires_at = Set(now + ttl);
    let inv = am.update(&txn).await?;
    record_event(&txn, &inv, "resent").await?;
    txn.commit().await?;
    Ok(inv)
}

pub async fn revoke_invitation(req: &RequestCtx, id: Uuid) -> AppResult<invitation::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let inv = find_visible_locked(&txn, &grants, id).await?;
    require_manager(&grants, &inv)?;
    require_open(&inv, "revoked")?;
    let mut am = inv.into_active_model();
    am.status = Set("REVOKED".into());
    am.responded_at = Set(Some(crate::db::now()));
    let inv = am.update(&txn).await?;
    txn.commit().await?;
    Ok(inv)
}
