//! Users: JIT provisioning from tokens, the `viewer` root and the `User` type.

pub mod known;
pub mod loader;
pub mod repo;
pub mod schema;
pub mod service;
