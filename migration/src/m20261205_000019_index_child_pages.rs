//! Child lists page in id order (`db::pages`: on PostgreSQL, per parent, `ORDER BY id
//! LIMIT first + 1`). With an index on (parent, id) a page reads its own rows and stops;
//! with only (parent, name) it read every child of the parent and sorted them, so
//! `first: 10` of a dataset with 10,000 children cost 10,000 rows. The lists whose groups
//! grow without bound get one: datasets (sibling groups), memberships (an organization's
//! members) and items (a dataset's files). `db::PAGED_BY_INDEX` names them.
//! Built with a plain `CREATE INDEX` in the migrations' transaction: on a large existing
//! database the upgrade blocks writes to these tables while each index is built.

use crate::ddl::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, [&str; 2]); 3] = [
    ("ix_datasets_sibling_id", "datasets", ["sibling_key", "id"]),
    ("ix_memberships_scope_id", "memberships", ["scope_id", "id"]),
    ("ix_items_dataset_id", "items", ["dataset_id", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, cols) in INDEXES {
            m.create_index(index(name, table, &cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            m.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
