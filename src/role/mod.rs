//! The permission catalog as an API and an organization's custom roles (issue 5 items 1
//! and 2): `permissionCatalog`, `createRole`, `updateRole`, `deleteRole`. A custom role is
//! a `roles` row whose catalog is its organization's id, assignable beside the preset's
//! built-in roles; every change bumps `catalog_versions` in its own transaction so each
//! instance reloads its in-memory catalog (see `authz::catalog`).

pub mod schema;
pub mod service;
