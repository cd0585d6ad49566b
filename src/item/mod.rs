//! Items: the files of a dataset (name, size, content type), and disk usage: byte and
//! item totals of datasets (with their sub-datasets), projects, workspaces and teams.
//!
//! Totals come from per-dataset aggregates maintained by `service` and summed by grouped
//! queries in `loader`; see `migration/src/m20261123_000005_create_items.rs` for why.

pub mod loader;
pub mod schema;
pub mod service;
pub mod values;
