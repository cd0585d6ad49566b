//! SUPERVISELY (seed 000): team roles admin, developer, manager, annotator, viewer.
//! Supervisely has no organization roles: the organization stands for the instance, its
//! `owner` for the instance administrator and `member` for every other user.
//!
//! Decisions:
//! - "admin can invite new members": inviting a user of the instance (an organization
//!   member) to the team. Bringing a stranger into the instance takes `member.invite` at
//!   organization scope, which only the owner holds (Supervisely invites existing users).
//! - "remove entities created by the other team members": projects and datasets; the
//!   developer's "only entities created by themself" is `project.delete.own` /
//!   `dataset.delete.own`. A manager modifies but removes nothing.
//! - "Neural Networks / Python Notebooks": `neural_network.access` on the team.
//! - "Labeling Jobs": `labeling_job.access`; the annotator's single page means it does not
//!   see projects at all (no `project.read`), so a project is NOT_FOUND for it.
//! - "only team's admin can remove other members": removing a team admin additionally
//!   needs the organization owner (RULES.md §5 ²); admins remove non-admins.

use super::{Action::*, Expect::*, FAILED_PRECONDITION, FORBIDDEN, NOT_FOUND, Roles, Row, Target::*};
use crate::both;
use crate::helpers::TestApp;

pub const ROLES: Roles =
    Roles { organization: &["owner", "member"], team: &["admin", "developer", "manager", "annotator", "viewer"], project: &[] };

const ADMIN: &str = "org:member team:admin";
const DEVELOPER: &str = "org:member team:developer";
const MANAGER: &str = "org:member team:manager";
const ANNOTATOR: &str = "org:member team:annotator";
const VIEWER: &str = "org:member team:viewer";

#[rustfmt::skip]
pub const TABLE: &[Row] = &[
    Row { seed: "admin can invite new members", actor: ADMIN, action: Invite("developer"), target: Team, expect: Allowed },
    Row { seed: "developer cannot invite new members to the team", actor: DEVELOPER, action: Invite("viewer"), target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "a team admin adds users of the instance only; the instance owner brings newcomers in", actor: ADMIN, action: InviteStranger("viewer"), target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "Admin: has full access in the team (adds members directly)", actor: ADMIN, action: AddMember("manager"), target: Team, expect: Allowed },
    Row { seed: "Every team must have at least one admin, but can have two or more", actor: ADMIN, action: AddMember("admin"), target: Team, expect: Allowed },
    Row { seed: "Admin can remove entities created by the other team members (project)", actor: ADMIN, action: DeleteProject, target: Project, expect: Allowed },
    Row { seed: "Admin can remove entities created by the other team members (dataset)", actor: ADMIN, action: DeleteDataset, target: Dataset, expect: Allowed },
    Row { seed: "Developer can only remove entities created by themself (own project)", actor: DEVELOPER, action: DeleteProject, target: OwnProject, expect: Allowed },
    Row { seed: "Developer can only remove entities created by themself (others' project)", actor: DEVELOPER, action: DeleteProject, target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Developer can only remove entities created by themself (own dataset)", actor: DEVELOPER, action: DeleteDataset, target: OwnDataset, expect: Allowed },
    Row { seed: "Developer can only remove entities created by themself (others' dataset)", actor: DEVELOPER, action: DeleteDataset, target: Dataset, expect: Denied(FORBIDDEN) },
    Row { seed: "Developer: similar to the admin (creates projects)", actor: DEVELOPER, action: CreateProject, target: Workspace, expect: Allowed },
    Row { seed: "Developer: similar to the admin (neural networks)", actor: DEVELOPER, action: Can("neural_network.access"), target: Team, expect: Allowed },
    Row { seed: "Manager has no access to things like Python Notebooks or Neural Networks", actor: MANAGER, action: Can("neural_network.access"), target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "Manager can view Projects", actor: MANAGER, action: See, target: Project, expect: Allowed },
    Row { seed: "Manager can modify Projects", actor: MANAGER, action: RenameProject, target: Project, expect: Allowed },
    Row { seed: "Manager can modify Projects (datasets)", actor: MANAGER, action: MoveDataset, target: Dataset, expect: Allowed },
    Row { seed: "Manager can view and modify Labeling Jobs", actor: MANAGER, action: Can("labeling_job.create"), target: Project, expect: Allowed },
    Row { seed: "only the admin removes entities created by others (manager)", actor: MANAGER, action: DeleteProject, target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Annotator has access only to a single page, Labeling Jobs", actor: ANNOTATOR, action: Can("labeling_job.access"), target: Team, expect: Allowed },
    Row { seed: "Annotator has access only to Labeling Jobs (no projects)", actor: ANNOTATOR, action: See, target: Project, expect: Denied(NOT_FOUND) },
    Row { seed: "Annotator has access only to Labeling Jobs (no neural networks)", actor: ANNOTATOR, action: Can("neural_network.access"), target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "Viewer can only view items in team", actor: VIEWER, action: See, target: Project, expect: Allowed },
    Row { seed: "Viewer can only view items in team (no modification)", actor: VIEWER, action: RenameProject, target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Viewer can only view items in team (no creation)", actor: VIEWER, action: CreateDataset, target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "only team's admin can remove other members from the team", actor: ADMIN, action: Remove, target: Member("org:member team:viewer"), expect: Allowed },
    Row { seed: "only team's admin can remove other members from the team (developer)", actor: DEVELOPER, action: Remove, target: Member("org:member team:viewer"), expect: Denied(FORBIDDEN) },
    Row { seed: "Members can leave the team at any moment", actor: VIEWER, action: Leave, target: Team, expect: Allowed },
    Row { seed: "Members can leave the team at any moment (admin, another admin remains)", actor: ADMIN, action: Leave, target: Team, expect: Allowed },
    Row { seed: "Every team must have at least one admin (the last admin cannot leave)", actor: "org:member", action: Leave, target: SoleAdminTeam, expect: Denied(FAILED_PRECONDITION) },
    Row { seed: "Every team must have at least one admin (nor be demoted)", actor: "org:owner", action: ChangeRole("developer"), target: SoleAdmin, expect: Denied(FAILED_PRECONDITION) },
    Row { seed: "The same user can have different roles in different teams (admin of one)", actor: "org:member team:viewer", action: Can("team.delete"), target: SoleAdminTeam, expect: Allowed },
    Row { seed: "The same user can have different roles in different teams (viewer of another)", actor: "org:member team:viewer", action: Can("team.delete"), target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "You can create a new team in the left menu", actor: "org:member", action: CreateTeam, target: Org, expect: Allowed },
    Row { seed: "You cannot create entities like projects outside of a team", actor: "org:member", action: CreateProject, target: Workspace, expect: Denied(NOT_FOUND) },
    Row { seed: "Users in the same team share the same resources, like projects", actor: DEVELOPER, action: See, target: Project, expect: Allowed },
    Row { seed: "Workspaces do not provide any access permissions or roles (no workspace membership)", actor: "org:owner", action: AddMember("viewer"), target: Workspace, expect: Denied(NOT_FOUND) },
    Row { seed: "Workspaces do not provide any access permissions (a team role reaches every workspace)", actor: VIEWER, action: See, target: OtherWorkspaceProject, expect: Allowed },
    Row { seed: "Admin has full access in the team (workspaces)", actor: ADMIN, action: CreateWorkspace, target: Team, expect: Allowed },
    Row { seed: "Admin has full access in the team (renames it)", actor: ADMIN, action: RenameTeam, target: Team, expect: Allowed },
    Row { seed: "Admin has full access in the team (a manager does not rename it)", actor: MANAGER, action: RenameTeam, target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "Admin has full access in the team (developer does not manage the team)", actor: DEVELOPER, action: DeleteTeam, target: Team, expect: Denied(FORBIDDEN) },
];

both!(table, |app: TestApp| async move { crate::presets::run(&app, "SUPERVISELY", TABLE, &ROLES).await });
