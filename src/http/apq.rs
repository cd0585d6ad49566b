//! Apollo's automatic persisted queries (APQ): a client sends the SHA-256 of a query in
//! `extensions.persistedQuery`; the server answers `PersistedQueryNotFound` until it has
//! seen the query once with its hash, then runs the hash alone. Only query texts are
//! kept (bounded in bytes, oldest first out); answers and grants never are.

use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// The texts of queries sent with their hash, at most `budget` bytes of them (each
/// counted with its overhead, `charge`).
#[derive(Default)]
pub struct PersistedQueries {
    inner: Mutex<Store>,
    budget: usize,
}

#[derive(Default)]
struct Store {
    texts: HashMap<String, String>,
    order: VecDeque<String>,
    bytes: usize,
}

/// What a request's `persistedQuery` extension asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// No extension: an ordinary request.
    None,
    /// The query text to run.
    Found(String),
    /// The refusal to answer, with its `extensions.code`.
    Refused(&'static str, &'static str),
}

const NOT_FOUND: Lookup = Lookup::Refused("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND");
const NOT_SUPPORTED: Lookup = Lookup::Refused("PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED");

impl PersistedQueries {
    pub fn new(budget: usize) -> Self {
        Self { inner: Mutex::default(), budget }
    }

    /// Resolves the extension of a request with `query` (possibly empty) and
    /// `extensions`: the text to run, or the refusal. A query sent with a hash that is
    /// not its SHA-256 is refused, so no hash can be made to name another query.
    pub fn resolve(&self, query: &str, extensions: Option<&serde_json::Value>) -> Lookup {
        let Some(pq) = extensions.and_then(|e| e.get("persistedQuery")) else { return Lookup::None };
        if self.budget == 0 {
            return NOT_SUPPORTED;
        }
        let version = pq.get("version").and_then(serde_json::Value::as_u64);
        let hash = pq.get("sha256Hash").and_then(serde_json::Value::as_str).map(str::to_ascii_lowercase);
        let (Some(1), Some(hash)) = (version, hash) else {
            return Lookup::Refused("persistedQuery needs version 1 and a sha256Hash", "BAD_USER_INPUT");
        };
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Lookup::Refused("persistedQuery.sha256Hash must be 64 hexadecimal digits", "BAD_USER_INPUT");
        }
        if query.is_empty() {
            let Ok(store) = self.inner.lock() else { return NOT_FOUND };
            return store.texts.get(&hash).map_or(NOT_FOUND, |t| Lookup::Found(t.clone()));
        }
        if hex(&Sha256::digest(query.as_bytes())) != hash {
            return Lookup::Refused("provided sha does not match query", "BAD_USER_INPUT");
        }
        self.keep(hash, query);
        Lookup::Found(query.to_string())
    }

    fn keep(&self, hash: String, query: &str) {
        if charge(query) > self.budget {
            return;
        }
        let Ok(mut store) = self.inner.lock() else { return };
        if store.texts.contains_key(&hash) {
            return;
        }
        while store.bytes + charge(query) > self.budget {
            let Some(old) = store.order.pop_front() else { break };
            if let Some(text) = store.texts.remove(&old) {
                store.bytes -= charge(&text);
            }
        }
        store.bytes += charge(query);
        store.order.push_back(hash.clone());
        store.texts.insert(hash, query.to_string());
    }
}

/// What an entry holds against the budget: its text and what keeping it costs besides
/// (the hash twice, in the map and in the order, and their slots). Counting the text alone,
/// two million four-byte texts fitted in 8 MiB and held about 80 times that.
fn charge(query: &str) -> usize {
    query.len() + 256
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ext(hash: &str) -> serde_json::Value {
        json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
    }

    #[test]
    fn a_hash_runs_once_its_query_was_registered() {
        let q = "{ viewer { id } }";
        let h = hex(&Sha256::digest(q.as_bytes()));
        let apq = PersistedQueries::new(1024);
        assert_eq!(apq.resolve("", Some(&ext(&h))), NOT_FOUND);
        assert_eq!(apq.resolve(q, Some(&ext(&h))), Lookup::Found(q.into()));
        assert_eq!(apq.resolve("", Some(&ext(&h.to_uppercase()))), Lookup::Found(q.into()));
        assert!(matches!(apq.resolve("{ other }", Some(&ext(&h))), Lookup::Refused(_, "BAD_USER_INPUT")));
        assert_eq!(apq.resolve(q, None), Lookup::None);
    }

    #[test]
    fn the_oldest_queries_leave_when_the_budget_is_spent() {
        // Room for two of these (21 bytes of text and 256 of overhead each), not three.
        let apq = PersistedQueries::new(600);
        let queries = ["{ a { id } b { id } }", "{ c { id } d { id } }", "{ e { id } f { id } }"];
        for q in queries {
            apq.resolve(q, Some(&ext(&hex(&Sha256::digest(q.as_bytes())))));
        }
        let first = hex(&Sha256::digest(queries[0].as_bytes()));
        assert_eq!(apq.resolve("", Some(&ext(&first))), NOT_FOUND);
        let last = hex(&Sha256::digest(queries[2].as_bytes()));
        assert_eq!(apq.resolve("", Some(&ext(&last))), Lookup::Found(queries[2].into()));
        let second = hex(&Sha256::digest(queries[1].as_bytes()));
        assert_eq!(apq.resolve("", Some(&ext(&second))), Lookup::Found(queries[1].into()));
        // Tiny texts are counted with what keeping them costs: 8 KiB holds 31 of them.
        let apq = PersistedQueries::new(8 * 1024);
        for i in 0..10_000 {
            let q = format!("#{i}");
            apq.resolve(&q, Some(&ext(&hex(&Sha256::digest(q.as_bytes())))));
        }
        assert_eq!(apq.inner.lock().map(|s| s.texts.len()).ok(), Some(31));
        assert_eq!(PersistedQueries::new(0).resolve("", Some(&ext(&last))), NOT_SUPPORTED);
    }
}
