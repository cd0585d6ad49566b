//! A viewer's grants kept between requests, and reused only while nothing they were read
//! from has changed.
//!
//! Every change to a row the grants statement reads raises the access version in the
//! same transaction (triggers: migration `m20261205_000016`), and every change to roles
//! raises the catalog version. Each request's authentication statement reads both
//! versions with the user, in one snapshot; the grants rows themselves are read only
//! when those versions (or the user) differ from the ones the kept grants were read at.
//! So a request either reuses grants identical to what the statement would read, or
//! reads them: a role change, a removal or a new assignment shows on the very next
//! request, on every instance, as before.

use super::catalog::CatalogCell;
use super::grants::{GrantRow, Grants, Who};
use crate::db::Sql;
use crate::error::AppResult;
use entity::user;
use sea_orm::{ConnectionTrait, FromQueryResult, IdenStatic, Iterable};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use uuid::Uuid;

/// How many users' grants one process keeps (all are dropped when it is full).
const CAPACITY: usize = 1024;

/// Grants as read at one access and catalog version.
#[derive(Debug)]
struct Kept {
    user_id: Uuid,
    access: i64,
    catalog: i64,
    grants: Grants,
}

/// The grants of recently authenticated users, by token subject; only those read at the
/// newest access version this process has seen.
#[derive(Default)]
pub struct GrantsMemo {
    inner: Mutex<(i64, HashMap<String, Arc<Kept>>)>,
}

impl GrantsMemo {
    fn get(&self, sub: &str) -> Option<Arc<Kept>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).1.get(sub).cloned()
    }

    fn keep(&self, sub: &str, kept: Kept) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let (newest, by_sub) = &mut *inner;
        if kept.access < *newest {
            return;
        }
        if kept.access > *newest || by_sub.len() >= CAPACITY {
            by_sub.clear();
            *newest = kept.access;
        }
        by_sub.insert(sub.to_string(), Arc::new(kept));
    }
}

impl Grants {
    /// Authentication and grants in one statement: the user whose token names `sub`, the
    /// access and catalog versions, and that user's (unrestricted) grants as `load` reads
    /// them, unless `memo` holds them at those versions; `None` for an unknown `sub`.
    pub async fn load_by_sub<C: ConnectionTrait>(
        db: &C,
        cell: &CatalogCell,
        memo: &GrantsMemo,
        sub: &str,
    ) -> AppResult<Option<(user::Model, Self)>> {
        let known = memo.get(sub);
        let backend = crate::db::backend(db);
        let mut sql = Sql::new(backend);
        let columns: Vec<&str> = user::Column::iter().map(|c| c.as_str()).collect();
        let user_cols: Vec<String> = columns.iter().map(|c| format!("u.{c} AS u_{c}")).collect();
        let nulls = format!(", {}", vec!["NULL"; columns.len()].join(", "));
        sql.push(&format!(
            "SELECT 'u' AS src, NULL AS id, NULL AS org_id, NULL AS team_id, NULL AS scope_kind, NULL AS scope_id, \
             NULL AS role_id, NULL AS perm, 0 AS version, {} FROM users u WHERE u.sub = ",
            user_cols.join(", ")
        ))
        .bind(sub.to_string());
        // The NULLs outside: inside, they would take a type of their own.
        sql.push(&format!(" UNION ALL SELECT g.*{nulls} FROM ("));
        Self::push_branches(&mut sql, &Who::Sub(sub), None, "");
        sql.push(") g");
        if let Some(k) = &known {
            // Constant in the statement: evaluated once, in the statement's snapshot.
            sql.push(" WHERE NOT EXISTS (SELECT 1 FROM access_versions a, catalog_versions v, users u WHERE a.version = ")
                .bind(k.access)
                .push(" AND v.version = ")
                .bind(k.catalog)
                .push(" AND u.sub = ")
                .bind(sub.to_string())
                .push(" AND u.id = ")
                .bind(k.user_id)
                .push(")");
        }
        // After the grants (PostgreSQL types a column from the first branch that has one).
        sql.push(&format!(
            " UNION ALL SELECT 'a', NULL, NULL, NULL, NULL, NULL, NULL, NULL, a.version{nulls} FROM access_versions a"
        ));
        Self::push_catalog_version(&mut sql, &nulls);
        let (mut user, mut access, mut rows) = (None, None, Vec::new());
        for row in db.query_all_raw(sql.build()).await? {
            let grant = GrantRow::from_query_result(&row, "")?;
            match grant.src.as_str() {
                "u" => user = Some(user::Model::from_query_result(&row, "u_")?),
                "a" => access = grant.version,
                _ => rows.push(grant),
            }
        }
        let Some(user) = user else { return Ok(None) };
        let catalog = rows.iter().find(|r| r.src == "v").and_then(|r| r.version);
        if let Some(k) = known
            && (Some(k.access), Some(k.catalog), k.user_id) == (access, catalog, user.id)
            && rows.iter().all(|r| r.src == "v")
        {
            // The statement's guard held: the kept grants are what it would have read.
            return Ok(Some((user, k.grants.clone())));
        }
        let grants = Self::finish(db, cell, user.id, None, rows).await?;
        if let (Some(access), Some(catalog)) = (access, catalog) {
            memo.keep(sub, Kept { user_id: user.id, access, catalog, grants: grants.clone() });
        }
        Ok(Some((user, grants)))
    }
}
