//! Project versions (seed 001): `createProjectVersion` snapshots a project's dataset tree
//! and item metadata; `restoreProjectVersion` creates a new project with a version's
//! state; `compareProjectVersions` lists what was added, removed and changed.
//!
//! Storage: per-row validity intervals (`snapshot_rows.valid_from`/`valid_to`), so
//! rows that did not change between versions are stored once and shared by all of them;
//! a version of an unchanged tree writes no snapshot rows at all. See
//! `migration/src/m20261123_000007_create_project_versions.rs`.

pub mod compare;
pub mod loader;
pub mod schema;
pub mod service;
