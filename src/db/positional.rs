//! Rows read by position. sea-orm's derived `FromQueryResult` reads every column by name:
//! it formats the (prefixed) name and hashes it into the row's column map, for every
//! column of every row, a sixth of a nested read's time. A `Positional` model names its
//! columns once, in field order; statements select exactly those (`select_list`) and
//! `read` takes them by index. The list is each model's fields, so none can be missing
//! (the struct literal would not compile), and a test checks it is the entity's column
//! order, which statements built by sea-orm's `find()` select.
//!
//! On PostgreSQL a value is decoded by sqlx directly, and each column's type (from the
//! statement's row description, shared by all its rows) is checked against its field's
//! once, at the first row. Checking every value of every row was a twentieth of a nested
//! read. SQLite types each value on its own, so its rows go through sea-orm's checked
//! reads, every value.
//!
//! A `projectable` model can be read from fewer columns (`Columns`, `select_some`,
//! `read_some`), the others left at their defaults: a list that says which columns its
//! nodes' fields read selects only those (`PageArgs::columns`). A nested read's datasets
//! selected 12 columns to show a name: dropping the rest took `nested-org` from 144-154
//! to 165-185 requests per second.

use sea_orm::sqlx::postgres::{PgRow, Postgres};
use sea_orm::sqlx::{Column, Decode, Row, Type};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryResult, QueryTrait, Select, Statement};

/// A model read by position: its columns, in the order `read` takes them.
pub trait Positional: Sized {
    const COLUMNS: &'static [&'static str];
    /// Whether `read_some` can leave columns out (every field then has a default).
    const PROJECTABLE: bool = false;
    /// The model in `row`. `checked`: whether the columns' types are checked against the
    /// fields' on PostgreSQL (else they were, at an earlier row of the same statement).
    fn read_row(row: &QueryResult, checked: bool) -> Result<Self, DbErr>;
    /// The model in `row`, which holds `Columns::read_of::<Self>(columns)` in order; a
    /// field whose column was left out holds its type's default.
    fn read_some(row: &QueryResult, checked: bool, _columns: Columns) -> Result<Self, DbErr> {
        Self::read_row(row, checked)
    }
}

/// A set of a model's columns, by their position in `Positional::COLUMNS` (at most 64).
/// A list that shows few fields of many rows selects only the columns those fields read
/// (`PageArgs::columns`): a nested read's datasets carried ten columns to show two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Columns(u64);

impl Columns {
    pub const ALL: Self = Self(u64::MAX);
    pub const NONE: Self = Self(0);

    /// Column `name` of `columns`; a name not among them does not compile in a constant.
    pub const fn named(columns: &[&str], name: &str) -> Self {
        match position(columns, name) {
            Some(i) => Self(1 << i),
            None => panic!("no such column"),
        }
    }

    /// These columns and column `name` of `M`; all of them if `M` has no such column.
    pub fn with<M: Positional>(self, name: &str) -> Self {
        position(M::COLUMNS, name).map_or(Self::ALL, |i| Self(self.0 | 1 << i))
    }

    pub const fn and(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn has(self, index: usize) -> bool {
        self.0 >> index & 1 == 1
    }

    /// The columns a statement selects for `wanted` of `M`: all of them unless `M` can
    /// leave some out.
    pub fn read_of<M: Positional>(wanted: Self) -> Self {
        if M::PROJECTABLE { wanted } else { Self::ALL }
    }
}

/// Value `index` of a PostgreSQL row, as `T`; when `checked`, its column's type is checked
/// first (whether or not this row's value is null).
fn pg_value<'r, T: Decode<'r, Postgres> + Type<Postgres>>(row: &'r PgRow, index: usize, checked: bool) -> Result<T, DbErr> {
    if checked {
        let column = row.try_column(index).map_err(|e| DbErr::Type(e.to_string()))?;
        if !T::compatible(column.type_info()) {
            return Err(DbErr::Type(format!("column {} ({}): not a {}", index, column.name(), std::any::type_name::<T>())));
        }
    }
    row.try_get_unchecked(index).map_err(|e| DbErr::Type(format!("column {index}: {e}")))
}

const fn position(columns: &[&str], name: &str) -> Option<usize> {
    let mut i = 0;
    while i < columns.len() {
        let (a, b) = (columns[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

/// `t.a, t.b, …`: the model's columns under table alias `alias`.
pub fn select_list<M: Positional>(alias: &str) -> String {
    select_some::<M>(alias, Columns::ALL)
}

/// `select_list` of the columns `read_of::<M>(columns)`.
pub fn select_some<M: Positional>(alias: &str, columns: Columns) -> String {
    let columns = Columns::read_of::<M>(columns);
    let mut list = String::new();
    for c in M::COLUMNS.iter().enumerate().filter(|(i, _)| columns.has(*i)).map(|(_, c)| c) {
        if !list.is_empty() {
            list.push_str(", ");
        }
        list.push_str(alias);
        list.push('.');
        list.push_str(c);
    }
    list
}

/// The rows of `stmt`, which selects `M::COLUMNS` in order.
pub async fn all<M: Positional, C: ConnectionTrait>(db: &C, stmt: Statement) -> Result<Vec<M>, DbErr> {
    some(db, stmt, Columns::ALL).await
}

/// The rows of `stmt`, which selects `select_some::<M>(_, columns)`.
pub async fn some<M: Positional, C: ConnectionTrait>(db: &C, stmt: Statement, columns: Columns) -> Result<Vec<M>, DbErr> {
    let rows = db.query_all_raw(stmt).await?;
    let columns = Columns::read_of::<M>(columns);
    // Sized up front: a nested read's level is thousands of rows, grown by doubling it was
    // copied a dozen times.
    let mut models = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        models.push(if columns == Columns::ALL { M::read_row(row, i == 0)? } else { M::read_some(row, i == 0, columns)? });
    }
    Ok(models)
}

/// The rows of a sea-orm `find()` (which selects the entity's columns in `COLUMNS` order).
pub async fn select<E, C>(db: &C, select: Select<E>) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait<Model: Positional>,
    C: ConnectionTrait,
{
    all(db, select.build(db.get_database_backend())).await
}

macro_rules! positional {
    ($entity:ident { $($field:ident),+ $(,)? }) => {
        positional!(@impl $entity { $($field),+ } {});
    };
    // Its fields all have a default: a statement may leave columns out (`read_some`).
    ($entity:ident { $($field:ident),+ $(,)? } projectable) => {
        positional!(@impl $entity { $($field),+ } { positional!(@projectable { $($field),+ }); });
    };
    (@impl $entity:ident { $($field:ident),+ } { $($more:tt)* }) => {
        impl Positional for entity::$entity::Model {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];
            $($more)*
            fn read_row(row: &QueryResult, checked: bool) -> Result<Self, DbErr> {
                let mut next = 0usize;
                // Fields are evaluated in the order written, which is `COLUMNS`.
                if let Some(pg) = row.try_as_pg_row() {
                    return Ok(Self { $($field: { next += 1; pg_value(pg, next - 1, checked)? }),+ });
                }
                Ok(Self { $($field: { next += 1; row.try_get_by_index(next - 1)? }),+ })
            }
        }

        #[cfg(test)]
        mod $entity {
            #[test]
            fn columns_are_the_entity_s_in_order() {
                use sea_orm::{IdenStatic, Iterable};
                let entity: Vec<&str> = entity::$entity::Column::iter().map(|c| c.as_str()).collect();
                assert_eq!(<entity::$entity::Model as super::Positional>::COLUMNS, entity.as_slice());
            }
        }
    };
    (@projectable { $($field:ident),+ }) => {
        // `Columns` has a bit per column.
        const PROJECTABLE: bool = { assert!([$(stringify!($field)),+].len() <= 64); true };
        fn read_some(row: &QueryResult, checked: bool, columns: Columns) -> Result<Self, DbErr> {
            // `at` counts the model's columns, `next` the ones the row holds.
            let (mut at, mut next) = (0usize, 0usize);
            let mut wanted = || {
                at += 1;
                columns.has(at - 1).then(|| {
                    next += 1;
                    next - 1
                })
            };
            if let Some(pg) = row.try_as_pg_row() {
                return Ok(Self { $($field: match wanted() { Some(i) => pg_value(pg, i, checked)?, None => Default::default() }),+ });
            }
            Ok(Self { $($field: match wanted() { Some(i) => row.try_get_by_index(i)?, None => Default::default() }),+ })
        }
    };
}

positional!(activity {
    id,
    organization_id,
    team_id,
    project_id,
    actor_id,
    action,
    object_kind,
    object_id,
    object_name,
    source_id,
    created_at
});
positional!(api_token {
    id,
    user_id,
    name,
    token_hash,
    prefix,
    organization_id,
    created_at,
    expires_at,
    last_used_at,
    revoked_at
});
positional!(audit_entry {
    id,
    organization_id,
    actor_id,
    action,
    target_kind,
    target_id,
    team_id,
    project_id,
    before,
    after,
    created_at
});
positional!(capability_grant { id, organization_id, user_id, permission, granted_by, created_at });
positional!(catalog_version { id, version, stamp });
positional!(dataset {
    id,
    project_id,
    parent_id,
    sibling_key,
    team_id,
    organization_id,
    name,
    description,
    depth,
    path,
    created_by,
    created_at
} projectable);
positional!(group { id, organization_id, name, description, created_by, created_at });
positional!(group_member { id, group_id, user_id, organization_id, created_at });
positional!(group_project { id, group_id, project_id, role_id, organization_id, created_at });
positional!(invitation {
    id,
    scope_kind,
    scope_id,
    organization_id,
    team_id,
    project_id,
    email,
    role_id,
    invited_by,
    status,
    created_at,
    sent_at,
    expires_at,
    responded_at
});
positional!(invitation_event { id, invitation_id, kind, email, created_at, mail_claimed_until, mail_attempts, mailed_at });
positional!(invitation_send { id, invitation_id, sent_at });
positional!(item {
    id,
    dataset_id,
    project_id,
    team_id,
    organization_id,
    name,
    size_bytes,
    content_type,
    created_by,
    created_at
});
positional!(labeling_job {
    id,
    organization_id,
    team_id,
    project_id,
    name,
    description,
    status,
    due_at,
    created_by,
    created_at,
    updated_at
});
positional!(labeling_job_assignee { id, job_id, user_id, organization_id, role, assigned_by, created_at });
positional!(labeling_job_dataset { id, job_id, dataset_id, created_at });
positional!(labeling_job_event { id, job_id, user_id, created_at });
positional!(membership { id, user_id, scope_kind, scope_id, organization_id, team_id, project_id, role_id, created_at });
positional!(organization {
    id,
    slug,
    name,
    description,
    contact_email,
    contact_phone,
    location,
    personal,
    role_preset,
    owner_id,
    created_at
});
positional!(permission { key, scope_kind, description, grantable });
positional!(project { id, workspace_id, team_id, organization_id, name, description, created_by, created_at });
positional!(project_origin { project_id, source_project_id, kind, source_version_id, created_at });
positional!(project_version { id, project_id, number, title, description, dataset_count, item_count, created_by, created_at });
positional!(published_project { project_id, published_by, published_at });
positional!(role { id, organization_id, catalog, scope_kind, key, name, built_in, rank, description });
positional!(role_permission { role_id, target, permission });
positional!(share_link { id, project_id, token_hash, prefix, created_by, created_at, expires_at, revoked_at });
positional!(snapshot_row {
    id,
    project_id,
    kind,
    stable_id,
    parent_id,
    name,
    description,
    size_bytes,
    content_type,
    valid_from,
    valid_to
});
positional!(team { id, organization_id, name, created_by, created_at });
positional!(training_run { id, organization_id, team_id, name, status, created_by, created_at, updated_at });
positional!(trash_entry {
    id,
    organization_id,
    team_id,
    project_id,
    kind,
    object_id,
    name,
    parent_id,
    deleted_by,
    deleted_at,
    created_by,
    size_bytes,
    item_count,
    payload
});
positional!(user { id, sub, email, email_verified, name, created_at, claims_iat });
positional!(workspace { id, team_id, organization_id, name, description, created_at });
