//! Byte counts on the wire. They are `Float` in the schema (GraphQL's `Int` is 32-bit and
//! a team's bytes exceed it), always whole, and written as JSON integers: `48213`, not
//! `48213.0`, so a client reads the exact count (RULES.md §4: sizes are whole bytes).

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};
use std::borrow::Cow;

/// A whole number of bytes, typed `Float` in the schema and written without a fraction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bytes(pub i64);

impl OutputType for Bytes {
    fn type_name() -> Cow<'static, str> {
        <f64 as OutputType>::type_name()
    }

    /// Registers (or finds) the built-in `Float`: the schema is unchanged.
    fn create_type_info(registry: &mut Registry) -> String {
        <f64 as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, _: &ContextSelectionSet<'_>, _: &Positioned<Field>) -> ServerResult<Value> {
        Ok(Value::Number(self.0.into()))
    }
}
