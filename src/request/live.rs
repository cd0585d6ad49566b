//! What a subscription decides and resolves each event with: the credential and grants
//! as they stand when the event is delivered, not as they stood when it began (RULES.md
//! §9.6, §9.7). A socket lives for hours; a role, a token or an e-mail changes meanwhile.

use super::grants::GrantsCache;
use super::{RequestCtx, Viewer};
use crate::authz::{CatalogCell, Grants};
use crate::error::AppResult;
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// One subscription's hold on its request: the credential it began with, and the grants
/// its events resolve with.
pub struct Live {
    db: DatabaseConnection,
    began: Viewer,
    catalogs: Arc<CatalogCell>,
    grants: Arc<GrantsCache>,
}

/// What becomes of one event.
pub enum Step<T> {
    /// Delivered to the subscriber.
    Deliver(T),
    /// Not for this subscriber (now), or not readable: the subscription goes on.
    Skip,
    /// The credential no longer stands: the subscription ends.
    End,
}

impl RequestCtx {
    /// The subscription's hold on this request (see `Live`).
    pub fn live(&self) -> Arc<Live> {
        Arc::new(Live {
            db: self.db.clone(),
            began: self.viewer.clone(),
            catalogs: self.catalogs.clone(),
            grants: self.grants.clone(),
        })
    }
}

impl Live {
    /// The connection, for what an event is decided on.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The credential now (`Viewer::current`), or what becomes of the event: `End` once
    /// the credential no longer stands, `Skip` when it cannot be read.
    pub async fn viewer<T>(&self) -> Result<Viewer, Step<T>> {
        match self.began.current(&self.db).await {
            Ok(Some(viewer)) => Ok(viewer),
            Ok(None) => Err(Step::End),
            Err(_) => Err(Step::Skip),
        }
    }

    /// `viewer`'s grants now, shaped by the credential.
    pub async fn grants(&self, viewer: &Viewer) -> AppResult<Grants> {
        super::load_shaped(&self.db, &self.catalogs, viewer).await
    }

    /// The event about to be delivered resolves with `viewer` and the grants its delivery
    /// was decided on (read again on first use when none were).
    pub async fn resolve_with(&self, viewer: Viewer, grants: Option<Grants>) {
        self.grants.renew(viewer, grants.map(Arc::new)).await;
    }
}

/// The events `steps` delivers, up to its first `End`. An event passes boxed: the
/// adapters keep their pending item inline in the subscription, for as long as it is open.
pub fn delivered<T>(steps: impl Stream<Item = Step<T>>) -> impl Stream<Item = T> {
    let boxed = |s| match s {
        Step::Deliver(t) => Step::Deliver(Box::new(t)),
        Step::Skip => Step::Skip,
        Step::End => Step::End,
    };
    let delivered = |s| {
        std::future::ready(match s {
            Step::Deliver(t) => Some(t),
            Step::Skip | Step::End => None,
        })
    };
    steps.map(boxed).take_while(|s| std::future::ready(!matches!(s, Step::End))).filter_map(delivered).map(|t| *t)
}
