//! The `Organization` type and `organization(slug)`; the mutations are in `mutations.rs`.

use super::loader::{OrganizationBySlug, TeamsOfOrganization};
use crate::authz::{Resource, Scope};
use crate::connection;
use crate::domain::Slug;
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::ids::{Kind, encode};
use crate::graphql::pagination::{cost_either, page_args_in};
use crate::graphql::viewer_fields;
use crate::membership::schema::{MembershipConnection, members_of};
use crate::request::ReachableById;
use crate::role::schema::{Role, ScopeKind};
use crate::team::schema::{Team, TeamConnection};
use crate::user::schema::User;
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};

/// Which built-in role catalog an organization starts with.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RolePreset {
    /// orgraph's combined catalog (RULES.md §5).
    Default,
    /// Supervisely (seed 000): team roles admin, developer, manager, annotator, viewer;
    /// organization roles owner and member.
    Supervisely,
    /// CVAT (seed 002): organization roles owner, maintainer, supervisor, worker; project
    /// (task) roles supervisor and assignee.
    Cvat,
    /// Labelbox (seed 003): workspace-wide roles as organization roles (admin,
    /// read_only_admin, data_admin, project_lead, team_manager, reviewer, labeler, member)
    /// and project-based roles (project_lead, team_manager, reviewer, labeler).
    Labelbox,
    /// SuperAnnotate (seed 004): owner (Team Owner), admin (Team Admin), contributor;
    /// project roles admin, qa, annotator, customer, viewer; "needs permission" entries
    /// are capabilities the owner grants.
    Superannotate,
}

impl RolePreset {
    pub fn as_str(self) -> &'static str {
        match self {
            RolePreset::Default => "DEFAULT",
            RolePreset::Supervisely => "SUPERVISELY",
            RolePreset::Cvat => "CVAT",
            RolePreset::Labelbox => "LABELBOX",
            RolePreset::Superannotate => "SUPERANNOTATE",
        }
    }
    fn parse(text: &str) -> Self {
        [RolePreset::Supervisely, RolePreset::Cvat, RolePreset::Labelbox, RolePreset::Superannotate]
            .into_iter()
            .find(|p| p.as_str() == text)
            .unwrap_or(RolePreset::Default)
    }
}

/// An organization: the top of the hierarchy, owned by exactly one user.
#[derive(Clone)]
pub struct Organization(pub entity::organization::Model);

connection!(
    OrganizationConnection,
    OrganizationEdge,
    Organization,
    "A page of organizations.",
    "An organization with its cursor.",
    immediate: Kind::Organization,
    ["slug" => slug, "name" => name]
);

/// Details beyond id, slug and name are for members: an invitee sees the organization
/// only through their invitation (RULES.md §3.1).
async fn member_only<'a>(ctx: &Context<'_>, org: uuid::Uuid, value: Option<&'a str>) -> Result<Option<&'a str>> {
    Ok(if ctx.req()?.grants().await?.sees_org(org) { value } else { None })
}

pub async fn load_organization(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Organization> {
    let org = ctx.req()?.loader.load_one(ReachableById::<entity::organization::Entity>::new(id)).await.map_err(gql)?;
    Ok(Organization(org.ok_or(AppError::NotFound)?))
}

/// An organization: the top of the hierarchy, owned by exactly one user.
#[Object]
impl Organization {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::Organization, self.0.id)
    }
    /// URL-safe, unique, 1-16 characters: letters, digits, '-' and '_'.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Full name; defaults to the slug.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Purpose and details; null for non-members.
    async fn description(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        member_only(ctx, self.0.id, self.0.description.as_deref()).await
    }
    /// Contact e-mail of the organization; null for non-members.
    async fn contact_email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        member_only(ctx, self.0.id, self.0.contact_email.as_deref()).await
    }
    /// Contact phone of the organization; null for non-members.
    async fn contact_phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        member_only(ctx, self.0.id, self.0.contact_phone.as_deref()).await
    }
    /// Address of the organization; null for non-members.
    async fn location(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        member_only(ctx, self.0.id, self.0.location.as_deref()).await
    }
    /// True for the organization created automatically for a new user.
    async fn personal(&self) -> bool {
        self.0.personal
    }
    /// The role catalog this organization started with.
    async fn role_preset(&self) -> RolePreset {
        RolePreset::parse(&self.0.role_preset)
    }
    /// The one owner. Whoever sees the organization (members, and invitees through their
    /// invitation) sees who owns it; `email` stays private.
    async fn owner(&self, ctx: &Context<'_>) -> Result<User> {
        let owner = ctx.req()?.loader.load_one(crate::user::loader::UserById(self.0.owner_id)).await.map_err(gql)?;
        Ok(User(owner.ok_or_else(|| AppError::internal("organization without owner"))?))
    }
    /// When the organization was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The viewer's organization-level role; null when the viewer is not a member.
    async fn viewer_role(&self, ctx: &Context<'_>) -> Result<Option<Role>> {
        viewer_fields::role(ctx, Scope::Organization, self.0.id).await
    }
    /// Effective permission keys of the viewer on this organization.
    async fn viewer_permissions(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        viewer_fields::permissions(ctx, Resource::Organization { org: self.0.id }).await
    }
    /// Whether the viewer holds `permission` here; an unknown key is BAD_USER_INPUT.
    async fn viewer_can(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A permission key of `permissionCatalog`, e.g. `team.create`.")] permission: String,
    ) -> Result<bool> {
        viewer_fields::can(ctx, Resource::Organization { org: self.0.id }, &permission).await
    }
    /// Teams the viewer may see.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn teams(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<TeamConnection> {
        let args = page_args_in(ctx, first, after.as_deref(), last, before.as_deref())?;
        let page = ctx.req()?.loader.load_one(TeamsOfOrganization(self.0.id, args)).await.map_err(gql)?;
        Ok(TeamConnection::from_page(page.unwrap_or_default(), Team))
    }
    /// Organization-level memberships; `search` matches a prefix of the member's name, case-insensitively.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)] // the Relay paging arguments (first, after, last, before) of a GraphQL field
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
        #[graphql(desc = "Only members holding this role key.")] role: Option<String>,
        #[graphql(desc = "Prefix of the member's name, case-insensitive.")] search: Option<String>,
    ) -> Result<MembershipConnection> {
        let resource = Resource::Organization { org: self.0.id };
        members_of(ctx, resource, self.0.id, first, after, last, before, role, search).await
    }
    /// Null unless the viewer may manage invitations here (`member.invite`).
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
        #[graphql(desc = "Only invitations in this state.")] status: Option<crate::invitation::schema::InvitationStatus>,
    ) -> Result<Option<crate::invitation::schema::InvitationConnection>> {
        crate::invitation::schema::invitations_of(
            ctx,
            Resource::Organization { org: self.0.id },
            self.0.id,
            first,
            after,
            last,
            before,
            status,
        )
        .await
    }
    /// The organization's SDK tokens (API tokens restricted to it, of every member; never
    /// their secrets), revoked and expired ones included, oldest first. Null unless the
    /// viewer holds `sdk_token.view` here.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn sdk_tokens(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<Option<crate::api_token::schema::ApiTokenConnection>> {
        let args = crate::graphql::pagination::page_args(first, after.as_deref(), last, before.as_deref())?;
        crate::api_token::schema::sdk_tokens_of(ctx, self.0.id, args).await
    }
    /// Capability grants of the organization, optionally of one user: all of them for
    /// holders of `capability.manage`, otherwise only the viewer's own. Oldest first.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn capability_grants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the grants of this user.")] user_id: Option<ID>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<crate::capability::schema::CapabilityGrantConnection> {
        crate::capability::schema::grants_of_org(ctx, self.0.id, user_id, first, after, last, before).await
    }
    /// User groups: all of them with `group.read` or `group.manage` on the organization, otherwise only
    /// the groups the viewer belongs to (filtered, never null).
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<crate::group::schema::GroupConnection> {
        crate::group::schema::groups_of(ctx, self.0.id, first, after, last, before).await
    }
    /// The organization's role catalog: its preset's built-in roles and its custom roles, optionally of one
    /// scope kind, ordered by scope kind, then rank. It names every role a membership can hold, so it
    /// includes `owner`, which nobody assigns (only `transferOrganizationOwnership` gives it); which
    /// ones the viewer may give is `assignableRoles`.
    /// Empty for non-members (an invitee, a reader of a published project: RULES.md §9.1).
    async fn roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the roles of this scope kind; all of them without.")] scope_kind: Option<ScopeKind>,
    ) -> Result<Vec<Role>> {
        if !ctx.req()?.grants().await?.sees_org(self.0.id) {
            return Ok(Vec::new());
        }
        let roles = crate::authz::OrgRoles::from_model(&self.0);
        Ok(ctx.req()?.catalog().roles(&roles, scope_kind.map(Into::into)).into_iter().map(Role).collect())
    }
    /// The roles the viewer may give a new member (`addMember`, `inviteMember`) at `scopeId`:
    /// this organization when omitted, else one of its teams or projects; only roles of
    /// that scope's kind, as the role hierarchy allows (RULES.md §5, §9.3). Never
    /// `owner`. Empty where the viewer may assign nothing.
    async fn assignable_roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization (default), or a team or project of it; NOT_FOUND when not visible.")] scope_id: Option<
            ID,
        >,
    ) -> Result<Vec<Role>> {
        crate::role::schema::assignable_roles(ctx, &self.0, scope_id.as_ref()).await
    }
    /// The audit trail: changes to memberships, roles, groups, capability grants and
    /// labeling jobs,
    /// **newest first** (id descending — unlike other connections, which run oldest
    /// first). `action` keeps one action name (e.g. "membership.created"; unknown →
    /// BAD_USER_INPUT). Empty unless the viewer holds `member.manage` here; entries about
    /// memberships, groups and capability grants only with `member.read`, `group.read` (or `group.manage`)
    /// and `capability.manage` here, entries about a team or project only for who sees it.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
        #[graphql(desc = "Only entries of this action.")] action: Option<String>,
    ) -> Result<crate::audit::schema::AuditEntryConnection> {
        crate::audit::schema::of_organization(ctx, self.0.id, first, after, last, before, action).await
    }
}

#[derive(Default)]
pub struct OrganizationQuery;

#[Object]
impl OrganizationQuery {
    /// An organization by slug (case-insensitive); null when it does not exist or the viewer is not a member.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization's slug, in any case.")] slug: String,
    ) -> Result<Option<Organization>> {
        let req = ctx.req()?;
        req.user()?;
        // Not a slug at all: no organization has it.
        let Ok(slug) = Slug::parse("slug", &slug) else { return Ok(None) };
        let org = req.loader.load_one(OrganizationBySlug(slug.as_str().to_ascii_lowercase())).await.map_err(gql)?;
        Ok(org.map(Organization))
    }
}
