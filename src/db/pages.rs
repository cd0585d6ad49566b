//! Batched pagination: one statement loads a page of children for many parents, one more
//! counts them when the count is wanted (`PageArgs::count`). Loaders use it so that a
//! nested query costs statements per depth, not per row.
//!
//! On PostgreSQL the lists of `PAGED_BY_INDEX` take each parent's page with its own
//! `LIMIT` in a `LATERAL` subquery over the parents' ids: a range of the (parent, id)
//! index that stops after the page's rows, never reading the parent's other children. (A
//! window over `parent = ANY(ids)` reads every child of every parent, and its custom plan
//! scanned the whole table once the list was long: 500 parents cost a scan of all 100,000
//! datasets.) Other lists, and SQLite (no `LATERAL`), page with a `ROW_NUMBER()` window
//! partitioned by parent.

use super::Sql;
use super::page::{Page, PageArgs};
use super::positional::{self, Positional, select_list, select_some};
use crate::error::AppResult;
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};
use uuid::Uuid;

/// The child lists PostgreSQL pages per parent (`LATERAL ... ORDER BY id LIMIT`): those
/// with an index on exactly (parent, id), made by migrations 6 and 19 (a test reads the
/// catalog for each); on PostgreSQL the datasets' also carries `name` (migration 26), so
/// a page that shows names is read from the index alone. Without such an index a
/// per-parent `ORDER BY id LIMIT` can make the planner walk the primary key and filter on
/// the parent, which reads far more than the page when a parent's rows are old or new;
/// those lists keep the window.
pub const PAGED_BY_INDEX: [(&str, &str); 5] = [
    ("datasets", "sibling_key"),
    ("memberships", "scope_id"),
    ("items", "dataset_id"),
    ("activity", "team_id"),
    ("activity", "project_id"),
];

/// What to page: `table` rows grouped by `parent_col`, optionally narrowed by a filter
/// over table alias `t` (visibility, role, search).
pub struct ChildPages<'a, M> {
    pub table: &'static str,
    pub parent_col: &'static str,
    pub parent_of: fn(&M) -> Uuid,
    pub filter: Option<&'a (dyn Fn(&mut Sql) + Sync)>,
}

#[derive(FromQueryResult)]
struct Count {
    parent: Uuid,
    n: i64,
}

pub async fn load_child_pages<E, C>(
    db: &C,
    spec: &ChildPages<'_, E::Model>,
    parents: &[Uuid],
    args: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: Positional + super::page::Cursored + Send + Sync,
    C: ConnectionTrait,
{
    let backend = db.get_database_backend();
    let (table, parent) = (spec.table, spec.parent_col);
    // Each parent once: the lateral form would repeat a repeated parent's rows, and a
    // repeated parent's second page would be empty (its rows handed to the first).
    let mut seen = foldhash::HashSet::with_capacity_and_hasher(parents.len(), Default::default());
    let distinct: Vec<Uuid> = parents.iter().copied().filter(|p| seen.insert(*p)).collect();
    let narrow = |sql: &mut Sql, with_window: bool| {
        if with_window {
            args.push_window(sql, "t");
        }
        if let Some(filter) = spec.filter {
            sql.push(" AND ");
            filter(sql);
        }
    };
    let where_clause = |sql: &mut Sql, with_window: bool| {
        sql.push(&format!(" FROM {table} t WHERE ")).any_of(&format!("t.{parent}"), &distinct);
        narrow(sql, with_window);
    };

    // Up to `first + 1` rows of each parent, picked in `order`; each parent's rows are put
    // in ascending id order below (the lateral form leaves the statement unsorted: sorting
    // 1,500 rows of a nested read's last level was a quarter of its statement's time).
    let mut rows_sql = Sql::new(backend);
    // The row's id (its cursor) and its parent's (its group) whatever the page reads.
    let read = args.columns.with::<E::Model>("id").with::<E::Model>(parent);
    let (order, columns, limit) = (args.pick_order(), select_some::<E::Model>("sub", read), (args.first + 1) as i64);
    if backend == sea_orm::DbBackend::Postgres && PAGED_BY_INDEX.contains(&(table, parent)) {
        rows_sql.push(&format!("SELECT {columns} FROM unnest(")).bind(distinct.clone());
        rows_sql.push(&format!("::uuid[]) AS p_(id) CROSS JOIN LATERAL (SELECT t.* FROM {table} t WHERE t.{parent} = p_.id"));
        narrow(&mut rows_sql, true);
        rows_sql.push(&format!(" ORDER BY t.id {order} LIMIT ")).bind(limit).push(") sub");
    } else {
        rows_sql.push(&format!(
            "SELECT {columns} FROM (SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t.{parent} ORDER BY t.id {order}) AS rn_"
        ));
        where_clause(&mut rows_sql, true);
        rows_sql.push(") sub WHERE sub.rn_ <= ").bind(limit);
    }
    let rows: Vec<E::Model> = positional::some(db, rows_sql.build(), read).await?;

    let mut counts: HashMap<Uuid, i64> = HashMap::new();
    if args.count {
        let mut count_sql = Sql::new(backend);
        count_sql.push(&format!("SELECT t.{parent} AS parent, COUNT(*) AS n"));
        where_clause(&mut count_sql, false);
        count_sql.push(&format!(" GROUP BY t.{parent}"));
        counts = Count::find_by_statement(count_sql.build()).all(db).await?.into_iter().map(|c| (c.parent, c.n)).collect();
    }

    // Sized once: grown step by step, a map hashes its keys again at every step.
    let mut grouped: HashMap<Uuid, Vec<E::Model>> = HashMap::with_capacity(distinct.len());
    for row in rows {
        grouped.entry((spec.parent_of)(&row)).or_default().push(row);
    }
    Ok(distinct
        .iter()
        .map(|p| {
            let mut rows = grouped.remove(p).unwrap_or_default();
            rows.sort_unstable_by_key(super::page::Cursored::cursor_id);
            (*p, Page::from_rows(rows, args, counts.get(p).copied().unwrap_or(0)))
        })
        .collect())
}

#[derive(FromQueryResult)]
struct Total {
    n: i64,
}

/// One page of `table` rows matching `filter` (over alias `t`), in id order (the window's
/// last rows when paging backward).
async fn load_page<E, C>(
    db: &C,
    table: &'static str,
    filter: &(dyn Fn(&mut Sql) + Sync),
    args: &PageArgs,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Positional + Send + Sync,
    C: ConnectionTrait,
{
    let backend = db.get_database_backend();
    let mut rows_sql = Sql::new(backend);
    rows_sql.push(&format!("SELECT {} FROM {table} t WHERE ", select_list::<E::Model>("t")));
    filter(&mut rows_sql);
    args.push_window(&mut rows_sql, "t");
    rows_sql.push(&format!(" ORDER BY t.id {} LIMIT ", args.pick_order())).bind((args.first + 1) as i64);
    let mut rows: Vec<E::Model> = positional::all(db, rows_sql.build()).await?;
    if args.backward {
        rows.reverse();
    }
    if !args.count {
        return Ok(Page::from_rows(rows, args, 0));
    }
    let mut count_sql = Sql::new(backend);
    count_sql.push(&format!("SELECT COUNT(*) AS n FROM {table} t WHERE "));
    filter(&mut count_sql);
    let total = Total::find_by_statement(count_sql.build()).one(db).await?.map(|t| t.n).unwrap_or(0);
    Ok(Page::from_rows(rows, args, total))
}

/// One page of `table` for each of `keys`: `split` gives a key's rows (what `filter`
/// narrows `table` to, over alias `t`) and its page arguments. Keys of the same rows
/// whose page arguments are equal but for counting and the columns read share one read
/// (of every column), counting if any counts: a query that selects one list twice (a
/// field and a fragment's, one with `totalCount`) merges the two answers row by row, and
/// two reads could see different rows (as `load_grouped` does for child lists).
pub async fn load_pages<E, C, K, R>(
    db: &C,
    table: &'static str,
    keys: &[K],
    split: impl Fn(&K) -> (R, PageArgs),
    filter: impl Fn(&R, &mut Sql) + Sync,
) -> AppResult<HashMap<K, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: Positional + Send + Sync + Clone,
    C: ConnectionTrait,
    K: Clone + Eq + std::hash::Hash,
    R: Eq + Sync,
{
    let mut out = HashMap::with_capacity(keys.len());
    for (rows, args, members) in shared_reads(keys, split) {
        let page = load_page::<E, C>(db, table, &|sql: &mut Sql| filter(&rows, sql), &args).await?;
        if let Some((last, earlier)) = members.split_last() {
            for k in earlier {
                out.insert(k.clone(), page.clone());
            }
            out.insert(last.clone(), page);
        }
    }
    Ok(out)
}

/// `keys` in reads: `split` gives a key's rows and page arguments; keys of the same rows
/// whose page arguments are equal but for counting and the columns read share a read,
/// whose arguments are widened to the columns of all and counting if any counts.
pub fn shared_reads<K: Clone, R: Eq>(keys: &[K], split: impl Fn(&K) -> (R, PageArgs)) -> Vec<(R, PageArgs, Vec<K>)> {
    let mut reads: Vec<(R, PageArgs, Vec<K>)> = Vec::with_capacity(keys.len());
    for k in keys {
        let (rows, args) = split(k);
        match reads.iter_mut().find(|(r, a, _)| *r == rows && a.rows_only() == args.rows_only()) {
            Some(read) => {
                read.1 = read.1.widened(&args);
                read.2.push(k.clone());
            }
            None => reads.push((rows, args, vec![k.clone()])),
        }
    }
    reads
}

/// The table side of a child list: rows of `table` grouped by `parent_col`.
pub struct ChildTable<M> {
    pub table: &'static str,
    pub parent_col: &'static str,
    pub parent_of: fn(&M) -> Uuid,
}

/// Keys one statement reads: a group (its filter), the page arguments read (the widest
/// of the groups merged into it), each key with its parent.
struct Read<G, K> {
    group: G,
    args: PageArgs,
    members: Vec<(K, Uuid)>,
}

/// Narrows the rows of one group of keys (SQL over table alias `t`).
pub type GroupFilter<'a, G> = &'a (dyn Fn(&G, &mut Sql) + Sync);

/// Runs `load_child_pages` once per distinct group of keys (same rows: page arguments and
/// filters) and maps the pages back to the keys. `split` gives a key's parent and group;
/// `filter` narrows a group's rows (table alias `t`).
pub async fn load_grouped<E, C, K, G>(
    db: &C,
    table: &ChildTable<E::Model>,
    keys: &[K],
    split: impl Fn(&K) -> (Uuid, G),
    args_of: impl Fn(&G) -> PageArgs,
    filter: Option<GroupFilter<'_, G>>,
) -> AppResult<HashMap<K, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: Positional + super::page::Cursored + Send + Sync + Clone,
    C: ConnectionTrait,
    K: Clone + Eq + std::hash::Hash,
    G: Clone + Eq + std::hash::Hash + Sync,
{
    let mut groups: HashMap<G, Vec<(K, Uuid)>> = HashMap::new();
    for k in keys {
        let (parent, group) = split(k);
        groups.entry(group).or_default().push((k.clone(), parent));
    }
    // Groups that read the same rows of a parent (page arguments equal but for counting
    // and the columns read, filters of the same SQL and values) are read by one
    // statement, with the columns of all and counting if any counts: a query that selects
    // one list twice (a field and a fragment's, one with `totalCount`) merges the two
    // answers row by row, and two statements could see different rows. Groups of
    // different parents stay apart (merged, the count would cover the parents of both).
    let backend = db.get_database_backend();
    let narrowed = |group: &G| {
        let mut sql = Sql::new(backend);
        if let Some(f) = filter {
            f(group, &mut sql);
        }
        sql
    };
    let shares_a_parent = |a: &[(K, Uuid)], b: &[(K, Uuid)]| {
        let parents: foldhash::HashSet<Uuid> = a.iter().map(|(_, p)| *p).collect();
        b.iter().any(|(_, p)| parents.contains(p))
    };
    let mut reads: Vec<Read<G, K>> = Vec::with_capacity(groups.len());
    for (group, members) in groups {
        let args = args_of(&group);
        let same = reads.iter().position(|r| {
            r.args.rows_only() == args.rows_only()
                && shares_a_parent(&r.members, &members)
                && narrowed(&r.group) == narrowed(&group)
        });
        match same {
            Some(i) => {
                reads[i].args = reads[i].args.widened(&args);
                reads[i].members.extend(members);
            }
            None => reads.push(Read { group, args, members }),
        }
    }
    // Sized once (a key holds page arguments: hashing it again at each step of growth cost
    // more than the lookups).
    let mut out = HashMap::with_capacity(keys.len());
    for Read { group, args, members } in reads {
        let parents: Vec<Uuid> = members.iter().map(|(_, p)| *p).collect();
        let narrow = |sql: &mut Sql| {
            if let Some(f) = filter {
                f(&group, sql);
            }
        };
        let spec = ChildPages {
            table: table.table,
            parent_col: table.parent_col,
            parent_of: table.parent_of,
            filter: filter.map(|_| &narrow as &(dyn Fn(&mut Sql) + Sync)),
        };
        let mut pages = load_child_pages::<E, C>(db, &spec, &parents, &args).await?;
        // A page is copied only for a parent that several keys of the read name.
        let mut uses: HashMap<Uuid, usize> = HashMap::with_capacity(parents.len());
        for p in &parents {
            *uses.entry(*p).or_default() += 1;
        }
        for (k, p) in members {
            if let Some(page) = hand_out(&mut pages, &mut uses, &p) {
                out.insert(k, page);
            }
        }
    }
    Ok(out)
}

/// The value of `key` for one of its askers, `uses` counting the askers still to come:
/// the last one gets it by move, each earlier one a copy.
pub fn hand_out<K: Eq + std::hash::Hash, V: Clone>(
    values: &mut HashMap<K, V>,
    uses: &mut HashMap<K, usize>,
    key: &K,
) -> Option<V> {
    let left = uses.get_mut(key).map(|n| {
        *n -= 1;
        *n
    });
    if left == Some(0) { values.remove(key) } else { values.get(key).cloned() }
}

/// Pages a loader hands over without copying them (`graphql::pagination::IntoPage`): the
/// request's loader copies a value for each further asker of the same key (`request::Loads`).
pub fn shared<K: Eq + std::hash::Hash, M>(pages: HashMap<K, Page<M>>) -> HashMap<K, std::sync::Arc<Page<M>>> {
    pages.into_iter().map(|(k, p)| (k, std::sync::Arc::new(p))).collect()
}
