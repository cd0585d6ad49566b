//! A viewer's grants kept between requests, and reused only while nothing they were read
//! from has changed.
//!
//! Every change to a row the grants statement reads raises the access version in the
//! same transaction (triggers: migration `m20261205_000016`), and every change to roles
//! raises the catalog version; so does every change to a user's row (migration
//! `m20261207_000025`). A request's authentication statement reads both versions with
//! the user, in one snapshot; the grants rows themselves are read only when those
//! versions (or the user) differ from the ones the kept grants were read at (see
//! `Grants::load_by_sub`: checked by a statement of its own, or guarded in one). A query
//! on PostgreSQL may skip that statement: its first statement then carries the same
//! check (`GrantsMemo::provisional`, `db::Reads::provisional`). So a request either
//! reuses grants identical to what the statement would read, or reads them: a role
//! change, a removal or a new assignment shows on the very next request, on every
//! instance, as before.
//!
//! Grants are kept only from the authentication statement, which runs outside any
//! transaction (committed versions). Every other read of a user's unrestricted grants
//! (a write's, under the write lock; after a commit; at a subscription's delivery) is
//! one statement that returns the grants rows only when the kept copy's versions are no
//! longer current (`push_guarded`), and keeps nothing: a transaction's own writes raise
//! the version before they commit, and may never commit.

use super::catalog::{CatalogCell, Stamped};
use super::grants::{GrantRow, Grants, Who, catalog_version};
use crate::db::Sql;
use crate::error::AppResult;
use entity::user;
use foldhash::HashMap;
use sea_orm::{ConnectionTrait, FromQueryResult, IdenStatic, Iterable, ModelTrait};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use uuid::Uuid;

/// How many users' grants one process keeps (all are dropped when it is full).
const CAPACITY: usize = 1024;

/// A user's (unrestricted) grants as read at one access and catalog version.
#[derive(Debug)]
struct Kept {
    user_id: Uuid,
    /// The access version (migration `m20261205_000016`).
    access: Stamped,
    catalog: Stamped,
    grants: Grants,
    /// This process's count of commits (`GrantsMemo::commits`) when this copy was read,
    /// or when an authentication statement last found it current.
    confirmed: AtomicU64,
    /// The user row as this process's last authentication of the `sub` answered it
    /// (claims refreshed): what a query may start from without reading it (`provisional`).
    user: Mutex<Option<user::Model>>,
}

/// The grants of recently authenticated users, by token subject and by user; only those
/// read at the newest access version this process has seen.
#[derive(Default)]
pub struct GrantsMemo {
    inner: Mutex<Inner>,
    /// Writes this process committed (`committed`): each may have raised a version.
    commits: AtomicU64,
}

#[derive(Default)]
struct Inner {
    newest: i64,
    by_sub: HashMap<String, Arc<Kept>>,
    by_user: HashMap<Uuid, Arc<Kept>>,
}

impl GrantsMemo {
    fn by_sub(&self, sub: &str) -> Option<Arc<Kept>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).by_sub.get(sub).cloned()
    }

    fn by_user(&self, user: Uuid) -> Option<Arc<Kept>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).by_user.get(&user).cloned()
    }

    /// Counts a write this process committed: every kept copy is next read with its
    /// guard (`load_by_sub`), not only checked.
    pub(super) fn committed(&self) {
        self.commits.fetch_add(1, Ordering::SeqCst);
    }

    /// Records the user row an authentication of `sub` answered, its claims refreshed
    /// (`user::service`): the row a later query of the same claims may start from.
    pub fn note_user(&self, sub: &str, user: &user::Model) {
        if let Some(kept) = self.by_sub(sub).filter(|k| k.user_id == user.id) {
            *kept.user.lock().unwrap_or_else(PoisonError::into_inner) = Some(user.clone());
        }
    }

    /// A query's user and grants without an authentication statement: the kept copy of
    /// `sub` and the user row its last authentication answered, while this process has
    /// committed no write since the copy was last found current, with the guard that
    /// proves both current (`Provisional::guard`); the query's first statement carries it
    /// (`db::Reads::provisional`). `None`: authenticate as before.
    pub fn provisional(&self, sub: &str) -> Option<Provisional> {
        let kept = self.by_sub(sub)?;
        if kept.confirmed.load(Ordering::SeqCst) != self.commits.load(Ordering::SeqCst) {
            return None;
        }
        let user = kept.user.lock().unwrap_or_else(PoisonError::into_inner).clone()?;
        Some(Provisional { user, kept })
    }

    /// Keeps grants read outside any transaction, at committed versions.
    fn keep(&self, sub: &str, kept: Kept) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.access.version < inner.newest {
            return;
        }
        if kept.access.version > inner.newest || inner.by_sub.len() >= CAPACITY {
            inner.by_sub.clear();
            inner.by_user.clear();
            inner.newest = kept.access.version;
        }
        let kept = Arc::new(kept);
        inner.by_user.insert(kept.user_id, kept.clone());
        inner.by_sub.insert(sub.to_string(), kept);
    }
}

static ANSWERED: AtomicU64 = AtomicU64::new(0);
static RERUN: AtomicU64 = AtomicU64::new(0);

/// Queries of this process started from kept grants (`GrantsMemo::provisional`):
/// (answered so, run again authenticated because their guard failed).
pub fn provisional_counts() -> (u64, u64) {
    (ANSWERED.load(Ordering::Relaxed), RERUN.load(Ordering::Relaxed))
}

/// A query's viewer taken from kept grants, unread (`GrantsMemo::provisional`).
pub struct Provisional {
    pub user: user::Model,
    kept: Arc<Kept>,
}

impl Provisional {
    pub fn grants(&self) -> Grants {
        self.kept.grants.clone()
    }

    /// Counts the query's outcome: `current`, its guard held (`provisional_counts`).
    pub fn settled(&self, current: bool) {
        (if current { &ANSWERED } else { &RERUN }).fetch_add(1, Ordering::Relaxed);
    }

    /// The condition that holds exactly when the authentication statement would read what
    /// this was taken from: the access and catalog versions the grants were read at, and
    /// the user row unchanged (so refreshing the same claims would write nothing, as
    /// `user::service::refresh` found when it answered this row). A statement that
    /// carries it answers rows only while it holds, in the statement's own snapshot.
    pub fn guard(&self) -> crate::db::ReadGuard {
        let (kept, user) = (self.kept.clone(), self.user.clone());
        Arc::new(move |sql: &mut Sql| {
            sql.push("EXISTS (SELECT 1 FROM access_versions a, catalog_versions v, users u");
            push_versions_equal(sql, &kept);
            sql.push(" AND u.id = ").bind(user.id);
            for column in compared_columns() {
                sql.push(&format!(" AND u.{} IS NOT DISTINCT FROM ", column.as_str())).bind(user.get(column));
            }
            sql.push(")");
        })
    }
}

impl Kept {
    /// Whether the statement read the versions and user this copy was read at (its guard
    /// held, so no grants rows came): then this copy is what it would have read.
    fn current(&self, access: Option<Stamped>, catalog: Option<Stamped>, user: Uuid, rows: &[GrantRow]) -> bool {
        (Some(self.access), Some(self.catalog), self.user_id) == (access, catalog, user)
            && rows.iter().all(|r| r.src == "v" || r.src == "w")
    }
}

/// The grants statement of `user_id` guarded by `known`: its grants rows only when
/// `known` is not current, then the versions (`push_versions`).
fn push_guarded(sql: &mut Sql, user_id: Uuid, known: &Kept) {
    sql.push("SELECT g.* FROM (");
    Grants::push_branches(sql, &Who::Id(user_id), None, "");
    sql.push(") g");
    push_guard(sql, known, None);
    push_versions(sql, "");
}

/// Ends the grants branches: their rows only when `known` is no longer current (its
/// versions; with `sub`, also when `sub` names another user than `known`'s).
fn push_guard(sql: &mut Sql, known: &Kept, sub: Option<&str>) {
    // Constant in the statement: evaluated once, in the statement's snapshot.
    sql.push(" WHERE NOT EXISTS (SELECT 1 FROM access_versions a, catalog_versions v");
    push_versions_equal(sql, known);
    if let Some(sub) = sub {
        sql.push(" AND EXISTS (SELECT 1 FROM users u WHERE u.sub = ").bind(sub.to_string());
        sql.push(" AND u.id = ").bind(known.user_id).push(")");
    }
    sql.push(")");
}

/// ` WHERE` the access and catalog versions (`a`, `v`) are those `known` was read at.
fn push_versions_equal(sql: &mut Sql, known: &Kept) {
    sql.push(" WHERE a.id = 1 AND v.id = 1 AND a.version = ")
        .bind(known.access.version)
        .push(" AND a.stamp = ")
        .bind(known.access.stamp)
        .push(" AND v.version = ")
        .bind(known.catalog.version)
        .push(" AND v.stamp = ")
        .bind(known.catalog.stamp);
}

/// The columns of a user row a query may start from unread, compared by its guard
/// (`Provisional::guard`): all but `id` (compared first) and `created_at` (never
/// changes). Every change to them raises the access version (migration
/// `m20261207_000025`, whose list a test compares with this one).
fn compared_columns() -> impl Iterator<Item = user::Column> {
    user::Column::iter().filter(|c| !matches!(c, user::Column::Id | user::Column::CreatedAt))
}

/// The access version (row "a"), its stamp ("s"), the catalog version ("v") and its stamp
/// ("w"), each select list ended by `extra`; after the grants branches when there are some
/// (PostgreSQL types a column from the first branch that has one).
fn push_versions(sql: &mut Sql, extra: &str) {
    for (src, column) in [("a", "version"), ("s", "stamp")] {
        sql.push(&format!(
            " UNION ALL SELECT '{src}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, a.{column}{extra} FROM access_versions a WHERE a.id = 1"
        ));
    }
    Grants::push_catalog_version(sql, extra);
}

/// The access and catalog versions of `rows` (rows "a" and "s", taken out; "v" and "w").
fn versions(rows: &mut Vec<GrantRow>) -> (Option<Stamped>, Option<Stamped>) {
    let mut take = |src: &str| rows.iter().position(|r| r.src == src).and_then(|i| rows.swap_remove(i).version);
    let (version, stamp) = (take("a"), take("s"));
    let access = version.zip(stamp).map(|(version, stamp)| Stamped { version, stamp });
    (access, catalog_version(rows))
}

/// What an authentication statement reads besides the user and the versions.
enum Branches<'a> {
    /// Nothing: a kept copy is checked.
    Check,
    /// The grants rows; with a kept copy, only when it is not current.
    Grants(Option<&'a Kept>),
}

/// The authentication statement: the user whose token names `sub` (row "u"), the grants
/// rows `branches` asks for, then the access and catalog versions; `None` for an unknown
/// `sub`.
async fn authentication<C: ConnectionTrait>(
    db: &C,
    sub: &str,
    branches: Branches<'_>,
) -> AppResult<Option<(user::Model, Vec<GrantRow>)>> {
    let (head, nulls) = &*AUTHENTICATION;
    let mut sql = Sql::new(crate::db::backend(db));
    sql.push(head).bind(sub.to_string());
    if let Branches::Grants(known) = branches {
        // The NULLs outside: inside, they would take a type of their own.
        sql.push(" UNION ALL SELECT g.*").push(nulls).push(" FROM (");
        Grants::push_branches(&mut sql, &Who::Sub(sub), None, "");
        sql.push(") g");
        if let Some(known) = known {
            push_guard(&mut sql, known, Some(sub));
        }
    }
    push_versions(&mut sql, nulls);
    let (mut user, mut rows) = (None, Vec::new());
    for row in db.query_all_raw(sql.build()).await? {
        let grant = GrantRow::from_query_result(&row, "")?;
        match grant.src.as_str() {
            "u" => user = Some(user::Model::from_query_result(&row, "u_")?),
            _ => rows.push(grant),
        }
    }
    Ok(user.map(|user| (user, rows)))
}

/// The authentication statement's head (the user's row, its columns prefixed `u_`, up to
/// the bound `sub`) and the NULLs that end every other branch's select list in their place.
static AUTHENTICATION: std::sync::LazyLock<(String, String)> = std::sync::LazyLock::new(|| {
    let columns: Vec<&str> = user::Column::iter().map(|c| c.as_str()).collect();
    let user_cols: Vec<String> = columns.iter().map(|c| format!("u.{c} AS u_{c}")).collect();
    let head = format!(
        "SELECT 'u' AS src, NULL AS id, NULL AS org_id, NULL AS team_id, NULL AS scope_kind, NULL AS scope_id, \
         NULL AS role_id, NULL AS perm, 0 AS version, {} FROM users u WHERE u.sub = ",
        user_cols.join(", ")
    );
    (head, format!(", {}", vec!["NULL"; columns.len()].join(", ")))
});

impl Grants {
    /// Authentication and grants: the user whose token names `sub`, the access and catalog
    /// versions, and that user's (unrestricted) grants as `load` reads them; `None` for an
    /// unknown `sub`. A copy this process kept is, while this process committed no write
    /// since a statement last found it current, only checked: a statement without the
    /// grants branches (the user and the versions: a few rows of three tables, where the
    /// grants branches lock and start a dozen), and only when it changed a second
    /// statement reads the grants. Otherwise one statement reads user, versions and the
    /// grants, these only when the kept copy is not current. Grants read here are kept.
    pub async fn load_by_sub<C: sea_orm::ConnectionTrait>(
        db: &C,
        cell: &CatalogCell,
        sub: &str,
    ) -> AppResult<Option<(user::Model, Self)>> {
        let memo = cell.memo();
        let commits = memo.commits.load(Ordering::SeqCst);
        let mut known = memo.by_sub(sub);
        if let Some(k) = known.take_if(|k| k.confirmed.load(Ordering::SeqCst) == commits) {
            let Some((user, mut rows)) = authentication(db, sub, Branches::Check).await? else { return Ok(None) };
            let (access, catalog) = versions(&mut rows);
            if k.current(access, catalog, user.id, &rows) {
                return Ok(Some((user, k.grants.clone())));
            }
        }
        let Some((user, mut rows)) = authentication(db, sub, Branches::Grants(known.as_deref())).await? else { return Ok(None) };
        let (access, catalog) = versions(&mut rows);
        if let Some(k) = known.filter(|k| k.current(access, catalog, user.id, &rows)) {
            k.confirmed.fetch_max(commits, Ordering::SeqCst);
            return Ok(Some((user, k.grants.clone())));
        }
        let grants = Self::finish(db, cell, user.id, None, rows).await?;
        if let (Some(access), Some(catalog)) = (access, catalog) {
            let kept = Kept {
                user_id: user.id,
                access,
                catalog,
                grants: grants.clone(),
                confirmed: AtomicU64::new(commits),
                user: Mutex::new(None),
            };
            memo.keep(sub, kept);
        }
        Ok(Some((user, grants)))
    }

    /// A user's unrestricted grants through `db` (a write transaction under the write lock
    /// too) when this process holds a copy: the copy when the versions read now are still
    /// those it was read at (no grants rows are read then), else the rows. `None` when no
    /// copy is held. Nothing read here is kept.
    pub(super) async fn load_checked<C: ConnectionTrait>(db: &C, cell: &CatalogCell, user_id: Uuid) -> AppResult<Option<Self>> {
        let Some(known) = cell.memo().by_user(user_id) else { return Ok(None) };
        let mut sql = Sql::new(crate::db::backend(db));
        push_guarded(&mut sql, user_id, &known);
        let mut rows = GrantRow::find_by_statement(sql.build()).all(db).await?;
        let (access, catalog) = versions(&mut rows);
        if known.current(access, catalog, user_id, &rows) {
            return Ok(Some(known.grants.clone()));
        }
        Self::finish(db, cell, user_id, None, rows).await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::compared_columns;
    use sea_orm::IdenStatic;
    use std::collections::BTreeSet;

    /// A query may start from a kept user row only while its check finds the row as kept;
    /// the check after an empty answer is sound only because every change to what it
    /// compares raises the access version (migration 000025). A column added to users
    /// must join both lists.
    #[test]
    fn the_check_compares_the_columns_whose_changes_raise_the_access_version() {
        let compared: BTreeSet<&str> = compared_columns().map(|c| c.as_str()).collect();
        let watched: BTreeSet<&str> = migration::USER_ROW_COLUMNS.into_iter().collect();
        assert_eq!(compared, watched);
    }
}
