//! What a document costs once its fragments are expanded, computed without expanding
//! them: each fragment is measured once (in dependency order, so no recursion follows a
//! chain of spreads) and every spread adds the fragment's measures. The pass is linear in
//! the document, whatever `k` fragments spreading the next twice would expand to.

use super::introspection::{Introspection, is_entry};
use super::model::{MAX_PAGE, Multiplier, SchemaModel};
use async_graphql::parser::types::{ExecutableDocument, Field, OperationDefinition, Selection, SelectionSet};
use async_graphql::{Name, Positioned, Variables};
use async_graphql_value::{ConstValue, Value};
use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::VecDeque;

/// Measures of a selection with every fragment spread expanded. Counts saturate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Measures {
    /// RULES.md §8: every field costs 1, a list multiplies its items' cost by its size.
    pub cost: u64,
    /// Deepest field nesting (`{ a { b } }` is 2).
    pub depth: u64,
    pub aliases: u64,
    /// Fields selected, as the validator and executor will walk them.
    pub selections: u64,
    /// Whether `__schema` or `__type` is selected.
    pub introspects: bool,
}

impl Measures {
    fn add(&mut self, other: &Measures) {
        self.cost = self.cost.saturating_add(other.cost);
        self.depth = self.depth.max(other.depth);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.selections = self.selections.saturating_add(other.selections);
        self.introspects |= other.introspects;
    }
}

/// A fragment that spreads itself, directly or through others.
#[derive(Debug)]
pub struct FragmentCycle(pub String);

pub struct Measurer<'a> {
    model: &'a SchemaModel,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    defaults: HashMap<&'a Name, &'a ConstValue>,
    fragments: HashMap<&'a Name, Measures>,
    /// Set for the exact pass: introspection costed by what it returns.
    introspection: Option<Introspection<'a>>,
}

impl<'a> Measurer<'a> {
    /// Measures fragments in dependency order. `operation` supplies variable defaults;
    /// `introspection_budget`, when set, costs introspection exactly within that budget.
    pub fn new(
        model: &'a SchemaModel,
        doc: &'a ExecutableDocument,
        variables: &'a Variables,
        operation: Option<&'a OperationDefinition>,
        introspection_budget: Option<u64>,
    ) -> Result<Self, FragmentCycle> {
        let defaults = operation
            .map(|op| {
                op.variable_definitions
                    .iter()
                    .filter_map(|v| v.node.default_value.as_ref().map(|d| (&v.node.name.node, &d.node)))
                    .collect()
            })
            .unwrap_or_default();
        let introspection = introspection_budget.map(|b| Introspection::new(model, doc, b));
        let mut m = Self { model, doc, variables, defaults, fragments: HashMap::new(), introspection };
        m.measure_fragments()?;
        Ok(m)
    }

    /// Kahn's algorithm over "spreads" edges: a fragment is measured once every fragment it
    /// spreads is; what is left over lies on (or behind) a cycle.
    fn measure_fragments(&mut self) -> Result<(), FragmentCycle> {
        let mut waiting: HashMap<&'a Name, usize> = HashMap::new();
        let mut users: HashMap<&'a Name, Vec<&'a Name>> = HashMap::new();
        let mut ready = VecDeque::new();
        for (name, def) in &self.doc.fragments {
            let deps = spreads(&def.node.selection_set.node);
            let known: HashSet<&Name> = deps.into_iter().filter(|d| self.doc.fragments.contains_key(*d)).collect();
            for d in &known {
                users.entry(d).or_default().push(name);
            }
            if known.is_empty() {
                ready.push_back(name);
            }
            waiting.insert(name, known.len());
        }
        while let Some(name) = ready.pop_front() {
            let Some(def) = self.doc.fragments.get(name) else { continue };
            let on = def.node.type_condition.node.on.node.as_str();
            let measures = self.selection_set(&def.node.selection_set.node, Some(on));
            self.fragments.insert(name, measures);
            for user in users.get(name).into_iter().flatten() {
                if let Some(n) = waiting.get_mut(user) {
                    *n -= 1;
                    if *n == 0 {
                        ready.push_back(user);
                    }
                }
            }
        }
        match self.doc.fragments.keys().find(|f| !self.fragments.contains_key(f)) {
            Some(f) => Err(FragmentCycle(f.to_string())),
            None => Ok(()),
        }
    }

    pub fn operation(&mut self, op: &'a OperationDefinition, root: &str) -> Measures {
        self.selection_set(&op.selection_set.node, Some(root))
    }

    fn selection_set(&mut self, set: &'a SelectionSet, on: Option<&str>) -> Measures {
        let mut total = Measures::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => total.add(&self.field(&f.node, on)),
                Selection::InlineFragment(f) => {
                    let on = f.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()).or(on);
                    total.add(&self.selection_set(&f.node.selection_set.node, on));
                }
                Selection::FragmentSpread(s) => {
                    if let Some(m) = self.fragments.get(&s.node.fragment_name.node) {
                        total.add(&m.clone());
                    }
                }
            }
        }
        total
    }

    fn field(&mut self, field: &'a Field, on: Option<&str>) -> Measures {
        let name = &field.name.node;
        let set = &field.selection_set.node;
        let alias = u64::from(field.alias.is_some());
        let model = self.model;
        let def = on.and_then(|t| model.types.get(t)).and_then(|t| t.fields.get(name.as_str()));
        let child = self.selection_set(set, def.map(|d| d.of.as_str()));
        let mut m = Measures {
            cost: 1,
            depth: child.depth + 1,
            aliases: child.aliases.saturating_add(alias),
            selections: child.selections.saturating_add(1),
            introspects: child.introspects,
        };
        if is_entry(name) && on == Some(model.query.as_str()) {
            m.introspects = true;
            // `__type(name:)` as the operation resolves it: a literal, a variable's value,
            // or its default (a default costed 0 let any introspection shape through).
            let type_name = match argument(field, "name").and_then(|v| self.resolve(v)) {
                Some(ConstValue::String(s)) => Some(s),
                _ => None,
            };
            m.cost = match &mut self.introspection {
                Some(exact) if name.as_str() == "__schema" => exact.schema(set),
                Some(exact) => exact.type_by_name(type_name.as_deref(), set),
                None => child.cost,
            }
            .saturating_add(1);
            return m;
        }
        let n = match def.map(|d| d.multiplier) {
            None | Some(Multiplier::One) => 1,
            Some(Multiplier::Cap(n)) => n,
            Some(Multiplier::Page { default }) => {
                let page = |arg| self.number(field, arg).map(|n| n.clamp(1, MAX_PAGE));
                match (page("first"), page("last")) {
                    (None, None) => default,
                    (a, b) => a.unwrap_or(0).max(b.unwrap_or(0)),
                }
            }
            Some(Multiplier::Ids) => self.list_len(field, "ids").clamp(1, MAX_PAGE),
        };
        m.cost = n.saturating_mul(child.cost).saturating_add(1);
        m
    }

    fn resolve(&self, value: &'a Value) -> Option<ConstValue> {
        match value {
            Value::Variable(v) => self.variables.get(v).or_else(|| self.defaults.get(v).copied()).cloned(),
            other => other.clone().into_const(),
        }
    }

    /// A whole-number argument; an unusable one (negative, too large, not a number) counts
    /// as the largest page, the request being refused when it runs.
    fn number(&self, field: &'a Field, arg: &str) -> Option<u64> {
        let value = argument(field, arg)?;
        match self.resolve(value)? {
            ConstValue::Null => None,
            ConstValue::Number(n) => Some(n.as_u64().unwrap_or(MAX_PAGE)),
            _ => Some(MAX_PAGE),
        }
    }

    fn list_len(&self, field: &'a Field, arg: &str) -> u64 {
        match argument(field, arg) {
            Some(Value::List(items)) => items.len() as u64,
            Some(Value::Variable(v)) => match self.variables.get(v).or_else(|| self.defaults.get(v).copied()) {
                Some(ConstValue::List(items)) => items.len() as u64,
                _ => 1,
            },
            _ => 1,
        }
    }
}

fn argument<'f>(field: &'f Field, name: &str) -> Option<&'f Value> {
    field.arguments.iter().find(|(n, _)| n.node.as_str() == name).map(|(_, v)| &v.node)
}

/// The fragment names a selection set spreads, at any nesting (explicit stack).
fn spreads(set: &SelectionSet) -> Vec<&Name> {
    let mut out = Vec::new();
    let mut stack: Vec<&SelectionSet> = vec![set];
    while let Some(set) = stack.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => stack.push(&f.node.selection_set.node),
                Selection::InlineFragment(f) => stack.push(&f.node.selection_set.node),
                Selection::FragmentSpread(s) => out.push(&s.node.fragment_name.node),
            }
        }
    }
    out
}

/// The operation a request runs: by name, or the only one.
pub fn select<'d>(doc: &'d ExecutableDocument, name: Option<&str>) -> Result<&'d Positioned<OperationDefinition>, String> {
    match name {
        Some(wanted) => doc
            .operations
            .iter()
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == wanted))
            .map(|(_, op)| op)
            .ok_or_else(|| format!("Unknown operation named \"{wanted}\"")),
        None => {
            let mut ops = doc.operations.iter();
            match (ops.next(), ops.next()) {
                (Some((_, op)), None) => Ok(op),
                (None, _) => Err("the document holds no operation".into()),
                (Some(_), Some(_)) => Err("Operation name required in request.".into()),
            }
        }
    }
}
