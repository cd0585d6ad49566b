//! Composition only: the schema is merged from each concept's query and mutation roots.

pub mod context;
pub mod ids;
pub mod limits;
pub mod node;
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
);

/// The subscription root.
pub type Subscription = crate::invitation::schema::InvitationSubscription;

pub type OrgraphSchema = Schema<Query, Mutation, Subscription>;

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription::default())
}

/// The executable schema with the limits of RULES.md §8.
pub fn build(limits: &Limits, introspection: bool) -> OrgraphSchema {
    let mut b = builder()
        .limit_depth(limits.query_depth)
        .limit_complexity(limits.complexity)
        .extension(limits::Limits { max_aliases: limits.aliases });
    if !introspection {
        b = b.disable_introspection();
    }
    b.finish()
}

/// The SDL printed by `orgraph schema` and checked in as `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
