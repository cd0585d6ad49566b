//! The invitee's answers: accept (creating the membership, and a `worker` organization
//! membership when needed, in the same transaction) and decline.

use super::service::{find_visible_locked, is_invitee, may_invite, scope_of, status_at};
use crate::audit::{AuditAction, record_membership};
use crate::authz::{Grants, OrgRoles, Resource, Scope, keys};
use crate::error::{AppError, AppResult};
use crate::membership::repo::{add_membership, is_member, lock_scope};
use crate::request::RequestCtx;
use entity::{invitation, membership, user};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use uuid::Uuid;

/// The viewer answers only as the invitee, by their e-mail as it stands under the write
/// lock (the row the request signed in with may predate a change of it, RULES.md §9.2).
async fn require_invitee<C: sea_orm::ConnectionTrait>(txn: &C, viewer: &user::Model, inv: &invitation::Model) -> AppResult<()> {
    let now = user::Entity::find_by_id(viewer.id).one(txn).await?;
    if now.is_some_and(|v| is_invitee(&v, inv)) {
        Ok(())
    } else {
        Err(AppError::forbidden("only the invitee answers an invitation"))
    }
}

/// A personal access token answers an invitation only where its owner holds
/// `sdk_token.generate` already (RULES.md §9.6, checked before anything is written): an
/// invitation's organization is usually one they are not in yet, and a token acts in an
/// organization only while its owner holds that key there.
fn require_token_acts(req: &RequestCtx, grants: &Grants, org: Uuid) -> AppResult<()> {
    if req.viewer.is_api_token() && !grants.can(&Resource::Organization { org }, keys::SDK_TOKEN_GENERATE) {
        return Err(AppError::forbidden(
            "a personal access token acts only where its owner holds sdk_token.generate; answer with a sign-in token",
        ));
    }
    Ok(())
}

fn require_pending(inv: &invitation::Model) -> AppResult<()> {
    match status_at(inv, crate::db::now()) {
        "PENDING" => Ok(()),
        other => Err(AppError::precondition(format!("the invitation is {other}"))),
    }
}

pub async fn accept_invitation(req: &RequestCtx, id: Uuid) -> AppResult<(invitation::Model, membership::Model)> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let inv = find_visible_locked(&txn, &grants, id).await?;
    require_invitee(&txn, viewer, &inv).await?;
    require_token_acts(req, &grants, inv.organization_id)?;
    let s = scope_of(&inv)?;
    lock_scope(&txn, &s).await?;
    if is_member(&txn, s.id, viewer.id).await? {
        return Err(AppError::conflict("invitationId", "you are already a member here"));
    }
    require_pending(&inv)?;
    let role = req.catalog().role(inv.role_id).cloned().ok_or_else(|| AppError::internal("invitation with unknown role"))?;
    // The inviter's authority is checked again: if they could no longer issue it, the
    // invitation is revoked (and that is committed) and acceptance fails.
    let still_valid = match inv.invited_by {
        Some(inviter) => {
            let inviter_grants = req.load_grants_of(&txn, inviter).await?;
            may_invite(&txn, &inviter_grants, &s, &inv.email, &role).await.is_ok()
        }
        None => false,
    };
    if !still_valid {
        let mut am = inv.into_active_model();
        am.status = Set("REVOKED".into());
        am.responded_at = Set(Some(crate::db::now()));
        am.update(&txn).await?;
        txn.commit().await?;
        return Err(AppError::precondition("the inviter can no longer issue this invitation; it was revoked"));
    }
    if s.scope != Scope::Organization && !is_member(&txn, s.org, viewer.id).await? {
        let newcomer = req.catalog().newcomer(&OrgRoles::of(&txn, s.org).await?.namespace)?;
        add_membership(&txn, viewer.id, Scope::Organization, s.org, s.org, None, None, &newcomer).await?;
    }
    let m = membership::Model {
        id: Uuid::now_v7(),
        user_id: viewer.id,
        scope_kind: s.scope.as_str().into(),
        scope_id: s.id,
        organization_id: s.org,
        team_id: s.team,
        project_id: (s.scope == Scope::Project).then_some(s.id),
        role_id: role.id,
        created_at: crate::db::now(),
    };
    membership::Entity::insert(m.clone().into_active_model()).exec_without_returning(&txn).await?;
    record_membership(&txn, &req.catalog(), viewer.id, AuditAction::MembershipCreated, None, Some(&m)).await?;
    let mut am = inv.into_active_model();
    am.status = Set("ACCEPTED".into());
    am.responded_at = Set(Some(crate::db::now()));
    let inv = am.update(&txn).await?;
    txn.commit().await?;
    Ok((inv, m))
}

pub async fn decline_invitation(req: &RequestCtx, id: Uuid) -> AppResult<invitation::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let inv = find_visible_locked(&txn, &grants, id).await?;
    require_invitee(&txn, viewer, &inv).await?;
    require_token_acts(req, &grants, inv.organization_id)?;
    require_pending(&inv)?;
    let mut am = inv.into_active_model();
    am.status = Set("DECLINED".into());
    am.responded_at = Set(Some(crate::db::now()));
    let inv = am.update(&txn).await?;
    txn.commit().await?;
    Ok(inv)
}
