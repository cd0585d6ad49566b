//! Sharing (issue 6 items 4 and 6): `publishProject` makes a project readable by every
//! signed-in user through `explore`; `cloneProject` copies a readable project's dataset
//! tree and item metadata into a team where the viewer may create projects; share links
//! let a non-member clone with an unguessable token (only its hash is stored);
//! `Project.origin` tells where a cloned or restored project came from.
//!
//! Publishing grants reading only through `explore` and the nested fields of the
//! projects it returns: `node(id)` and every mutation keep the visibility rules of
//! RULES.md §3. The copy itself is `version::snapshot::create_copy`, shared with restore.

pub mod loader;
pub mod schema;
pub mod service;
