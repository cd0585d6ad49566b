//! The organization mutations: create, update, delete, transfer ownership.

use super::schema::{Organization, RolePreset};
use super::service::{self, NewOrganization, OrganizationChanges};
use crate::domain::{Description, Email, Name, Slug};
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::ids::{Kind, decode_as};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

/// Input of `createOrganization`.
#[derive(InputObject)]
pub struct CreateOrganizationInput {
    /// 1-16 of letters, digits, '-' and '_'; stored lowercase; globally unique.
    pub slug: String,
    /// Full name; defaults to the slug.
    pub name: Option<String>,
    /// Purpose and details.
    pub description: Option<String>,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Address.
    pub location: Option<String>,
    /// The built-in role catalog to seed the organization with; DEFAULT when omitted.
    pub role_preset: Option<RolePreset>,
}

/// Result of `createOrganization`.
#[derive(SimpleObject)]
pub struct CreateOrganizationPayload {
    /// The new organization; the viewer is its owner.
    pub organization: Organization,
}

/// Input of `updateOrganization`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    /// The organization to change.
    pub organization_id: ID,
    /// New slug.
    pub slug: Option<String>,
    /// New full name.
    pub name: Option<String>,
    /// New description; empty clears it.
    pub description: Option<String>,
    /// New contact e-mail; empty clears it.
    pub contact_email: Option<String>,
    /// New contact phone; empty clears it.
    pub contact_phone: Option<String>,
    /// New address; empty clears it.
    pub location: Option<String>,
}

/// Result of `updateOrganization`.
#[derive(SimpleObject)]
pub struct UpdateOrganizationPayload {
    /// The organization after the change.
    pub organization: Organization,
}

/// Input of `deleteOrganization`.
#[derive(InputObject)]
pub struct DeleteOrganizationInput {
    /// The organization to delete with everything in it.
    pub organization_id: ID,
}

/// Result of `deleteOrganization`.
#[derive(SimpleObject)]
pub struct DeleteOrganizationPayload {
    /// Id of the deleted organization.
    pub deleted_organization_id: ID,
}

/// Input of `transferOrganizationOwnership`.
#[derive(InputObject)]
pub struct TransferOrganizationOwnershipInput {
    /// The organization.
    pub organization_id: ID,
    /// A user who is an active member; the old owner gets the preset's rank-1 organization
    /// role (`maintainer` in DEFAULT).
    pub new_owner_id: ID,
}

/// Result of `transferOrganizationOwnership`.
#[derive(SimpleObject)]
pub struct TransferOrganizationOwnershipPayload {
    /// The organization with its new owner.
    pub organization: Organization,
}

fn optional_email(field: &str, raw: Option<&str>) -> Result<Option<Email>, AppError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(e) => Email::parse(field, e).map(Some),
    }
}

#[derive(Default)]
pub struct OrganizationMutation;

#[Object]
impl OrganizationMutation {
    /// Creates an organization owned by the viewer.
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CreateOrganizationInput`).")] input: CreateOrganizationInput,
    ) -> Result<CreateOrganizationPayload> {
        let req = ctx.req()?;
        req.user()?;
        let new = NewOrganization {
            slug: Slug::parse("slug", &input.slug)?,
            name: input.name.as_deref().map(|n| Name::parse("name", n)).transpose()?,
            description: Description::parse("description", input.description.as_deref())?,
            contact_email: optional_email("contactEmail", input.contact_email.as_deref())?,
            contact_phone: Description::parse("contactPhone", input.contact_phone.as_deref())?,
            location: Description::parse("location", input.location.as_deref())?,
            role_preset: input.role_preset.unwrap_or(RolePreset::Default).as_str(),
        };
        let org = service::create_organization(req, new).await?;
        Ok(CreateOrganizationPayload { organization: Organization(org) })
    }

    /// Changes an organization's slug, name or contact details (`org.update`).
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UpdateOrganizationInput`).")] input: UpdateOrganizationInput,
    ) -> Result<UpdateOrganizationPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.organization_id, Kind::Organization, "organizationId")?;
        let changes = OrganizationChanges {
            slug: input.slug.as_deref().map(|s| Slug::parse("slug", s)).transpose()?,
            name: input.name.as_deref().map(|n| Name::parse("name", n)).transpose()?,
            description: input.description.as_deref().map(|d| Description::parse("description", Some(d))).transpose()?,
            contact_email: input.contact_email.as_deref().map(|e| optional_email("contactEmail", Some(e))).transpose()?,
            contact_phone: input.contact_phone.as_deref().map(|p| Description::parse("contactPhone", Some(p))).transpose()?,
            location: input.location.as_deref().map(|l| Description::parse("location", Some(l))).transpose()?,
        };
        let org = service::update_organization(req, id, changes).await?;
        Ok(UpdateOrganizationPayload { organization: Organization(org) })
    }

    /// Deletes an organization and everything in it (`org.delete`: the owner).
    async fn delete_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`DeleteOrganizationInput`).")] input: DeleteOrganizationInput,
    ) -> Result<DeleteOrganizationPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.organization_id, Kind::Organization, "organizationId")?;
        service::delete_organization(req, id).await?;
        Ok(DeleteOrganizationPayload { deleted_organization_id: input.organization_id })
    }

    /// Makes another active member the owner; the old owner gets the preset's rank-1
    /// organization role (`maintainer` in DEFAULT, `admin` in LABELBOX and SUPERANNOTATE).
    async fn transfer_organization_ownership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`TransferOrganizationOwnershipInput`).")]
        input: TransferOrganizationOwnershipInput,
    ) -> Result<TransferOrganizationOwnershipPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.organization_id, Kind::Organization, "organizationId")?;
        let new_owner = decode_as(&input.new_owner_id, Kind::User, "newOwnerId")?;
        let org = service::transfer_organization_ownership(req, id, new_owner).await?;
        Ok(TransferOrganizationOwnershipPayload { organization: Organization(org) })
    }
}
