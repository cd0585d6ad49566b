//! The `Group` type, `Organization.groups` and the group mutations.

use super::loader::{GroupsOfOrganization, MembersOfGroup, ProjectsOfGroup};
use super::service::{self, GroupChanges};
use crate::connection;
use crate::db::page::Page;
use crate::domain::{Description, Name, RoleKey};
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::graphql::pagination::{cost_either, page_args};
use crate::organization::schema::{Organization, load_organization};
use crate::project::schema::Project;
use crate::role::schema::{Role, role_by_id};
use crate::user::schema::User;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A user group of an organization (Labelbox): its members hold the role of each of the
/// group's project assignments on that project, for as long as they stay in the group.
#[derive(Clone)]
pub struct Group(pub entity::group::Model);

connection!(GroupConnection, GroupEdge, Group, "A page of user groups.", "A user group with its cursor.");

/// A user in a group.
#[derive(Clone)]
pub struct GroupMember(entity::group_member::Model);

connection!(
    GroupProjectAssignmentConnection,
    GroupProjectAssignmentEdge,
    GroupProjectAssignment,
    "A page of a group's project assignments.",
    "A project assignment with its cursor."
);
connection!(GroupMemberConnection, GroupMemberEdge, GroupMember, "A page of group members.", "A group member with its cursor.");

/// The group, or null when it does not exist or the viewer may not see it (`node`).
pub async fn visible_group(ctx: &Context<'_>, id: Uuid) -> Result<Option<Group>> {
    Ok(crate::graphql::context::visible::<entity::group::Entity>(ctx, id).await?.map(Group))
}

/// `Organization.groups`: every group with `group.read` or `group.manage`, else only the viewer's own.
pub async fn groups_of(
    ctx: &Context<'_>,
    org: Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<GroupConnection> {
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let page = ctx.req()?.loader.load_one(GroupsOfOrganization(org, args)).await.map_err(gql)?;
    Ok(GroupConnection::from_page(page.unwrap_or_else(Page::empty), Group))
}

/// A user group of an organization (Labelbox): its members hold the role of each of the
/// group's project assignments on that project, for as long as they stay in the group.
#[Object]
impl Group {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::Group, self.0.id)
    }
    /// Name, unique inside the organization.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Purpose of the group; null when none was given.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The organization the group belongs to.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        load_organization(ctx, self.0.organization_id).await
    }
    /// The group's members, in the order they were added.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<GroupMemberConnection> {
        let args = page_args(first, after.as_deref(), last, before.as_deref())?;
        let page = ctx.req()?.loader.load_one(MembersOfGroup(self.0.id, args)).await.map_err(gql)?;
        Ok(GroupMemberConnection::from_page(page.unwrap_or_else(Page::empty), GroupMember))
    }
    /// The projects the group is assigned to, with the role its members get there, oldest first.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<GroupProjectAssignmentConnection> {
        let args = page_args(first, after.as_deref(), last, before.as_deref())?;
        let page = ctx.req()?.loader.load_one(ProjectsOfGroup(self.0.id, args)).await.map_err(gql)?;
        Ok(GroupProjectAssignmentConnection::from_page(page.unwrap_or_else(Page::empty), GroupProjectAssignment))
    }
    /// When the group was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A user in a group.
#[Object]
impl GroupMember {
    /// The member (always a member of the group's organization).
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        crate::user::schema::member(ctx, self.0.user_id).await
    }
    /// When the user was added to the group.
    async fn added_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A group's access to a project: every member holds `role` there.
#[derive(Clone)]
pub struct GroupProjectAssignment(entity::group_project::Model);

/// A group's access to a project: every member holds `role` there.
#[Object]
impl GroupProjectAssignment {
    /// The project; null when the viewer may not see it.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        Ok(crate::graphql::context::visible::<entity::project::Entity>(ctx, self.0.project_id).await?.map(Project))
    }
    /// The project-scope role the group's members hold on the project.
    async fn role(&self, ctx: &Context<'_>) -> Result<Role> {
        role_by_id(ctx, self.0.role_id).await
    }
    /// When the group was assigned to the project.
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Input of `createGroup`.
#[derive(InputObject)]
pub struct CreateGroupInput {
    /// The organization (`group.manage` there).
    pub organization_id: ID,
    /// Trimmed, 1-128 characters, unique inside the organization.
    pub name: String,
    /// Purpose of the group.
    pub description: Option<String>,
}

/// Input of `updateGroup`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateGroupInput {
    /// The group (`group.manage` on its organization).
    pub group_id: ID,
    /// New name, unique inside the organization.
    pub name: Option<String>,
    /// New description; empty clears it.
    pub description: Option<String>,
}

/// Input of `deleteGroup`.
#[derive(InputObject)]
pub struct DeleteGroupInput {
    /// The group to delete; its members lose the access it gave at once.
    pub group_id: ID,
}

/// Input of `addGroupMember`.
#[derive(InputObject)]
pub struct AddGroupMemberInput {
    /// The group (`group.manage` on its organization).
    pub group_id: ID,
    /// The user: an active member of the group's organization.
    pub user_id: ID,
}

/// Input of `removeGroupMember`.
#[derive(InputObject)]
pub struct RemoveGroupMemberInput {
    /// The group (`group.manage` on its organization).
    pub group_id: ID,
    /// A member of the group.
    pub user_id: ID,
}

/// Input of `assignGroupToProject`.
#[derive(InputObject)]
pub struct AssignGroupToProjectInput {
    /// The group (`group.manage` on its organization).
    pub group_id: ID,
    /// A project of the group's organization that the viewer sees.
    pub project_id: ID,
    /// A project-scope role key of the organization that the viewer holds in full on the
    /// project; re-assigning an assigned project changes its role.
    pub role: String,
}

/// Input of `unassignGroupFromProject`.
#[derive(InputObject)]
pub struct UnassignGroupFromProjectInput {
    /// The group (`group.manage` on its organization).
    pub group_id: ID,
    /// The project the group is assigned to.
    pub project_id: ID,
}

/// Declares the payload of a mutation that answers the group after the change.
macro_rules! group_payload {
    ($($name:ident: $doc:literal),* $(,)?) => {
        $(
            #[doc = $doc]
            #[derive(SimpleObject)]
            pub struct $name {
                /// The group after the change.
                pub group: Group,
            }
        )*
    };
}

group_payload!(
    CreateGroupPayload: "Result of `createGroup`.",
    UpdateGroupPayload: "Result of `updateGroup`.",
    AddGroupMemberPayload: "Result of `addGroupMember`.",
    RemoveGroupMemberPayload: "Result of `removeGroupMember`.",
    AssignGroupToProjectPayload: "Result of `assignGroupToProject`.",
    UnassignGroupFromProjectPayload: "Result of `unassignGroupFromProject`.",
);

/// Result of `deleteGroup`.
#[derive(SimpleObject)]
pub struct DeleteGroupPayload {
    /// Id of the deleted group.
    pub deleted_group_id: ID,
}

fn group_id(id: &ID) -> Result<Uuid, AppError> {
    decode_as(id, Kind::Group, "groupId")
}

#[derive(Default)]
pub struct GroupMutation;

#[Object]
impl GroupMutation {
    /// Creates a user group in an organization (`group.manage`).
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CreateGroupInput`).")] input: CreateGroupInput,
    ) -> Result<CreateGroupPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let description = Description::parse("description", input.description.as_deref())?;
        let org = decode_as(&input.organization_id, Kind::Organization, "organizationId")?;
        let g = service::create_group(req, org, name, description).await?;
        Ok(CreateGroupPayload { group: Group(g) })
    }

    /// Renames a group or changes its description (`group.manage`).
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UpdateGroupInput`).")] input: UpdateGroupInput,
    ) -> Result<UpdateGroupPayload> {
        let req = ctx.req()?;
        req.user()?;
        let changes = GroupChanges {
            name: input.name.as_deref().map(|n| Name::parse("name", n)).transpose()?,
            description: input.description.as_deref().map(|d| Description::parse("description", Some(d))).transpose()?,
        };
        let g = service::update_group(req, group_id(&input.group_id)?, changes).await?;
        Ok(UpdateGroupPayload { group: Group(g) })
    }

    /// Deletes a group with its memberships and project assignments (`group.manage`).
    async fn delete_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`DeleteGroupInput`).")] input: DeleteGroupInput,
    ) -> Result<DeleteGroupPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = service::delete_group(req, group_id(&input.group_id)?).await?;
        Ok(DeleteGroupPayload { deleted_group_id: encode(Kind::Group, id) })
    }

    /// Adds a member of the organization to a group (`group.manage`, and every project
    /// role of the group held by the viewer); they get the group's project access at once.
    async fn add_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`AddGroupMemberInput`).")] input: AddGroupMemberInput,
    ) -> Result<AddGroupMemberPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = group_id(&input.group_id)?;
        let user = decode_as(&input.user_id, Kind::User, "userId")?;
        let g = service::add_group_member(req, id, user).await?;
        Ok(AddGroupMemberPayload { group: Group(g) })
    }

    /// Removes a user from a group (`group.manage`); they lose the group's project access at once.
    async fn remove_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`RemoveGroupMemberInput`).")] input: RemoveGroupMemberInput,
    ) -> Result<RemoveGroupMemberPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = group_id(&input.group_id)?;
        let user = decode_as(&input.user_id, Kind::User, "userId")?;
        let g = service::remove_group_member(req, id, user).await?;
        Ok(RemoveGroupMemberPayload { group: Group(g) })
    }

    /// Gives a group's members a project role on a project, or changes the role of an
    /// existing assignment (`group.manage`; the viewer must hold the role there).
    async fn assign_group_to_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`AssignGroupToProjectInput`).")] input: AssignGroupToProjectInput,
    ) -> Result<AssignGroupToProjectPayload> {
        let req = ctx.req()?;
        req.user()?;
        let role = RoleKey::parse("role", &input.role)?;
        let id = group_id(&input.group_id)?;
        let project = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let g = service::assign_project(req, id, project, &role).await?;
        Ok(AssignGroupToProjectPayload { group: Group(g) })
    }

    /// Withdraws a group's access to a project (`group.manage`).
    async fn unassign_group_from_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UnassignGroupFromProjectInput`).")] input: UnassignGroupFromProjectInput,
    ) -> Result<UnassignGroupFromProjectPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = group_id(&input.group_id)?;
        let project = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let g = service::unassign_project(req, id, project).await?;
        Ok(UnassignGroupFromProjectPayload { group: Group(g) })
    }
}
