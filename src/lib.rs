//! orgraph: a GraphQL gateway that is the access-control backbone of a data-annotation
//! platform. `ls src/` reads like the product's glossary: one folder a concept, beside
//! `authz` (every permission decision), `request` (the per-request context: viewer,
//! grants, loaders), `http` (the edge) and `graphql` (composition).

pub mod activity;
pub mod api_token;
pub mod audit;
pub mod authz;
pub mod bench;
pub mod capability;
pub mod cli;
pub mod config;
pub mod dataset;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod group;
pub mod http;
pub mod invitation;
pub mod item;
pub mod labeling;
pub mod membership;
pub mod organization;
pub mod project;
pub mod request;
pub mod role;
pub mod sharing;
pub mod startup;
pub mod team;
pub mod telemetry;
pub mod training;
pub mod trash;
pub mod user;
pub mod version;
pub mod workspace;
