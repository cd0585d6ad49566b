//! `Invitation`, the invitation lists, the invitation mutations and the
//! `invitationReceived` subscription.

use super::loader::{InvitationsOfScope, PendingFor};
use super::service::{self, status_at};
use super::{Notifiers, hub::Hub};
use crate::authz::Resource;
use crate::authz::keys;
use crate::connection;
use crate::db::page::Page;
use crate::domain::{Email, RoleKey};
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::ids::{Kind, decode, decode_as, encode, scope_of_kind};
use crate::graphql::pagination::page_args;
use crate::membership::identity::{ScopeIdentity, scope_path};
use crate::membership::schema::{Membership, optional_project, optional_team};
use crate::organization::schema::{Organization, load_organization};
use crate::project::schema::Project;
use crate::role::schema::{Role, ScopeKind, role_by_id, scope_kind_of};
use crate::team::schema::Team;
use crate::user::schema::User;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use std::sync::Arc;

/// Lifecycle of an invitation. EXPIRED is derived: a PENDING invitation past `expiresAt`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum InvitationStatus {
    /// Waiting for the invitee.
    Pending,
    /// The invitee accepted; a membership exists.
    Accepted,
    /// The invitee declined.
    Declined,
    /// Withdrawn by an inviter, or invalidated because the inviter lost the authority to issue it.
    Revoked,
    /// Not answered before `expiresAt`; can be resent.
    Expired,
}

impl InvitationStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Accepted => "ACCEPTED",
            Self::Declined => "DECLINED",
            Self::Revoked => "REVOKED",
            Self::Expired => "EXPIRED",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "PENDING" => Self::Pending,
            "ACCEPTED" => Self::Accepted,
            "DECLINED" => Self::Declined,
            "REVOKED" => Self::Revoked,
            _ => Self::Expired,
        }
    }
}

/// An invitation of an e-mail address to an organization, team or project, with a role.
#[derive(Clone)]
pub struct Invitation(pub entity::invitation::Model);

connection!(InvitationConnection, InvitationEdge, Invitation, "A page of invitations.", "An invitation with its cursor.");

/// An invitation of an e-mail address to an organization, team or project, with a role.
#[Object]
impl Invitation {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::Invitation, self.0.id)
    }
    /// The invitee's e-mail address (normalized).
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The role the invitee gets on acceptance.
    async fn role(&self, ctx: &Context<'_>) -> Result<Role> {
        role_by_id(ctx, self.0.role_id).await
    }
    /// The kind of scope invited to.
    async fn scope_kind(&self) -> ScopeKind {
        scope_kind_of(&self.0.scope_kind)
    }
    /// The organization (the scope itself for organization invitations).
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        load_organization(ctx, self.0.organization_id).await
    }
    /// The team, for team and project invitations; null unless the viewer sees the team
    /// (as `node` would answer it: an invitee sees it once they have accepted).
    /// `scopePath` names it either way.
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        optional_team(ctx, self.0.team_id).await
    }
    /// The project, for project invitations; null unless the viewer sees the project.
    /// `scopePath` names it either way.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        optional_project(ctx, self.0.project_id).await
    }
    /// The identity (id, kind, name, slug) of the organization, then of the team and the
    /// project where the scope has them: what the invitee may know before accepting
    /// (RULES.md §3.1, §9.1).
    async fn scope_path(&self, ctx: &Context<'_>) -> Result<Vec<ScopeIdentity>> {
        scope_path(ctx, self.0.organization_id, self.0.team_id, self.0.project_id).await
    }
    /// Who sent it: their id and name for whoever sees the invitation (the invitee
    /// included, RULES.md §3.1), like `Organization.owner`; null when unknown.
    async fn invited_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = self.0.invited_by else { return Ok(None) };
        let user = ctx.req()?.loader.load_one(crate::user::loader::UserById(id)).await.map_err(gql)?;
        Ok(user.map(User))
    }
    /// Current status; PENDING past `expiresAt` reads EXPIRED.
    async fn status(&self) -> InvitationStatus {
        InvitationStatus::parse(status_at(&self.0, crate::db::now()))
    }
    /// When it was first sent.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last send plus the invitation lifetime.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}

/// `invitations` of an organization, team or project: null unless the viewer sees it and
/// holds `member.invite` there (`Grants::can_in_view`).
#[allow(clippy::too_many_arguments)] // the Relay paging arguments (first, after, last, before) of a GraphQL field
pub async fn invitations_of(
    ctx: &Context<'_>,
    resource: Resource,
    scope_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    status: Option<InvitationStatus>,
) -> Result<Option<InvitationConnection>> {
    let req = ctx.req()?;
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    if !req.grants().await?.can_in_view(&resource, keys::MEMBER_INVITE) {
        return Ok(None);
    }
    let key = InvitationsOfScope(scope_id, args, status.map(InvitationStatus::as_str), crate::db::now());
    let page = req.loader.load_one(key).await.map_err(gql)?;
    Ok(Some(InvitationConnection::from_page(page.unwrap_or_else(Page::empty), Invitation)))
}

/// The viewer's 100 newest PENDING invitations (by verified e-mail).
pub async fn pending_for_viewer(ctx: &Context<'_>) -> Result<Vec<Invitation>> {
    let req = ctx.req()?;
    // The verified e-mail the grants were shaped with (`Viewer::shape`): in a subscription's
    // event, the one read at its delivery, not at the subscription's start.
    let Some(email) = req.grants().await?.invitee_email.clone() else { return Ok(Vec::new()) };
    let key = PendingFor { email, now: crate::db::now() };
    let rows = req.loader.load_one(key).await.map_err(gql)?.unwrap_or_default();
    Ok(rows.into_iter().map(Invitation).collect())
}

/// Input of `inviteMember`.
#[derive(InputObject)]
pub struct InviteMemberInput {
    /// An Organization, Team or Project id.
    pub scope_id: ID,
    /// The invitee's e-mail address; they may not have an account yet.
    pub email: String,
    /// A role key valid at the scope that the viewer may assign.
    pub role: String,
}

/// Result of `inviteMember`.
#[derive(SimpleObject)]
pub struct InviteMemberPayload {
    /// The new PENDING invitation.
    pub invitation: Invitation,
}

/// Names one invitation.
#[derive(InputObject)]
pub struct InvitationIdInput {
    /// The invitation.
    pub invitation_id: ID,
}

/// Result of `resendInvitation`, `revokeInvitation` and `declineInvitation`.
#[derive(SimpleObject)]
pub struct InvitationPayload {
    /// The invitation after the change.
    pub invitation: Invitation,
}

/// Result of `acceptInvitation`.
#[derive(SimpleObject)]
pub struct AcceptInvitationPayload {
    /// The ACCEPTED invitation.
    pub invitation: Invitation,
    /// The viewer's new membership.
    pub membership: Membership,
}

fn wake(ctx: &Context<'_>) {
    if let Ok(n) = ctx.data::<Arc<Notifiers>>() {
        n.wake();
    }
}

#[derive(Default)]
pub struct InvitationMutation;

#[Object]
impl InvitationMutation {
    /// Invites an e-mail address to an organization, team or project with a role.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`InviteMemberInput`).")] input: InviteMemberInput,
    ) -> Result<InviteMemberPayload> {
        let req = ctx.req()?;
        req.user()?;
        let email = Email::parse_invitee("email", &input.email)?;
        let role = RoleKey::parse("role", &input.role)?;
        let (kind, scope_id) = decode(&input.scope_id, "scopeId")?;
        let inv = service::invite_member(req, scope_of_kind(kind)?, scope_id, email, &role).await?;
        wake(ctx);
        Ok(InviteMemberPayload { invitation: Invitation(inv) })
    }

    /// Sends a PENDING or EXPIRED invitation again and resets its expiry (5 per hour).
    async fn resend_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`InvitationIdInput`).")] input: InvitationIdInput,
    ) -> Result<InvitationPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.invitation_id, Kind::Invitation, "invitationId")?;
        let inv = service::resend_invitation(req, id).await?;
        wake(ctx);
        Ok(InvitationPayload { invitation: Invitation(inv) })
    }

    /// Withdraws a PENDING or EXPIRED invitation.
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`InvitationIdInput`).")] input: InvitationIdInput,
    ) -> Result<InvitationPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.invitation_id, Kind::Invitation, "invitationId")?;
        let inv = service::revoke_invitation(req, id).await?;
        Ok(InvitationPayload { invitation: Invitation(inv) })
    }

    /// The invitee accepts: the membership is created (with an organization membership of the
    /// preset's least powerful organization role when needed: `worker` in DEFAULT).
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`InvitationIdInput`).")] input: InvitationIdInput,
    ) -> Result<AcceptInvitationPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.invitation_id, Kind::Invitation, "invitationId")?;
        let (inv, m) = super::accept_invitation(req, id).await?;
        Ok(AcceptInvitationPayload { invitation: Invitation(inv), membership: Membership(m) })
    }

    /// The invitee declines.
    async fn decline_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`InvitationIdInput`).")] input: InvitationIdInput,
    ) -> Result<InvitationPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.invitation_id, Kind::Invitation, "invitationId")?;
        let inv = super::decline_invitation(req, id).await?;
        Ok(InvitationPayload { invitation: Invitation(inv) })
    }
}

/// The subscription root.
#[derive(Default)]
pub struct InvitationSubscription;

/// The subscription root.
#[Subscription]
impl InvitationSubscription {
    /// Invitations addressed to the viewer's e-mail, delivered as they are created or resent.
    async fn invitation_received(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Invitation> + use<>> {
        let req = ctx.req()?;
        let hub = ctx.data::<Arc<Hub>>().map_err(|_| AppError::internal("subscriptions are not available here"))?;
        Ok(hub.deliveries_to(req)?.map(Invitation))
    }
}
