//! `Membership`, `Role`, `ScopeKind`, member lists and the membership mutations.

use super::loader::{MemberQuery, MembersOfScope};
use super::service::{self, scope_of_kind};
use crate::authz::{Resource, RoleInfo, Scope};
use crate::connection;
use crate::domain::RoleKey;
use crate::error::AppError;
use crate::graphql::CtxExt;
use crate::graphql::ids::{Kind, decode, decode_as, encode};
use crate::graphql::loader::gql;
use crate::graphql::pagination::{Page, PageArgs};
use crate::organization::schema::{Organization, load_organization};
use crate::project::schema::{Project, load_project};
use crate::team::schema::Team;
use crate::user::schema::{User, visible_user};
use crate::workspace::schema::load_team;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The three kinds of scope a membership or invitation lives in.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ScopeKind {
    /// An organization.
    Organization,
    /// A team.
    Team,
    /// A project.
    Project,
}

impl From<ScopeKind> for Scope {
    fn from(k: ScopeKind) -> Self {
        match k {
            ScopeKind::Organization => Scope::Organization,
            ScopeKind::Team => Scope::Team,
            ScopeKind::Project => Scope::Project,
        }
    }
}

impl From<Scope> for ScopeKind {
    fn from(s: Scope) -> Self {
        match s {
            Scope::Organization => ScopeKind::Organization,
            Scope::Team => ScopeKind::Team,
            Scope::Project => ScopeKind::Project,
        }
    }
}

/// A role: a named set of permission keys valid at one scope kind.
#[derive(Clone)]
pub struct Role(pub Arc<RoleInfo>);

/// A role: a named set of permission keys valid at one scope kind.
#[Object]
impl Role {
    /// Stable identifier used in every mutation, e.g. "maintainer".
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the role is for, as its creator described it; null when none was given.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The scope kind this role is assigned at.
    async fn scope_kind(&self) -> ScopeKind {
        self.0.scope.into()
    }
    /// Permission keys the role grants (at its scope and, for organization roles, on every team).
    async fn permissions(&self) -> Vec<String> {
        self.0.permission_keys()
    }
    /// True for the built-in catalog; built-in roles are immutable.
    async fn built_in(&self) -> bool {
        self.0.built_in
    }
}

/// The role with id `id`, from the catalog.
pub fn role_by_id(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Role> {
    let role = ctx.req()?.catalog().role(id).cloned();
    Ok(Role(role.ok_or_else(|| AppError::internal("unknown role id"))?))
}

/// The scope kind stored as text.
pub fn scope_kind_of(text: &str) -> ScopeKind {
    Scope::parse(text).map_or(ScopeKind::Organization, Into::into)
}

/// The team of a team or project scope (memberships, invitations).
pub async fn optional_team(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<Team>> {
    match id {
        Some(id) => Ok(Some(load_team(ctx, id).await?)),
        None => Ok(None),
    }
}

/// The project of a project scope (memberships, invitations).
pub async fn optional_project(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<Project>> {
    match id {
        Some(id) => Ok(Some(load_project(ctx, id).await?)),
        None => Ok(None),
    }
}

/// A user's role at one organization, team or project.
#[derive(Clone)]
pub struct Membership(pub entity::membership::Model);

connection!(MembershipConnection, MembershipEdge, Membership, "A page of memberships.", "A membership with its cursor.");

/// A user's role at one organization, team or project.
#[Object]
impl Membership {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::Membership, self.0.id)
    }
    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        visible_user(ctx, Some(self.0.user_id)).await?.ok_or_else(|| AppError::NotFound.into())
    }
    /// The role held.
    async fn role(&self, ctx: &Context<'_>) -> Result<Role> {
        role_by_id(ctx, self.0.role_id)
    }
    /// The kind of scope.
    async fn scope_kind(&self) -> ScopeKind {
        scope_kind_of(&self.0.scope_kind)
    }
    /// The organization of the scope (the scope itself for organization memberships).
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        load_organization(ctx, self.0.organization_id).await
    }
    /// The team, for team and project memberships.
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        optional_team(ctx, self.0.team_id).await
    }
    /// The project, for project memberships.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        optional_project(ctx, self.0.project_id).await
    }
    /// When the membership was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A scope's member list, empty without `member.read` there (filtered, never nulled).
pub async fn members_of(
    ctx: &Context<'_>,
    resource: Resource,
    scope_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
    role: Option<String>,
    search: Option<String>,
) -> Result<MembershipConnection> {
    let req = ctx.req()?;
    let args = PageArgs::parse(first, after.as_deref())?;
    let search = crate::domain::SearchText::parse("search", search.as_deref())?.map(|s| s.as_str().to_string());
    // Grants first: loading them refreshes a stale catalog (a custom role made elsewhere).
    let grants = req.grants().await?;
    let role = match role {
        Some(key) => Some(req.catalog().role_ids_with_key(resource.level(), RoleKey::parse("role", &key)?.as_str(), "role")?),
        None => None,
    };
    if !grants.can(&resource, "member.read") {
        return Ok(MembershipConnection::from_page(Page::<entity::membership::Model>::empty(), Membership));
    }
    let key = MembersOfScope(scope_id, MemberQuery { args, role, search });
    let page = req.loader.load_one(key).await.map_err(gql)?;
    Ok(MembershipConnection::from_page(page.unwrap_or_else(Page::empty), Membership))
}

/// Input of `addMember`.
#[derive(InputObject)]
pub struct AddMemberInput {
    /// An Organization, Team or Project id. For a team or project the user must already belong to its organization.
    pub scope_id: ID,
    /// An existing user (see `viewer.id`).
    pub user_id: ID,
    /// A role key valid at the scope, e.g. "worker", "developer", "labeler".
    pub role: String,
}

/// Result of `addMember`.
#[derive(SimpleObject)]
pub struct AddMemberPayload {
    /// The new membership.
    pub membership: Membership,
}

/// Input of `changeMemberRole`.
#[derive(InputObject)]
pub struct ChangeMemberRoleInput {
    /// The membership to change.
    pub membership_id: ID,
    /// The new role key, valid at the membership's scope.
    pub role: String,
}

/// Result of `changeMemberRole`.
#[derive(SimpleObject)]
pub struct ChangeMemberRolePayload {
    /// The membership with its new role.
    pub membership: Membership,
}

/// Input of `removeMember`.
#[derive(InputObject)]
pub struct RemoveMemberInput {
    /// The membership to remove; an organization membership takes the user's team and project memberships in it along.
    pub membership_id: ID,
}

/// Result of `removeMember`.
#[derive(SimpleObject)]
pub struct RemoveMemberPayload {
    /// Id of the removed membership.
    pub removed_membership_id: ID,
}

/// Input of `leaveScope`.
#[derive(InputObject)]
pub struct LeaveScopeInput {
    /// An Organization, Team or Project id.
    pub scope_id: ID,
}

/// Result of `leaveScope`.
#[derive(SimpleObject)]
pub struct LeaveScopePayload {
    /// Id of the scope the viewer left.
    pub left_scope_id: ID,
}

#[derive(Default)]
pub struct MembershipMutation;

#[Object]
impl MembershipMutation {
    /// Adds an existing user to an organization, team or project with a role.
    async fn add_member(&self, ctx: &Context<'_>, input: AddMemberInput) -> Result<AddMemberPayload> {
        let req = ctx.req()?;
        req.viewer()?;
        let role = RoleKey::parse("role", &input.role)?;
        let (kind, scope_id) = decode(&input.scope_id, "scopeId")?;
        let user = decode_as(&input.user_id, Kind::User, "userId")?;
        let scope = scope_of_kind(kind)?;
        let m = service::add_member(req, scope, scope_id, user, &role).await?;
        req.authz.refresh().await;
        Ok(AddMemberPayload { membership: Membership(m) })
    }

    /// Changes the role of a membership (never the viewer's own).
    async fn change_member_role(&self, ctx: &Context<'_>, input: ChangeMemberRoleInput) -> Result<ChangeMemberRolePayload> {
        let req = ctx.req()?;
        req.viewer()?;
        let role = RoleKey::parse("role", &input.role)?;
        let id = decode_as(&input.membership_id, Kind::Membership, "membershipId")?;
        let m = service::change_member_role(req, id, &role).await?;
        req.authz.refresh().await;
        Ok(ChangeMemberRolePayload { membership: Membership(m) })
    }

    /// Removes someone else's membership.
    async fn remove_member(&self, ctx: &Context<'_>, input: RemoveMemberInput) -> Result<RemoveMemberPayload> {
        let req = ctx.req()?;
        req.viewer()?;
        let id = decode_as(&input.membership_id, Kind::Membership, "membershipId")?;
        service::remove_member(req, id).await?;
        req.authz.refresh().await;
        Ok(RemoveMemberPayload { removed_membership_id: input.membership_id })
    }

    /// The viewer leaves an organization, team or project.
    async fn leave_scope(&self, ctx: &Context<'_>, input: LeaveScopeInput) -> Result<LeaveScopePayload> {
        let req = ctx.req()?;
        req.viewer()?;
        let (kind, scope_id) = decode(&input.scope_id, "scopeId")?;
        let scope = scope_of_kind(kind)?;
        service::leave_scope(req, scope, scope_id).await?;
        req.authz.refresh().await;
        Ok(LeaveScopePayload { left_scope_id: input.scope_id })
    }
}
