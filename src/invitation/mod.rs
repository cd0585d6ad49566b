//! Invitations (RULES.md §6): invite, resend, revoke, accept, decline; the durable
//! delivery outbox, the mailer that consumes it and the hub that wakes subscribers.

pub mod hub;
pub mod loader;
pub mod mailer;
mod respond;
mod routes;
pub mod schema;
pub mod service;

pub use respond::{accept_invitation, decline_invitation};

use std::sync::Arc;

/// What a committed invitation change must wake: subscribers (all instances, through
/// the outbox) and the mailer.
pub struct Notifiers {
    pub hub: Arc<hub::Hub>,
    pub mailer: Arc<mailer::Mailer>,
}

impl Notifiers {
    pub fn wake(&self) {
        self.hub.wake();
        self.mailer.wake();
    }
}
