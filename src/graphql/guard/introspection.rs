//! The exact cost of an introspection selection. The schema is fixed, so how many types,
//! fields and arguments an answer holds is known: `__schema { types { fields { … } } }`
//! costs what it returns, and the recursive shapes that would return millions of objects
//! (`fields { type { fields { type { … } } } }`) are refused before they run.
//!
//! Costs are memoized per (introspected object, selection set), and every field the walk
//! looks at spends one unit of a budget: the walk stops past the cost limit, so its own
//! work is bounded by the limit whatever the document.

use super::model::SchemaModel;
use async_graphql::Name;
use async_graphql::parser::types::{BaseType, ExecutableDocument, Selection, SelectionSet, Type};
use foldhash::{HashMap, HashMapExt};

/// An object of the introspection schema.
#[derive(Clone, Copy)]
enum Ent<'m> {
    Schema,
    /// A named type (`__Type` of kind OBJECT, SCALAR, …).
    Named(&'m str),
    /// A declared type; `stripped` when its non-null wrapper was already unwrapped.
    Declared(&'m Type, bool),
    Field(&'m super::model::FieldModel),
    Input(&'m Type),
    EnumValue,
    Directive(&'m [Type]),
}

impl Ent<'_> {
    fn key(&self) -> (u8, usize) {
        match self {
            Ent::Schema => (0, 0),
            Ent::Named(n) => (1, n.as_ptr() as usize),
            Ent::Declared(t, stripped) => (2 + u8::from(*stripped), std::ptr::from_ref(*t) as usize),
            Ent::Field(f) => (4, std::ptr::from_ref(*f) as usize),
            Ent::Input(t) => (5, std::ptr::from_ref(*t) as usize),
            Ent::EnumValue => (6, 0),
            Ent::Directive(d) => (7, d.as_ptr() as usize),
        }
    }
}

/// `__DirectiveLocation` has 19 values.
const DIRECTIVE_LOCATIONS: u64 = 19;

pub struct Introspection<'a> {
    model: &'a SchemaModel,
    doc: &'a ExecutableDocument,
    memo: HashMap<((u8, usize), usize), u64>,
    budget: u64,
}

impl<'a> Introspection<'a> {
    pub fn new(model: &'a SchemaModel, doc: &'a ExecutableDocument, budget: u64) -> Self {
        Self { model, doc, memo: HashMap::new(), budget }
    }

    /// Cost of `__schema { … }` (not counting the field itself).
    pub fn schema(&mut self, set: &'a SelectionSet) -> u64 {
        self.cost(Ent::Schema, set)
    }

    /// Cost of `__type(name: …) { … }` for the name it resolves to (none: the field
    /// answers null, or fails), not counting the field itself.
    pub fn type_by_name(&mut self, name: Option<&str>, set: &'a SelectionSet) -> u64 {
        match name {
            Some(n) => match self.model.types.get_key_value(n) {
                Some((key, _)) => self.cost(Ent::Named(key.as_str()), set),
                None => 0,
            },
            None => 0,
        }
    }

    /// Every field selected on one object, with inline fragments and fragment spreads
    /// flattened by an explicit stack (cycles were refused before this runs).
    fn fields(&self, set: &'a SelectionSet) -> Vec<&'a async_graphql::parser::types::Field> {
        let mut out = Vec::new();
        let mut stack = vec![set];
        while let Some(set) = stack.pop() {
            for item in &set.items {
                match &item.node {
                    Selection::Field(f) => out.push(&f.node),
                    Selection::InlineFragment(f) => stack.push(&f.node.selection_set.node),
                    Selection::FragmentSpread(s) => {
                        if let Some(f) = self.doc.fragments.get(&s.node.fragment_name.node) {
                            stack.push(&f.node.selection_set.node);
                        }
                    }
                }
            }
        }
        out
    }

    fn cost(&mut self, ent: Ent<'a>, set: &'a SelectionSet) -> u64 {
        let key = (ent.key(), std::ptr::from_ref(set) as usize);
        if let Some(c) = self.memo.get(&key) {
            return *c;
        }
        let mut total = 0u64;
        for field in self.fields(set) {
            if self.budget == 0 {
                return u64::MAX;
            }
            self.budget -= 1;
            let sub = &field.selection_set.node;
            let name = field.name.node.as_str();
            let c = if name == "__typename" { 1 } else { self.field(ent, name, sub) };
            total = total.saturating_add(c);
        }
        self.memo.insert(key, total);
        total
    }

    fn sum<I: IntoIterator<Item = Ent<'a>>>(&mut self, items: I, sub: &'a SelectionSet) -> u64 {
        items.into_iter().fold(1u64, |acc, e| acc.saturating_add(self.cost(e, sub)))
    }

    fn field(&mut self, ent: Ent<'a>, name: &str, sub: &'a SelectionSet) -> u64 {
        let model = self.model;
        match ent {
            Ent::Schema => match name {
                "types" => self.sum(model.type_names.iter().map(|t| named(model, t)), sub),
                "queryType" => self.sum([named(model, &model.query)], sub),
                "mutationType" => self.sum([named(model, &model.mutation)], sub),
                "subscriptionType" => self.sum([named(model, &model.subscription)], sub),
                "directives" => self.sum(model.directives.values().map(|d| Ent::Directive(d.as_slice())), sub),
                _ => 1,
            },
            Ent::Named(t) => {
                let Some(ty) = model.types.get(t) else { return 1 };
                match name {
                    "fields" if ty.has_fields => {
                        self.sum(ty.field_names.iter().filter_map(|f| ty.fields.get(f)).map(Ent::Field), sub)
                    }
                    "inputFields" => self.sum(ty.input_fields.iter().map(Ent::Input), sub),
                    "enumValues" => {
                        let each = self.cost(Ent::EnumValue, sub);
                        ty.enum_values.saturating_mul(each).saturating_add(1)
                    }
                    "interfaces" => self.sum(ty.interfaces.iter().map(|i| named(model, i)), sub),
                    "possibleTypes" => self.sum(ty.possible_types.iter().map(|p| named(model, p)), sub),
                    _ => 1,
                }
            }
            Ent::Declared(ty, stripped) => {
                let inner = if !ty.nullable && !stripped {
                    Some(Ent::Declared(ty, true))
                } else if let BaseType::List(of) = &ty.base {
                    Some(Ent::Declared(of, false))
                } else {
                    None
                };
                match (inner, &ty.base) {
                    (Some(inner), _) if name == "ofType" => self.sum([inner], sub),
                    (Some(_), _) => 1,
                    (None, BaseType::Named(n)) => self.field(named(model, n), name, sub),
                    (None, BaseType::List(_)) => 1,
                }
            }
            Ent::Field(f) => match name {
                "args" => self.sum(f.args.iter().map(Ent::Input), sub),
                "type" => self.sum([Ent::Declared(&f.ty, false)], sub),
                _ => 1,
            },
            Ent::Input(t) => match name {
                "type" => self.sum([Ent::Declared(t, false)], sub),
                _ => 1,
            },
            Ent::EnumValue => 1,
            Ent::Directive(args) => match name {
                "args" => self.sum(args.iter().map(Ent::Input), sub),
                "locations" => 1 + DIRECTIVE_LOCATIONS,
                _ => 1,
            },
        }
    }
}

/// A named type as one memo key: the name as the model stores it.
fn named<'m>(model: &'m SchemaModel, name: &'m str) -> Ent<'m> {
    Ent::Named(model.types.get_key_value(name).map_or(name, |(k, _)| k.as_str()))
}

/// Whether a field name is one of the introspection entry points of the query root.
pub fn is_entry(name: &Name) -> bool {
    matches!(name.as_str(), "__schema" | "__type")
}
