//! The child lists PostgreSQL pages per parent (`db::PAGED_BY_INDEX`, `LATERAL ... ORDER
//! BY id LIMIT`) need an index on (parent, id): without one, each page could read every
//! child of its parent, or the planner could walk the primary key. Read from the catalog.

use crate::both;
use crate::helpers::*;

/// PostgreSQL's index columns `which` selects (over `k.ord`, a column's place in index
/// `x`, and `i.indnkeyatts`, the number of its key columns), in order, per index of this
/// schema, as `(table, "a,b")`.
fn postgres_index_columns(which: &str) -> String {
    format!(
        "SELECT t.relname::text AS t, string_agg(a.attname::text, ',' ORDER BY k.ord) AS c
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
         WHERE {which}
         GROUP BY i.indexrelid, t.relname"
    )
}

/// The key columns, in order, of every index of this database, as `(table, "a,b")` (not
/// PostgreSQL's `INCLUDE` columns, which are not part of the key).
async fn index_columns(app: &TestApp) -> std::collections::BTreeSet<(String, String)> {
    let sqlite = "SELECT tbl AS t, group_concat(col, ',') AS c FROM (
                      SELECT m.name AS tbl, il.name AS idx, ii.name AS col FROM sqlite_master m,
                             pragma_index_list(m.name) il, pragma_index_info(il.name) ii
                      WHERE m.type = 'table' ORDER BY m.name, il.name, ii.seqno)
                  GROUP BY tbl, idx";
    catalog_pairs(app, sqlite, &postgres_index_columns("k.ord <= i.indnkeyatts")).await
}

both!(every_list_paged_per_parent_has_an_index_on_parent_and_id, |app: TestApp| async move {
    let indexes = index_columns(&app).await;
    for (table, parent) in orgraph::db::PAGED_BY_INDEX {
        let wanted = (table.to_string(), format!("{parent},id"));
        assert!(indexes.contains(&wanted), "no index on {table} ({parent}, id); indexes: {indexes:?}");
    }
});

// On PostgreSQL a page of datasets that shows their names is read from the index alone:
// the (parent, id) index carries `name` besides its key (migration 000026). SQLite has no
// `INCLUDE`.
both!(the_datasets_page_index_carries_their_names_on_postgres, |app: TestApp| async move {
    if app.db != Db::Postgres {
        return;
    }
    let sql = postgres_index_columns("k.ord > i.indnkeyatts AND x.relname = 'ix_datasets_sibling_id'");
    let included = catalog_pairs(&app, "", &sql).await;
    assert_eq!(included, [("datasets".to_string(), "name".to_string())].into(), "the index's INCLUDE columns");
});
