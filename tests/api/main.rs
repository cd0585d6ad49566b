//! The integration tests: one binary driving real servers over HTTP, on SQLite and
//! (with `ORGRAPH_TEST_DATABASE_URL`) PostgreSQL.

// Fixtures open their own transactions: clippy.toml's rule (a request's writes go
// through the request context) is for product code.
#![allow(clippy::disallowed_methods)]

mod fixtures;

/// Counts the heap in use and its peak (the workspace forbids `unsafe`, so the counting
/// wrapper of the system allocator is a crate): `nested_scaling` reports one request's.
#[global_allocator]
pub static HEAP: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

mod helpers;
mod ops;

mod activity;
mod api_tokens;
mod audit;
mod auth;
mod authz_property;
mod backward_pagination;
mod capabilities;
mod capability_findings;
mod child_pages;
mod cli;
mod concurrency;
mod connections;
mod contract;
mod day_two;
mod deep_trees;
mod field_order;
mod gathered;
mod grants_memo;
mod graphiql;
mod groups;
mod hardening;
mod hierarchy;
mod idp;
mod interop;
mod invitations;
mod items;
mod labeling_jobs;
mod labeling_load;
mod labeling_presets;
mod limits;
mod live_scale;
mod locking;
mod memberships;
mod moves;
mod n_plus_one;
mod nested_scaling;
mod null_propagation;
mod observability;
mod order_of_checks;
mod organizations;
mod pool;
mod positional;
mod presets;
mod projection;
mod readme;
mod request_context;
mod role_hierarchy;
mod roles;
mod scalars;
mod scope_identity;
mod sharing;
mod side_doors;
mod socket_backpressure;
mod socket_freshness;
mod subscriptions;
mod transfers;
mod trash;
mod typename;
mod versions;
mod viewer_permissions;
mod visibility;
mod visibility_property;
mod write_statements;
