//! Organizations: the top of the hierarchy, CVAT-style (owner, maintainer, supervisor, worker).

pub mod loader;
pub mod mutations;
pub mod repo;
pub mod schema;
pub mod service;
