//! Teams: groups of users and resources inside an organization (Supervisely-style roles).

pub mod loader;
pub mod repo;
pub mod schema;
pub mod service;
