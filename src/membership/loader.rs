use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, Sql, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::membership;
use foldhash::HashMap;
use uuid::Uuid;

/// Narrowing of a member list: by role and by a case-insensitive name prefix.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemberQuery {
    pub args: PageArgs,
    /// Role ids carrying the requested key (one per catalog that has it).
    pub role: Option<Vec<Uuid>>,
    pub search: Option<String>,
}

/// Memberships of one scope, one page. The caller has checked `member.read` there.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MembersOfScope(pub Uuid, pub MemberQuery);

/// `text` folded as `users.search_name` is (`migration::search::fold`), escaped, then `%`.
fn like_prefix(text: &str) -> String {
    let escaped: String = migration::search::fold(text)
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("{escaped}%")
}

impl Loader<MembersOfScope> for DbLoader {
    type Value = Page<membership::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[MembersOfScope]) -> Result<HashMap<MembersOfScope, Self::Value>, Self::Error> {
        let narrow = |q: &MemberQuery, sql: &mut Sql| {
            sql.push("1 = 1");
            if let Some(roles) = &q.role {
                sql.push(" AND t.role_id IN ").bind_list(roles);
            }
            if let Some(search) = &q.search {
                // Folded in Rust on both sides: SQLite's `LOWER` and `LIKE` fold ASCII only.
                sql.push(" AND t.user_id IN (SELECT u.id FROM users u WHERE u.search_name LIKE ")
                    .bind(like_prefix(search))
                    .push(" ESCAPE '\\')");
            }
        };
        let table = ChildTable { table: "memberships", parent_col: "scope_id", parent_of: |m: &membership::Model| m.scope_id };
        load_grouped::<membership::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, k.1.clone()), |q| q.args, Some(&narrow))
            .await
            .map_err(load_err)
    }
}
