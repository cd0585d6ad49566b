//! `compareProjectVersions`: what was added, removed and changed between two versions of a
//! project. Each list is a page of one SQL statement over the snapshot rows (plus one to
//! count, and one per level of ancestors to name the page's paths), so a comparison of
//! two large snapshots costs a page in memory, not two snapshots.
//!
//! A row is valid at version n when `valid_from <= n < valid_to` (or `valid_to` is null).
//! A dataset or item was added when a row of it is valid at the target and none at the
//! base; removed, the other way round; changed, when both have one and their contents
//! differ. Lists are in creation order of the dataset or item (RULES.md §4).

use crate::db::Sql;
use crate::db::page::{Cursored, Page, PageArgs};
use crate::error::AppResult;
use entity::snapshot_row as row;
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};
use uuid::Uuid;

/// Two versions of one project the viewer reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Versions {
    pub project: Uuid,
    pub base: i32,
    pub target: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    Added,
    Removed,
    Changed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Dataset,
    Item,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Dataset => "dataset",
            Kind::Item => "item",
        }
    }
}

/// One dataset or item in a comparison: its slash-separated path of names from the
/// project (`/train/cats` for a dataset, `/train/cats/cat.png` for an item) and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub stable_id: Uuid,
    pub path: String,
    pub name: String,
}

impl Cursored for Entry {
    fn cursor_id(&self) -> Uuid {
        self.stable_id
    }
}

fn valid_at(sql: &mut Sql, alias: &str, n: i32) {
    sql.push(&format!("({alias}.valid_from <= "))
        .bind(n)
        .push(&format!(" AND ({alias}.valid_to IS NULL OR {alias}.valid_to > "))
        .bind(n)
        .push("))");
}

/// `FROM … WHERE …` selecting the rows (alias `r`) of one list.
fn rows_of(sql: &mut Sql, v: &Versions, kind: Kind, change: Change) {
    let (here, there) = match change {
        Change::Added | Change::Changed => (v.target, v.base),
        Change::Removed => (v.base, v.target),
    };
    sql.push(" FROM snapshot_rows r WHERE r.project_id = ").bind(v.project).push(" AND r.kind = ").bind(kind.as_str());
    sql.push(" AND ");
    valid_at(sql, "r", here);
    // A row also valid at the other version is the same, unchanged state.
    sql.push(" AND NOT ");
    valid_at(sql, "r", there);
    sql.push(if change == Change::Changed { " AND EXISTS" } else { " AND NOT EXISTS" });
    sql.push(" (SELECT 1 FROM snapshot_rows o WHERE o.project_id = r.project_id AND o.stable_id = r.stable_id AND ");
    valid_at(sql, "o", there);
    if change == Change::Changed {
        sql.push(
            " AND (o.parent_id IS DISTINCT FROM r.parent_id OR o.name <> r.name \
             OR o.description IS DISTINCT FROM r.description OR o.size_bytes IS DISTINCT FROM r.size_bytes \
             OR o.content_type IS DISTINCT FROM r.content_type)",
        );
    }
    sql.push(")");
}

#[derive(FromQueryResult)]
struct Total {
    n: i64,
}

/// One page of a list, in creation order of the datasets or items.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    v: &Versions,
    kind: Kind,
    change: Change,
    args: &PageArgs,
) -> AppResult<Page<Entry>> {
    let backend = db.get_database_backend();
    let mut rows_sql = Sql::new(backend);
    rows_sql.push("SELECT r.*");
    rows_of(&mut rows_sql, v, kind, change);
    if let Some(after) = args.after {
        rows_sql.push(" AND r.stable_id > ").bind(after);
    }
    if let Some(before) = args.before {
        rows_sql.push(" AND r.stable_id < ").bind(before);
    }
    rows_sql.push(&format!(" ORDER BY r.stable_id {} LIMIT ", args.pick_order())).bind((args.first + 1) as i64);
    let mut rows = row::Entity::find().from_raw_sql(rows_sql.build()).all(db).await?;
    if args.backward {
        rows.reverse();
    }
    let mut count_sql = Sql::new(backend);
    count_sql.push("SELECT COUNT(*) AS n");
    rows_of(&mut count_sql, v, kind, change);
    let total = Total::find_by_statement(count_sql.build()).one(db).await?.map_or(0, |t| t.n);
    let at = if change == Change::Removed { v.base } else { v.target };
    let names = ancestors(db, v.project, at, &rows).await?;
    let entries = rows
        .into_iter()
        .map(|r| {
            let parent = r.parent_id.map(|p| path(&names, p)).unwrap_or_default();
            Entry { stable_id: r.stable_id, path: format!("{parent}/{}", r.name), name: r.name }
        })
        .collect();
    Ok(Page::from_rows(entries, args, total))
}

/// The dataset rows valid at version `at` above `rows`: one statement per level.
async fn ancestors<C: ConnectionTrait>(
    db: &C,
    project: Uuid,
    at: i32,
    rows: &[row::Model],
) -> AppResult<HashMap<Uuid, (Option<Uuid>, String)>> {
    let mut known: HashMap<Uuid, (Option<Uuid>, String)> = HashMap::new();
    let mut wanted: Vec<Uuid> = rows.iter().filter_map(|r| r.parent_id).collect();
    // A snapshot of a tree has no cycles; the bound only guards against corrupt rows.
    for _ in 0..=crate::config::DATASET_DEPTH_CEILING {
        wanted.retain(|id| !known.contains_key(id));
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("SELECT r.* FROM snapshot_rows r WHERE r.project_id = ")
            .bind(project)
            .push(" AND r.kind = 'dataset' AND r.stable_id IN ")
            .bind_list(&wanted)
            .push(" AND ");
        valid_at(&mut sql, "r", at);
        let found = row::Entity::find().from_raw_sql(sql.build()).all(db).await?;
        wanted = found.iter().filter_map(|r| r.parent_id).collect();
        for r in found {
            known.insert(r.stable_id, (r.parent_id, r.name));
        }
    }
    Ok(known)
}

fn path(names: &HashMap<Uuid, (Option<Uuid>, String)>, dataset: Uuid) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(dataset);
    while let Some((parent, name)) = cur.and_then(|id| names.get(&id)) {
        parts.push(name.as_str());
        cur = *parent;
        if parts.len() > names.len() {
            break;
        }
    }
    parts.reverse();
    if parts.is_empty() { String::new() } else { format!("/{}", parts.join("/")) }
}
