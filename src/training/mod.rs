//! Training runs (seed 004 "run training"): model training sessions of a team. Starting,
//! renaming, stopping and deleting one needs `model.train` on its team. Whoever sees the
//! team and holds `model.view` or `model.train` there sees all of the team's runs; anyone
//! else who sees the team sees only the runs they started themselves — so a Team Admin
//! whose training capability was revoked keeps reading their earlier runs, cannot change
//! them, and no longer sees new ones.

pub mod loader;
pub mod schema;
pub mod service;
