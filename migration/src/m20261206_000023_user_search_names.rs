//! `users.search_name`: the user's name folded in Rust (`search::fold`), which a member
//! search compares its prefix with. `LOWER(name) LIKE` answered differently on the two
//! databases for any name outside ASCII (`Élodie` was found by `é` on PostgreSQL only).

use crate::search::fold;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, FromQueryResult, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(FromQueryResult)]
struct Named {
    id: uuid::Uuid,
    name: Option<String>,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("ALTER TABLE users ADD COLUMN search_name varchar NOT NULL DEFAULT ''").await?;
        let backend = db.get_database_backend();
        let named =
            Named::find_by_statement(Statement::from_string(backend, "SELECT id, name FROM users WHERE name IS NOT NULL"))
                .all(db)
                .await?;
        for u in named {
            let folded = fold(u.name.as_deref().unwrap_or_default());
            let set = Query::update()
                .table(Alias::new("users"))
                .value(Alias::new("search_name"), folded)
                .and_where(Expr::col(Alias::new("id")).eq(u.id))
                .to_owned();
            db.execute(&set).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared("ALTER TABLE users DROP COLUMN search_name").await?;
        Ok(())
    }
}
