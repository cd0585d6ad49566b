//! Projects: live in a workspace; hold datasets; may have their own members.

pub mod ancestors;
pub mod repo;
pub mod schema;
pub mod service;
pub mod transfer;
