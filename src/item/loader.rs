//! Batched reads of items and of disk-usage totals. Every total is one grouped statement
//! per batch of keys (one per query level), summing the per-dataset aggregates
//! `own_size_bytes`/`own_item_count` over dataset rows, never over items.

use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, Sql, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::item;
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};
use uuid::Uuid;

/// Items directly in a dataset, one page. Whoever sees the dataset sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ItemsOfDataset(pub Uuid, pub PageArgs);

impl Loader<ItemsOfDataset> for DbLoader {
    type Value = Page<item::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[ItemsOfDataset]) -> Result<HashMap<ItemsOfDataset, Self::Value>, Self::Error> {
        let table = ChildTable { table: "items", parent_col: "dataset_id", parent_of: |i: &item::Model| i.dataset_id };
        load_grouped::<item::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, None).await.map_err(load_err)
    }
}

/// Bytes and number of items of something.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub size_bytes: i64,
    pub item_count: i64,
}

#[derive(FromQueryResult)]
struct TotalsRow {
    id: Uuid,
    size_bytes: i64,
    item_count: i64,
}

/// The bytes of rows `s`, summed without overflow and held at 2^53 − 1 (`MAX_EXACT`, the
/// most a byte count says exactly): PostgreSQL sums a BIGINT as NUMERIC, SQLite's `total`
/// is a double (exact below 2^53), where its `SUM` would fail past 64 bits.
fn size_sum(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "CAST(LEAST(COALESCE(SUM(s.own_size_bytes), 0), 9007199254740991) AS BIGINT)",
        _ => "CAST(MIN(TOTAL(s.own_size_bytes), 9007199254740991.0) AS INTEGER)",
    }
}

/// The totals of rows `s`, as `TotalsRow` reads them.
fn sums(backend: DbBackend) -> String {
    format!("{} AS size_bytes, CAST(COALESCE(SUM(s.own_item_count), 0) AS BIGINT) AS item_count", size_sum(backend))
}

async fn totals(db: &impl ConnectionTrait, sql: Sql) -> Result<HashMap<Uuid, Totals>, LoadError> {
    let rows = TotalsRow::find_by_statement(sql.build()).all(db).await.map_err(load_err)?;
    Ok(rows.into_iter().map(|r| (r.id, Totals { size_bytes: r.size_bytes, item_count: r.item_count })).collect())
}

/// A dataset with all its sub-datasets: one statement for the batch, walking the keys'
/// subtrees through `parent_id`, each dataset once. A batch may hold datasets one below
/// another (a dataset's `ancestors`, a project's datasets): a walk per key counted a row
/// once per key above it, 127 ancestors over a subtree of 5,000 datasets some 600,000
/// rows for one request costing 130. Here a walk stops at another key, which it links to
/// instead, and a key's total is its own walk's plus those of the keys linked below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DatasetTotals {
    pub id: Uuid,
}

impl DatasetTotals {
    pub fn of(d: &entity::dataset::Model) -> Self {
        Self { id: d.id }
    }
}

#[derive(FromQueryResult)]
struct WalkRow {
    /// The key whose walk reached the rows.
    id: Uuid,
    /// A key below it, where its walk stopped; null on the row of its own sums.
    link: Option<Uuid>,
    size_bytes: i64,
    item_count: i64,
}

impl Loader<DatasetTotals> for DbLoader {
    type Value = Totals;
    type Error = LoadError;

    async fn load(&self, keys: &[DatasetTotals]) -> Result<HashMap<DatasetTotals, Totals>, LoadError> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.id).collect();
        let backend = self.db.get_database_backend();
        let mut sql = Sql::new(backend);
        sql.push("WITH RECURSIVE walk(root, id, stop) AS (SELECT d.id, d.id, 0 FROM datasets d WHERE d.id IN ")
            .bind_list(&ids)
            .push(" UNION ALL SELECT w.root, d.id, CASE WHEN d.id IN ")
            .bind_list(&ids)
            .push(" THEN 1 ELSE 0 END FROM datasets d JOIN walk w ON d.parent_id = w.id WHERE w.stop = 0) ");
        sql.push(&format!(
            "SELECT w.root AS id, CASE WHEN w.stop = 1 THEN w.id END AS link, {} FROM walk w \
             JOIN datasets s ON s.id = w.id GROUP BY w.root, CASE WHEN w.stop = 1 THEN w.id END",
            sums(backend)
        ));
        let rows = WalkRow::find_by_statement(sql.build()).all(&self.db).await.map_err(load_err)?;
        let (mut own, mut below) = (HashMap::new(), HashMap::<Uuid, Vec<Uuid>>::new());
        for r in rows {
            match r.link {
                None => _ = own.insert(r.id, Totals { size_bytes: r.size_bytes, item_count: r.item_count }),
                Some(key) => below.entry(r.id).or_default().push(key),
            }
        }
        let mut done = HashMap::new();
        Ok(keys.iter().map(|k| (*k, subtree_totals(k.id, &own, &below, &mut done))).collect())
    }
}

/// A key's own walk's totals plus those of the keys linked below it (the links form a
/// forest: each key is linked from the nearest key above it), each computed once.
fn subtree_totals(
    key: Uuid,
    own: &HashMap<Uuid, Totals>,
    below: &HashMap<Uuid, Vec<Uuid>>,
    done: &mut HashMap<Uuid, Totals>,
) -> Totals {
    if let Some(t) = done.get(&key) {
        return *t;
    }
    let mut t = own.get(&key).copied().unwrap_or_default();
    for &child in below.get(&key).map(Vec::as_slice).unwrap_or_default() {
        let c = subtree_totals(child, own, below, done);
        t.size_bytes = super::values::total_bytes([t.size_bytes, c.size_bytes].into_iter());
        t.item_count = t.item_count.saturating_add(c.item_count);
    }
    done.insert(key, t);
    t
}

/// Every dataset of a project (the caller sees the project).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProjectTotals(pub Uuid);

impl Loader<ProjectTotals> for DbLoader {
    type Value = Totals;
    type Error = LoadError;

    async fn load(&self, keys: &[ProjectTotals]) -> Result<HashMap<ProjectTotals, Totals>, LoadError> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let backend = self.db.get_database_backend();
        let mut sql = Sql::new(backend);
        sql.push(&format!("SELECT s.project_id AS id, {} FROM datasets s WHERE s.project_id IN ", sums(backend)))
            .bind_list(&ids)
            .push(" GROUP BY s.project_id");
        let by_id = totals(&self.db, sql).await?;
        Ok(keys.iter().map(|k| (*k, by_id.get(&k.0).copied().unwrap_or_default())).collect())
    }
}

/// The projects of a workspace or team that the viewer sees (a total never counts what
/// the viewer could not list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScopeTotals {
    Workspace(Uuid),
    Team(Uuid),
}

impl Loader<ScopeTotals> for DbLoader {
    type Value = Totals;
    type Error = LoadError;

    async fn load(&self, keys: &[ScopeTotals]) -> Result<HashMap<ScopeTotals, Totals>, LoadError> {
        let filter = self.grants().await.map_err(load_err)?.project_filter();
        let (mut workspaces, mut teams) = (Vec::new(), Vec::new());
        for k in keys {
            match k {
                ScopeTotals::Workspace(id) => workspaces.push(*id),
                ScopeTotals::Team(id) => teams.push(*id),
            }
        }
        let mut by_workspace = HashMap::new();
        let mut by_team = HashMap::new();
        for (column, ids, out) in [("workspace_id", workspaces, &mut by_workspace), ("team_id", teams, &mut by_team)] {
            if ids.is_empty() {
                continue;
            }
            let backend = self.db.get_database_backend();
            let mut sql = Sql::new(backend);
            sql.push(&format!(
                "SELECT t.{column} AS id, {} FROM projects t JOIN datasets s ON s.project_id = t.id WHERE t.{column} IN ",
                sums(backend)
            ))
            .bind_list(&ids)
            .push(" AND ");
            filter.push_sql(&mut sql);
            sql.push(&format!(" GROUP BY t.{column}"));
            *out = totals(&self.db, sql).await?;
        }
        Ok(keys
            .iter()
            .map(|k| {
                let found = match k {
                    ScopeTotals::Workspace(id) => by_workspace.get(id),
                    ScopeTotals::Team(id) => by_team.get(id),
                };
                (*k, found.copied().unwrap_or_default())
            })
            .collect())
    }
}

/// One project's share of its team's disk usage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProjectUsage {
    pub project_id: Uuid,
    pub totals: Totals,
}

#[derive(FromQueryResult)]
struct UsageRow {
    team_id: Uuid,
    project_id: Uuid,
    size_bytes: i64,
    item_count: i64,
}

/// The `first` largest projects of a team that the viewer sees, by bytes descending (then
/// item count descending, then creation). One statement for every team of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TeamDiskUsage(pub Uuid, pub usize);

impl Loader<TeamDiskUsage> for DbLoader {
    type Value = Vec<ProjectUsage>;
    type Error = LoadError;

    async fn load(&self, keys: &[TeamDiskUsage]) -> Result<HashMap<TeamDiskUsage, Self::Value>, LoadError> {
        let filter = self.grants().await.map_err(load_err)?.project_filter();
        let teams: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let limit = keys.iter().map(|k| k.1).max().unwrap_or(0);
        let backend = self.db.get_database_backend();
        let mut sql = Sql::new(backend);
        sql.push(&format!(
            "SELECT * FROM (SELECT t.team_id AS team_id, t.id AS project_id, {}, ROW_NUMBER() OVER (PARTITION BY t.team_id \
             ORDER BY {} DESC, COALESCE(SUM(s.own_item_count), 0) DESC, t.id) AS rn_ \
             FROM projects t LEFT JOIN datasets s ON s.project_id = t.id WHERE t.team_id IN ",
            sums(backend),
            size_sum(backend)
        ))
        .bind_list(&teams)
        .push(" AND ");
        filter.push_sql(&mut sql);
        sql.push(" GROUP BY t.team_id, t.id) sub WHERE sub.rn_ <= ").bind(limit as i64).push(" ORDER BY sub.team_id, sub.rn_");
        let mut by_team: HashMap<Uuid, Vec<ProjectUsage>> = HashMap::new();
        for r in UsageRow::find_by_statement(sql.build()).all(&self.db).await.map_err(load_err)? {
            let totals = Totals { size_bytes: r.size_bytes, item_count: r.item_count };
            by_team.entry(r.team_id).or_default().push(ProjectUsage { project_id: r.project_id, totals });
        }
        Ok(keys
            .iter()
            .map(|k| {
                let mut rows = by_team.get(&k.0).cloned().unwrap_or_default();
                rows.truncate(k.1);
                (*k, rows)
            })
            .collect())
    }
}
