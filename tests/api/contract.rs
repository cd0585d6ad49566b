//! `schema.graphql` must stay a non-breaking superset of the public contract
//! (`../shared/contract/schema-contract.graphql`, vendored in `tests/contract/`): every
//! type, field, argument, enum value and input field of the contract exists with a
//! compatible type. Items of the contract that belong to the invitations issue are listed
//! in `PENDING`; the test also fails if one of them appears, so the list only shrinks.

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{BaseType, FieldDefinition, InputValueDefinition, Type, TypeKind, TypeSystemDefinition};
use std::collections::HashMap;

/// Contract items not built yet (none left).
const PENDING: &[&str] = &[];

fn contract_text() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let shared = format!("{root}/../shared/contract/schema-contract.graphql");
    std::fs::read_to_string(&shared)
        .or_else(|_| std::fs::read_to_string(format!("{root}/tests/contract/schema-contract.graphql")))
        .expect("contract SDL")
}

struct Sdl {
    types: HashMap<String, TypeKind>,
    roots: HashMap<String, String>,
}

fn load(text: &str) -> Sdl {
    let doc = parse_schema(text).expect("valid SDL");
    let mut sdl = Sdl { types: HashMap::new(), roots: HashMap::new() };
    for def in doc.definitions {
        match def {
            TypeSystemDefinition::Type(t) => {
                sdl.types.insert(t.node.name.node.to_string(), t.node.kind);
            }
            TypeSystemDefinition::Schema(s) => {
                for (op, ty) in [("query", &s.node.query), ("mutation", &s.node.mutation), ("subscription", &s.node.subscription)]
                {
                    if let Some(ty) = ty {
                        sdl.roots.insert(op.to_string(), ty.node.to_string());
                    }
                }
            }
            TypeSystemDefinition::Directive(_) => {}
        }
    }
    sdl
}

/// Output position: ours may be stricter (non-null where the contract is nullable).
fn output_compatible(contract: &Type, ours: &Type) -> bool {
    if !contract.nullable && ours.nullable {
        return false;
    }
    match (&contract.base, &ours.base) {
        (BaseType::Named(a), BaseType::Named(b)) => a == b,
        (BaseType::List(a), BaseType::List(b)) => output_compatible(a, b),
        _ => false,
    }
}

/// Input position: ours may be looser (nullable where the contract is non-null).
fn input_compatible(contract: &Type, ours: &Type) -> bool {
    if contract.nullable && !ours.nullable {
        return false;
    }
    match (&contract.base, &ours.base) {
        (BaseType::Named(a), BaseType::Named(b)) => a == b,
        (BaseType::List(a), BaseType::List(b)) => input_compatible(a, b),
        _ => false,
    }
}

fn check_inputs(
    at: &str,
    contract: &[async_graphql::Positioned<InputValueDefinition>],
    ours: &[async_graphql::Positioned<InputValueDefinition>],
    problems: &mut Vec<String>,
) {
    for c in contract {
        match ours.iter().find(|o| o.node.name.node == c.node.name.node) {
            None => problems.push(format!("{at}({}) missing", c.node.name.node)),
            Some(o) if !input_compatible(&c.node.ty.node, &o.node.ty.node) => {
                problems.push(format!("{at}({}): {} is not compatible with {}", c.node.name.node, o.node.ty.node, c.node.ty.node))
            }
            Some(_) => {}
        }
    }
    for o in ours {
        let added = !contract.iter().any(|c| c.node.name.node == o.node.name.node);
        if added && !o.node.ty.node.nullable && o.node.default_value.is_none() {
            problems.push(format!("{at}({}) is a new required input", o.node.name.node));
        }
    }
}

fn check_fields(
    ty: &str,
    contract: &[async_graphql::Positioned<FieldDefinition>],
    ours: &[async_graphql::Positioned<FieldDefinition>],
    problems: &mut Vec<String>,
    pending: &mut Vec<String>,
) {
    for c in contract {
        let name = format!("{ty}.{}", c.node.name.node);
        let Some(o) = ours.iter().find(|o| o.node.name.node == c.node.name.node) else {
            if PENDING.contains(&name.as_str()) {
                pending.push(name);
            } else {
                problems.push(format!("{name} missing"));
            }
            continue;
        };
        if !output_compatible(&c.node.ty.node, &o.node.ty.node) {
            problems.push(format!("{name}: {} is not compatible with {}", o.node.ty.node, c.node.ty.node));
        }
        check_inputs(&name, &c.node.arguments, &o.node.arguments, problems);
    }
}

#[test]
fn schema_is_a_non_breaking_superset_of_the_contract() {
    let contract = load(&contract_text());
    let ours = load(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).expect("schema.graphql"));
    let mut problems = Vec::new();
    let mut pending = Vec::new();
    for (op, ty) in &contract.roots {
        match ours.roots.get(op) {
            Some(t) if t == ty => {}
            None if PENDING.contains(&format!("schema.{op}").as_str()) => pending.push(format!("schema.{op}")),
            other => problems.push(format!("schema root {op}: {other:?}, contract {ty}")),
        }
    }
    for (name, kind) in &contract.types {
        let Some(our_kind) = ours.types.get(name) else {
            if PENDING.contains(&name.as_str()) {
                pending.push(name.clone());
            } else {
                problems.push(format!("type {name} missing"));
            }
            continue;
        };
        match (kind, our_kind) {
            (TypeKind::Object(c), TypeKind::Object(o)) => {
                for i in &c.implements {
                    if !o.implements.iter().any(|x| x.node == i.node) {
                        problems.push(format!("{name} does not implement {}", i.node));
                    }
                }
                check_fields(name, &c.fields, &o.fields, &mut problems, &mut pending);
            }
            (TypeKind::Interface(c), TypeKind::Interface(o)) => {
                check_fields(name, &c.fields, &o.fields, &mut problems, &mut pending)
            }
            (TypeKind::InputObject(c), TypeKind::InputObject(o)) => check_inputs(name, &c.fields, &o.fields, &mut problems),
            (TypeKind::Enum(c), TypeKind::Enum(o)) => {
                for v in &c.values {
                    if !o.values.iter().any(|x| x.node.value.node == v.node.value.node) {
                        problems.push(format!("{name}.{} missing", v.node.value.node));
                    }
                }
            }
            (TypeKind::Scalar, TypeKind::Scalar) => {}
            (TypeKind::Union(c), TypeKind::Union(o)) => {
                for m in &c.members {
                    if !o.members.iter().any(|x| x.node == m.node) {
                        problems.push(format!("{name} lacks member {}", m.node));
                    }
                }
            }
            _ => problems.push(format!("{name} has another kind than in the contract")),
        }
    }
    assert!(problems.is_empty(), "schema.graphql breaks the contract:\n{}", problems.join("\n"));
    let mut stale: Vec<&&str> = PENDING.iter().filter(|p| !pending.iter().any(|x| x == *p)).collect();
    stale.sort();
    assert!(stale.is_empty(), "these PENDING items exist now; remove them from the list: {stale:?}");
}

#[test]
fn every_type_field_and_argument_has_a_description() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).expect("schema.graphql");
    let doc = parse_schema(&text).expect("valid SDL");
    let mut missing = Vec::new();
    for def in doc.definitions {
        let TypeSystemDefinition::Type(t) = def else { continue };
        let t = t.node;
        let name = t.name.node.to_string();
        if name.starts_with("__") {
            continue;
        }
        if t.description.is_none() {
            missing.push(name.clone());
        }
        let fields: Vec<(String, bool)> = match &t.kind {
            TypeKind::Object(o) => {
                o.fields.iter().map(|f| (f.node.name.node.to_string(), f.node.description.is_some())).collect()
            }
            TypeKind::Interface(o) => {
                o.fields.iter().map(|f| (f.node.name.node.to_string(), f.node.description.is_some())).collect()
            }
            TypeKind::InputObject(o) => {
                o.fields.iter().map(|f| (f.node.name.node.to_string(), f.node.description.is_some())).collect()
            }
            TypeKind::Enum(e) => e.values.iter().map(|v| (v.node.value.node.to_string(), v.node.description.is_some())).collect(),
            _ => Vec::new(),
        };
        missing.extend(fields.into_iter().filter(|(_, has)| !has).map(|(f, _)| format!("{name}.{f}")));
        // And every argument (a typed client shows them: the mutations' `input` had none).
        let (TypeKind::Object(async_graphql::parser::types::ObjectType { fields, .. })
        | TypeKind::Interface(async_graphql::parser::types::InterfaceType { fields, .. })) = &t.kind
        else {
            continue;
        };
        for f in fields {
            for a in f.node.arguments.iter().filter(|a| a.node.description.is_none()) {
                missing.push(format!("{name}.{}({})", f.node.name.node, a.node.name.node));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented schema items: {missing:?}");
}
