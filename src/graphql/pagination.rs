//! Relay connections over `db::page`: opaque cursors, `first` 1..100 (default 20),
//! ordered by creation (UUIDv7 ids ascending), `totalCount` (RULES.md §4).

use crate::db::page::{Cursored, DEFAULT_PAGE, MAX_PAGE, Page, PageArgs};
use crate::error::{AppError, AppResult};
use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// Parses `first`/`after` of a connection field: `first` 1..100 (default 20), `after`
/// an opaque cursor; anything else is `BAD_USER_INPUT`.
pub fn page_args(first: Option<i32>, after: Option<&str>) -> AppResult<PageArgs> {
    let first = match first {
        None => DEFAULT_PAGE,
        Some(n) if (1..=MAX_PAGE as i32).contains(&n) => n as usize,
        Some(_) => return Err(AppError::bad_input("first", format!("first must be between 1 and {MAX_PAGE}"))),
    };
    let after = after.map(decode_cursor).transpose()?;
    Ok(PageArgs { first, after })
}

/// Complexity of a connection field: `first` (or the maximum without it) times its children.
pub fn cost(first: Option<i32>, child: usize) -> usize {
    let n = first.map(|n| n.clamp(1, MAX_PAGE as i32) as usize).unwrap_or(MAX_PAGE);
    n.saturating_mul(child).saturating_add(1)
}

pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("c1:{}", id.simple()))
}

fn decode_cursor(cursor: &str) -> AppResult<Uuid> {
    let bad = || AppError::bad_input("after", "malformed cursor");
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let id = text.strip_prefix("c1:").ok_or_else(bad)?;
    Uuid::parse_str(id).map_err(|_| bad())
}

/// Paging information of a connection (Relay).
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// True when items follow this page.
    pub has_next_page: bool,
    /// True when this page was requested with `after` (items precede it).
    pub has_previous_page: bool,
    /// Cursor of the first item of this page.
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

/// Declares `XConnection` and `XEdge` for a node type built from a row type.
#[macro_export]
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $doc:literal, $edge_doc:literal) => {
        #[doc = $doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $conn {
            /// The items of this page, each with its cursor.
            pub edges: Vec<$edge>,
            /// The items of this page.
            pub nodes: Vec<$node>,
            /// Where this page sits in the whole list.
            pub page_info: $crate::graphql::pagination::PageInfo,
            /// Number of items in the whole list, over all pages.
            pub total_count: i32,
        }

        #[doc = $edge_doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque position of this item; pass it as `after`.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        impl $conn {
            pub fn from_page<M: $crate::db::page::Cursored + Clone>(
                page: $crate::db::page::Page<M>,
                to_node: impl Fn(M) -> $node,
            ) -> Self {
                let page_info = $crate::graphql::pagination::page_info(&page);
                let edges: Vec<$edge> = page
                    .items
                    .iter()
                    .map(|m| $edge {
                        cursor: $crate::graphql::pagination::encode_cursor(m.cursor_id()),
                        node: to_node(m.clone()),
                    })
                    .collect();
                let nodes = page.items.into_iter().map(&to_node).collect();
                Self { edges, nodes, page_info, total_count: i32::try_from(page.total).unwrap_or(i32::MAX) }
            }
        }
    };
}
