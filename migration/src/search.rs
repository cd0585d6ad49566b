//! How names are folded for a case-insensitive search, the same on both databases: in Rust,
//! once on write, never by the database (SQLite's `LOWER` and `LIKE` fold ASCII only,
//! PostgreSQL's `lower()` all of Unicode).

use unicode_normalization::UnicodeNormalization;

/// `name` composed (NFC) and lowercased: what `users.search_name` holds and what a search
/// prefix is compared as.
pub fn fold(name: &str) -> String {
    let lower = name.nfc().collect::<String>().to_lowercase();
    lower.nfc().collect()
}
