//! `node` and `nodes`: any object by global id, or null when it does not exist or the
//! viewer may not see it. Loads go through the per-request loaders (batched), and
//! visibility through `authz`.

use super::context::{CtxExt, gql};
use super::ids::{Kind, decode};
use crate::authz::{Grants, Visible};
use crate::dataset::schema::Dataset;
use crate::error::AppError;
use crate::membership::loader::MembershipById;
use crate::membership::schema::Membership;
use crate::organization::schema::Organization;
use crate::project::schema::Project;
use crate::request::{DbLoader, LoadError, VisibleById};
use crate::team::schema::Team;
use crate::user::schema::{User, visible_user};
use crate::workspace::schema::Workspace;
use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, Interface, Object, Result};
use entity::{dataset, organization, project, team, workspace};
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
    LabelingJob(crate::labeling::schema::LabelingJob),
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

/// The row of kind `E` if the viewer sees it: `authz`'s rule applied in SQL, batched.
async fn seen<E>(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Option<E::Model>>
where
    E: Visible + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    ctx.req()?.loader.load_one(VisibleById::<E>::new(id)).await.map_err(gql)
}

async fn resolve(ctx: &Context<'_>, kind: Kind, id: uuid::Uuid) -> Result<Option<Node>> {
    Ok(match kind {
        Kind::User => visible_user(ctx, Some(id)).await?.map(Node::User),
        Kind::Organization => seen::<organization::Entity>(ctx, id).await?.map(|o| Node::Organization(Organization(o))),
        Kind::Team => seen::<team::Entity>(ctx, id).await?.map(|t| Node::Team(Team(t))),
        Kind::Workspace => seen::<workspace::Entity>(ctx, id).await?.map(|w| Node::Workspace(Workspace(w))),
        Kind::Project => seen::<project::Entity>(ctx, id).await?.map(|p| Node::Project(Project(p))),
        Kind::Dataset => seen::<dataset::Entity>(ctx, id).await?.map(|d| Node::Dataset(Dataset(d))),
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
        Kind::LabelingJob => crate::labeling::schema::visible_job(ctx, id).await?.map(Node::LabelingJob),
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
