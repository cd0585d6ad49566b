//! What one HTTP request learned on its way, for its access log line and metrics: its
//! request id and, once the GraphQL layer saw them, the operation, the viewer and the
//! outcome. The HTTP middleware (`http/observe.rs`) puts an `Observed` in a task-local
//! around the handler; the GraphQL extension (`graphql/observe.rs`) fills it in. Nothing
//! between them passes it along, so the handlers stay as they are.

use std::sync::{Arc, Mutex};
use uuid::Uuid;

tokio::task_local! {
    static CURRENT: Arc<Observed>;
}

/// Runs `f` with `observed` as the current request's record.
pub async fn scope<F: std::future::Future>(observed: Arc<Observed>, f: F) -> F::Output {
    CURRENT.scope(observed, f).await
}

/// The current request's record, when inside an HTTP request.
pub fn current() -> Option<Arc<Observed>> {
    CURRENT.try_with(Arc::clone).ok()
}

#[derive(Clone, Debug, Default)]
pub struct Operation {
    /// `query`, `mutation`, `subscription`; None before the document was parsed.
    pub kind: Option<&'static str>,
    pub name: Option<String>,
    pub user: Option<Uuid>,
    /// The first error code, or `OK`; None while executing (or when cut off).
    pub code: Option<String>,
    /// The GraphQL layer saw the request (set before parsing).
    pub started: bool,
}

#[derive(Debug)]
pub struct Observed {
    pub request_id: String,
    operation: Mutex<Operation>,
}

impl Observed {
    pub fn new(request_id: String) -> Self {
        Self { request_id, operation: Mutex::default() }
    }

    pub fn update(&self, f: impl FnOnce(&mut Operation)) {
        f(&mut self.operation.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    pub fn operation(&self) -> Operation {
        self.operation.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// A client's `x-request-id` when it is 1 to 128 visible ASCII characters; otherwise a
/// new UUID v7 (time-ordered, so ids sort like the log).
pub fn request_id(header: Option<&http::HeaderValue>) -> String {
    match header.map(http::HeaderValue::as_bytes) {
        Some(b) if (1..=128).contains(&b.len()) && b.iter().all(|c| c.is_ascii_graphic()) => {
            String::from_utf8_lossy(b).into_owned()
        }
        _ => Uuid::now_v7().to_string(),
    }
}
