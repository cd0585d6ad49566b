//! orgraph's schema migrations: one file per change, named by date and verb. The same
//! set runs on SQLite and PostgreSQL (sea-query builds the dialect).

pub use sea_orm_migration::prelude::*;

mod ddl;
mod presets;
pub mod search;
/// The user columns whose changes raise the access version (orgraph's check compares them).
pub use m20261207_000025_user_rows_raise_access_version::USER_ROW_COLUMNS;

mod m20261123_000001_create_core_tables;
mod m20261123_000002_seed_default_catalog;
mod m20261123_000003_create_invitations;
mod m20261123_000004_create_api_tokens;
mod m20261123_000005_create_items;
mod m20261123_000006_create_activity;
mod m20261123_000007_create_project_versions;
mod m20261123_000008_create_trash_entries;
mod m20261123_000009_create_sharing;
mod m20261123_000010_create_roles_groups_grants;
mod m20261203_000011_create_readiness;
mod m20261203_000012_index_dataset_parents;
mod m20261203_000013_rebase_moved_project_copies;
mod m20261203_000014_verified_emails_and_capabilities;
mod m20261204_000015_create_labeling_jobs;
mod m20261205_000016_create_access_versions;
mod m20261205_000017_scope_audit_entries;
mod m20261205_000018_create_catalog_triggers;
mod m20261205_000019_index_child_pages;
mod m20261206_000020_stamp_catalog_versions;
mod m20261206_000021_user_claims_issued_at;
mod m20261206_000022_no_custom_org_transfer;
mod m20261206_000023_user_search_names;
mod m20261206_000024_index_snapshot_rows_by_stable_id;
mod m20261207_000025_user_rows_raise_access_version;
mod m20261207_000026_cover_dataset_names;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_core_tables::Migration),
            Box::new(m20261123_000002_seed_default_catalog::Migration),
            Box::new(m20261123_000003_create_invitations::Migration),
            Box::new(m20261123_000004_create_api_tokens::Migration),
            Box::new(m20261123_000005_create_items::Migration),
            Box::new(m20261123_000006_create_activity::Migration),
            Box::new(m20261123_000007_create_project_versions::Migration),
            Box::new(m20261123_000008_create_trash_entries::Migration),
            Box::new(m20261123_000009_create_sharing::Migration),
            Box::new(m20261123_000010_create_roles_groups_grants::Migration),
            Box::new(m20261203_000011_create_readiness::Migration),
            Box::new(m20261203_000012_index_dataset_parents::Migration),
            Box::new(m20261203_000013_rebase_moved_project_copies::Migration),
            Box::new(m20261203_000014_verified_emails_and_capabilities::Migration),
            Box::new(m20261204_000015_create_labeling_jobs::Migration),
            Box::new(m20261205_000016_create_access_versions::Migration),
            Box::new(m20261205_000017_scope_audit_entries::Migration),
            Box::new(m20261205_000018_create_catalog_triggers::Migration),
            Box::new(m20261205_000019_index_child_pages::Migration),
            Box::new(m20261206_000020_stamp_catalog_versions::Migration),
            Box::new(m20261206_000021_user_claims_issued_at::Migration),
            Box::new(m20261206_000022_no_custom_org_transfer::Migration),
            Box::new(m20261206_000023_user_search_names::Migration),
            Box::new(m20261206_000024_index_snapshot_rows_by_stable_id::Migration),
            Box::new(m20261207_000025_user_rows_raise_access_version::Migration),
            Box::new(m20261207_000026_cover_dataset_names::Migration),
        ]
    }
}
