//! The one authorization module. Given a viewer and an object it computes effective
//! permissions as the union of the viewer's organization, team and project roles
//! (RULES.md §5), decides visibility (§3.1) and who may assign which role. Resolvers and
//! services ask it; nothing else compares roles.

mod access_rules;
mod assigned;
mod assignment;
mod catalog;
mod cell;
pub mod grants;
pub mod keys;
mod memo;
mod rules;
mod visibility;

pub use assigned::{Assigned, Assignment};
pub use assignment::{MemberChange, assignable, check_member_change};
pub use catalog::{
    Catalog, CatalogCell, OrgRoles, PermissionInfo, RoleInfo, Scope, grants_cover, preset_namespace, role_at_scope,
};
pub use grants::{Grants, Held, Resource};
pub use keys::{Enforcement, Key};
pub use memo::{Provisional, provisional_counts};
pub use rules::{Visible, find_visible, find_visible_locked, find_visible_row, load_where};
pub use visibility::{AboutFilter, GroupFilter, HoldsFilter, ProjectFilter, TeamFilter, UserFilter};
