//! Who may assign, change or remove which role (RULES.md §5, notes ¹ ² ³). The
//! membership's own scope decides. Roles are compared by their hierarchy rank
//! (`RoleInfo::level`, 0 = most powerful): a built-in role's stored rank, or the rank a
//! custom role counts as (§9.3).

use super::catalog::{RoleInfo, Scope};
use super::grants::{Grants, Resource};
use super::keys;
use crate::error::{AppError, AppResult};
use std::sync::Arc;
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
    // Hierarchy ranks (RULES.md §9.3): a custom role counts as its `level`; the actor may
    // touch only roles strictly below their own rank.
    let below =
        |rank: i32| change.new_role().is_none_or(|n| n.level > rank) && change.current_role().is_none_or(|c| c.level > rank);
    match *resource {
        Resource::Organization { org } => {
            if change.new_role().is_some_and(|n| n.is_owner()) {
                return deny("ownership moves only with transferOrganizationOwnership");
            }
            if !below(grants.org_rank(org).unwrap_or(i32::MAX)) {
                return deny("you may only assign and manage roles below your own");
            }
            Ok(())
        }
        Resource::Team { org, .. } => {
            // §9.4: whoever holds `member.manage` on the organization itself stands above
            // every team role; only they demote or remove a team admin (the built-in admin
            // or a custom role ranked as one), whatever their team-level keys.
            if grants.can_via_org(org, Scope::Organization, keys::MEMBER_MANAGE.as_str()) {
                return Ok(());
            }
            if change.current_role().is_some_and(|c| c.level == 0) {
                return deny("only holders of member.manage on the organization demote or remove a team admin");
            }
            // Anyone else manages team memberships with a team admin's rank (0): roles
            // below it, and the built-in admin role itself, which team admins may hand out.
            let admin = change.new_role().is_some_and(|n| n.built_in && n.level == 0);
            let new_ok = admin || change.new_role().is_none_or(|n| n.level > 0);
            if !new_ok {
                return deny("a custom role ranked as a team admin is assigned only by the organization's member managers");
            }
            Ok(())
        }
        Resource::Project { project, .. } => {
            if grants.can_above_project(resource, permission) {
                return Ok(());
            }
            match grants.best_project_rank(project) {
                Some(rank) if below(rank) => Ok(()),
                _ => deny("you may only assign and manage project roles below your own; a lead needs a team admin"),
            }
        }
    }
}

/// The roles of `roles` the viewer may give a new member at `resource`: by `addMember`
/// (`member.manage`) or by `inviteMember` (`member.invite`), under the same rules as those
/// mutations (`check_member_change`).
pub fn assignable(grants: &Grants, resource: &Resource, roles: Vec<Arc<RoleInfo>>) -> Vec<Arc<RoleInfo>> {
    let may = |role: &RoleInfo| {
        [keys::MEMBER_MANAGE, keys::MEMBER_INVITE]
            .iter()
            .any(|key| check_member_change(grants, resource, Uuid::nil(), &MemberChange::Add { new: role }, key.as_str()).is_ok())
    };
    roles.into_iter().filter(|r| may(r)).collect()
}
