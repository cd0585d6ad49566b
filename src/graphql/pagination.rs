//! Relay connections over `db::page`: opaque cursors, `first`/`after` forward and
//! `last`/`before` backward, 1..100 (default 20), ordered by creation (UUIDv7 ids
//! ascending), `totalCount` (RULES.md §4).

use crate::db::page::{Cursored, DEFAULT_PAGE, MAX_PAGE, Page, PageArgs};
use crate::db::positional::Columns;
use crate::error::{AppError, AppResult};
use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// Parses the Relay arguments of a connection field: forward with `first`/`after`,
/// backward with `last`/`before` (the last rows before `before`, still in creation
/// order); `after` and `before` may narrow one window. `first` and `last` together are
/// `BAD_USER_INPUT`, as on GitHub: one page size, one direction.
pub fn page_args(first: Option<i32>, after: Option<&str>, last: Option<i32>, before: Option<&str>) -> AppResult<PageArgs> {
    let size = |field: &'static str, n: Option<i32>| match n {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE as i32).contains(&n) => Ok(n as usize),
        Some(_) => Err(AppError::bad_input(field, format!("{field} must be between 1 and {MAX_PAGE}"))),
    };
    if first.is_some() && last.is_some() {
        return Err(AppError::bad_input("last", "pass either first or last, not both"));
    }
    let backward = last.is_some() || (before.is_some() && first.is_none());
    let first = if backward { size("last", last)? } else { size("first", first)? };
    let after = after.map(|c| decode_cursor("after", c)).transpose()?;
    let before = before.map(|c| decode_cursor("before", c)).transpose()?;
    Ok(PageArgs { first, after, before, backward, count: true, columns: Columns::ALL })
}

/// `page_args` for the connection field `ctx` resolves: its list is counted only when the
/// query selects `totalCount` (a nested read saves a statement per level).
pub fn page_args_in(
    ctx: &async_graphql::Context<'_>,
    first: Option<i32>,
    after: Option<&str>,
    last: Option<i32>,
    before: Option<&str>,
) -> AppResult<PageArgs> {
    let args = page_args(first, after, last, before)?;
    Ok(PageArgs { count: ctx.look_ahead().field("totalCount").exists(), ..args })
}

/// The columns the nodes of the connection field `ctx` resolves read: the union of `of`
/// over the fields the query selects on them (`nodes { … }`, `edges { node { … } }`,
/// through every fragment whatever its type), every column when `of` does not know one.
/// The connection's other fields read no node columns (a cursor is the row's id).
pub fn node_columns(ctx: &async_graphql::Context<'_>, of: fn(&str) -> Option<Columns>) -> Columns {
    let union = |object: async_graphql::SelectionField<'_>, columns: Option<Columns>| {
        object.selection_set().try_fold(columns?, |c, f| of(f.name()).map(|more| c.and(more)))
    };
    let mut columns = Some(Columns::NONE);
    for field in ctx.field().selection_set() {
        match field.name() {
            "nodes" => columns = union(field, columns),
            "edges" => {
                for node in field.selection_set().filter(|f| f.name() == "node") {
                    columns = union(node, columns);
                }
            }
            _ => {}
        }
    }
    columns.unwrap_or(Columns::ALL)
}

/// Complexity of a connection field: `first` (or the maximum without it) times its children.
pub fn cost(first: Option<i32>, child: usize) -> usize {
    cost_either(first, None, child)
}

/// `cost` of a connection field paged by `first` or `last`.
pub fn cost_either(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let first = first.or(last);
    let n = first.map(|n| n.clamp(1, MAX_PAGE as i32) as usize).unwrap_or(MAX_PAGE);
    n.saturating_mul(child).saturating_add(1)
}

pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("c1:{}", id.simple()))
}

fn decode_cursor(field: &'static str, cursor: &str) -> AppResult<Uuid> {
    let bad = || AppError::bad_input(field, "malformed cursor");
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let id = text.strip_prefix("c1:").ok_or_else(bad)?;
    Uuid::parse_str(id).map_err(|_| bad())
}

/// Paging information of a connection (Relay).
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// True when items follow this page: forward, when rows follow it; backward, when it
    /// was requested with `before`.
    pub has_next_page: bool,
    /// True when items precede this page: backward, when rows precede it; forward, when
    /// it was requested with `after`.
    pub has_previous_page: bool,
    /// Cursor of the first item of this page; pass it as `before` for the previous page.
    pub start_cursor: Option<String>,
    /// Cursor of the last item; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

pub fn page_info<M: Cursored>(page: &Page<M>) -> PageInfo {
    PageInfo {
        has_next_page: page.has_next,
        has_previous_page: page.has_previous,
        start_cursor: page.items.first().map(|m| encode_cursor(m.cursor_id())),
        end_cursor: page.items.last().map(|m| encode_cursor(m.cursor_id())),
    }
}

/// A page as a loader hands it over: owned, or shared (`Arc`, taken without a copy when
/// no one else holds it).
pub trait IntoPage<M> {
    fn into_page(self) -> Page<M>;
}

impl<M> IntoPage<M> for Page<M> {
    fn into_page(self) -> Page<M> {
        self
    }
}

impl<M: Clone> IntoPage<M> for std::sync::Arc<Page<M>> {
    fn into_page(self) -> Page<M> {
        std::sync::Arc::unwrap_or_clone(self)
    }
}

/// Declares `XConnection` and `XEdge` for a node type built from a row type. A connection
/// keeps its nodes and their ids; cursors, edges and paging information are made only
/// when a query asks for them.
///
/// A node type's plain fields are answered in a list without running their resolvers
/// (`async_graphql::Immediate`, `Objects`): with `immediate: kind, ["field" => column, …]`
/// its `id` (the global id of `kind` and `self.0.id`, as `ids::encode`) and those text
/// fields (`self.0.column`), which its resolvers must answer the same way; without, none.
/// `write_immediate` writes the same answers as JSON text (`ids::write_encoded`). With
/// `gather: f`, `f` answers connection fields for all items of a list together
/// (`graphql::gather`). The connection writes its answer as JSON text when all it selects
/// is plain (`gather::WrittenNow`).
#[macro_export]
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $doc:literal, $edge_doc:literal) => {
        impl async_graphql::Immediate for $node {}
        $crate::connection!(@types $conn, $edge, $node, $doc, $edge_doc);
    };
    ($conn:ident, $edge:ident, $node:ty, $doc:literal, $edge_doc:literal, immediate: $kind:expr, [$($field:literal => $column:ident),*] $(, gather: $gather:path)?) => {
        impl async_graphql::Immediate for $node {
            $(
                fn gather<'b>(
                    items: &[&'b Self],
                    ctx: &'b async_graphql::ContextSelectionSet<'b>,
                    field: &'b async_graphql::Positioned<async_graphql::parser::types::Field>,
                ) -> Option<async_graphql::Gathered<'b>> {
                    $gather(items, ctx, field)
                }
            )?

            fn immediate(&self, field: &str) -> Option<async_graphql::Value> {
                match field {
                    "id" => Some(async_graphql::Value::String($crate::graphql::ids::encode($kind, self.0.id).0)),
                    $($field => Some(async_graphql::Value::String(self.0.$column.clone())),)*
                    _ => None,
                }
            }

            fn write_immediate(&self, field: &str, out: &mut Vec<u8>) -> bool {
                match field {
                    "id" => $crate::graphql::ids::write_encoded($kind, self.0.id, out),
                    $($field => async_graphql::write_json_str(out, &self.0.$column),)*
                    _ => return false,
                }
                true
            }
        }
        $crate::connection!(@types $conn, $edge, $node, $doc, $edge_doc);
    };
    (@types $conn:ident, $edge:ident, $node:ty, $doc:literal, $edge_doc:literal) => {
        #[doc = $doc]
        pub struct $conn {
            nodes: Vec<$node>,
            ids: Vec<uuid::Uuid>,
            has_next: bool,
            has_previous: bool,
            total: i64,
        }

        // The type's description comes from the `impl` of an `Object`.
        #[doc = $doc]
        #[async_graphql::Object]
        impl $conn {
            /// The items of this page, each with its cursor.
            async fn edges(&self) -> Vec<$edge<'_>> {
                self.ids
                    .iter()
                    .zip(&self.nodes)
                    .map(|(id, node)| $edge { cursor: $crate::graphql::pagination::encode_cursor(*id), node })
                    .collect()
            }

            /// The items of this page.
            async fn nodes(&self) -> async_graphql::Objects<'_, $node> {
                async_graphql::Objects(&self.nodes)
            }

            /// Where this page sits in the whole list.
            async fn page_info(&self) -> $crate::graphql::pagination::PageInfo {
                $crate::graphql::pagination::PageInfo {
                    has_next_page: self.has_next,
                    has_previous_page: self.has_previous,
                    start_cursor: self.ids.first().map(|id| $crate::graphql::pagination::encode_cursor(*id)),
                    end_cursor: self.ids.last().map(|id| $crate::graphql::pagination::encode_cursor(*id)),
                }
            }

            /// Number of items in the whole list, over all pages.
            async fn total_count(&self) -> i32 {
                i32::try_from(self.total).unwrap_or(i32::MAX)
            }
        }

        #[doc = $edge_doc]
        pub struct $edge<'a> {
            cursor: String,
            node: &'a $node,
        }

        #[doc = $edge_doc]
        #[async_graphql::Object]
        impl $edge<'_> {
            /// Opaque position of this item; pass it as `after`.
            async fn cursor(&self) -> &str {
                &self.cursor
            }

            /// The item.
            async fn node(&self) -> &$node {
                self.node
            }
        }

        impl $crate::graphql::gather::WrittenNow for $conn {
            fn write_now(&self, ctx: &async_graphql::ContextSelectionSet<'_>, out: &mut Vec<u8>) -> bool {
                let own = <Self as async_graphql::OutputType>::type_name();
                // About what a node of a nested read writes (its id and name), so that the
                // text is seldom moved as it grows.
                out.reserve(16 + self.nodes.len() * 128);
                async_graphql::write_object_now(ctx, &own, out, |name, selected, out| match name {
                    "nodes" => async_graphql::write_list_now(selected, &self.nodes, out),
                    "totalCount" => {
                        async_graphql::write_json(out, &async_graphql::Value::from(i32::try_from(self.total).unwrap_or(i32::MAX)));
                        true
                    }
                    _ => false,
                })
            }
        }

        impl $conn {
            pub fn from_page<M: $crate::db::page::Cursored>(
                page: impl $crate::graphql::pagination::IntoPage<M>,
                to_node: impl Fn(M) -> $node,
            ) -> Self {
                let page = page.into_page();
                let ids = page.items.iter().map($crate::db::page::Cursored::cursor_id).collect();
                let nodes = page.items.into_iter().map(to_node).collect();
                Self { nodes, ids, has_next: page.has_next, has_previous: page.has_previous, total: page.total }
            }
        }
    };
}
