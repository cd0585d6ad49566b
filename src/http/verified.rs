//! Tokens already verified by this process, by their exact text. Verifying a token is a
//! function of its text and the key that checks it; what changes with time is checked
//! again at every use: the token must not have expired (the same leeway), and a token of
//! an identity provider's key set counts only while that set is the one in use (a set
//! fetched again, e.g. after a key was withdrawn, verifies its tokens anew). Bounded:
//! at most `ENTRIES` tokens of at most `MAX_TOKEN` bytes (all dropped when full); a
//! longer token is verified each time.

use super::auth::{LEEWAY_SECONDS, Verified};
use super::jwks::KeySet;
use foldhash::HashMap;
use jsonwebtoken::get_current_timestamp;
use std::sync::{Arc, Mutex, PoisonError};

const ENTRIES: usize = 4096;
const MAX_TOKEN: usize = 8 * 1024;

struct Entry {
    verified: Verified,
    /// The key set in use when the token was verified; `None` without a key set.
    keys: Option<Arc<KeySet>>,
}

#[derive(Default)]
pub struct VerifiedTokens {
    by_token: Mutex<HashMap<String, Entry>>,
}

impl VerifiedTokens {
    /// The identity of `token` when this process verified it with the key set `keys` (the
    /// one in use now) and it has not expired since.
    pub fn get(&self, token: &str, keys: Option<&Arc<KeySet>>) -> Option<Verified> {
        if token.len() > MAX_TOKEN {
            return None;
        }
        let by_token = self.by_token.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = by_token.get(token)?;
        let same_keys = match (&entry.keys, keys) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        (same_keys && get_current_timestamp() <= entry.verified.expires_at.saturating_add(LEEWAY_SECONDS))
            .then(|| entry.verified.clone())
    }

    pub fn keep(&self, token: &str, verified: &Verified, keys: Option<Arc<KeySet>>) {
        if token.len() > MAX_TOKEN {
            return;
        }
        let mut by_token = self.by_token.lock().unwrap_or_else(PoisonError::into_inner);
        if by_token.len() >= ENTRIES {
            by_token.clear();
        }
        by_token.insert(token.to_string(), Entry { verified: verified.clone(), keys });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Email;
    use crate::user::service::Identity;

    fn verified(expires_at: u64) -> Verified {
        let email = Email::parse("email", "a@example.com").expect("e-mail");
        Verified { identity: Identity { sub: "a".into(), email, email_verified: true, name: None, issued_at: None }, expires_at }
    }

    #[test]
    fn a_token_counts_while_unexpired_and_its_key_set_is_in_use() {
        let tokens = VerifiedTokens::default();
        let set = Arc::new(KeySet { keys: Vec::new() });
        tokens.keep("t", &verified(get_current_timestamp() + 60), Some(set.clone()));
        assert!(tokens.get("t", Some(&set)).is_some());
        assert!(tokens.get("other", Some(&set)).is_none(), "another text");
        assert!(tokens.get("t", Some(&Arc::new(KeySet { keys: Vec::new() }))).is_none(), "a key set fetched again");
        assert!(tokens.get("t", None).is_none());
        tokens.keep("hs", &verified(get_current_timestamp() + 60), None);
        assert!(tokens.get("hs", None).is_some());
        let long = "t".repeat(MAX_TOKEN + 1);
        tokens.keep(&long, &verified(get_current_timestamp() + 60), None);
        assert!(tokens.get(&long, None).is_none(), "a long token is verified each time");
    }

    #[test]
    fn an_expired_token_does_not_count_past_the_leeway() {
        let tokens = VerifiedTokens::default();
        tokens.keep("within", &verified(get_current_timestamp() - LEEWAY_SECONDS + 5), None);
        assert!(tokens.get("within", None).is_some(), "within the leeway, as when it was decoded");
        tokens.keep("past", &verified(get_current_timestamp() - LEEWAY_SECONDS - 5), None);
        assert!(tokens.get("past", None).is_none());
    }
}
