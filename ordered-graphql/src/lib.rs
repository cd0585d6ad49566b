//! async-graphql 7.2.1, its objects' fields answered in the order the query selects them.
//!
//! async-graphql resolves an object's fields concurrently and lists them in the order they
//! finish (`resolve_container`, a `FuturesUnordered`): a field that waits for a batch
//! comes after the fields selected behind it, and two runs of one query can answer their
//! objects' keys in different orders. The GraphQL specification asks for the order of
//! `CollectFields` (upstream issue async-graphql#612, open).
//!
//! This crate is async-graphql, re-exported whole, with `resolver_utils::resolve_container`
//! replaced by one that runs async-graphql's and then puts the fields in selection order.
//! orgraph depends on it under the name `async-graphql` (its `Cargo.toml`), so the code
//! async-graphql's derive macros generate (`::async_graphql::resolver_utils::
//! resolve_container(ctx, self)` in every object, interface and union) calls the
//! replacement: every object type, present and future, without an attribute on each.
//! The query root is resolved inside async-graphql itself; `in_selection_order` puts its
//! fields in order after execution (orgraph's `graphql::ordered::root_in_selection_order`).
//! Mutation roots resolve their fields one after another, already in order. A key
//! selected twice is merged as async-graphql merges it, then takes its first selection's
//! place.

pub use async_graphql::*;

use async_graphql::parser::types::{FragmentDefinition, Selection, SelectionSet};
use std::collections::HashMap;

/// What a schema's registry says an object type implements (`Registry::implements`).
pub type Implements = HashMap<String, indexmap::IndexSet<String>>;

/// async-graphql's `resolver_utils`, `resolve_container` answering in selection order.
pub mod resolver_utils {
    pub use async_graphql::resolver_utils::*;

    use async_graphql::{ContextSelectionSet, ServerResult, Value};

    /// Resolves `root`'s selected fields as async-graphql does (concurrently), answered
    /// in the order the query selects them.
    pub async fn resolve_container<'a, T: ContainerType + ?Sized>(
        ctx: &ContextSelectionSet<'a>,
        root: &'a T,
    ) -> ServerResult<Value> {
        let value = async_graphql::resolver_utils::resolve_container(ctx, root).await?;
        let on = super::On { concrete: &root.introspection_type_name(), declared: &T::type_name() };
        Ok(super::in_selection_order(value, &ctx.item.node, on, &ctx.query_env.fragments, &ctx.schema_env.registry.implements))
    }
}

/// The type an object's selection set is collected for: the object's own type (an
/// interface or union answers with its concrete object's) and the type its field
/// declares.
#[derive(Clone, Copy)]
pub struct On<'a> {
    pub concrete: &'a str,
    pub declared: &'a str,
}

/// `value`'s keys in the order `set` selects them for an object of type `on` (fragments
/// that apply to it expanded in place, a key selected twice at its first place); an
/// object already in that order (most are) is returned as it is, without allocating.
pub fn in_selection_order(
    value: Value,
    set: &SelectionSet,
    on: On<'_>,
    fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
    implements: &Implements,
) -> Value {
    let Value::Object(mut map) = value else { return value };
    if map.len() < 2 {
        return Value::Object(map);
    }
    // Keys before `next` came in order; a key found before it was selected twice.
    let (mut next, mut in_order) = (0, true);
    each_key(set, on, fragments, implements, &mut |key| match map.get_index_of(key) {
        Some(i) if i == next => next += 1,
        Some(i) if i > next => in_order = false,
        _ => {}
    });
    if in_order {
        return Value::Object(map);
    }
    let mut ordered = indexmap::IndexMap::with_capacity(map.len());
    each_key(set, on, fragments, implements, &mut |key| {
        if let Some((key, value)) = map.swap_remove_entry(key) {
            ordered.insert(key, value);
        }
    });
    // Nothing should be left; whatever is stays in the answer.
    ordered.extend(map);
    Value::Object(ordered)
}

/// Calls `f` with the response key of every field `set` selects on `on`, in order
/// (async-graphql's `Fields::add_set`: a fragment applies when it names the object's
/// type, an interface it implements, or the type the field declares).
fn each_key<'a>(
    set: &'a SelectionSet,
    on: On<'_>,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    implements: &Implements,
    f: &mut impl FnMut(&'a Name),
) {
    for selection in &set.items {
        let (condition, inner) = match &selection.node {
            Selection::Field(field) => {
                f(&field.node.response_key().node);
                continue;
            }
            Selection::FragmentSpread(spread) => match fragments.get(&spread.node.fragment_name.node) {
                Some(fragment) => (Some(&fragment.node.type_condition), &fragment.node.selection_set),
                None => continue,
            },
            Selection::InlineFragment(fragment) => (fragment.node.type_condition.as_ref(), &fragment.node.selection_set),
        };
        let applies = condition.map(|c| c.node.on.node.as_str()).is_none_or(|c| {
            c == on.concrete || c == on.declared || implements.get(on.concrete).is_some_and(|interfaces| interfaces.contains(c))
        });
        if applies {
            each_key(&inner.node, on, fragments, implements, f);
        }
    }
}
