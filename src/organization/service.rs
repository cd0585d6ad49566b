//! Organization rules and transactions: create, update, delete, transfer ownership.

use super::repo::{find_visible, lock};
use crate::audit::{self, AuditAction};
use crate::authz::keys;
use crate::authz::{Resource, Scope, preset_namespace};
use crate::domain::{Description, Email, Name, Slug};
use crate::error::{AppError, AppResult};
use crate::membership::repo::add_membership;
use crate::request::RequestCtx;
use entity::{membership, organization};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

pub struct NewOrganization {
    pub slug: Slug,
    pub name: Option<Name>,
    pub description: Description,
    pub contact_email: Option<Email>,
    pub contact_phone: Description,
    pub location: Description,
    /// The stored preset name (`RolePreset`), e.g. "DEFAULT".
    pub role_preset: &'static str,
}

#[derive(Default)]
pub struct OrganizationChanges {
    pub slug: Option<Slug>,
    pub name: Option<Name>,
    pub description: Option<Description>,
    pub contact_email: Option<Option<Email>>,
    pub contact_phone: Option<Description>,
    pub location: Option<Description>,
}

pub async fn create_organization(req: &RequestCtx, input: NewOrganization) -> AppResult<organization::Model> {
    let viewer = req.user()?;
    // RULES.md §9.6: a token restricted to one organization acts in that one alone.
    if req.viewer.is_restricted() {
        return Err(AppError::forbidden("a token restricted to one organization cannot create organizations"));
    }
    let txn = req.begin_write().await?;
    let org = organization::Model {
        id: Uuid::now_v7(),
        name: input.name.map(Name::into_string).unwrap_or_else(|| input.slug.as_str().to_string()),
        slug: input.slug.as_str().to_string(),
        description: input.description.into_inner(),
        contact_email: input.contact_email.map(Email::into_string),
        contact_phone: input.contact_phone.into_inner(),
        location: input.location.into_inner(),
        personal: false,
        role_preset: input.role_preset.into(),
        owner_id: viewer.id,
        created_at: crate::db::now(),
    };
    organization::Entity::insert(org.clone().into_active_model()).exec_without_returning(&txn).await?;
    let owner = req.catalog().builtin(preset_namespace(&org.role_preset), Scope::Organization, "owner")?;
    add_membership(&txn, viewer.id, Scope::Organization, org.id, org.id, None, None, &owner).await?;
    txn.commit().await?;
    Ok(org)
}

pub async fn update_organization(req: &RequestCtx, id: Uuid, changes: OrganizationChanges) -> AppResult<organization::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    find_visible(&txn, &grants, id).await?;
    if !grants.can(&Resource::Organization { org: id }, keys::ORG_UPDATE) {
        return Err(AppError::forbidden("requires org.update"));
    }
    let org = lock(&txn, id).await?;
    let mut am = org.into_active_model();
    if let Some(slug) = changes.slug {
        am.slug = Set(slug.as_str().to_string());
    }
    if let Some(name) = changes.name {
        am.name = Set(name.into_string());
    }
    if let Some(d) = changes.description {
        am.description = Set(d.into_inner());
    }
    if let Some(e) = changes.contact_email {
        am.contact_email = Set(e.map(Email::into_string));
    }
    if let Some(p) = changes.contact_phone {
        am.contact_phone = Set(p.into_inner());
    }
    if let Some(l) = changes.location {
        am.location = Set(l.into_inner());
    }
    let org = am.update(&txn).await?;
    txn.commit().await?;
    Ok(org)
}

pub async fn delete_organization(req: &RequestCtx, id: Uuid) -> AppResult<()> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    find_visible(&txn, &grants, id).await?;
    if !grants.can(&Resource::Organization { org: id }, keys::ORG_DELETE) {
        return Err(AppError::forbidden("requires org.delete"));
    }
    lock(&txn, id).await?;
    crate::user::repo::lock_user(&txn, viewer.id).await?;
    let memberships = membership::Entity::find().filter(membership::Column::UserId.eq(viewer.id)).all(&txn).await?;
    let other_orgs = memberships.iter().filter(|m| m.scope_kind == "organization" && m.organization_id != id).count();
    if other_orgs == 0 {
        return Err(AppError::precondition("you may not delete your only organization"));
    }
    let teams_here = memberships.iter().filter(|m| m.scope_kind == "team" && m.organization_id == id).count();
    let teams_elsewhere = memberships.iter().filter(|m| m.scope_kind == "team" && m.organization_id != id).count();
    if teams_here > 0 && teams_elsewhere == 0 {
        return Err(AppError::precondition("deleting this organization would remove your last team"));
    }
    // Rows naming the organization's custom roles go first: their foreign keys restrict,
    // and PostgreSQL may cascade to the roles before it cascades to them.
    membership::Entity::delete_many().filter(membership::Column::OrganizationId.eq(id)).exec(&txn).await?;
    entity::invitation::Entity::delete_many().filter(entity::invitation::Column::OrganizationId.eq(id)).exec(&txn).await?;
    entity::group_project::Entity::delete_many().filter(entity::group_project::Column::OrganizationId.eq(id)).exec(&txn).await?;
    // Under the lock a concurrent delete may have won: the row is gone.
    if organization::Entity::delete_by_id(id).exec(&txn).await?.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    txn.commit().await?;
    Ok(())
}

pub async fn transfer_organization_ownership(req: &RequestCtx, id: Uuid, new_owner: Uuid) -> AppResult<organization::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    // Lock first, then read the viewer's role: a concurrent transfer may have made
    // the viewer a maintainer while this request waited.
    let org = lock(&txn, id).await?;
    let grants = req.load_grants(&txn).await?;
    find_visible(&txn, &grants, id).await?;
    if !grants.can(&Resource::Organization { org: id }, keys::ORG_TRANSFER) {
        return Err(AppError::forbidden("requires org.transfer"));
    }
    let in_org = |user: Uuid| {
        membership::Entity::find()
            .filter(membership::Column::ScopeId.eq(id))
            .filter(membership::Column::UserId.eq(user))
            .one(&txn)
    };
    let Some(target) = in_org(new_owner).await? else {
        return Err(AppError::precondition("the new owner must be an active member of the organization"));
    };
    if new_owner == org.owner_id {
        return Err(AppError::precondition("that member already owns the organization"));
    }
    let catalog = req.catalog();
    let namespace = preset_namespace(&org.role_preset).to_string();
    let owner_role = catalog.builtin(&namespace, Scope::Organization, "owner")?.id;
    let actor = req.user()?.id;
    let changed = AuditAction::MembershipRoleChanged;
    let old_owner = org.owner_id;
    if let Some(old) = in_org(old_owner).await? {
        let mut am = old.clone().into_active_model();
        am.role_id = Set(catalog.former_owner(&namespace)?.id);
        let after = am.update(&txn).await?;
        audit::record_membership(&txn, &catalog, actor, changed, Some(&old), Some(&after)).await?;
    }
    let mut am = target.clone().into_active_model();
    am.role_id = Set(owner_role);
    let after = am.update(&txn).await?;
    audit::record_membership(&txn, &catalog, actor, changed, Some(&target), Some(&after)).await?;
    let mut am = org.into_active_model();
    am.owner_id = Set(new_owner);
    let org = am.update(&txn).await?;
    let transferred = audit::Change {
        organization: id,
        within: None,
        actor: Some(actor),
        action: AuditAction::OwnershipTransferred,
        target_kind: "Organization",
        target_id: Some(id),
        before: Some(serde_json::json!({ "ownerId": old_owner })),
        after: Some(serde_json::json!({ "ownerId": new_owner })),
    };
    audit::record(&txn, transferred).await?;
    let owners = membership::Entity::find()
        .filter(membership::Column::ScopeId.eq(id))
        .filter(membership::Column::RoleId.eq(owner_role))
        .count(&txn)
        .await?;
    if owners != 1 {
        return Err(AppError::internal("ownership invariant broken"));
    }
    txn.commit().await?;
    Ok(org)
}
