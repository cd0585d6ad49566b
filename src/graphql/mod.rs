//! Composition only: the schema is merged from each concept's query and mutation roots.

pub mod context;
pub mod guard;
pub mod ids;
pub mod limits;
pub mod node;
pub mod observe;
pub mod pagination;
pub mod viewer_fields;

use crate::config::Limits;
use async_graphql::{MergedObject, Schema, SchemaBuilder};

/// The query root.
#[derive(MergedObject, Default)]
pub struct Query(
    crate::user::schema::UserQuery,
    node::NodeQuery,
    crate::organization::schema::OrganizationQuery,
    crate::version::schema::VersionQuery,
    crate::sharing::schema::SharingQuery,
    crate::role::schema::RoleQuery,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct Mutation(
    crate::organization::schema::OrganizationMutation,
    crate::team::schema::TeamMutation,
    crate::workspace::schema::WorkspaceMutation,
    crate::project::schema::ProjectMutation,
    crate::project::schema::TransferMutation,
    crate::dataset::schema::DatasetMutation,
    crate::item::schema::ItemMutation,
    crate::membership::schema::MembershipMutation,
    crate::invitation::schema::InvitationMutation,
    crate::api_token::schema::ApiTokenMutation,
    crate::version::schema::VersionMutation,
    crate::trash::schema::TrashMutation,
    crate::sharing::schema::SharingMutation,
    crate::group::schema::GroupMutation,
    crate::capability::schema::CapabilityMutation,
    crate::training::schema::TrainingMutation,
    crate::role::schema::RoleMutation,
    crate::labeling::schema::LabelingJobMutation,
);

/// The subscription root.
#[derive(async_graphql::MergedSubscription, Default)]
pub struct Subscription(crate::invitation::schema::InvitationSubscription, crate::labeling::schema::LabelingJobSubscription);

pub type OrgraphSchema = Schema<Query, Mutation, Subscription>;

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription::default())
}

/// The executable schema. The limits of RULES.md §8 are enforced by `guard` before a
/// document reaches it (async-graphql's own depth and complexity walks expand fragments at
/// every spread); `dev` off also turns off introspection and "Did you mean …" suggestions.
pub fn build(limits: &Limits, dev: bool) -> OrgraphSchema {
    let mut b = builder()
        // First, so that it is the outermost: it sees errors once they have their codes.
        .extension(observe::Observe)
        .limit_recursive_depth(limits.nesting())
        .limit_directives(MAX_DIRECTIVES_PER_FIELD)
        .extension(limits::Coding { max_errors: limits.errors });
    if !dev {
        b = b.disable_introspection().disable_suggestions();
    }
    b.finish()
}

/// Directives on one field or fragment (`@include`, `@skip`: a handful is plenty).
pub const MAX_DIRECTIVES_PER_FIELD: usize = 16;

/// The admission guard for this schema.
pub fn guard(settings: &crate::config::Settings) -> Result<guard::Guard, String> {
    let caps = guard::model::CapSettings {
        max_dataset_depth: settings.max_dataset_depth.max(1) as u64,
        max_custom_roles: settings.max_custom_roles,
        max_item_batch: crate::item::service::MAX_BATCH as u64,
        max_detached_listed: crate::project::schema::MAX_DETACHED_LISTED as u64,
    };
    guard::Guard::new(&sdl(), &settings.limits, &caps, settings.dev)
}

/// The SDL printed by `orgraph schema` and checked in as `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
