//! The descriptions of the custom scalars, as a front-end team reads them in
//! `schema.graphql`. The scalars themselves are async-graphql's (`chrono::DateTime<Utc>`,
//! `Json<serde_json::Value>`): only their descriptions are replaced
//! (`SchemaBuilder::override_output_type_description`), so the wire format stays theirs.
//! `tests/api/scalars.rs` checks every claim made here.

use async_graphql::{Json, SchemaBuilder};

/// `DateTime`: what chrono's scalar writes (`DateTime::to_rfc3339`, offset `+00:00` and
/// `SecondsFormat::AutoSi`) and reads (`DateTime<Utc>::from_str`, a relaxed RFC 3339).
/// Every instant orgraph keeps is cut to the microsecond, PostgreSQL's precision: inputs
/// where they are parsed, the instants it makes itself at `db::now`.
pub const DATE_TIME: &str = "An instant, written in UTC as an RFC 3339 date-time with the offset \
`+00:00` (never `Z`), e.g. `2026-12-04T13:05:09.123456+00:00`. Fractional seconds are left out \
when zero, otherwise written with 3 or 6 digits, whichever is exact: instants are kept to the \
microsecond, on both databases, and a mutation answers what a later read answers (a SQLite \
database written before 2026-12-06 may still hold instants with 9 digits).\n\nAs input: an RFC 3339 \
date-time with an offset (`Z` or `±hh:mm`, converted to UTC), e.g. `2026-12-04T14:05:09.5+01:00`; \
digits past the microsecond are dropped. A date alone, or a date-time without an offset, is refused.";

/// `JSON`: only audit entries' `before` and `after` use it.
pub const JSON: &str = "Any JSON value, written as itself (an object, array, string, number, boolean \
or null), not as a string holding JSON. Output only: `AuditEntry.before` and `AuditEntry.after`, \
the changed thing's recorded state.";

/// Replaces the default descriptions ("Implement the DateTime<Utc> scalar …") on `b`.
pub fn describe<Q, M, S>(b: SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S> {
    b.override_output_type_description::<chrono::DateTime<chrono::Utc>>(DATE_TIME)
        .override_output_type_description::<Json<serde_json::Value>>(JSON)
}
