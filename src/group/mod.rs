//! User groups (issue 5 item 3, seed 003 Labelbox): an organization's named sets of
//! members, assigned to projects with a project-scope role. A member holds the
//! assignment's role on the project for as long as they stay in the group and the
//! assignment stands; `Grants::load` reads it on every request. Group access is not a
//! membership row: it is changed through the group or its assignment, never per project.

pub mod loader;
pub mod schema;
pub mod service;
