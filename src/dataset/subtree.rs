//! A dataset's descendants, found through `parent_id` (indexed) by a recursive query: one
//! statement, linear in the subtree, on SQLite and PostgreSQL alike. (A B-tree over the
//! materialized `path` cannot hold deep paths on PostgreSQL; see migration 000011.)

use crate::db::Sql;
use uuid::Uuid;

/// Pushes `WITH RECURSIVE sub(root, id) AS (…) ` naming every descendant `id` of each of
/// `roots` (not the roots themselves) with the `root` it is below. The caller follows with
/// a statement reading `sub`.
pub fn push_descendants(sql: &mut Sql, roots: &[Uuid]) {
    sql.push("WITH RECURSIVE sub(root, id) AS (SELECT d.parent_id, d.id FROM datasets d WHERE d.parent_id IN ")
        .bind_list(roots)
        .push(" UNION ALL SELECT sub.root, d.id FROM datasets d JOIN sub ON d.parent_id = sub.id) ");
}
