//! The root of an executed operation's answer, completed and in selection order.
//!
//! Every object below the root answers its fields in the order the query selects them
//! (`ordered-graphql`'s `resolve_container`); async-graphql resolves the root itself.

use async_graphql::OutputType;
use async_graphql::registry::Registry;

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
