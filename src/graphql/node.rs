//! `node` and `nodes`: any object by global id, or null when it does not exist or the
//! viewer may not see it. Loads go through the per-request loaders (batched), and
//! visibility through `authz`.

use super::context::{CtxExt, gql};
use super::ids::{Kind, decode};
use crate::authz::Grants;
use crate::dataset::loader::DatasetById;
use crate::dataset::schema::Dataset;
use crate::error::AppError;
use crate::membership::loader::MembershipById;
use crate::membership::schema::Membership;
use crate::organization::loader::OrganizationById;
use crate::organization::schema::Organization;
use crate::project::loader::ProjectById;
use crate::project::schema::Project;
use crate::request::{DbLoader, LoadError};
use crate::team::loader::TeamById;
use crate::team::schema::Team;
use crate::user::schema::{User, visible_user};
use crate::workspace::loader::WorkspaceById;
use crate::workspace::schema::Workspace;
use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, Interface, Object, Result};
use std::hash::Hash;

/// Every addressable object. `id` is an opaque global id accepted by `node`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    User(User),
    Organization(Organization),
    Team(Team),
    Workspace(Workspace),
    Project(Project),
    Dataset(Dataset),
    Item(crate::item::schema::Item),
    Membership(Membership),
    Invitation(crate::invitation::schema::Invitation),
    ApiToken(crate::api_token::schema::ApiToken),
    ProjectVersion(crate::version::schema::ProjectVersion),
    Group(crate::group::schema::Group),
    CapabilityGrant(crate::capability::schema::CapabilityGrant),
    TrainingRun(crate::training::schema::TrainingRun),
}

/// The row a by-id loader finds, kept only when `sees` lets the viewer see it.
async fn visible<K, M>(ctx: &Context<'_>, key: K, sees: impl Fn(&Grants, &M) -> bool) -> Result<Option<M>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    M: Send + Sync + Clone + 'static,
    DbLoader: Loader<K, Value = M, Error = LoadError>,
{
    let req = ctx.req()?;
    let grants = req.grants().await?;
    Ok(req.loader.load_one(key).await.map_err(gql)?.filter(|m| sees(&grants, m)))
}

async fn resolve(ctx: &Context<'_>, kind: Kind, id: uuid::Uuid) -> Result<Option<Node>> {
    Ok(match kind {
        Kind::User => visible_user(ctx, Some(id)).await?.map(Node::User),
        Kind::Organization => {
            visible(ctx, OrganizationById(id), |g, o| g.sees_org(o.id)).await?.map(|o| Node::Organization(Organization(o)))
        }
        Kind::Team => visible(ctx, TeamById(id), |g, t| g.sees_team(t.organization_id, t.id)).await?.map(|t| Node::Team(Team(t))),
        Kind::Workspace => visible(ctx, WorkspaceById(id), |g, w| g.sees_team(w.organization_id, w.team_id))
            .await?
            .map(|w| Node::Workspace(Workspace(w))),
        Kind::Project => visible(ctx, ProjectById(id), |g, p| g.sees_project(p.organization_id, p.team_id, p.id))
            .await?
            .map(|p| Node::Project(Project(p))),
        Kind::Dataset => visible(ctx, DatasetById(id), |g, d| g.sees_project(d.organization_id, d.team_id, d.project_id))
            .await?
            .map(|d| Node::Dataset(Dataset(d))),
        Kind::Item => crate::item::schema::visible_item(ctx, id).await?.map(Node::Item),
        Kind::Membership => {
            visible(ctx, MembershipById(id), crate::membership::service::sees).await?.map(|m| Node::Membership(Membership(m)))
        }
        Kind::Invitation => crate::invitation::schema::visible_invitation(ctx, id).await?.map(Node::Invitation),
        Kind::ApiToken => crate::api_token::schema::visible_token(ctx, id).await?.map(Node::ApiToken),
        Kind::ProjectVersion => crate::version::schema::visible_version(ctx, id).await?.map(Node::ProjectVersion),
        // Trash entries are reached through `Team.trash` only.
        Kind::TrashEntry => None,
        // Share links are reached through `Project.shareLinks` only.
        Kind::ShareLink => None,
        Kind::Group => crate::group::schema::visible_group(ctx, id).await?.map(Node::Group),
        Kind::CapabilityGrant => crate::capability::schema::visible_grant(ctx, id).await?.map(Node::CapabilityGrant),
        Kind::TrainingRun => crate::training::schema::visible_run(ctx, id).await?.map(Node::TrainingRun),
    })
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by global id; null when it does not exist OR the viewer may not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        ctx.req()?.user()?;
        let (kind, uuid) = decode(&id, "id")?;
        resolve(ctx, kind, uuid).await
    }

    /// At most 100 ids; each entry as `node` would answer it.
    #[graphql(complexity = "ids.len().max(1) * child_complexity")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        ctx.req()?.user()?;
        if ids.len() > 100 {
            return Err(AppError::bad_input("ids", "at most 100 ids").into());
        }
        let decoded = ids.iter().map(|id| decode(id, "ids")).collect::<Result<Vec<_>, _>>()?;
        let lookups = decoded.into_iter().map(|(kind, uuid)| resolve(ctx, kind, uuid));
        futures_util::future::try_join_all(lookups).await
    }
}
