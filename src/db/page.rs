//! Pages of rows: what a loader returns for a list and what a connection is built from.
//! Every list is ordered by creation (UUIDv7 ids ascending, RULES.md §4); a page starts
//! after a row id and holds at most `first` rows. How a page is asked for over GraphQL
//! (opaque cursors, `first` bounds) is `graphql::pagination`.

use uuid::Uuid;

pub const DEFAULT_PAGE: usize = 20;
pub const MAX_PAGE: usize = 100;

/// Which page: at most `first` rows after the row `after`; `count`: whether the whole
/// list's size is wanted (`Page::total`, else 0: no statement counts it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: usize,
    pub after: Option<Uuid>,
    pub count: bool,
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
    /// From up to `first + 1` rows in id order.
    pub fn from_rows(mut rows: Vec<M>, args: &PageArgs, total: i64) -> Self {
        let has_next = rows.len() > args.first;
        rows.truncate(args.first);
        Self { items: rows, total, has_next, has_previous: args.after.is_some() }
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
