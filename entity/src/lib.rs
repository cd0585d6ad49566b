//! SeaORM entities of orgraph: one module per table. Never exposed as GraphQL types;
//! `src/<concept>/schema.rs` maps them.

pub mod activity;
pub mod api_token;
pub mod dataset;
pub mod invitation;
pub mod invitation_event;
pub mod invitation_send;
pub mod item;
pub mod membership;
pub mod organization;
pub mod permission;
pub mod project;
pub mod project_origin;
pub mod project_version;
pub mod published_project;
pub mod role;
pub mod role_permission;
pub mod share_link;
pub mod snapshot_row;
pub mod team;
pub mod trash_entry;
pub mod user;
pub mod workspace;
