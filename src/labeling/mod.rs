//! Labeling jobs (issue 15): work inside a project — the datasets a job covers, the
//! users assigned to label (`ASSIGNEE`) or review (`REVIEWER`) them, and a status that
//! moves PENDING → IN_PROGRESS → ON_REVIEW → COMPLETED, or REJECTED back to
//! IN_PROGRESS. An assignment is also a way to see: `authz::Assigned` (README
//! "Labeling jobs").

pub mod assignees;
pub mod loader;
pub mod mutation;
pub mod schema;
pub mod service;
pub mod status;
