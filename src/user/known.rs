//! Identities this process has found provisioned and current, for requests that read no
//! data (`{ __typename }`).
//!
//! Such a request must still authenticate (an invalid token is 401) and a first token
//! must still provision its user (RULES.md §2), but once a token's exact claims (`sub`,
//! e-mail, its verification, name) have been matched against the user row, the same claims
//! again change nothing: provisioning would read the row and find nothing to update. So
//! the answer to `{ __typename }`, the one request that touches no data, skips that read
//! for claims seen before. Nothing else uses this: every request that reads data reads its
//! user and grants from the database, so a changed permission, e-mail or name shows on the
//! very next request. What another instance writes is not seen here: claims this process
//! matched before are then not written again by a `{ __typename }` (the next request that
//! reads data writes them). Bounded: emptied when it holds `CAPACITY` users.

use super::service::Identity;
use foldhash::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

const CAPACITY: usize = 16_384;

/// Per `sub`: the claims its row was last found to hold, and its user.
#[derive(Default)]
pub struct KnownIdentities {
    users: Mutex<HashMap<String, (Identity, Uuid)>>,
}

impl KnownIdentities {
    /// The user whose row matched exactly these claims in this process, if any.
    pub fn user(&self, id: &Identity) -> Option<Uuid> {
        let users = self.users.lock().ok()?;
        let (claims, user) = users.get(&id.sub)?;
        (claims == id).then_some(*user)
    }

    /// Remembers that `user`'s row now holds these claims (provisioned or refreshed); the
    /// `sub`'s earlier claims are forgotten. (No other row changes: e-mails are unique
    /// among verified ones only, and a token claiming a verified e-mail that another row
    /// holds verified is refused, RULES.md §2.)
    pub fn remember(&self, id: &Identity, user: Uuid) {
        let Ok(mut users) = self.users.lock() else { return };
        if users.len() >= CAPACITY && !users.contains_key(&id.sub) {
            users.clear();
        }
        users.insert(id.sub.clone(), (id.clone(), user));
    }
}
