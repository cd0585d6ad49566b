//! Sharing rules: `project.update` publishes, unpublishes and manages share links; a
//! clone needs the source visible or published (or a live share link) and
//! `project.create` at the destination. Every mutation is one transaction.

use crate::activity::{self, Action, Subject};
use crate::api_token::service::hash;
use crate::authz::{Grants, Resource, keys};
use crate::domain::Name;
use crate::error::{AppError, AppResult};
use crate::project::repo as project_repo;
use crate::request::RequestCtx;
use crate::version::snapshot::{create_copy, live_rows};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use entity::{project, project_origin, published_project, share_link};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

/// Every share-link token starts with this.
pub const PREFIX: &str = "orgraph_share_";
/// Random characters of the token kept in `prefix` for display.
const SHOWN_CHARS: usize = 4;

/// How a project came from another one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OriginKind {
    Clone,
    Restore,
    ShareLink,
}

impl OriginKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OriginKind::Clone => "CLONE",
            OriginKind::Restore => "RESTORE",
            OriginKind::ShareLink => "SHARE_LINK",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "CLONE" => OriginKind::Clone,
            "RESTORE" => OriginKind::Restore,
            "SHARE_LINK" => OriginKind::ShareLink,
            _ => return None,
        })
    }
}

/// Records where the new project `project` came from.
pub async fn record_origin<C: ConnectionTrait>(
    db: &C,
    project: Uuid,
    source: Uuid,
    kind: OriginKind,
    version: Option<Uuid>,
) -> AppResult<()> {
    let o = project_origin::Model {
        project_id: project,
        source_project_id: source,
        kind: kind.as_str().to_string(),
        source_version_id: version,
        created_at: crate::db::now(),
    };
    project_origin::Entity::insert(o.into_active_model()).exec_without_returning(db).await?;
    Ok(())
}

/// Records that `project` was restored from `version` of `source`.
pub async fn record_restore<C: ConnectionTrait>(db: &C, project: Uuid, source: Uuid, version: Uuid) -> AppResult<()> {
    record_origin(db, project, source, OriginKind::Restore, Some(version)).await
}

pub async fn is_published<C: ConnectionTrait>(db: &C, project: Uuid) -> AppResult<bool> {
    Ok(published_project::Entity::find_by_id(project).one(db).await?.is_some())
}

/// A project the viewer may read: visible to them or published; otherwise NOT_FOUND.
async fn find_readable<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<project::Model> {
    let p = project::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound)?;
    if grants.sees_project(p.organization_id, p.team_id, p.id) || is_published(db, p.id).await? {
        Ok(p)
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether the viewer manages the publication and the share links of the project `r`
/// names, and so sees its links (`Project.shareLinks`): the project in view (not only
/// reached through a labeling job or published) and `project.update` on it.
pub fn manages_sharing(grants: &Grants, r: &Resource) -> bool {
    grants.can_in_view(r, keys::PROJECT_UPDATE)
}

/// A project the viewer sees and whose sharing they manage (`manages_sharing`, else
/// `FORBIDDEN`), locked for the change.
async fn find_updatable<C: ConnectionTrait>(db: &C, grants: &Grants, viewer: Uuid, id: Uuid) -> AppResult<project::Model> {
    let p = project_repo::find_visible(db, grants, id).await?;
    if !manages_sharing(grants, &project_repo::resource(&p, viewer)) {
        return Err(AppError::forbidden("requires project.update"));
    }
    project_repo::lock(db, p.id).await
}

/// Publishes (`publish`) or unpublishes a project; idempotent.
pub async fn set_published(req: &RequestCtx, id: Uuid, publish: bool) -> AppResult<project::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let p = find_updatable(&txn, &grants, viewer.id, id).await?;
    let published = is_published(&txn, p.id).await?;
    if publish && !published {
        let row = published_project::Model { project_id: p.id, published_by: Some(viewer.id), published_at: crate::db::now() };
        published_project::Entity::insert(row.into_active_model()).exec_without_returning(&txn).await?;
        activity::record(&txn, viewer.id, Action::Published, Subject::project(&p)).await?;
    } else if !publish && published {
        published_project::Entity::delete_by_id(p.id).exec(&txn).await?;
        activity::record(&txn, viewer.id, Action::Unpublished, Subject::project(&p)).await?;
    }
    txn.commit().await?;
    Ok(p)
}

/// Copies a project the viewer may read into `workspace`.
pub async fn clone_project(req: &RequestCtx, source: Uuid, workspace: Uuid, name: Name) -> AppResult<project::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let source = find_readable(&txn, &grants, source).await?;
    let p = copy(&txn, &grants, viewer.id, &source, workspace, name, OriginKind::Clone).await?;
    txn.commit().await?;
    Ok(p)
}

async fn copy<C: ConnectionTrait>(
    txn: &C,
    grants: &Grants,
    viewer: Uuid,
    source: &project::Model,
    workspace: Uuid,
    name: Name,
    kind: OriginKind,
) -> AppResult<project::Model> {
    let rows = live_rows(txn, source.id).await?;
    let p = create_copy(txn, grants, viewer, workspace, name, source.description.clone(), &rows).await?;
    activity::record_with_source(txn, viewer, Action::Created, Subject::project(&p), Some(source.id)).await?;
    record_origin(txn, p.id, source.id, kind, None).await?;
    Ok(p)
}

/// A new token (`orgraph_share_` + 32 random bytes, base64url) and its display prefix.
fn generate() -> (String, String) {
    use rand::RngCore;
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let body = URL_SAFE_NO_PAD.encode(raw);
    let prefix = format!("{PREFIX}{}", &body[..SHOWN_CHARS]);
    (format!("{PREFIX}{body}"), prefix)
}

/// Creates a share link; returns it with its token (shown once, stored hashed).
pub async fn create_share_link(
    req: &RequestCtx,
    project: Uuid,
    lifetime: Option<Duration>,
) -> AppResult<(share_link::Model, String)> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let p = find_updatable(&txn, &grants, viewer.id, project).await?;
    let (token, prefix) = generate();
    let now = crate::db::now();
    let link = share_link::Model {
        id: Uuid::now_v7(),
        project_id: p.id,
        token_hash: hash(&token),
        prefix,
        created_by: Some(viewer.id),
        created_at: now,
        expires_at: lifetime.map(|l| now + l),
        revoked_at: None,
    };
    share_link::Entity::insert(link.clone().into_active_model()).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok((link, token))
}

/// Revokes a share link (who manages its project's sharing, `manages_sharing`); revoking
/// twice keeps the first time.
pub async fn revoke_share_link(req: &RequestCtx, id: Uuid) -> AppResult<share_link::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let link = share_link::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound)?;
    // A link is seen only by who manages its project's sharing (`Project.shareLinks`): to
    // anyone else it is NOT_FOUND, as a missing one (RULES.md §3, §9.8), never FORBIDDEN.
    let p = project_repo::find_visible(&txn, &grants, link.project_id).await?;
    if !manages_sharing(&grants, &project_repo::resource(&p, viewer.id)) {
        return Err(AppError::NotFound);
    }
    project_repo::lock(&txn, p.id).await?;
    let link = if link.revoked_at.is_some() {
        link
    } else {
        let mut am = link.into_active_model();
        am.revoked_at = Set(Some(crate::db::now()));
        am.update(&txn).await?
    };
    txn.commit().await?;
    Ok(link)
}

/// Whether a link can still be used.
pub fn is_active(link: &share_link::Model) -> bool {
    link.revoked_at.is_none() && link.expires_at.is_none_or(|e| e > crate::db::now())
}

/// RULES.md §9.6: a link works only while its creator still holds the right to create it
/// on its project (`project.update`, on a project they see), read at each use; a link
/// whose creator is gone works no more.
async fn creator_may_share<C: ConnectionTrait>(
    req: &RequestCtx,
    db: &C,
    link: &share_link::Model,
    p: &project::Model,
) -> AppResult<bool> {
    let Some(creator) = link.created_by else { return Ok(false) };
    let grants = req.load_grants_of(db, creator).await?;
    Ok(manages_sharing(&grants, &project_repo::resource(p, creator)))
}

/// Copies the project of a live share link into `workspace`; an unknown, expired or
/// revoked token, or one whose creator lost the right to share the project, is NOT_FOUND.
pub async fn clone_from_share_link(req: &RequestCtx, token: &str, workspace: Uuid, name: Name) -> AppResult<project::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let link = share_link::Entity::find()
        .filter(share_link::Column::TokenHash.eq(hash(token.trim())))
        .one(&txn)
        .await?
        .filter(is_active)
        .ok_or(AppError::NotFound)?;
    let source = project::Entity::find_by_id(link.project_id).one(&txn).await?.ok_or(AppError::NotFound)?;
    if !creator_may_share(req, &txn, &link, &source).await? {
        return Err(AppError::NotFound);
    }
    let p = copy(&txn, &grants, viewer.id, &source, workspace, name, OriginKind::ShareLink).await?;
    txn.commit().await?;
    Ok(p)
}
