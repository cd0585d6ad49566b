//! `Membership`, `Role`, `ScopeKind`, member lists and the membership mutations.

use super::identity::{ScopeIdentity, scope_path};
use super::loader::{MemberQuery, MembersOfScope};
use super::service;
use crate::authz::Resource;
use crate::authz::keys;
use crate::connection;
use crate::db::page::Page;
use crate::domain::RoleKey;
use crate::graphql::context::gql;
use crate::graphql::context::{CtxExt, visible};
use crate::graphql::ids::{Kind, decode, decode_as, encode, scope_of_kind};
use crate::graphql::pagination::page_args;
use crate::organization::schema::{Organization, load_organization};
use crate::project::schema::Project;
use crate::role::schema::{Role, ScopeKind, role_by_id, scope_kind_of};
use crate::team::schema::Team;
use crate::user::schema::User;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// The team of a team or project scope (memberships, invitations), only when the viewer
/// sees it as `node(id)` would (RULES.md §9.1); `scopePath` names it otherwise.
pub async fn optional_team(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<Team>> {
    let Some(id) = id else { return Ok(None) };
    Ok(visible::<entity::team::Entity>(ctx, id).await?.map(Team))
}

/// The project of a project scope (memberships, invitations), only when the viewer sees
/// it as `node(id)` would; `scopePath` names it otherwise.
pub async fn optional_project(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<Project>> {
    let Some(id) = id else { return Ok(None) };
    Ok(visible::<entity::project::Entity>(ctx, id).await?.map(Project))
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
        crate::user::schema::member(ctx, self.0.user_id).await
    }
    /// The role held.
    async fn role(&self, ctx: &Context<'_>) -> Result<Role> {
        role_by_id(ctx, self.0.role_id).await
    }
    /// The kind of scope.
    async fn scope_kind(&self) -> ScopeKind {
        scope_kind_of(&self.0.scope_kind)
    }
    /// The organization of the scope (the scope itself for organization memberships).
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        load_organization(ctx, self.0.organization_id).await
    }
    /// The team, for team and project memberships; null unless the viewer sees the team
    /// (as `node` would answer it). `scopePath` names it either way.
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        optional_team(ctx, self.0.team_id).await
    }
    /// The project, for project memberships; null unless the viewer sees the project (as
    /// `node` would answer it). `scopePath` names it either way.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        optional_project(ctx, self.0.project_id).await
    }
    /// The identity (id, kind, name, slug) of the organization, then of the team and the
    /// project where the scope has them: all a membership shows of places the viewer may
    /// not see (RULES.md §9.1).
    async fn scope_path(&self, ctx: &Context<'_>) -> Result<Vec<ScopeIdentity>> {
        scope_path(ctx, self.0.organization_id, self.0.team_id, self.0.project_id).await
    }
    /// When the membership was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A scope's member list, empty without `member.read` there (filtered, never nulled).
#[allow(clippy::too_many_arguments)] // the Relay paging arguments (first, after, last, before) of a GraphQL field
pub async fn members_of(
    ctx: &Context<'_>,
    resource: Resource,
    scope_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    role: Option<String>,
    search: Option<String>,
) -> Result<MembershipConnection> {
    let req = ctx.req()?;
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let search = crate::domain::SearchText::parse("search", search.as_deref())?.map(|s| s.as_str().to_string());
    // Grants first: loading them refreshes a stale catalog (a custom role made elsewhere).
    let grants = req.grants().await?;
    let key = role.as_deref().map(|key| RoleKey::parse("role", key)).transpose()?;
    // Permission before the catalog: whether a role key exists in the organization is not
    // told to a viewer who may not read its members (RULES.md §9.8). The scope itself in
    // view, as `node(id)` of each membership decides (`service::sees`): not one reached
    // only through a publication or a job (§9.1).
    let empty = || MembershipConnection::from_page(Page::<entity::membership::Model>::empty(), Membership);
    if !grants.can_in_view(&resource, keys::MEMBER_READ) {
        return Ok(empty());
    }
    let role = match key {
        Some(key) => match req.catalog().role_ids_with_key(resource.org(), resource.level(), key.as_str(), "role") {
            Ok(ids) => Some(ids),
            // A custom role of another of the viewer's organizations: nobody holds it here
            // (one key filtering the members of several organizations is no input error in
            // those without it, where it would null the whole list).
            Err(_) if req.catalog().has_custom_role_key_in(&grants.organization_ids(), resource.level(), key.as_str()) => {
                return Ok(empty());
            }
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
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
    async fn add_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`AddMemberInput`).")] input: AddMemberInput,
    ) -> Result<AddMemberPayload> {
        let req = ctx.req()?;
        req.user()?;
        let role = RoleKey::parse("role", &input.role)?;
        let (kind, scope_id) = decode(&input.scope_id, "scopeId")?;
        let user = decode_as(&input.user_id, Kind::User, "userId")?;
        let scope = scope_of_kind(kind)?;
        let m = service::add_member(req, scope, scope_id, user, &role).await?;
        Ok(AddMemberPayload { membership: Membership(m) })
    }

    /// Changes the role of a membership (never the viewer's own).
    async fn change_member_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`ChangeMemberRoleInput`).")] input: ChangeMemberRoleInput,
    ) -> Result<ChangeMemberRolePayload> {
        let req = ctx.req()?;
        req.user()?;
        let role = RoleKey::parse("role", &input.role)?;
        let id = decode_as(&input.membership_id, Kind::Membership, "membershipId")?;
        let m = service::change_member_role(req, id, &role).await?;
        Ok(ChangeMemberRolePayload { membership: Membership(m) })
    }

    /// Removes someone else's membership.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`RemoveMemberInput`).")] input: RemoveMemberInput,
    ) -> Result<RemoveMemberPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.membership_id, Kind::Membership, "membershipId")?;
        service::remove_member(req, id).await?;
        Ok(RemoveMemberPayload { removed_membership_id: input.membership_id })
    }

    /// The viewer leaves an organization, team or project.
    async fn leave_scope(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`LeaveScopeInput`).")] input: LeaveScopeInput,
    ) -> Result<LeaveScopePayload> {
        let req = ctx.req()?;
        req.user()?;
        let (kind, scope_id) = decode(&input.scope_id, "scopeId")?;
        let scope = scope_of_kind(kind)?;
        service::leave_scope(req, scope, scope_id).await?;
        Ok(LeaveScopePayload { left_scope_id: input.scope_id })
    }
}
