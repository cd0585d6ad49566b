//! CVAT (seed 002): organization roles owner, maintainer, supervisor, worker; tasks are
//! projects, with the task roles supervisor and assignee.
//!
//! Decisions:
//! - "Worker: access only to assigned tasks and jobs": a worker sees no project until it
//!   holds a project (task) role on it; then it labels, reviews and works on jobs there.
//! - "Supervisor: can create and assign tasks": `project.create` on every team of the
//!   organization and assigning the task roles (`member.manage` on projects); it does not
//!   invite into the organization ("Only Owners and Maintainers can invite members").
//! - "Maintainer: full administrative access except deleting organization", but the
//!   membership rules bound it: it assigns and manages only supervisor/worker
//!   memberships ("Maintainers cannot change Owner or other Maintainer roles", "Only the
//!   Owner can modify Maintainer roles"), so it cannot invite a maintainer either.
//! - Nobody assigns `owner` (ownership moves only by transfer).

use super::{Action::*, Expect::*, FAILED_PRECONDITION, FORBIDDEN, NOT_FOUND, Roles, Row, Target::*};
use crate::both;
use crate::helpers::TestApp;

pub const ROLES: Roles = Roles {
    organization: &["owner", "maintainer", "supervisor", "worker"],
    team: &["admin", "member"],
    project: &["supervisor", "assignee"],
};

const OWNER: &str = "org:owner";
const MAINTAINER: &str = "org:maintainer";
const SUPERVISOR: &str = "org:supervisor";
const WORKER: &str = "org:worker";

#[rustfmt::skip]
pub const TABLE: &[Row] = &[
    Row { seed: "You are automatically assigned the Owner role when you create an organization (full control)", actor: OWNER, action: Can("org.transfer"), target: Org, expect: Allowed },
    Row { seed: "Owner: full control (edit organization information)", actor: OWNER, action: RenameOrg, target: Org, expect: Allowed },
    Row { seed: "Invite: Role: select Worker, Supervisor, or Maintainer", actor: OWNER, action: Invite("maintainer"), target: Org, expect: Allowed },
    Row { seed: "Owner ... automatically assigned to creator (nobody is invited as owner)", actor: OWNER, action: Invite("owner"), target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Only Owners and Maintainers can invite members (maintainer)", actor: MAINTAINER, action: Invite("worker"), target: Org, expect: Allowed },
    Row { seed: "Only Owners and Maintainers can invite members (supervisor)", actor: SUPERVISOR, action: Invite("worker"), target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Only Owners and Maintainers can invite members (worker)", actor: WORKER, action: Invite("worker"), target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Only the Owner can modify Maintainer roles (a maintainer cannot make one)", actor: MAINTAINER, action: Invite("maintainer"), target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Maintainer: full administrative access except deleting organization (edit)", actor: MAINTAINER, action: RenameOrg, target: Org, expect: Allowed },
    Row { seed: "Maintainer: full administrative access except deleting organization (delete)", actor: MAINTAINER, action: DeleteOrg, target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Only the Owner can delete an organization", actor: OWNER, action: DeleteOrg, target: Org, expect: Allowed },
    Row { seed: "Only the Owner can delete an organization (supervisor)", actor: SUPERVISOR, action: DeleteOrg, target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Owners and Maintainers can modify member roles (owner)", actor: OWNER, action: ChangeRole("supervisor"), target: Member("org:worker"), expect: Allowed },
    Row { seed: "Owners and Maintainers can modify member roles (maintainer)", actor: MAINTAINER, action: ChangeRole("supervisor"), target: Member("org:worker"), expect: Allowed },
    Row { seed: "Owners and Maintainers can modify member roles (not supervisors)", actor: SUPERVISOR, action: ChangeRole("supervisor"), target: Member("org:worker"), expect: Denied(FORBIDDEN) },
    Row { seed: "Maintainers cannot change other Maintainer roles", actor: MAINTAINER, action: ChangeRole("worker"), target: Member("org:maintainer"), expect: Denied(FORBIDDEN) },
    Row { seed: "Maintainers cannot change Owner roles", actor: MAINTAINER, action: ChangeRole("worker"), target: Member("org:owner"), expect: Denied(FORBIDDEN) },
    Row { seed: "Only the Owner can modify Maintainer roles", actor: OWNER, action: ChangeRole("supervisor"), target: Member("org:maintainer"), expect: Allowed },
    Row { seed: "Owners can remove any member except themselves (a maintainer)", actor: OWNER, action: Remove, target: Member("org:maintainer"), expect: Allowed },
    Row { seed: "Owners can remove any member except themselves (themselves)", actor: OWNER, action: Remove, target: Actor, expect: Denied(FORBIDDEN) },
    Row { seed: "Maintainers can remove Workers", actor: MAINTAINER, action: Remove, target: Member("org:worker"), expect: Allowed },
    Row { seed: "Maintainers can remove Supervisors", actor: MAINTAINER, action: Remove, target: Member("org:supervisor"), expect: Allowed },
    Row { seed: "Maintainers cannot remove other Maintainers", actor: MAINTAINER, action: Remove, target: Member("org:maintainer"), expect: Denied(FORBIDDEN) },
    Row { seed: "Maintainers cannot remove Owners", actor: MAINTAINER, action: Remove, target: Member("org:owner"), expect: Denied(FORBIDDEN) },
    Row { seed: "Remove members: by administrators only (a supervisor cannot)", actor: SUPERVISOR, action: Remove, target: Member("org:worker"), expect: Denied(FORBIDDEN) },
    Row { seed: "Any member can leave an organization (worker)", actor: WORKER, action: Leave, target: Org, expect: Allowed },
    Row { seed: "Any member can leave an organization (maintainer)", actor: MAINTAINER, action: Leave, target: Org, expect: Allowed },
    Row { seed: "Any member can leave an organization (except the Owner)", actor: OWNER, action: Leave, target: Org, expect: Denied(FAILED_PRECONDITION) },
    Row { seed: "Worker: access only to assigned tasks and jobs (unassigned)", actor: WORKER, action: See, target: Project, expect: Denied(NOT_FOUND) },
    Row { seed: "Worker: access only to assigned tasks and jobs (assigned)", actor: "org:worker project:assignee", action: See, target: Project, expect: Allowed },
    Row { seed: "Worker: access only to assigned tasks and jobs (jobs)", actor: "org:worker project:assignee", action: Can("labeling_job.access"), target: Project, expect: Allowed },
    Row { seed: "Worker: access only to assigned tasks (not other tasks)", actor: "org:worker project:assignee", action: See, target: OtherWorkspaceProject, expect: Denied(NOT_FOUND) },
    Row { seed: "Supervisor: can create tasks", actor: SUPERVISOR, action: CreateProject, target: Workspace, expect: Allowed },
    Row { seed: "Supervisor: can assign tasks", actor: SUPERVISOR, action: AddMember("assignee"), target: Project, expect: Allowed },
    Row { seed: "Supervisor: best for project managers (not the organization's administration)", actor: SUPERVISOR, action: RenameOrg, target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Worker: best for annotators (cannot create tasks)", actor: WORKER, action: CreateProject, target: Workspace, expect: Denied(NOT_FOUND) },
];

both!(table, |app: TestApp| async move { crate::presets::run(&app, "CVAT", TABLE, &ROLES).await });
