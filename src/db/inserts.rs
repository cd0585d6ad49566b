//! Rows a write inserts together, sent as one statement on PostgreSQL.
//!
//! A write transaction holds the one write lock (`begin_write`) until it commits, so every
//! round trip inside it is time no other write can use. The inserts that end a write (the
//! object, its activity entry, an outbox row) depend on nothing the database answers, so
//! PostgreSQL takes them as one statement: each but the last a data-modifying `WITH`
//! (executed whether or not anything reads it), the last the main statement, or a
//! `pg_notify` after them all. Foreign keys between them are checked at the end of the
//! statement, when every row is in. SQLite has no data-modifying `WITH`: there they are
//! one statement each, in order, as before. Either way they commit or roll back with the
//! transaction, and a unique violation names its constraint as a lone insert's would.

use sea_orm::sea_query::{
    CommonTableExpression, Expr, Func, InsertStatement, PostgresQueryBuilder, Query, SelectStatement, WithClause,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryTrait, Statement};

/// Inserts (and a notification) to send together; `exec` sends them.
#[derive(Default)]
pub struct Inserts {
    rows: Vec<InsertStatement>,
    notify: Option<(&'static str, String)>,
}

impl Inserts {
    pub fn new() -> Self {
        Self::default()
    }

    /// One row, inserted after the ones added before it.
    pub fn row<A: ActiveModelTrait>(mut self, row: A) -> Self {
        self.rows.push(<A::Entity as EntityTrait>::insert(row).into_query());
        self
    }

    /// On PostgreSQL, `pg_notify(channel, payload)` once the rows are in (delivered to
    /// listeners at commit); nothing elsewhere.
    pub fn notify(mut self, channel: &'static str, payload: String) -> Self {
        self.notify = Some((channel, payload));
        self
    }

    pub async fn exec<C: ConnectionTrait>(self, db: &C) -> Result<(), DbErr> {
        let backend = db.get_database_backend();
        let mut rows = self.rows;
        if backend != DbBackend::Postgres {
            for row in rows {
                db.execute_raw(backend.build(&row)).await?;
            }
            return Ok(());
        }
        let main = match self.notify {
            Some((channel, payload)) => Main::Notify(
                Query::select().expr(Func::cust("pg_notify").arg(Expr::val(channel)).arg(Expr::val(payload))).to_owned(),
            ),
            None => match rows.pop() {
                Some(last) => Main::Insert(last),
                None => return Ok(()),
            },
        };
        let (sql, values) = match (rows.is_empty(), main) {
            (true, Main::Insert(s)) => s.build(PostgresQueryBuilder),
            (true, Main::Notify(s)) => s.build(PostgresQueryBuilder),
            (false, main) => {
                let mut with = WithClause::new();
                for (i, row) in rows.into_iter().enumerate() {
                    with.cte(CommonTableExpression::new().query(row).table_name(format!("w{i}")).to_owned());
                }
                match main {
                    Main::Insert(s) => with.query(s),
                    Main::Notify(s) => with.query(s),
                }
                .build(PostgresQueryBuilder)
            }
        };
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
        Ok(())
    }
}

/// The main statement after the `WITH` inserts.
enum Main {
    Insert(InsertStatement),
    Notify(SelectStatement),
}
