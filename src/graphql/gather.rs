//! A connection field of a list's items answered for all of them together
//! (`async_graphql::Immediate::gather`): its arguments read once, every item's page asked
//! in one join (the same keys, in the same batch, as item by item), and each connection
//! answered as JSON text when all it selects is plain (`WrittenNow`), else resolved with
//! its item's context. A nested read's innermost connections are most of its objects'
//! parents (`nested-org`: 500 `children` connections of 2,066 objects): item by item,
//! each cost its resolver's future, its four arguments parsed, its columns found, a key
//! hashed and a boxed object resolved.

use crate::db::page::PageArgs;
use crate::graphql::context::gql;
use crate::request::{DbLoader, LoadError, Loader, RequestCtx};
use async_graphql::parser::types::Field;
use async_graphql::{Context, ContextSelectionSet, Gathered, JsonAnswers, OutputType, Positioned, Value};
use uuid::Uuid;

/// A connection that writes its answer as JSON text when every field selected on it is
/// plain (`nodes` answered at once, `totalCount`, `__typename`; `connection!`).
pub trait WrittenNow {
    /// Writes the answer for the selections of `ctx` into `out`; false (the text left
    /// unfinished) when it cannot.
    fn write_now(&self, ctx: &ContextSelectionSet<'_>, out: &mut Vec<u8>) -> bool;
}

/// The page arguments of a connection field, as its resolver reads them.
pub type ArgsOf<E> = fn(&Context<'_>, Option<i32>, Option<&str>, Option<i32>, Option<&str>) -> Result<PageArgs, E>;

/// `gather` of the connection field `field` of the items with `ids` (in order), whose
/// resolver answers `connection(load_one(key(id, args)))` with `args` read by `args_of`.
/// `None` when the arguments are refused (or the request context is missing): the field
/// is resolved item by item and every item records the error, as before.
pub fn pages<'b, K, C, E>(
    ids: Vec<Uuid>,
    ctx: &'b ContextSelectionSet<'b>,
    field: &'b Positioned<Field>,
    args_of: ArgsOf<E>,
    key: fn(Uuid, PageArgs) -> K,
    connection: fn(Option<<DbLoader as Loader<K>>::Value>) -> C,
) -> Option<Gathered<'b>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Error = LoadError>,
    C: OutputType + WrittenNow + 'b,
{
    let loader = &ctx.data_opt::<RequestCtx>()?.loader;
    let args = {
        let at = ctx.with_field(field);
        let first = at.param_value::<Option<i32>>("first", None).ok()?.1;
        let after = at.param_value::<Option<String>>("after", None).ok()?.1;
        let last = at.param_value::<Option<i32>>("last", None).ok()?.1;
        let before = at.param_value::<Option<String>>("before", None).ok()?.1;
        args_of(&at, first, after.as_deref(), last, before.as_deref()).ok()?
    };
    Some(Box::pin(async move {
        let pages = futures_util::future::join_all(ids.iter().map(|id| loader.load_one(key(*id, args)))).await;
        let json = ctx.data_opt::<JsonAnswers>().is_some();
        let answers = pages.into_iter().enumerate().map(|(index, page)| async move {
            let item = ctx.with_index(index);
            let at = item.with_field(field);
            let connection = connection(page.map_err(|e| at.set_error_path(gql(e).into_server_error(field.pos)))?);
            let selected = at.with_selection_set(&field.node.selection_set);
            let mut out = Vec::new();
            if json && connection.write_now(&selected, &mut out) {
                return Ok(Value::Binary(out.into()));
            }
            OutputType::resolve(&connection, &selected, field).await
        });
        futures_util::future::join_all(answers).await
    }))
}
