//! SUPERANNOTATE (seed 004): SuperAnnotate's team is the organization here, with the
//! roles Team Owner (`owner`), Team Admin (`admin`) and Contributor (`contributor`);
//! project roles admin, qa, annotator, customer, viewer. One row per cell of the seed's
//! table; a ⚠ "needs permission" cell is a capability: `viewerCan` is false until the
//! owner grants it with `grantCapability`, then true.
//!
//! Decisions:
//! - "Change the team name and description" is `updateOrganization`; "Invite team
//!   members" is inviting into the organization; "Delete or reassign Team Admins" is
//!   removing or changing an organization `admin` membership (ranks: only the owner).
//! - "Set the permissions of Project Admins": assigning the project `admin` role; a
//!   Contributor (here a project annotator) cannot.
//! - "Generate a token for Python SDK": `createApiToken` restricted to the organization
//!   (`sdk_token.generate`); "View SDK token": `sdk_token.view`.
//! - "run model training" is `model.train`, "Orchestrate" `orchestrate.access`, both on
//!   the organization's teams; a Contributor (team member) holds neither and the owner
//!   grants them to Team Admins only in practice (the rows grant to admins).
//! - Issue 11 (finding 17): a capability must gate something orgraph enforces, so
//!   `orchestrate.access` and `explore.datasets` (client keys, `viewerCan` only) are not
//!   grantable; their ⚠ cells are given through a custom role instead ("Explore datasets:
//!   ⚠ for all three": no built-in role holds `explore.datasets`).
//! - "The Neural Network tab is only visible to Team Owners and Team Admins":
//!   `neural_network.access` on a team.

use super::{Action::*, Expect::*, FORBIDDEN, Roles, Row, Target::*};
use crate::both;
use crate::helpers::TestApp;

pub const ROLES: Roles = Roles {
    organization: &["owner", "admin", "contributor"],
    team: &["admin", "member"],
    project: &["admin", "qa", "annotator", "customer", "viewer"],
};

const OWNER: &str = "org:owner";
const ADMIN: &str = "org:admin";
const CONTRIBUTOR: &str = "org:contributor";
/// A Contributor who sees the team (without a team role it sees nothing of it).
const CONTRIBUTOR_IN_TEAM: &str = "org:contributor team:member";

#[rustfmt::skip]
pub const TABLE: &[Row] = &[
    Row { seed: "Change the team name and description: Team Owner yes", actor: OWNER, action: RenameOrg, target: Org, expect: Allowed },
    Row { seed: "Change the team name and description: Team Admin no", actor: ADMIN, action: RenameOrg, target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Change the team name and description: Contributor no", actor: CONTRIBUTOR, action: RenameOrg, target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Invite team members: Team Owner yes", actor: OWNER, action: InviteStranger("contributor"), target: Org, expect: Allowed },
    Row { seed: "Invite team members: Team Admin yes", actor: ADMIN, action: InviteStranger("contributor"), target: Org, expect: Allowed },
    Row { seed: "Invite team members: Contributor no", actor: CONTRIBUTOR, action: InviteStranger("contributor"), target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Delete or reassign Team Admins: Team Owner yes (delete)", actor: OWNER, action: Remove, target: Member("org:admin"), expect: Allowed },
    Row { seed: "Delete or reassign Team Admins: Team Owner yes (reassign)", actor: OWNER, action: ChangeRole("contributor"), target: Member("org:admin"), expect: Allowed },
    Row { seed: "Delete or reassign Team Admins: Team Admin no (delete)", actor: ADMIN, action: Remove, target: Member("org:admin"), expect: Denied(FORBIDDEN) },
    Row { seed: "Delete or reassign Team Admins: Team Admin no (reassign)", actor: ADMIN, action: ChangeRole("contributor"), target: Member("org:admin"), expect: Denied(FORBIDDEN) },
    Row { seed: "Delete or reassign Team Admins: Contributor no", actor: CONTRIBUTOR, action: Remove, target: Member("org:admin"), expect: Denied(FORBIDDEN) },
    Row { seed: "Set the permissions of Project Admins: Team Owner yes", actor: OWNER, action: AddMember("admin"), target: Project, expect: Allowed },
    Row { seed: "Set the permissions of Project Admins: Team Admin yes", actor: ADMIN, action: AddMember("admin"), target: Project, expect: Allowed },
    Row { seed: "Set the permissions of Project Admins: Contributor no", actor: "org:contributor project:annotator", action: AddMember("admin"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Generate a token for Python SDK: Team Owner yes", actor: OWNER, action: SdkToken, target: Org, expect: Allowed },
    Row { seed: "Generate a token for Python SDK: Team Admin no", actor: ADMIN, action: SdkToken, target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Generate a token for Python SDK: Contributor no", actor: CONTRIBUTOR, action: SdkToken, target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "View SDK token: Team Owner yes", actor: OWNER, action: Can("sdk_token.view"), target: Org, expect: Allowed },
    Row { seed: "View SDK token: Team Admin needs permission", actor: ADMIN, action: CanAfterGrant("sdk_token.view"), target: Org, expect: Allowed },
    Row { seed: "View SDK token: Contributor no", actor: CONTRIBUTOR, action: Can("sdk_token.view"), target: Org, expect: Denied(FORBIDDEN) },
    Row { seed: "Allow Team Admins to run model training: Team Owner yes", actor: OWNER, action: Can("model.train"), target: Team, expect: Allowed },
    Row { seed: "Allow Team Admins to run model training: Team Admin needs permission", actor: ADMIN, action: CanAfterGrant("model.train"), target: Team, expect: Allowed },
    Row { seed: "Allow Team Admins to run model training: Contributor no", actor: CONTRIBUTOR_IN_TEAM, action: Can("model.train"), target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "Allow Team Admins to access Orchestrate: Team Owner yes", actor: OWNER, action: Can("orchestrate.access"), target: Team, expect: Allowed },
    Row { seed: "Allow Team Admins to access Orchestrate: Team Admin needs permission (a custom role, issue 11)", actor: ADMIN, action: Can("orchestrate.access"), target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "Allow Team Admins to access Orchestrate: Contributor no", actor: CONTRIBUTOR_IN_TEAM, action: Can("orchestrate.access"), target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "Explore datasets: Team Owner needs permission (a custom role, issue 11)", actor: OWNER, action: Can("explore.datasets"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Explore datasets: Team Admin needs permission (a custom role, issue 11)", actor: ADMIN, action: Can("explore.datasets"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "Explore datasets: Contributor (Project Admin) needs permission (a custom role, issue 11)", actor: "org:contributor project:admin", action: Can("explore.datasets"), target: Project, expect: Denied(FORBIDDEN) },
    Row { seed: "The Neural Network tab is only visible to Team Owners", actor: OWNER, action: Can("neural_network.access"), target: Team, expect: Allowed },
    Row { seed: "The Neural Network tab is only visible to Team Admins", actor: ADMIN, action: Can("neural_network.access"), target: Team, expect: Allowed },
    Row { seed: "The Neural Network tab is not visible to Contributors", actor: CONTRIBUTOR_IN_TEAM, action: Can("neural_network.access"), target: Team, expect: Denied(FORBIDDEN) },
    Row { seed: "Allow a Team Admin to run training: the Team Owner checks the Run training box", actor: OWNER, action: GrantCapability("model.train"), target: Member("org:admin"), expect: Allowed },
    Row { seed: "Access to Orchestrate: as a Team Owner, you can provide your Team Admins access (a custom role, not a capability: issue 11)", actor: OWNER, action: GrantCapability("orchestrate.access"), target: Member("org:admin"), expect: Denied("BAD_USER_INPUT") },
    Row { seed: "Only the Team Owner allows Team Admins to run training (not a Team Admin)", actor: ADMIN, action: GrantCapability("model.train"), target: Member("org:admin"), expect: Denied(FORBIDDEN) },
    Row { seed: "When adding new Team Admins, this option (Orchestrate) is unchecked by default", actor: ADMIN, action: Can("orchestrate.access"), target: Team, expect: Denied(FORBIDDEN) },
];

both!(table, |app: TestApp| async move { crate::presets::run(&app, "SUPERANNOTATE", TABLE, &ROLES).await });
