//! Parsed value types: GraphQL inputs become these at the edge, so services never see a
//! raw string where a rule applies (STYLE.md "parse at the edge").

mod email;
mod names;

pub use email::Email;
pub use names::{Description, Name, RoleKey, SearchText, Slug, is_invisible, nfc};
