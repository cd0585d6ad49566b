//! `node` and `nodes`: any object by global id, or null when it does not exist or the
//! viewer may not see it. Loads go through the per-request loaders (batched), and
//! visibility through `authz`.

use super::context::{CtxExt, visible};
use super::ids::{Kind, decode};
use crate::api_token::schema::ApiToken;
use crate::capability::schema::CapabilityGrant;
use crate::dataset::schema::Dataset;
use crate::error::AppError;
use crate::invitation::schema::Invitation;
use crate::item::schema::Item;
use crate::labeling::schema::LabelingJob;
use crate::membership::schema::Membership;
use crate::organization::schema::Organization;
use crate::project::schema::Project;
use crate::team::schema::Team;
use crate::training::schema::TrainingRun;
use crate::user::schema::{User, visible_user};
use crate::version::schema::ProjectVersion;
use crate::workspace::schema::Workspace;
use async_graphql::{Context, ID, Interface, Object, Result};
use entity::{
    api_token, capability_grant, dataset, invitation, item, labeling_job, membership, organization, project, project_version,
    team, training_run, workspace,
};

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
    Item(Item),
    Membership(Membership),
    Invitation(Invitation),
    ApiToken(ApiToken),
    ProjectVersion(ProjectVersion),
    Group(crate::group::schema::Group),
    CapabilityGrant(CapabilityGrant),
    TrainingRun(TrainingRun),
    LabelingJob(LabelingJob),
}

async fn resolve(ctx: &Context<'_>, kind: Kind, id: uuid::Uuid) -> Result<Option<Node>> {
    Ok(match kind {
        Kind::User => visible_user(ctx, Some(id)).await?.map(Node::User),
        Kind::Organization => visible::<organization::Entity>(ctx, id).await?.map(|o| Node::Organization(Organization(o))),
        Kind::Team => visible::<team::Entity>(ctx, id).await?.map(|t| Node::Team(Team(t))),
        Kind::Workspace => visible::<workspace::Entity>(ctx, id).await?.map(|w| Node::Workspace(Workspace(w))),
        Kind::Project => visible::<project::Entity>(ctx, id).await?.map(|p| Node::Project(Project(p))),
        Kind::Dataset => visible::<dataset::Entity>(ctx, id).await?.map(|d| Node::Dataset(Dataset(d))),
        Kind::Item => visible::<item::Entity>(ctx, id).await?.map(|i| Node::Item(Item(i))),
        Kind::Membership => visible::<membership::Entity>(ctx, id).await?.map(|m| Node::Membership(Membership(m))),
        Kind::Invitation => visible::<invitation::Entity>(ctx, id).await?.map(|i| Node::Invitation(Invitation(i))),
        Kind::ApiToken => visible::<api_token::Entity>(ctx, id).await?.map(|t| Node::ApiToken(ApiToken(t))),
        Kind::ProjectVersion => {
            visible::<project_version::Entity>(ctx, id).await?.map(|v| Node::ProjectVersion(ProjectVersion(v)))
        }
        // Trash entries are reached through `Team.trash` only.
        Kind::TrashEntry => None,
        // Share links are reached through `Project.shareLinks` only.
        Kind::ShareLink => None,
        Kind::Group => crate::group::schema::visible_group(ctx, id).await?.map(Node::Group),
        Kind::CapabilityGrant => {
            visible::<capability_grant::Entity>(ctx, id).await?.map(|g| Node::CapabilityGrant(CapabilityGrant(g)))
        }
        Kind::TrainingRun => visible::<training_run::Entity>(ctx, id).await?.map(|r| Node::TrainingRun(TrainingRun(r))),
        Kind::LabelingJob => visible::<labeling_job::Entity>(ctx, id).await?.map(|j| Node::LabelingJob(LabelingJob(j))),
    })
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by global id; null when it does not exist OR the viewer may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as an object's `id` answers it.")] id: ID,
    ) -> Result<Option<Node>> {
        ctx.req()?.user()?;
        let (kind, uuid) = decode(&id, "id")?;
        resolve(ctx, kind, uuid).await
    }

    /// At most 100 ids; each entry as `node` would answer it.
    #[graphql(complexity = "ids.len().max(1) * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Up to 100 global ids; one answer per id, in their order.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        ctx.req()?.user()?;
        if ids.len() > 100 {
            return Err(AppError::bad_input("ids", "at most 100 ids").into());
        }
        let decoded = ids.iter().map(|id| decode(id, "ids")).collect::<Result<Vec<_>, _>>()?;
        let lookups = decoded.into_iter().map(|(kind, uuid)| resolve(ctx, kind, uuid));
        futures_util::future::try_join_all(lookups).await
    }
}
