//! Capability grants (issue 5 item 4, seed 004): an organization's owner (whoever holds
//! `capability.manage`) gives one member a single grantable permission — run model
//! training, use Orchestrate, view the SDK token — on top of their role, and takes it
//! back. `Grants::load` reads the grants in the same statement as memberships (as one
//! synthetic role per organization), so a change holds from the very next request.

pub mod loader;
pub mod schema;
pub mod service;
