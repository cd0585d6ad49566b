//! The one error enum. `extensions.code` is set here and nowhere else; internal errors
//! are logged with their cause and answered with a generic message.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

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
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

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
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
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
            Self::RateLimited { .. } => "RATE_LIMITED",
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

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() {
            // PostgreSQL names the constraint; SQLite names the columns.
            for (name, columns, field) in UNIQUE_CONSTRAINTS {
                if message.contains(name) || message.contains(columns) {
                    let what = if *field == "userId" { "already a member" } else { "already taken" };
                    return AppError::conflict(*field, format!("{field} {what}"));
                }
            }
            return AppError::Conflict { field: None, message: "already exists".into() };
        }
        AppError::Internal(err.to_string())
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.extend()
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        let message = match self {
            AppError::Internal(cause) => {
                tracing::error!(cause = %cause, "internal error");
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
