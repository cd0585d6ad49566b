//! Parsed documents by their text. Clients send the same few documents again and again
//! with other variables; parsing one is a pure function of its text, so a document seen
//! before is copied instead of parsed again (a parse was a twelfth of a one-row lookup's
//! time). What depends on the variables or the viewer (measures, validation, execution)
//! runs for every request. Bounded: short documents only, and at most `ENTRIES` of them
//! (all dropped when full). A document is kept shared: the subscriptions of one text hold
//! one copy between them (`Admitted::document`).

use async_graphql::parser::types::ExecutableDocument;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Longer documents are parsed each time.
const MAX_TEXT: usize = 4 * 1024;
const ENTRIES: usize = 128;

#[derive(Default)]
pub struct Parsed {
    by_text: Mutex<HashMap<String, Arc<ExecutableDocument>>>,
}

impl Parsed {
    /// The document parsed from `text` before, if any.
    pub fn get(&self, text: &str) -> Option<Arc<ExecutableDocument>> {
        if text.len() > MAX_TEXT {
            return None;
        }
        self.by_text.lock().unwrap_or_else(PoisonError::into_inner).get(text).cloned()
    }

    /// Remembers the document parsed from `text` (which passed the nesting bound).
    pub fn keep(&self, text: &str, doc: &Arc<ExecutableDocument>) {
        if text.len() > MAX_TEXT {
            return;
        }
        let mut by_text = self.by_text.lock().unwrap_or_else(PoisonError::into_inner);
        if by_text.len() >= ENTRIES {
            by_text.clear();
        }
        by_text.insert(text.to_string(), doc.clone());
    }
}
