//! Who may assign, change or remove which role (RULES.md §5, notes ¹ ² ³). The
//! membership's own scope decides. Roles are compared by `rank` (0 = most powerful),
//! which is data in the `roles` table.

use super::catalog::{RoleInfo, Scope};
use super::grants::{Grants, Resource};
use crate::error::{AppError, AppResult};
use uuid::Uuid;

pub enum MemberChange<'a> {
    Add { new: &'a RoleInfo },
    Change { current: &'a RoleInfo, new: &'a RoleInfo },
    Remove { current: &'a RoleInfo },
}

impl MemberChange<'_> {
    fn current_role(&self) -> Option<&RoleInfo> {
        match self {
            MemberChange::Add { .. } => None,
            MemberChange::Change { current, .. } | MemberChange::Remove { current } => Some(current),
        }
    }
    fn new_role(&self) -> Option<&RoleInfo> {
        match self {
            MemberChange::Add { new } | MemberChange::Change { new, .. } => Some(new),
            MemberChange::Remove { .. } => None,
        }
    }
}

/// `Ok` when the viewer may make `change` to a membership of `target_user` at `scope`
/// (an organization, team or project: `resource`); otherwise `FORBIDDEN` with the reason.
pub fn check_member_change(
    grants: &Grants,
    resource: &Resource,
    target_user: Uuid,
    change: &MemberChange<'_>,
    permission: &str,
) -> AppResult<()> {
    let deny = |why: &str| Err(AppError::forbidden(why.to_string()));
    if target_user == grants.user_id {
        match change {
            MemberChange::Change { .. } => return deny("nobody changes their own role"),
            MemberChange::Remove { .. } => return deny("use leaveScope to leave a scope yourself"),
            MemberChange::Add { .. } => {}
        }
    }
    if !grants.can(resource, permission) {
        return deny(&format!("requires {permission} here"));
    }
    if change.new_role().is_some_and(|n| !grants.covers(resource, n)) {
        return deny("you may not assign a role that grants more than you hold yourself");
    }
    let below =
        |rank: i32| change.new_role().is_none_or(|n| n.rank > rank) && change.current_role().is_none_or(|c| c.rank > rank);
    match *resource {
        Resource::Organization { org } => {
            if change.new_role().is_some_and(|n| n.rank == 0) {
                return deny("ownership moves only with transferOrganizationOwnership");
            }
            let own_rank = grants.orgs.get(&org).map(|h| h.role.rank).unwrap_or(i32::MAX);
            if !below(own_rank) {
                return deny("you may only assign and manage roles below your own");
            }
            Ok(())
        }
        Resource::Team { org, .. } => {
            // Team admins may add and promote admins; only the organization's owner and
            // maintainers demote or remove one.
            let touches_admin =
                change.current_role().is_some_and(|c| c.rank == 0) && change.new_role().is_none_or(|n| n.rank != 0);
            if touches_admin && !grants.can_via_org(org, Scope::Team, permission) {
                return deny("only the organization's owner or maintainers demote or remove a team admin");
            }
            Ok(())
        }
        Resource::Project { .. } => {
            if grants.can_above_project(resource, permission) {
                return Ok(());
            }
            let own_rank = match resource {
                Resource::Project { project, .. } => grants.best_project_rank(*project),
                _ => None,
            };
            match own_rank {
                Some(rank) if below(rank) => Ok(()),
                _ => deny("you may only assign and manage project roles below your own; a lead needs a team admin"),
            }
        }
    }
}
