//! Workspaces: rooms inside a team. They carry no permissions of their own.

pub mod loader;
pub mod repo;
pub mod schema;
pub mod service;
