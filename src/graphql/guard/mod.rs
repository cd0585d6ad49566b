//! The admission guard: every document, over HTTP POST, GET and WebSocket, passes here
//! before async-graphql parses, validates or runs it (STYLE.md habit 12, RULES.md §8).
//!
//! 1. A byte scan bounds bracket nesting (the parser recurses once per level; 2,000 levels
//!    of `[` overflowed the stack and aborted the process).
//! 2. The document is parsed once; async-graphql reuses the parsed document. A short
//!    document seen before is copied, not parsed again (`parsed`).
//! 3. Depth, aliases, selections and cost are measured with every fragment spread expanded,
//!    but each fragment measured once (linear in the text: `k` fragments spreading the next
//!    twice no longer cost 2^k), `__typename` included, introspection costed by what it
//!    returns; anything past a limit is refused with `extensions.limit`.
//! 4. What validation compares pairwise (variables with their uses, arguments with the
//!    arguments of a same-named field) is bounded first (`shape`): validation runs on a
//!    runtime worker, after admission.
//!
//! Large documents and introspection are admitted on the blocking pool, a few at a time, so
//! that no runtime worker is held by one request's synchronous work.

mod introspection;
mod measure;
pub mod model;
mod parsed;
mod scan;
mod shape;

use crate::config::Limits;
use crate::error::{AppError, AppResult};
use async_graphql::Variables;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use measure::{Measurer, select};
use model::{CapSettings, SchemaModel};
use std::sync::Arc;

pub use measure::Measures;

/// Documents up to this size (and without introspection) are admitted inline: parsing and
/// measuring them takes microseconds.
const INLINE_BYTES: usize = 8 * 1024;

/// An admitted request: what it runs and what it costs.
#[derive(Clone, Debug)]
pub struct Admitted {
    pub kind: OperationType,
    pub cost: u64,
    /// The document, parsed (a copy of it is in the request). Shared with the documents
    /// kept by their text: the subscriptions of one text hold one copy between them.
    pub document: Arc<ExecutableDocument>,
}

pub struct Guard {
    model: SchemaModel,
    limits: Limits,
    introspection: bool,
    /// Admissions running on the blocking pool at once.
    heavy: tokio::sync::Semaphore,
    parsed: parsed::Parsed,
}

impl Guard {
    pub fn new(sdl: &str, limits: &Limits, caps: &CapSettings, introspection: bool) -> Result<Self, String> {
        let model = SchemaModel::from_sdl(sdl, caps)?;
        let slots = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Self {
            model,
            limits: limits.clone(),
            introspection,
            heavy: tokio::sync::Semaphore::new(slots),
            parsed: Default::default(),
        })
    }

    /// List fields the guard had to cost at the default cap (a test keeps this empty).
    pub fn uncapped_lists(&self) -> &[String] {
        &self.model.uncapped
    }

    /// Bounds, parses and measures the request's document; on success the parsed document
    /// is placed in the request, so async-graphql does not parse it again.
    pub async fn admit(self: &Arc<Self>, request: &mut async_graphql::Request) -> AppResult<Admitted> {
        if request.query.len() <= INLINE_BYTES && !mentions_introspection(&request.query) {
            let admitted = self.check(&request.query, request.operation_name.as_deref(), &request.variables)?;
            with_defaults(&admitted.document, request);
            request.set_parsed_query(ExecutableDocument::clone(&admitted.document));
            return Ok(admitted);
        }
        let _slot = self.heavy.acquire().await.map_err(AppError::internal)?;
        let this = self.clone();
        let query = std::mem::take(&mut request.query);
        let variables = std::mem::take(&mut request.variables);
        let name = request.operation_name.clone();
        let (query, variables, checked) = tokio::task::spawn_blocking(move || {
            let checked = this.check(&query, name.as_deref(), &variables);
            (query, variables, checked)
        })
        .await
        .map_err(AppError::internal)?;
        request.query = query;
        request.variables = variables;
        let admitted = checked?;
        with_defaults(&admitted.document, request);
        request.set_parsed_query(ExecutableDocument::clone(&admitted.document));
        Ok(admitted)
    }

    fn check(&self, query: &str, name: Option<&str>, variables: &Variables) -> AppResult<Admitted> {
        let l = &self.limits;
        let doc = match self.parsed.get(query) {
            Some(doc) => doc,
            None => {
                let max_nesting = l.nesting();
                match scan::scan(query, max_nesting) {
                    Ok(_) => {}
                    Err(scan::Refusal::Nesting(depth)) => {
                        let message = format!("the document nests brackets {depth}+ levels deep (limit {max_nesting})");
                        return Err(AppError::parse_failed(message, Some("nesting")));
                    }
                    Err(scan::Refusal::Name) => {
                        let message = format!("a name is longer than {} characters", scan::MAX_NAME);
                        return Err(AppError::parse_failed(message, Some("name")));
                    }
                }
                let doc = async_graphql::parser::parse_query(query).map_err(|e| AppError::parse_failed(e.to_string(), None))?;
                shape::check(&doc)?;
                let doc = Arc::new(doc);
                self.parsed.keep(query, &doc);
                doc
            }
        };
        let op = select(&doc, name).map_err(|m| AppError::invalid(m, None))?;
        let cycle = |c: measure::FragmentCycle| AppError::invalid(format!("fragment \"{}\" spreads itself", c.0), None);
        let mut measurer = Measurer::new(&self.model, &doc, variables, Some(&op.node), None).map_err(cycle)?;
        let mut all = Measures::default();
        let mut this = Measures::default();
        for (_, candidate) in doc.operations.iter() {
            let m = measurer.operation(&candidate.node, self.root(candidate.node.ty));
            all.selections = all.selections.saturating_add(m.selections);
            all.introspects |= m.introspects;
            if std::ptr::eq(candidate, op) {
                this = m;
            }
        }
        let over = |what: &str, n: u64, limit: usize, key: &'static str| {
            (n > limit as u64).then(|| AppError::invalid(format!("{what} {n} exceeds the limit of {limit}"), Some(key)))
        };
        let refusal = over("query depth", this.depth, l.query_depth, "depth")
            .or_else(|| over("aliases", this.aliases, l.aliases, "aliases"))
            .or_else(|| over("selected fields (fragments expanded)", all.selections, l.selections, "selections"));
        if let Some(refusal) = refusal {
            return Err(refusal);
        }
        if all.introspects && !self.introspection {
            return Err(AppError::invalid("introspection is disabled on this server", Some("introspection")));
        }
        let cost = if this.introspects {
            let budget = l.complexity as u64;
            let mut exact = Measurer::new(&self.model, &doc, variables, Some(&op.node), Some(budget)).map_err(cycle)?;
            exact.operation(&op.node, self.root(op.node.ty)).cost
        } else {
            this.cost
        };
        if cost > l.complexity as u64 {
            return Err(AppError::too_complex(cost, l.complexity as u64));
        }
        let kind = op.node.ty;
        // GraphQL's "single root field" rule, which async-graphql does not apply: each
        // alias of a subscription would be a subscription of its own, past the cap per
        // socket, and sharing one request's grants. Written directly: async-graphql skips
        // fragments at a subscription's root (the subscription would end at once, silently).
        let root = &op.node.selection_set.node.items;
        if kind == OperationType::Subscription && !(root.len() == 1 && matches!(root[0].node, Selection::Field(_))) {
            return Err(AppError::invalid(
                "a subscription selects exactly one root field, written directly (not in a fragment)",
                None,
            ));
        }
        Ok(Admitted { kind, cost, document: doc })
    }

    fn root(&self, kind: OperationType) -> &str {
        match kind {
            OperationType::Query => &self.model.query,
            OperationType::Mutation => &self.model.mutation,
            OperationType::Subscription => &self.model.subscription,
        }
    }
}

/// `__schema` or `__type` (not `__typename`) appears in the text.
fn mentions_introspection(query: &str) -> bool {
    query.contains("__schema")
        || query
            .match_indices("__type")
            .any(|(i, m)| query[i + m.len()..].chars().next().is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_')))
}

/// Puts in the admitted `request`'s variables the declared default of each variable it
/// leaves out (`$i: Boolean = true`; one sent, even as `null`, stays as sent). async-graphql
/// applies defaults to arguments but not to `@skip`/`@include`, which it reads from the
/// variables sent: `name @include(if: $i)` was left out, where the guard (which applies
/// them) had measured it in.
fn with_defaults(doc: &ExecutableDocument, request: &mut async_graphql::Request) {
    let Ok(op) = select(doc, request.operation_name.as_deref()) else { return };
    let defaults: Vec<_> = op
        .node
        .variable_definitions
        .iter()
        .filter(|d| !request.variables.contains_key(&d.node.name.node))
        .filter_map(|d| Some((d.node.name.node.clone(), d.node.default_value.as_ref()?.node.clone())))
        .collect();
    request.variables.extend(defaults);
}

#[cfg(test)]
mod tests;
