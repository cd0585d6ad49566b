//! LABELBOX (seed 003): workspace-wide roles are organization roles (they reach every
//! team and project of the organization), project-based roles are project roles, and
//! `member` is "None" (project-based users). Both role tables of the seed lost their
//! checkmarks; the decisions below follow the seed's prose, the role names and
//! Labelbox's public documentation, and are what `migration/src/presets.rs` grants:
//!
//! - Admin: everything, incl. inviting into the organization, the catalog, models (full
//!   access) and requesting labeling services. Only Admins (and the owner) invite new
//!   members to the organization; nobody else does.
//! - Read-only Admin: views everything (catalog, projects, labels, metrics, models, the
//!   workflow tab) and changes nothing.
//! - Data Admin: catalog read/write; creates, modifies and deletes projects; adds members
//!   to projects; full annotation work; models full access. Not the labeling service.
//! - Project Lead (workspace-wide): edits projects (not create/delete), manages project
//!   members, batches, ontologies, benchmarks, labels (incl. delete), issues, exports,
//!   workflow; views catalog and models.
//! - Team Manager: like Project Lead without editing projects, catalog or models.
//! - Reviewer: reviews and creates labels, resolves issues, own metrics, workflow tab; no
//!   deleting labels, batches, ontologies or exports.
//! - Labeler: labels own assets only (own labels, own metrics, issues and comments on own
//!   assets); no review, workflow tab or export.
//! - Project-based roles give the same work keys on their project only; a project-based
//!   project lead edits the project and adds existing organization members, but nobody
//!   project-based invites new members to the organization.
//! - "This role can't be overridden at the project level": effective permissions are the
//!   union, so a project role adds to the workspace-wide role and never lowers it.

use super::{Action::*, Expect::*, FORBIDDEN, NOT_FOUND, Roles, Row, Target::*};
use crate::both;
use crate::helpers::TestApp;

pub const ROLES: Roles = Roles {
    organization: &[
        "owner",
        "admin",
        "read_only_admin",
        "data_admin",
        "project_lead",
        "team_manager",
        "reviewer",
        "labeler",
        "member",
    ],
    team: &["admin", "member"],
    project: &["project_lead", "team_manager", "reviewer", "labeler"],
};

const ADMIN: &str = "org:admin";
const RO_ADMIN: &str = "org:read_only_admin";
const DATA_ADMIN: &str = "org:data_admin";
const LEAD: &str = "org:project_lead";
const MANAGER: &str = "org:team_manager";
const REVIEWER: &str = "org:reviewer";
const LABELER: &str = "org:labeler";
const P_LEAD: &str = "org:member project:project_lead";
const P_MANAGER: &str = "org:member project:team_manager";
const P_REVIEWER: &str = "org:member project:reviewer";
const P_LABELER: &str = "org:member project:labeler";

#[rustfmt::skip]
pub const TABLE: &[Row] = &[
    // Workspace-wide roles.
    Row { seed: "Workspace-wide roles can access all projects with their default role (labeler)", actor: LABELER, action: See, target: Project, expect: Allowed },
    Row { seed: "Workspace-wide roles can access all projects (every workspace)", actor: RO_ADMIN, action: See, target: OtherWorkspaceProject, expect: Allowed },
    Row { seed: "Project-based users (None) access only the projects assigned to them", actor: "org:member", action: See, target: Project, expect: Denied(NOT_FOUND) },
    Row { seed: "Invite new members to an organization: Admin", actor: ADMIN, action: InviteStranger("labeler"), target: Org, expect: Allowed },
    Row { seed: "Invite new members to an organization: not Data Admin", actor: DATA_ADMIN, action: InviteStranger("labeler"), target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Invite new members to an organization: not Read-only Admin", actor: RO_ADMIN, action: InviteStranger("labeler"), target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Invite new members to an organization: not Project Lead", actor: LEAD, action: InviteStranger("labeler"), target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Click on the current role name: select the new workspace-wide role (Admin)", actor: ADMIN, action: ChangeRole("reviewer"), target: Member("org:labeler"), expect: Allowed },
    Row { seed: "workspace-wide role change: an Admin does not demote another Admin", actor: ADMIN, action: ChangeRole("reviewer"), target: Member("org:admin"), expect: Denied(FORBIDDEN) },
    Row { seed: "View datasets in Catalog: Data Admin", actor: DATA_ADMIN, action: Can("data_catalog.read"), target: Org, expect: Allowed },
    Row { seed: "View datasets in Catalog: not Labeler", actor: LABELER, action: Can("data_catalog.read"), target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Import data/create new datasets in Catalog: Data Admin", actor: DATA_ADMIN, action: Can("data_catalog.write"), target: Org, expect: Allowed },
    Row { seed: "Import data/create new datasets in Catalog: not Read-only Admin", actor: RO_ADMIN, action: Can("data_catalog.write"), target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Create new batches / rename / delete batches: Project Lead", actor: LEAD, action: Can("batch.manage"), target: Project, expect: Allowed },
    Row { seed: "Create new batches: not Reviewer", actor: REVIEWER, action: Can("batch.manage"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Create/modify ontologies: Project Lead", actor: LEAD, action: Can("ontology.manage"), target: Project, expect: Allowed },
    Row { seed: "Create/modify ontologies: not Reviewer", actor: REVIEWER, action: Can("ontology.manage"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Create/modify/delete projects: Admin creates", actor: ADMIN, action: CreateProject, target: Workspace, expect: Allowed },
    Row { seed: "Create/modify/delete projects: Data Admin deletes", actor: DATA_ADMIN, action: DeleteProject, target: Project, expect: Allowed },
    Row { seed: "Create/modify/delete projects: Project Lead does not create", actor: LEAD, action: CreateProject, target: Workspace, expect: Denied(FORBIDDEN) },
    Row { seed: "Edit projects: Project Lead", actor: LEAD, action: RenameProject, target: Project, expect: Allowed },
    Row { seed: "Create/modify/delete projects: not Team Manager", actor: MANAGER, action: RenameProject, target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Read-only Admin: view projects and labels", actor: RO_ADMIN, action: Can("label.read"), target: Project, expect: Allowed },
    Row { seed: "Read-only Admin: modifies nothing", actor: RO_ADMIN, action: RenameProject, target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Add/modify members on a project: Team Manager", actor: MANAGER, action: AddMember("labeler"), target: Project, expect: Allowed },
    Row { seed: "Add/modify members on a project: Project Lead", actor: LEAD, action: AddMember("reviewer"), target: Project, expect: Allowed },
    Row { seed: "Add/modify members on a project: not Reviewer", actor: REVIEWER, action: AddMember("labeler"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Admins can specify their user role (project-based assignment)", actor: ADMIN, action: AddMember("reviewer"), target: Project, expect: Allowed },
    Row { seed: "Create/modify labels: Labeler own only", actor: LABELER, action: Can("label.create.own"), target: Project, expect: Allowed },
    Row { seed: "Create/modify labels: Labeler own only (not others')", actor: LABELER, action: Can("label.create"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Review labels: Reviewer", actor: REVIEWER, action: Can("label.review"), target: Project, expect: Allowed },
    Row { seed: "Review labels: not Labeler", actor: LABELER, action: Can("label.review"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Delete labels: Team Manager", actor: MANAGER, action: Can("label.delete"), target: Project, expect: Allowed },
    Row { seed: "Delete labels: not Reviewer", actor: REVIEWER, action: Can("label.delete"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Add a data row as a benchmark: Project Lead", actor: LEAD, action: Can("benchmark.manage"), target: Project, expect: Allowed },
    Row { seed: "Add a data row as a benchmark: not Labeler", actor: LABELER, action: Can("benchmark.manage"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "View own & team's performance metrics: Reviewer own only", actor: REVIEWER, action: Can("metrics.view.own"), target: Project, expect: Allowed },
    Row { seed: "View own & team's performance metrics: Reviewer not the team's", actor: REVIEWER, action: Can("metrics.view"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "View own & team's performance metrics: Team Manager", actor: MANAGER, action: Can("metrics.view"), target: Project, expect: Allowed },
    Row { seed: "Create/update/delete/resolve/reopen issues: Reviewer", actor: REVIEWER, action: Can("issue.resolve"), target: Project, expect: Allowed },
    Row { seed: "Issues & comments set at project-level: Labeler on own assets", actor: LABELER, action: Can("issue.create.own"), target: Project, expect: Allowed },
    Row { seed: "Create an export: Team Manager", actor: MANAGER, action: Can("export.create"), target: Project, expect: Allowed },
    Row { seed: "Create an export: not Labeler", actor: LABELER, action: Can("export.create"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Models - full access: Data Admin", actor: DATA_ADMIN, action: Can("model.train"), target: Team, expect: Allowed },
    Row { seed: "Models - full access: not Project Lead", actor: LEAD, action: Can("model.train"), target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "View Models: Project Lead", actor: LEAD, action: Can("model.view"), target: Team, expect: Allowed },
    Row { seed: "View Models: Read-only Admin", actor: RO_ADMIN, action: Can("model.view"), target: Team, expect: Allowed },
    Row { seed: "View Models: not Labeler", actor: LABELER, action: Can("model.view"), target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "Access the Workflow tab / move data rows between steps: Reviewer", actor: REVIEWER, action: Can("workflow.access"), target: Project, expect: Allowed },
    Row { seed: "Access the Workflow tab: not Labeler", actor: LABELER, action: Can("workflow.access"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Request labeling services: Admin", actor: ADMIN, action: Can("labeling_service.request"), target: Org, expect: Allowed },
    Row { seed: "Request labeling services: not Data Admin", actor: DATA_ADMIN, action: Can("labeling_service.request"), target: Org, expect: Denied(FORBIDDEN) },
    // Project-based roles.
    Row { seed: "Project-based using manual assignment: can be assigned to specific projects", actor: P_LABELER, action: See, target: Project, expect: Allowed },
    Row { seed: "Project-based using manual assignment: only those projects", actor: P_LABELER, action: See, target: OtherWorkspaceProject, expect: Denied(NOT_FOUND) },
    Row { seed: "Edit projects: project-based project lead", actor: P_LEAD, action: RenameProject, target: Project, expect: Allowed },
    Row { seed: "Edit projects: not project-based team manager", actor: P_MANAGER, action: RenameProject, target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Import data/create new datasets: project-based project lead", actor: P_LEAD, action: CreateDataset, target: Project, expect: Allowed },
    Row { seed: "Import data/create new datasets: not project-based reviewer", actor: P_REVIEWER, action: CreateDataset, target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Invite new members to an organization: no project-based role", actor: P_LEAD, action: InviteStranger("labeler"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Add/modify existing org members on a project: project-based project lead", actor: P_LEAD, action: AddMember("labeler"), target: Project, expect: Allowed },
    Row { seed: "Add/modify existing org members on a project: project-based team manager", actor: P_MANAGER, action: Invite("reviewer"), target: Project, expect: Allowed },
    Row { seed: "Add/modify existing org members on a project: not project-based reviewer", actor: P_REVIEWER, action: AddMember("labeler"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Create issues: project-based labeler on own assets only", actor: P_LABELER, action: Can("issue.create.own"), target: Project, expect: Allowed },
    Row { seed: "Create issues: project-based labeler not on others' assets", actor: P_LABELER, action: Can("issue.create"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Resolve/Reopen issues: project-based reviewer", actor: P_REVIEWER, action: Can("issue.resolve"), target: Project, expect: Allowed },
    Row { seed: "Delete non-queued labels from a batch: project-based team manager", actor: P_MANAGER, action: Can("batch.manage"), target: Project, expect: Allowed },
    Row { seed: "Create an export: not project-based reviewer", actor: P_REVIEWER, action: Can("export.create"), target: Project, expect: Denied(FORBIDDEN) },
    // "This role can't be overridden at the project level."
    Row { seed: "can't be overridden at the project level: Labeler + project lead keeps the labeler's keys", actor: "org:labeler project:project_lead", action: Can("label.create.own"), target: Project, expect: Allowed },
    Row { seed: "can't be overridden at the project level: Labeler + project lead adds the lead's keys", actor: "org:labeler project:project_lead", action: RenameProject, target: Project, expect: Allowed },
    Row { seed: "can't be overridden at the project level: Reviewer + project-based labeler keeps review", actor: "org:reviewer project:labeler", action: Can("label.review"), target: Project, expect: Allowed },
    Row { seed: "can't be overridden at the project level: Reviewer + project-based labeler keeps other projects", actor: "org:reviewer project:labeler", action: See, target: OtherWorkspaceProject, expect: Allowed },
];

both!(table, |app: TestApp| async move { crate::presets::run(&app, "LABELBOX", TABLE, &ROLES).await });
