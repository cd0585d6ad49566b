//! Pages of rows: what a loader returns for a list and what a connection is built from.
//! Every list is ordered by creation (UUIDv7 ids ascending, RULES.md §4); a page lies
//! between two row ids (`after`, `before`) and holds at most `first` rows: the first ones
//! of that window, or its last ones when paging backward (Relay's `last`/`before`). How a
//! page is asked for over GraphQL (opaque cursors, bounds) is `graphql::pagination`.

use super::positional::Columns;
use uuid::Uuid;

pub const DEFAULT_PAGE: usize = 20;
pub const MAX_PAGE: usize = 100;

/// Which page: at most `first` rows after the row `after` and before the row `before`;
/// the window's last rows when `backward`. `count`: whether the whole list's size is
/// wanted (`Page::total`, else 0, unless the same list of the same parent is also asked
/// with its count: `db::load_grouped` and `db::load_pages` read both at once).
/// `columns`: which columns the page's rows need (`Columns::ALL` but for a list whose
/// nodes say what they read; the row's id and its parent's are read whatever it says).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageArgs {
    /// The page size (Relay's `first`, or `last` when `backward`).
    pub first: usize,
    pub after: Option<Uuid>,
    pub before: Option<Uuid>,
    pub backward: bool,
    pub count: bool,
    pub columns: Columns,
}

/// Every field, as five words (equal words only for equal arguments, as derived). A key
/// is hashed several times on its way through a batch; derived, each `Option<Uuid>` was
/// written as a tag, a length and sixteen bytes (4 % of a nested read's instructions).
impl std::hash::Hash for PageArgs {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let flags = [self.backward, self.count, self.after.is_some(), self.before.is_some()];
        let flags = flags.into_iter().enumerate().fold(0u64, |bits, (i, on)| bits | (u64::from(on) << i));
        state.write_u64(self.first as u64);
        state.write_u64(flags);
        self.columns.hash(state);
        state.write_u128(self.after.as_ref().map_or(0, Uuid::as_u128));
        state.write_u128(self.before.as_ref().map_or(0, Uuid::as_u128));
    }
}

impl PageArgs {
    /// The first `first` rows.
    pub fn forward(first: usize, after: Option<Uuid>) -> Self {
        Self { first, after, before: None, backward: false, count: true, columns: Columns::ALL }
    }

    /// These arguments without what does not change which rows a page holds (counting,
    /// the columns read): equal for two keys one statement reads (`db::load_grouped`).
    pub fn rows_only(self) -> Self {
        Self { columns: Columns::NONE, count: false, ..self }
    }

    /// These arguments reading also what `other` reads (its columns, its count).
    pub fn widened(self, other: &Self) -> Self {
        Self { columns: self.columns.and(other.columns), count: self.count || other.count, ..self }
    }

    /// `AND t.id > after AND t.id < before` over table alias `alias`.
    pub fn push_window(&self, sql: &mut super::Sql, alias: &str) {
        if let Some(after) = self.after {
            sql.push(&format!(" AND {alias}.id > ")).bind(after);
        }
        if let Some(before) = self.before {
            sql.push(&format!(" AND {alias}.id < ")).bind(before);
        }
    }

    /// `ASC`, or `DESC` when paging backward: the order in which the page's rows are
    /// picked (they are returned ascending either way).
    pub fn pick_order(&self) -> &'static str {
        if self.backward { "DESC" } else { "ASC" }
    }
}

/// One page of rows, before mapping to GraphQL nodes.
#[derive(Clone, Debug)]
pub struct Page<M> {
    pub items: Vec<M>,
    pub total: i64,
    pub has_next: bool,
    pub has_previous: bool,
}

impl<M> Default for Page<M> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<M> Page<M> {
    pub fn empty() -> Self {
        Self { items: Vec::new(), total: 0, has_next: false, has_previous: false }
    }
    /// From up to `first + 1` rows in ascending id order: the extra row, if any, follows
    /// the page (forward) or precedes it (backward).
    pub fn from_rows(mut rows: Vec<M>, args: &PageArgs, total: i64) -> Self {
        let more = rows.len() > args.first;
        if args.backward {
            let extra = rows.len().saturating_sub(args.first);
            rows.drain(..extra);
            Self { items: rows, total, has_next: args.before.is_some(), has_previous: more }
        } else {
            rows.truncate(args.first);
            Self { items: rows, total, has_next: more, has_previous: args.after.is_some() }
        }
    }
}

/// A row with a creation-ordered id: where a page of such rows starts and ends.
pub trait Cursored {
    fn cursor_id(&self) -> Uuid;
}

macro_rules! cursored {
    ($($m:path),*) => {
        $(impl Cursored for $m {
            fn cursor_id(&self) -> Uuid {
                self.id
            }
        })*
    };
}

cursored!(
    entity::organization::Model,
    entity::team::Model,
    entity::workspace::Model,
    entity::project::Model,
    entity::dataset::Model,
    entity::membership::Model,
    entity::invitation::Model,
    entity::activity::Model,
    entity::user::Model,
    entity::api_token::Model,
    entity::share_link::Model,
    entity::trash_entry::Model,
    entity::project_version::Model,
    entity::item::Model,
    entity::group::Model,
    entity::group_member::Model,
    entity::training_run::Model,
    entity::audit_entry::Model,
    entity::capability_grant::Model,
    entity::group_project::Model
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

    #[test]
    fn page_arguments_hash_by_every_field() {
        let hash = |args: PageArgs| BuildHasherDefault::<DefaultHasher>::default().hash_one(args);
        let (a, b) = (Uuid::from_u128(7), Uuid::from_u128(9));
        let args = PageArgs { first: 3, after: Some(a), before: Some(b), backward: false, count: true, columns: Columns::ALL };
        assert_eq!(hash(args), hash(PageArgs { ..args }));
        let others = [
            PageArgs { first: 4, ..args },
            PageArgs { after: None, ..args },
            PageArgs { after: Some(Uuid::nil()), ..args },
            PageArgs { after: Some(b), ..args },
            PageArgs { before: None, ..args },
            PageArgs { after: Some(b), before: Some(a), ..args },
            PageArgs { backward: true, ..args },
            PageArgs { count: false, ..args },
            PageArgs { columns: Columns::NONE, ..args },
        ];
        for other in others {
            assert_ne!(hash(other), hash(args), "{other:?}");
        }
        let none = PageArgs { after: None, ..args };
        assert_ne!(hash(none), hash(PageArgs { after: Some(Uuid::nil()), ..args }), "no id is not the nil id");
    }
}
