//! async-graphql 7.2.1, its objects' fields answered in the order the query selects them.
//!
//! async-graphql resolves an object's fields concurrently and lists them in the order they
//! finish (`resolve_container`, a `FuturesUnordered`): a field that waits for a batch
//! comes after the fields selected behind it, and two runs of one query can answer their
//! objects' keys in different orders. The GraphQL specification asks for the order of
//! `CollectFields` (upstream issue async-graphql#612, open).
//!
//! This crate is async-graphql, re-exported whole, with `resolver_utils::resolve_container`
//! replaced by one that answers in selection order: an object's fields resolved in place
//! (`objects`, which also resolves a list of objects together: `Objects`), an
//! interface's or union's by async-graphql's and then put in order.
//! orgraph depends on it under the name `async-graphql` (its `Cargo.toml`), so the code
//! async-graphql's derive macros generate (`::async_graphql::resolver_utils::
//! resolve_container(ctx, self)` in every object, interface and union) calls the
//! replacement: every object type, present and future, without an attribute on each.
//! The query root is resolved inside async-graphql itself; `in_selection_order` puts its
//! fields in order after execution (orgraph's `graphql::ordered::complete_root`).
//! Mutation roots resolve their fields one after another, already in order. A key
//! selected twice takes its first selection's place, and its value, which async-graphql
//! merged in the order the two finished, is put in the order of both selections (the
//! field's object type from the schema; for an interface or union the object's
//! `__typename` when selected, else the one possible type whose selections are exactly
//! its keys, else it stays as merged).
//!
//! The macros find this crate by name: `proc-macro-crate` does not find a package named
//! `async-graphql` among orgraph's dependencies and falls back to `::async_graphql`, this
//! crate. orgraph must not depend on upstream async-graphql under any other name (the
//! macros would find that one); `tests/api/field_order.rs` fails if they do.

pub use async_graphql::*;

mod json;
mod objects;
pub use json::{JsonAnswers, json_size, keys_selected_once, write_json, write_json_str};
pub use objects::{Gathered, Immediate, Objects, resolve_object, write_list_now, write_object_now};

use async_graphql::parser::types::{Field, FragmentDefinition, Selection, SelectionSet};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use std::collections::HashMap;

/// async-graphql's `resolver_utils`, `resolve_container` answering in selection order.
pub mod resolver_utils {
    pub use async_graphql::resolver_utils::*;

    use async_graphql::{ContextSelectionSet, ServerResult, Value};

    /// Resolves `root`'s selected fields concurrently, answered in the order the query
    /// selects them. An object type's fields are polled in place (`resolve_object`); an
    /// interface's or union's (whose fields are collected through the concrete object)
    /// are resolved by async-graphql and put in order afterwards.
    pub async fn resolve_container<'a, T: ContainerType + ?Sized>(
        ctx: &ContextSelectionSet<'a>,
        root: &'a T,
    ) -> ServerResult<Value> {
        let (concrete, declared) = (root.introspection_type_name(), T::type_name());
        if concrete == declared {
            // Boxed (one allocation per object): an object's answer may hold objects of
            // its own type, whose futures would otherwise contain themselves.
            let object: futures_util::future::BoxFuture<'_, Value> = Box::pin(super::resolve_object(ctx, root, &concrete));
            return Ok(object.await);
        }
        let value = async_graphql::resolver_utils::resolve_container(ctx, root).await?;
        let on = super::On { concrete: &concrete, declared: &declared };
        // async-graphql has removed skipped selections from the document it executes.
        let walk = super::Walk { fragments: &ctx.query_env.fragments, registry: &ctx.schema_env.registry, variables: None };
        let value = super::completed(value, &[&ctx.item.node], on, &walk, super::has_errors(ctx));
        Ok(super::in_selection_order(value, &[&ctx.item.node], on, &walk))
    }
}

/// An object's answer for `sets`, completed (`complete`) when the request has `errors`:
/// `null` when a non-null field of it is. async-graphql answers `null` for an object none
/// of whose fields answered (all failed, or all were skipped): that is `{}` first.
pub fn completed(mut value: Value, sets: &[&SelectionSet], on: On<'_>, walk: &Walk<'_>, errors: bool) -> Value {
    if value == Value::Null {
        value = Value::Object(Default::default());
    }
    if errors && !complete(&mut value, sets, on, walk) {
        return Value::Null;
    }
    value
}

/// Whether a field of the request has failed so far (its error recorded).
pub fn has_errors(ctx: &ContextSelectionSet<'_>) -> bool {
    ctx.query_env.errors.lock().map_or(true, |errors| !errors.is_empty())
}

/// GraphQL's handling of field errors (specification, "Handling Execution Errors"), which
/// async-graphql 7 does not do: it records a failed field's error and leaves its key out
/// of the answer, where the field must answer `null`, and a `null` in a non-null place
/// (`T!`, or an item of `[T!]`) must make its parent `null` in turn, up to the nearest
/// nullable place. A typed client (generated from the schema) met a missing key, or a
/// `null` where the schema promised none.
///
/// `value` (an object answered for `sets` on `on`) gets `null` for every selected key
/// left out; a list of a field's answer holding a `null` where its items may not be
/// becomes `null` itself. Answers false when a non-null field is `null`: the object must
/// be `null` (its parent completes that in turn).
pub fn complete(value: &mut Value, sets: &[&SelectionSet], on: On<'_>, walk: &Walk<'_>) -> bool {
    let Value::Object(map) = value else { return true };
    let fields = walk.registry.types.get(on.concrete);
    // Each key's field and every selection of it: a key selected twice was merged from
    // both answers, where a copy made null lost its keys in the merge.
    let mut keys: indexmap::IndexMap<&Name, (&Field, Vec<&SelectionSet>)> = indexmap::IndexMap::new();
    for set in sets {
        each_field(set, on, walk, &mut |field| {
            if field.node.name.node != "__typename" {
                let entry = keys.entry(&field.node.response_key().node).or_insert_with(|| (&field.node, Vec::new()));
                entry.1.push(&field.node.selection_set.node);
            }
        });
    }
    for (key, (field, selections)) in keys {
        let answer = map.entry(key.clone()).or_insert(Value::Null);
        let Some(ty) = fields.and_then(|t| t.field_by_name(&field.name.node)).map(|f| f.ty.as_str()) else { continue };
        if selections.len() > 1 {
            complete_merged(answer, &selections, MetaTypeName::concrete_typename(ty), walk);
        }
        if !settle(answer, ty) {
            return false;
        }
    }
    true
}

/// `complete` for the value of a key selected more than once, against all its selections
/// (an object, or a list of them at any depth, of type `returns`; its concrete type found
/// as `merged_in_order` finds it): `null` where a non-null field of the merge is missing.
fn complete_merged(value: &mut Value, sets: &[&SelectionSet], returns: &str, walk: &Walk<'_>) {
    match value {
        Value::List(items) => items.iter_mut().for_each(|v| complete_merged(v, sets, returns, walk)),
        Value::Object(map) => {
            let Some(concrete) = concrete_of(map, sets, returns, walk) else { return };
            if !complete(value, sets, On { concrete: &concrete, declared: returns }, walk) {
                *value = Value::Null;
            }
        }
        _ => {}
    }
}

/// Puts `null` where an item of a list of type `ty` is `null` but may not be; false when
/// `value` is `null` and `ty` non-null.
fn settle(value: &mut Value, ty: &str) -> bool {
    if let Some(nullable) = ty.strip_suffix('!') {
        settle(value, nullable);
        return *value != Value::Null;
    }
    if let (Some(item), Value::List(items)) = (ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')), &mut *value)
        && !items.iter_mut().all(|i| settle(i, item))
    {
        *value = Value::Null;
    }
    true
}

/// The type an object's fields are collected for: the object's own type (an interface or
/// union answers with its concrete object's) and the type its field declares, while the
/// walk has not gone through a fragment on the concrete type.
#[derive(Clone, Copy)]
pub struct On<'a> {
    pub concrete: &'a str,
    pub declared: &'a str,
}

/// What a walk of an operation's selections reads besides them.
pub struct Walk<'a> {
    pub fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// The schema's types: what a field returns, what an object implements.
    pub registry: &'a Registry,
    /// For a document whose `@skip`/`@include` are still in it (`None`: already removed).
    pub variables: Option<&'a Variables>,
}

/// `value`'s keys in the order `sets` (the selections of one field, each time the query
/// selects it) select them for an object of type `on`: fragments that apply expanded in
/// place, a key selected twice at its first place, its value (merged from both, in the
/// order they finished) put in order too. An object already in order (most are) is
/// returned as it is, not copied.
pub fn in_selection_order(value: Value, sets: &[&SelectionSet], on: On<'_>, walk: &Walk<'_>) -> Value {
    let Value::Object(mut map) = value else { return value };
    // Keys before `next` came in order (a key found before it was selected twice); more
    // fields found than keys: a key was selected twice, its value merged.
    let (mut next, mut in_order, mut found) = (0, true, 0);
    for set in sets {
        each_field(set, on, walk, &mut |field| {
            if let Some(i) = map.get_index_of(&field.node.response_key().node) {
                found += 1;
                if i == next {
                    next += 1;
                } else if i > next {
                    in_order = false;
                }
            }
        });
    }
    let merged = found > map.len();
    if !in_order {
        let mut ordered = indexmap::IndexMap::with_capacity(map.len());
        for set in sets {
            each_field(set, on, walk, &mut |field| {
                if let Some((key, value)) = map.shift_remove_entry(&field.node.response_key().node) {
                    ordered.insert(key, value);
                }
            });
        }
        // Nothing should be left; whatever is stays in the answer.
        ordered.extend(map);
        map = ordered;
    }
    if merged {
        // Each selection of a key selected twice, in order, and the field it selects.
        let mut selections: HashMap<&Name, (&Field, Vec<&SelectionSet>)> = HashMap::new();
        for set in sets {
            each_field(set, on, walk, &mut |field| {
                let entry = selections.entry(&field.node.response_key().node).or_insert_with(|| (&field.node, Vec::new()));
                entry.1.push(&field.node.selection_set.node);
            });
        }
        for (key, (field, sets)) in selections.into_iter().filter(|(_, (_, sets))| sets.len() > 1) {
            let returns = walk.registry.types.get(on.concrete).and_then(|t| t.field_by_name(&field.name.node));
            let Some(returns) = returns.map(|f| MetaTypeName::concrete_typename(&f.ty)) else { continue };
            if let Some(value) = map.get_mut(key) {
                *value = merged_in_order(std::mem::take(value), &sets, returns, walk);
            }
        }
    }
    Value::Object(map)
}

/// A value merged from several selections of one key (an object, or a list of them at any
/// depth), whose field returns `returns`, put in order. An object of an interface or
/// union is taken for its `__typename` when selected, else for the one possible type
/// whose selected keys are exactly its keys; an object of no certain type stays as it is.
fn merged_in_order(value: Value, sets: &[&SelectionSet], returns: &str, walk: &Walk<'_>) -> Value {
    let map = match value {
        Value::List(items) => return Value::List(items.into_iter().map(|v| merged_in_order(v, sets, returns, walk)).collect()),
        Value::Object(map) => map,
        other => return other,
    };
    match concrete_of(&map, sets, returns, walk) {
        Some(t) => in_selection_order(Value::Object(map), sets, On { concrete: &t, declared: returns }, walk),
        None => Value::Object(map),
    }
}

/// The object type of `map`, an answer for a field returning `returns` selected by `sets`:
/// `returns` itself, or for an interface or union the object's `__typename` when
/// selected, else the one possible type whose selected keys are exactly its keys.
fn concrete_of(map: &indexmap::IndexMap<Name, Value>, sets: &[&SelectionSet], returns: &str, walk: &Walk<'_>) -> Option<String> {
    match walk.registry.types.get(returns) {
        Some(MetaType::Object { .. }) => Some(returns.to_string()),
        Some(MetaType::Interface { possible_types, .. } | MetaType::Union { possible_types, .. }) => {
            match map.get("__typename") {
                Some(Value::String(t)) if possible_types.contains(t) => Some(t.clone()),
                _ => {
                    let fits = |t: &&String| {
                        let (mut keys, mut all) = (std::collections::HashSet::new(), true);
                        for set in sets {
                            each_field(set, On { concrete: t, declared: returns }, walk, &mut |field| {
                                let key = &field.node.response_key().node;
                                all &= map.contains_key(key);
                                keys.insert(key);
                            });
                        }
                        all && keys.len() == map.len()
                    };
                    let mut fitting = possible_types.iter().filter(fits);
                    match (fitting.next(), fitting.next()) {
                        (Some(t), None) => Some(t.clone()),
                        _ => None,
                    }
                }
            }
        }
        _ => None,
    }
}

/// Calls `f` with every field `set` selects on `on`, in order (async-graphql's
/// `Fields::add_set`: a fragment applies when it names the object's type, an interface it
/// implements, or the type the field declares), without those `@skip`/`@include` leave out.
pub fn each_field<'a>(set: &'a SelectionSet, on: On<'_>, walk: &Walk<'a>, f: &mut impl FnMut(&'a Positioned<Field>)) {
    for selection in &set.items {
        if walk.variables.is_some_and(|v| skipped(selection.node.directives(), v)) {
            continue;
        }
        let (condition, inner) = match &selection.node {
            Selection::Field(field) => {
                f(field);
                continue;
            }
            Selection::FragmentSpread(spread) => match walk.fragments.get(&spread.node.fragment_name.node) {
                Some(fragment) => (Some(&fragment.node.type_condition), &fragment.node.selection_set),
                None => continue,
            },
            Selection::InlineFragment(fragment) => (fragment.node.type_condition.as_ref(), &fragment.node.selection_set),
        };
        let concrete = on.concrete;
        match condition.map(|c| c.node.on.node.as_str()) {
            // On the object's type (or an interface of it): the walk is on the object now.
            Some(c) if c == concrete || walk.registry.implements.get(concrete).is_some_and(|i| i.contains(c)) => {
                each_field(&inner.node, On { concrete, declared: concrete }, walk, f);
            }
            Some(c) if c != on.declared => {}
            _ => each_field(&inner.node, on, walk, f),
        }
    }
}

/// Whether `@skip`/`@include` leave a selection out (async-graphql's
/// `remove_skipped_selection`, for a document it has not stripped).
fn skipped(directives: &[Positioned<async_graphql::parser::types::Directive>], variables: &Variables) -> bool {
    directives.iter().any(|directive| {
        let include = match directive.node.name.node.as_str() {
            "skip" => false,
            "include" => true,
            _ => return false,
        };
        let condition = directive.node.get_argument("if").map(|c| {
            let value = c.node.clone().into_const_with(|name| variables.get(&name).cloned().ok_or(())).unwrap_or_default();
            <bool as InputType>::parse(Some(value)).unwrap_or_default()
        });
        condition.is_some_and(|c| c != include)
    })
}
