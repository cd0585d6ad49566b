//! Datasets: folders inside a project, nested down to the configured depth.

pub mod loader;
pub mod schema;
pub mod service;
pub mod subtree;
