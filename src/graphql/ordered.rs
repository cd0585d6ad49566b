//! Objects of a list resolved without a task per field.
//!
//! async-graphql resolves an object's fields concurrently in a `FuturesUnordered`: per
//! object a queue and per field a boxed future and a task, and a waker registered at every
//! poll, a tenth of a nested read's time (and lists the fields in the order they finish,
//! which `ordered-graphql` corrects afterwards). `Ordered` resolves an object's fields
//! concurrently too (every field's loads join the same batches as before), by polling them
//! in place, and lists them in the order the query selects them, as the GraphQL
//! specification asks (`CollectFields` keeps the selection's order).
//!
//! For object types only (`ObjectType`): interfaces and unions collect their fields
//! through the concrete object, which this does not do. Fields are resolved without the
//! schema's extensions' `resolve` hooks and custom directives, which orgraph has none of
//! (`graphql::build`). A connection's `nodes` and its edges' `node` are resolved this
//! way (`connection!`).
//!
//! When a query selects one response key twice, the first value selected is the one
//! others merge into (async-graphql: the first to finish).

use async_graphql::indexmap::{IndexMap, map::Entry};
use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, Name, ObjectType, OutputType, Positioned, ServerResult, Value};
use std::borrow::Cow;

/// The object `T` resolved in selection order without a task per field; the same GraphQL
/// type as `T`.
pub struct Ordered<'a, T>(pub &'a T);

impl<T: ObjectType> OutputType for Ordered<'_, T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        resolve(ctx, self.0).await
    }
}

/// The fields `ctx` selects on `root`, each resolved (all polled together, in place),
/// merged by response key in selection order; what async-graphql's `resolve_container`
/// answers, but in the selection's order. The fields are collected as `ordered-graphql`
/// collects them (async-graphql's `Fields::add_set`); a field's context does not depend
/// on the fragment it was selected in.
async fn resolve<T: ObjectType>(ctx: &ContextSelectionSet<'_>, root: &T) -> ServerResult<Value> {
    let own = root.introspection_type_name();
    // async-graphql has removed skipped selections from the document it executes.
    let walk = async_graphql::Walk { fragments: &ctx.query_env.fragments, registry: &ctx.schema_env.registry, variables: None };
    let on = async_graphql::On { concrete: &own, declared: &own };
    let mut fields = Vec::new();
    async_graphql::each_field(&ctx.item.node, on, &walk, &mut |field| fields.push(field));
    let own = &own;
    let resolved = futures_util::future::join_all(fields.into_iter().map(|field| async move {
        let ctx_field = ctx.with_field(field);
        let key = field.node.response_key().node.clone();
        if field.node.name.node == "__typename" {
            return (key, Ok(Value::String(own.to_string())));
        }
        (key, root.resolve_field(&ctx_field).await.map(Option::unwrap_or_default))
    }))
    .await;
    let mut map = IndexMap::with_capacity(resolved.len());
    for (key, result) in resolved {
        // A failed field answers `null` in its place (its error recorded).
        let value = result.unwrap_or_else(|e| {
            ctx.add_error(e);
            Value::Null
        });
        insert(&mut map, key, value);
    }
    // A failed field answers `null`, and a `null` in a non-null place makes this object
    // `null` (`ordered-graphql`'s `complete`); without errors there is none.
    Ok(async_graphql::completed(Value::Object(map), &[&ctx.item.node], on, &walk, async_graphql::has_errors(ctx)))
}

/// Adds a field's value under its response key, merging it into an earlier value of the
/// same key (async-graphql's `insert_value`).
fn insert(target: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    // One lookup (the key is hashed once): a nested read inserts every field of every object.
    let previous = match target.entry(key) {
        Entry::Vacant(slot) => {
            slot.insert(value);
            return;
        }
        Entry::Occupied(slot) => slot.into_mut(),
    };
    match (previous, value) {
        (Value::Object(into), Value::Object(from)) => merge(into, from),
        (Value::List(into), Value::List(from)) => {
            for (slot, value) in into.iter_mut().zip(from) {
                if let (Value::Object(into), Value::Object(from)) = (slot, value) {
                    merge(into, from);
                }
            }
        }
        _ => {}
    }
}

fn merge(into: &mut IndexMap<Name, Value>, from: IndexMap<Name, Value>) {
    for (key, value) in from {
        insert(into, key, value);
    }
}

/// Completes an executed operation's answer at its root: a failed root field answers
/// `null`, or `data` is `null` when that field is non-null (`ordered-graphql`'s
/// `complete`), and the root fields are put in the order `request` selects them
/// (async-graphql resolves the root itself, outside the `resolve_container` that orders
/// every other object; a mutation answers one field after another, in order, but a
/// failed one's `null` comes last). `request` is the executed one's copy (its parsed
/// document, `@skip`/`@include` still in it).
pub fn complete_root(response: &mut async_graphql::Response, request: &mut async_graphql::Request) {
    let variables = std::mem::take(&mut request.variables);
    let name = request.operation_name.clone();
    if let Ok(doc) = request.parsed_query() {
        complete_root_of(response, doc, name.as_deref(), &variables);
    }
}

/// `complete_root` for one answer of operation `name` of `doc` (a subscription's events,
/// each completed against the one document).
pub fn complete_root_of(
    response: &mut async_graphql::Response,
    doc: &async_graphql::parser::types::ExecutableDocument,
    name: Option<&str>,
    variables: &async_graphql::Variables,
) {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    let registry = REGISTRY.get_or_init(|| {
        let mut registry = Registry::default();
        <super::Query as OutputType>::create_type_info(&mut registry);
        <super::Mutation as OutputType>::create_type_info(&mut registry);
        <super::Subscription as async_graphql::SubscriptionType>::create_type_info(&mut registry);
        registry
    });
    let op = match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return,
        },
        (DocumentOperations::Multiple(ops), None) => match ops.values().next() {
            Some(op) if ops.len() == 1 => op,
            _ => return,
        },
    };
    let root = match op.node.ty {
        OperationType::Query => <super::Query as OutputType>::type_name(),
        OperationType::Mutation => <super::Mutation as OutputType>::type_name(),
        OperationType::Subscription => <super::Subscription as async_graphql::SubscriptionType>::type_name(),
    };
    let on = async_graphql::On { concrete: &root, declared: &root };
    let walk = async_graphql::Walk { fragments: &doc.fragments, registry, variables: Some(variables) };
    let sets = [&op.node.selection_set.node];
    let data = std::mem::take(&mut response.data);
    let data = async_graphql::completed(data, &sets, on, &walk, !response.errors.is_empty());
    // In selection order, also the `null` of a failed root field (added last).
    response.data = async_graphql::in_selection_order(data, &sets, on, &walk);
}
