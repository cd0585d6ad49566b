//! Bounds on what async-graphql's validation pairs up, checked before it runs. Validation
//! is synchronous on a runtime worker, and some of its rules compare every variable use
//! with every definition of its operation (`VariablesInAllowedPosition`, once per
//! operation over every fragment it spreads) and every argument of a field with every
//! argument of the same-named field beside it (`OverlappingFieldsCanBeMerged`): a 246 KB
//! document of 12,000 definitions and 30,000 uses held a worker for 3.4 s (release build),
//! two `__typename`s with 12,000 arguments each for a quarter of a second, while costing
//! nothing by depth, aliases, selections or cost. With these bounds that work stays within
//! a few million steps whatever the text; the schema's widest field takes 6 arguments. Validation also walks every fragment definition, used or not, each
//! through the fragments it spreads (recursively; 4,000 unused fragments each spreading
//! one of 12,000 fields held a worker for 4.7 s): a fragment no operation uses is refused
//! (GraphQL's "fragments must be used", which async-graphql checks only after that walk),
//! and a document holds at most `MAX_FRAGMENTS`. A variable's value is copied at each
//! use by validation, so uses are few.

use crate::error::AppError;
use async_graphql::Positioned;
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql_value::Value;

/// Operations in one document (one of them runs).
pub const MAX_OPERATIONS: usize = 100;
/// Variable definitions, over all operations of a document (GraphiQL sends them all).
pub const MAX_VARIABLES: usize = 256;
/// Uses of variables in argument values, over the whole document (each fragment once).
pub const MAX_VARIABLE_USES: usize = 512;
/// Fragment definitions in one document.
pub const MAX_FRAGMENTS: usize = 256;
/// Arguments of one field or directive.
pub const MAX_ARGUMENTS: usize = 32;
/// Directives in one place (a field, a fragment, a spread, an operation), as async-graphql
/// is told for fields.
use crate::graphql::MAX_DIRECTIVES_PER_FIELD as MAX_DIRECTIVES;

#[derive(Default)]
struct Counts<'a> {
    uses: usize,
    /// The fragments spread by what is being walked.
    spreads: Vec<&'a str>,
}

/// Refuses a document past one of the bounds above (`GRAPHQL_VALIDATION_FAILED`, with
/// `extensions.limit` naming it). Linear in the document.
pub fn check(doc: &ExecutableDocument) -> Result<(), AppError> {
    let over = |what: &str, n: usize, limit: usize, key: &'static str| {
        (n > limit).then(|| AppError::invalid(format!("{what} {n} exceeds the limit of {limit}"), Some(key)))
    };
    let operations: Vec<_> = doc.operations.iter().map(|(_, op)| op).collect();
    if let Some(refused) = over("operations in the document", operations.len(), MAX_OPERATIONS, "operations") {
        return Err(refused);
    }
    let definitions: usize = operations.iter().map(|op| op.node.variable_definitions.len()).sum();
    if let Some(refused) = over("variable definitions", definitions, MAX_VARIABLES, "variables") {
        return Err(refused);
    }
    if let Some(refused) = over("fragment definitions", doc.fragments.len(), MAX_FRAGMENTS, "fragments") {
        return Err(refused);
    }
    let mut counts = Counts::default();
    for op in &operations {
        for definition in &op.node.variable_definitions {
            directives(&definition.node.directives, &mut counts)?;
        }
        directives(&op.node.directives, &mut counts)?;
        selections(&op.node.selection_set, &mut counts)?;
    }
    let mut used: foldhash::HashSet<&str> = foldhash::HashSet::default();
    let mut spread_by: foldhash::HashMap<&str, Vec<&str>> = foldhash::HashMap::default();
    let mut to_visit = std::mem::take(&mut counts.spreads);
    for (name, fragment) in &doc.fragments {
        directives(&fragment.node.directives, &mut counts)?;
        selections(&fragment.node.selection_set, &mut counts)?;
        spread_by.insert(name.as_str(), std::mem::take(&mut counts.spreads));
    }
    if let Some(refused) = over("variable uses", counts.uses, MAX_VARIABLE_USES, "variables") {
        return Err(refused);
    }
    while let Some(name) = to_visit.pop() {
        if used.insert(name) {
            to_visit.extend(spread_by.get(name).into_iter().flatten());
        }
    }
    match doc.fragments.keys().find(|name| !used.contains(name.as_str())) {
        Some(unused) => Err(AppError::invalid(format!("fragment \"{unused}\" is never used"), None)),
        None => Ok(()),
    }
}

fn selections<'a>(set: &'a Positioned<SelectionSet>, counts: &mut Counts<'a>) -> Result<(), AppError> {
    for item in &set.node.items {
        match &item.node {
            Selection::Field(field) => {
                arguments(field.node.arguments.iter().map(|(_, v)| v), field.node.arguments.len(), counts)?;
                directives(&field.node.directives, counts)?;
                selections(&field.node.selection_set, counts)?;
            }
            Selection::FragmentSpread(spread) => {
                counts.spreads.push(spread.node.fragment_name.node.as_str());
                directives(&spread.node.directives, counts)?;
            }
            Selection::InlineFragment(inline) => {
                directives(&inline.node.directives, counts)?;
                selections(&inline.node.selection_set, counts)?;
            }
        }
    }
    Ok(())
}

fn directives(list: &[Positioned<Directive>], counts: &mut Counts<'_>) -> Result<(), AppError> {
    if list.len() > MAX_DIRECTIVES {
        let message = format!("{} directives in one place exceed the limit of {MAX_DIRECTIVES}", list.len());
        return Err(AppError::invalid(message, Some("directives")));
    }
    for directive in list {
        arguments(directive.node.arguments.iter().map(|(_, v)| v), directive.node.arguments.len(), counts)?;
    }
    Ok(())
}

fn arguments<'a>(values: impl Iterator<Item = &'a Positioned<Value>>, n: usize, counts: &mut Counts<'_>) -> Result<(), AppError> {
    if n > MAX_ARGUMENTS {
        let message = format!("{n} arguments of one field or directive exceed the limit of {MAX_ARGUMENTS}");
        return Err(AppError::invalid(message, Some("arguments")));
    }
    for value in values {
        uses(&value.node, counts);
    }
    Ok(())
}

/// Counts the variables a value uses (its nesting is bounded by the byte scan).
fn uses(value: &Value, counts: &mut Counts<'_>) {
    match value {
        Value::Variable(_) => counts.uses += 1,
        Value::List(items) => items.iter().for_each(|v| uses(v, counts)),
        Value::Object(fields) => fields.values().for_each(|v| uses(v, counts)),
        _ => {}
    }
}
