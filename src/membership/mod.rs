//! Memberships: a user's role at an organization, team or project scope.

pub mod identity;
pub mod loader;
pub mod repo;
pub mod schema;
pub mod service;
