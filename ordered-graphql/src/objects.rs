//! Objects resolved with their fields polled together in place, in selection order.
//!
//! async-graphql resolves an object's fields in a `FuturesUnordered` (per object a queue,
//! per field a boxed future and a task, a waker registered at every poll; a tenth of a
//! nested read's time) and lists them in the order they finish. Here an object's fields
//! are polled together in one join (every field's loads join the same batches as
//! before), collected as `Fields::add_set` collects them (a field's context does not
//! depend on the fragment it was selected in), and answered in selection order. A
//! failed field answers `null` in its place (its error recorded), and `completed` makes
//! the object `null` when that field may not be. A key selected twice: the first value
//! selected is the one the others merge into (async-graphql: the first to finish).
//! Fields are resolved without extensions' `resolve` hooks and custom directives, which
//! orgraph's schema has none of (`graphql::build`; an unknown directive fails validation).

use crate::json::{JsonAnswers, Shared, copied_size, joined, write_json, write_shared};
use crate::resolver_utils::ContainerType;
use crate::{On, Walk, completed, each_field, has_errors};
use async_graphql::indexmap;
use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};
use futures_util::future::BoxFuture;

/// A field answered for every item of a list at once (`Immediate::gather`): the answers in
/// the items' order, each with its error path when it failed.
pub type Gathered<'b> = BoxFuture<'b, Vec<ServerResult<Value>>>;

/// Fields an object answers without running its resolver: plain data of the object (its
/// id, its name), exactly what the field's resolver answers; `None`: run the resolver.
/// Only for fields without arguments whose answer depends on nothing but the object.
pub trait Immediate {
    fn immediate(&self, field: &str) -> Option<Value> {
        let _ = field;
        None
    }

    /// Writes what `immediate` answers for `field` into `out`, as JSON; false (nothing
    /// written) when it answers none.
    fn write_immediate(&self, field: &str, out: &mut Vec<u8>) -> bool {
        self.immediate(field).map(|value| write_json(out, &value)).is_some()
    }

    /// The answers of `field` for all `items` of a list (`ctx`: the list's), in their
    /// order, resolved together: what every item's resolver would answer, with each error
    /// at that item's path. `None`: the field is resolved item by item. A connection field
    /// asks all its pages in one join and answers each as JSON text where it can
    /// (`write_object_now`), sparing every item its resolver, its arguments read again and
    /// its connection's object resolved.
    fn gather<'b>(items: &[&'b Self], ctx: &'b ContextSelectionSet<'b>, field: &'b Positioned<Field>) -> Option<Gathered<'b>>
    where
        Self: Sized,
    {
        let _ = (items, ctx, field);
        None
    }
}

/// The answer of the object `root` of type `own` for the fields `ctx` selects.
pub async fn resolve_object<'a, T: ContainerType + ?Sized>(ctx: &ContextSelectionSet<'a>, root: &'a T, own: &str) -> Value {
    let gather: Option<Gather<T>> = None;
    resolve_each(ctx, &[root], own, |_, _| None, |_, _, _| false, gather, false).await
}

type Gather<T> = for<'b> fn(&[&'b T], &'b ContextSelectionSet<'b>, &'b Positioned<Field>) -> Option<Gathered<'b>>;

/// A list of objects (`[T!]!`, as `&[T]`) resolved together: the fields are collected
/// once for all of them (every item is a `T`, all selected by one selection set), the
/// fields `T` answers at once (`Immediate`) are put in place, and only the others are
/// resolved, all items' in one join. A nested read's lists hold most of its objects:
/// this spares each object a boxed future, a join and a list of its fields, and each
/// plain field its resolver's future (as large as the object's largest field's).
pub struct Objects<'a, T>(pub &'a [T]);

impl<'a, T: ContainerType + Immediate + 'a> OutputType for Objects<'a, T> {
    fn type_name() -> std::borrow::Cow<'static, str> {
        <&[T] as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <&[T] as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <&[T] as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        let items: Vec<&T> = self.0.iter().collect();
        let gather: Option<Gather<T>> = Some(T::gather);
        Ok(resolve_each(ctx, &items, &T::type_name(), T::immediate, T::write_immediate, gather, true).await)
    }
}

/// The answer of `items`, objects of type `own` each, for the fields `ctx` selects: the
/// list of them when `indexed` (an error's path names the item's index), else the one
/// item's. As JSON text (`Value::Binary`) when the request is marked `JsonAnswers` and
/// has no error so far (no answer needs to be completed: a `null` comes only from one),
/// and a list whose every field is answered at once (`write_now`) whatever the errors
/// (none of its fields can fail), written as it is read. A list's fields that `gather`
/// answers for all items are not resolved item by item.
async fn resolve_each<'a, T: ContainerType + ?Sized>(
    ctx: &ContextSelectionSet<'a>,
    items: &[&'a T],
    own: &str,
    immediate: impl Fn(&T, &str) -> Option<Value>,
    write_now: impl Fn(&T, &str, &mut Vec<u8>) -> bool,
    gather: Option<Gather<T>>,
    indexed: bool,
) -> Value {
    // async-graphql has removed skipped selections from the document it executes.
    let walk = Walk { fragments: &ctx.query_env.fragments, registry: &ctx.schema_env.registry, variables: None };
    let on = On { concrete: own, declared: own };
    let fields = selected(ctx, own);
    let json = ctx.data_opt::<JsonAnswers>().is_some();
    if indexed && json {
        let mut out = Vec::with_capacity(items.len() * fields.len() * 56 + 2);
        if written_now(&mut out, items, &fields, own, write_now) {
            return Value::Binary(out.into());
        }
    }
    // Item by item, field by field: the answer, or none yet (its resolver's, below).
    let mut answers: Vec<Option<Value>> = Vec::with_capacity(items.len() * fields.len());
    let mut pending = Vec::new();
    for (index, item) in items.iter().enumerate() {
        for field in &fields {
            let name = field.node.name.node.as_str();
            let now = if name == "__typename" { Some(Value::String(own.to_string())) } else { immediate(item, name) };
            if now.is_none() {
                pending.push((answers.len(), index, *item, *field));
            }
            answers.push(now);
        }
    }
    // Fields answered for all items together: not resolved item by item.
    let mut gathered = Vec::new();
    if let Some(gather) = gather.filter(|_| !items.is_empty()) {
        // The first item's answer stands for all: a field is answered at once for all
        // items or for none (`Immediate`).
        for (at, field) in fields.iter().enumerate() {
            if answers[at].is_none()
                && let Some(answers) = gather(items, ctx, field)
            {
                gathered.push((at, answers));
            }
        }
        pending.retain(|(slot, ..)| !gathered.iter().any(|(at, _)| slot % fields.len() == *at));
    }
    let gathered = futures_util::future::join_all(gathered.into_iter().map(|(at, answers)| async move { (at, answers.await) }));
    let resolved = futures_util::future::join_all(pending.into_iter().map(|(slot, index, item, field)| async move {
        let ctx_item = if indexed { ctx.with_index(index) } else { ctx.clone() };
        let ctx_field = ctx_item.with_field(field);
        // A failed field answers `null` in its place, its error recorded as it fails (as
        // async-graphql records them: an object's own errors before its slower fields').
        let answer = item.resolve_field(&ctx_field).await.map(Option::unwrap_or_default).unwrap_or_else(|e| {
            ctx.add_error(e);
            Value::Null
        });
        (slot, answer)
    }));
    let (resolved, gathered) = futures_util::future::join(resolved, gathered).await;
    for (slot, answer) in resolved {
        answers[slot] = Some(answer);
    }
    for (at, each) in gathered {
        for (index, answer) in each.into_iter().enumerate() {
            answers[index * fields.len() + at] = Some(answer.unwrap_or_else(|e| {
                ctx.add_error(e);
                Value::Null
            }));
        }
    }
    // Asked once (a lock): no error is recorded from here on.
    let errors = has_errors(ctx);
    if !errors && json {
        return written(&fields, items.len(), answers, indexed);
    }
    let mut answers = answers.into_iter();
    let mut objects = Vec::with_capacity(items.len());
    for _ in items {
        let mut map = indexmap::IndexMap::with_capacity(fields.len());
        for (field, answer) in fields.iter().zip(answers.by_ref()) {
            insert(&mut map, field.node.response_key().node.clone(), answer.unwrap_or_default());
        }
        objects.push(completed(Value::Object(map), &[&ctx.item.node], on, &walk, errors));
    }
    if indexed { Value::List(objects) } else { objects.pop().unwrap_or_default() }
}

/// Writes the object of type `own` that `ctx` selects as JSON text into `out` when `value`
/// writes each of its fields but `__typename` (given its name and the context of its
/// selections): false, the text left unfinished, at the first it does not. Only for
/// requests marked `JsonAnswers`, and fields that cannot fail.
pub fn write_object_now(
    ctx: &ContextSelectionSet<'_>,
    own: &str,
    out: &mut Vec<u8>,
    mut value: impl FnMut(&str, &ContextSelectionSet<'_>, &mut Vec<u8>) -> bool,
) -> bool {
    let fields = selected(ctx, own);
    write_objects(out, 1, &fields, false, |out, _, at| match fields[at].node.name.node.as_str() {
        "__typename" => {
            write_name(out, own);
            true
        }
        name => value(name, &ctx.with_field(fields[at]).with_selection_set(&fields[at].node.selection_set), out),
    })
}

/// Writes `items` as the list `ctx` selects on them into `out` when each of their selected
/// fields is answered at once (`Immediate::write_immediate`); false else.
pub fn write_list_now<T: Immediate + OutputType>(ctx: &ContextSelectionSet<'_>, items: &[T], out: &mut Vec<u8>) -> bool {
    let own = T::type_name();
    let items: Vec<&T> = items.iter().collect();
    written_now(out, &items, &selected(ctx, &own), &own, T::write_immediate)
}

/// The fields `ctx` selects on an object of type `own`, in selection order, the fields of
/// the fragments that apply to it in their place.
fn selected<'b>(ctx: &'b ContextSelectionSet<'_>, own: &str) -> Vec<&'b Positioned<Field>> {
    // async-graphql has removed skipped selections from the document it executes.
    let walk = Walk { fragments: &ctx.query_env.fragments, registry: &ctx.schema_env.registry, variables: None };
    let mut fields = Vec::new();
    each_field(&ctx.item.node, On { concrete: own, declared: own }, &walk, &mut |field| fields.push(field));
    fields
}

/// Writes the list of `items` (of type `own`) answering `fields` into `out` when `write_now`
/// answers each of their fields but `__typename`; false at the first it does not.
fn written_now<T: ?Sized>(
    out: &mut Vec<u8>,
    items: &[&T],
    fields: &[&Positioned<Field>],
    own: &str,
    write_now: impl Fn(&T, &str, &mut Vec<u8>) -> bool,
) -> bool {
    write_objects(out, items.len(), fields, true, |out, item, field| match fields[field].node.name.node.as_str() {
        "__typename" => {
            write_name(out, own);
            true
        }
        name => write_now(items[item], name, out),
    })
}

/// The JSON text of `count` objects answering `fields` (`answers`: item by item, field by
/// field; every key once, `keys_selected_once`), a list of them when `list`. Long texts and
/// ropes among the answers are kept, not copied (`write_shared`).
fn written(fields: &[&Positioned<Field>], count: usize, mut answers: Vec<Option<Value>>, list: bool) -> Value {
    let keys: usize = fields.iter().map(|f| f.node.response_key().node.len() + 4).sum();
    let values: usize = answers.iter().flatten().map(copied_size).sum();
    let (mut out, mut shared) = (Vec::with_capacity(values + count * (keys + 3) + 2), Shared::new());
    write_objects(&mut out, count, fields, list, |out, item, field| {
        write_shared(out, &mut shared, answers[item * fields.len() + field].take().unwrap_or_default());
        true
    });
    joined(out, shared)
}

/// Writes `count` objects answering `fields` into `out` (a list of them when `list`): each
/// field's key, then its value as `value(out, item, field)` writes it (by index); false,
/// the text left unfinished, at the first value it does not write.
fn write_objects(
    out: &mut Vec<u8>,
    count: usize,
    fields: &[&Positioned<Field>],
    list: bool,
    mut value: impl FnMut(&mut Vec<u8>, usize, usize) -> bool,
) -> bool {
    // Several objects: their `"key":` texts escaped once for all of them.
    let (mut keys, mut ends) = (Vec::new(), Vec::new());
    if count > 1 {
        keys.reserve(fields.iter().map(|f| f.node.response_key().node.len() + 3).sum());
        ends.reserve(fields.len());
        for field in fields {
            write_name(&mut keys, field.node.response_key().node.as_str());
            keys.push(b':');
            ends.push(keys.len());
        }
    }
    if list {
        out.push(b'[');
    }
    for item in 0..count {
        if item > 0 {
            out.push(b',');
        }
        out.push(b'{');
        let mut from = 0;
        for (index, field) in fields.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            match ends.get(index) {
                Some(&end) => {
                    out.extend_from_slice(&keys[from..end]);
                    from = end;
                }
                None => {
                    write_name(out, field.node.response_key().node.as_str());
                    out.push(b':');
                }
            }
            if !value(out, item, index) {
                return false;
            }
        }
        out.push(b'}');
    }
    if list {
        out.push(b']');
    }
    true
}

/// A response key or a type name as a JSON string: a GraphQL name
/// (`[_A-Za-z][_0-9A-Za-z]*`, as the parser reads it) has nothing to escape.
fn write_name(out: &mut Vec<u8>, name: &str) {
    out.reserve(name.len() + 2);
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// Adds a field's value under its response key, merging it into an earlier value of the
/// same key (async-graphql's `insert_value`).
fn insert(target: &mut indexmap::IndexMap<Name, Value>, key: Name, value: Value) {
    // One lookup (the key is hashed once): a nested read inserts every field of every object.
    let previous = match target.entry(key) {
        indexmap::map::Entry::Vacant(slot) => {
            slot.insert(value);
            return;
        }
        indexmap::map::Entry::Occupied(slot) => slot.into_mut(),
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

fn merge(into: &mut indexmap::IndexMap<Name, Value>, from: indexmap::IndexMap<Name, Value>) {
    for (key, value) in from {
        insert(into, key, value);
    }
}
