//! Bounds on what async-graphql's validation pairs up, checked before it runs. Validation
//! is synchronous on a runtime worker, and some of its rules compare every variable use
//! with every definition of its operation (`VariablesInAllowedPosition`, once per
//! operation over every fragment it spreads) and every argument of a field with every
//! argument of the same-named field beside it (`OverlappingFieldsCanBeMerged`): a 246 KB
//! document of 12,000 definitions and 30,000 uses held a worker for 3.4 s (release build),
//! two `__typename`s with 12,000 arguments each for a quarter of a second, while costing
//! nothing by depth, aliases, selections or cost. With these bounds that work stays
//! within a few hundred thousand comparisons whatever the text; the schema's widest field
//! takes 6 arguments.

use crate::error::AppError;
use async_graphql::Positioned;
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql_value::Value;

/// Operations in one document (one of them runs).
pub const MAX_OPERATIONS: usize = 100;
/// Variable definitions, over all operations of a document.
pub const MAX_VARIABLES: usize = 100;
/// Uses of variables in argument values, over the whole document (each fragment once).
pub const MAX_VARIABLE_USES: usize = 1_000;
/// Arguments of one field or directive.
pub const MAX_ARGUMENTS: usize = 32;
/// Directives in one place (a field, a fragment, a spread, an operation), as async-graphql
/// is told for fields.
use crate::graphql::MAX_DIRECTIVES_PER_FIELD as MAX_DIRECTIVES;

#[derive(Default)]
struct Counts {
    uses: usize,
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
    let mut counts = Counts::default();
    for op in &operations {
        for definition in &op.node.variable_definitions {
            directives(&definition.node.directives, &mut counts)?;
        }
        directives(&op.node.directives, &mut counts)?;
        selections(&op.node.selection_set, &mut counts)?;
    }
    for fragment in doc.fragments.values() {
        directives(&fragment.node.directives, &mut counts)?;
        selections(&fragment.node.selection_set, &mut counts)?;
    }
    match over("variable uses", counts.uses, MAX_VARIABLE_USES, "variables") {
        Some(refused) => Err(refused),
        None => Ok(()),
    }
}

fn selections(set: &Positioned<SelectionSet>, counts: &mut Counts) -> Result<(), AppError> {
    for item in &set.node.items {
        match &item.node {
            Selection::Field(field) => {
                arguments(field.node.arguments.iter().map(|(_, v)| v), field.node.arguments.len(), counts)?;
                directives(&field.node.directives, counts)?;
                selections(&field.node.selection_set, counts)?;
            }
            Selection::FragmentSpread(spread) => directives(&spread.node.directives, counts)?,
            Selection::InlineFragment(inline) => {
                directives(&inline.node.directives, counts)?;
                selections(&inline.node.selection_set, counts)?;
            }
        }
    }
    Ok(())
}

fn directives(list: &[Positioned<Directive>], counts: &mut Counts) -> Result<(), AppError> {
    if list.len() > MAX_DIRECTIVES {
        let message = format!("{} directives in one place exceed the limit of {MAX_DIRECTIVES}", list.len());
        return Err(AppError::invalid(message, Some("directives")));
    }
    for directive in list {
        arguments(directive.node.arguments.iter().map(|(_, v)| v), directive.node.arguments.len(), counts)?;
    }
    Ok(())
}

fn arguments<'a>(values: impl Iterator<Item = &'a Positioned<Value>>, n: usize, counts: &mut Counts) -> Result<(), AppError> {
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
fn uses(value: &Value, counts: &mut Counts) {
    match value {
        Value::Variable(_) => counts.uses += 1,
        Value::List(items) => items.iter().for_each(|v| uses(v, counts)),
        Value::Object(fields) => fields.values().for_each(|v| uses(v, counts)),
        _ => {}
    }
}
