//! The one error enum. `extensions.code` is set here and nowhere else; internal errors
//! keep their cause chain, are logged with it once and answered with a generic message.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};
use std::error::Error;
use std::sync::atomic::{AtomicBool, Ordering};

/// Deliberately not `Display`: async-graphql converts any `Display` type into an error
/// without a code, so `?` must go through `From<AppError>` below, which sets the code.
#[derive(Debug)]
pub enum AppError {
    Unauthenticated(String),
    BadUserInput {
        field: String,
        message: String,
    },
    NotFound,
    Forbidden(String),
    Conflict {
        field: Option<String>,
        message: String,
    },
    FailedPrecondition(String),
    LimitReached {
        limit: &'static str,
        message: String,
    },
    RateLimited {
        retry_after_seconds: u64,
        message: String,
    },
    /// The document does not parse, or its text is past a bound (`GRAPHQL_PARSE_FAILED`).
    ParseFailed {
        message: String,
        limit: Option<&'static str>,
    },
    /// The document is invalid, or past a limit of RULES.md §8 (`GRAPHQL_VALIDATION_FAILED`,
    /// `extensions.limit` naming it); `cost` is (the query's cost, the limit) for complexity.
    Invalid {
        message: String,
        limit: Option<&'static str>,
        cost: Option<(u64, u64)>,
    },
    Timeout,
    /// PostgreSQL aborted the transaction to break a deadlock or a serialization conflict
    /// (SQLSTATE 40P01, 40001): nothing of it was saved. The HTTP handler re-runs a
    /// mutation that committed nothing a bounded number of times; what is still contended
    /// afterwards answers `RATE_LIMITED` with `extensions.reason` `CONTENDED`, never `INTERNAL`.
    Contended,
    Internal(Internal),
}

/// The cause of an `INTERNAL` error with its chain of sources. The client only ever
/// reads "internal error"; the chain is logged when the error is first answered (a
/// loader's error answers every field that waited for it, and is logged once).
#[derive(Debug)]
pub struct Internal {
    cause: Box<dyn Error + Send + Sync>,
    logged: AtomicBool,
}

impl Internal {
    /// The outermost cause.
    pub fn cause(&self) -> &(dyn Error + Send + Sync + 'static) {
        self.cause.as_ref()
    }

    /// The cause and each `source()` below it, outermost first: `a: b: c`.
    pub fn chain(&self) -> String {
        let mut text = self.cause.to_string();
        let mut next = self.cause.source();
        while let Some(cause) = next {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            next = cause.source();
        }
        text
    }

    fn log_once(&self) {
        if !self.logged.swap(true, Ordering::Relaxed) {
            tracing::error!(cause = %self.chain(), "internal error");
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// `word` with its indefinite article, for messages: "an organization", "a team", "an
/// IN_PROGRESS" (by the first letter: orgraph's words have no silent h or "uni-").
pub fn with_article(word: &str) -> String {
    let an = word.chars().next().is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {word}", if an { "an" } else { "a" })
}

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput { field: field.into(), message: message.into() }
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict { field: Some(field.into()), message: message.into() }
    }
    pub fn precondition(message: impl Into<String>) -> Self {
        Self::FailedPrecondition(message.into())
    }
    pub fn unauthenticated() -> Self {
        Self::Unauthenticated("authentication required: send `Authorization: Bearer <token>`".into())
    }
    pub fn parse_failed(message: impl Into<String>, limit: Option<&'static str>) -> Self {
        Self::ParseFailed { message: message.into(), limit }
    }
    pub fn invalid(message: impl Into<String>, limit: Option<&'static str>) -> Self {
        Self::Invalid { message: message.into(), limit, cost: None }
    }
    /// The query's cost is past the complexity limit: the message and extensions say both.
    pub fn too_complex(cost: u64, limit: u64) -> Self {
        let shown = if cost == u64::MAX { "far more than".to_string() } else { cost.to_string() };
        let message = format!("query cost {shown} exceeds the limit of {limit} (lists cost their `first` times their items)");
        Self::Invalid { message, limit: Some("complexity"), cost: Some((cost, limit)) }
    }
    /// An unexpected failure: `cause` is an error (its sources are kept) or a message.
    pub fn internal(cause: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self::Internal(Internal { cause: cause.into(), logged: AtomicBool::new(false) })
    }

    /// The client-facing message (internal causes are never shown).
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(m) | Self::Forbidden(m) | Self::FailedPrecondition(m) => m.clone(),
            Self::BadUserInput { message, .. }
            | Self::Conflict { message, .. }
            | Self::RateLimited { message, .. }
            | Self::LimitReached { message, .. }
            | Self::ParseFailed { message, .. }
            | Self::Invalid { message, .. } => message.clone(),
            Self::NotFound => "not found".into(),
            Self::Timeout => "the request ran past its time limit".into(),
            Self::Contended => "a concurrent change collided with this one and nothing of it was saved; send it again".into(),
            Self::Internal(_) => "internal error".into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::Conflict { .. } => "CONFLICT",
            Self::FailedPrecondition(_) | Self::LimitReached { .. } => "FAILED_PRECONDITION",
            Self::RateLimited { .. } | Self::Contended => "RATE_LIMITED",
            Self::ParseFailed { .. } => "GRAPHQL_PARSE_FAILED",
            Self::Invalid { .. } => "GRAPHQL_VALIDATION_FAILED",
            Self::Timeout => "TIMEOUT",
            Self::Internal(_) => "INTERNAL",
        }
    }
}

/// Unique-constraint names → the input field they protect (RULES.md §3 `CONFLICT`).
const UNIQUE_CONSTRAINTS: &[(&str, &str, &str)] = &[
    ("uq_organizations_slug", "organizations.slug", "slug"),
    ("uq_teams_name", "teams.organization_id", "name"),
    ("uq_workspaces_name", "workspaces.team_id", "name"),
    ("uq_projects_name", "projects.workspace_id", "name"),
    ("uq_datasets_name", "datasets.sibling_key", "name"),
    ("uq_memberships_scope_user", "memberships.scope_id", "userId"),
    ("uq_roles_key", "roles.catalog", "key"),
    ("uq_groups_name", "groups.organization_id", "name"),
    ("uq_group_members", "group_members.group_id", "userId"),
    ("uq_group_projects", "group_projects.group_id", "projectId"),
    ("uq_capability_grants", "capability_grants.organization_id", "permission"),
];

/// Whether `err` is a violation of the unique constraint `name` (one of
/// `UNIQUE_CONSTRAINTS`): PostgreSQL names the constraint, SQLite its columns. A write
/// that lets the index find a duplicate, instead of reading first, answers with its own
/// error on it.
pub fn violates_unique(err: &DbErr, name: &str) -> bool {
    let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() else { return false };
    UNIQUE_CONSTRAINTS.iter().find(|(constraint, _, _)| *constraint == name).is_some_and(|c| names(&message, c))
}

/// Whether a unique violation's message names `constraint` (PostgreSQL) or its columns (SQLite).
fn names(message: &str, (constraint, columns, _): &(&str, &str, &str)) -> bool {
    message.contains(constraint) || message.contains(columns)
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() {
            if let Some(&(_, _, field)) = UNIQUE_CONSTRAINTS.iter().find(|c| names(&message, c)) {
                let what = if field == "userId" { "already a member" } else { "already taken" };
                return AppError::conflict(field, format!("{field} {what}"));
            }
            return AppError::Conflict { field: None, message: "already exists".into() };
        }
        if is_contention(&err) {
            return AppError::Contended;
        }
        if crate::db::is_superseded(&err) {
            // Its query runs again and this answer is dropped unsent (`db::Reads::settle`):
            // nothing failed, nothing to log.
            return AppError::Internal(Internal { cause: err.into(), logged: AtomicBool::new(true) });
        }
        AppError::internal(err)
    }
}

/// `extensions.reason` of a `Contended` error (the HTTP handler retries on it).
pub const CONTENDED: &str = "CONTENDED";

/// PostgreSQL's deadlock (40P01) and serialization failure (40001).
fn is_contention(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Conn(RuntimeErr::SqlxError(e))) =
        err
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(e) = e.as_ref() else { return false };
    matches!(e.code().as_deref(), Some("40P01" | "40001"))
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.extend()
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        let message = match self {
            AppError::Internal(internal) => {
                internal.log_once();
                "internal error".to_string()
            }
            other => other.message(),
        };
        async_graphql::Error::new(message).extend_with(|_, e| {
            e.set("code", self.code());
            match self {
                AppError::BadUserInput { field, .. } => e.set("field", field.as_str()),
                AppError::Conflict { field: Some(field), .. } => e.set("field", field.as_str()),
                AppError::RateLimited { retry_after_seconds, .. } => e.set("retryAfterSeconds", *retry_after_seconds),
                AppError::Contended => {
                    e.set("retryAfterSeconds", 1);
                    e.set("reason", CONTENDED);
                }
                // A configured limit would be exceeded: FAILED_PRECONDITION naming the limit.
                AppError::LimitReached { limit, .. } => e.set("limit", *limit),
                AppError::ParseFailed { limit: Some(limit), .. } => e.set("limit", *limit),
                AppError::Invalid { limit, cost, .. } => {
                    if let Some(limit) = limit {
                        e.set("limit", *limit);
                    }
                    if let Some((cost, max)) = cost {
                        e.set("cost", *cost);
                        e.set("maxCost", *max);
                    }
                }
                _ => {}
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("loading grants")]
    struct Loading(#[source] std::io::Error);

    #[test]
    fn internal_errors_keep_their_cause_chain_and_answer_a_generic_message() {
        let e = AppError::internal(Loading(std::io::Error::other("connection reset")));
        let AppError::Internal(internal) = &e else { unreachable!("internal() builds Internal") };
        assert_eq!(internal.chain(), "loading grants: connection reset");
        assert_eq!(internal.cause().to_string(), "loading grants");
        for _ in 0..2 {
            let answered = e.extend();
            assert_eq!(answered.message, "internal error");
            let code = answered.extensions.as_ref().and_then(|x| x.get("code")).cloned();
            assert_eq!(code, Some(async_graphql::Value::from("INTERNAL")));
        }
        assert!(internal.logged.load(Ordering::Relaxed), "logged when first answered");
    }

    #[test]
    fn database_errors_become_internal_errors_with_their_message() {
        let e = AppError::from(DbErr::Custom("relation \"x\" does not exist".into()));
        let AppError::Internal(internal) = &e else { unreachable!("a non-unique database error is internal") };
        assert!(internal.chain().contains("relation \"x\" does not exist"));
        assert_eq!(e.message(), "internal error");
    }
}
