//! Batched reads of groups, scoped by the visibility rule of `authz` (`group.read` or
//! `group.manage` on the organization, or membership in the group: `Grants::group_filter`).

use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, Sql, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::{group, group_member, group_project};
use foldhash::HashMap;
use uuid::Uuid;

/// The groups of an organization the viewer sees, one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupsOfOrganization(pub Uuid, pub PageArgs);

impl Loader<GroupsOfOrganization> for DbLoader {
    type Value = Page<group::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[GroupsOfOrganization]) -> Result<HashMap<GroupsOfOrganization, Self::Value>, Self::Error> {
        let filter = self.grants().await.map_err(load_err)?.group_filter();
        let push = |_: &PageArgs, sql: &mut Sql| filter.push_sql(sql);
        let table =
            ChildTable { table: "groups", parent_col: "organization_id", parent_of: |g: &group::Model| g.organization_id };
        load_grouped::<group::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, Some(&push))
            .await
            .map_err(load_err)
    }
}

/// The members of a group, one page. The group itself was loaded through a visibility
/// filter: whoever sees a group sees its members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MembersOfGroup(pub Uuid, pub PageArgs);

impl Loader<MembersOfGroup> for DbLoader {
    type Value = Page<group_member::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[MembersOfGroup]) -> Result<HashMap<MembersOfGroup, Self::Value>, Self::Error> {
        let table =
            ChildTable { table: "group_members", parent_col: "group_id", parent_of: |m: &group_member::Model| m.group_id };
        load_grouped::<group_member::Entity, _, _, PageArgs>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, None)
            .await
            .map_err(load_err)
    }
}

/// One page of the project assignments of a group, oldest first. The group itself was
/// loaded through a visibility filter; each assignment's project is checked when shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProjectsOfGroup(pub Uuid, pub PageArgs);

impl Loader<ProjectsOfGroup> for DbLoader {
    type Value = Page<group_project::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[ProjectsOfGroup]) -> Result<HashMap<ProjectsOfGroup, Self::Value>, Self::Error> {
        let table =
            ChildTable { table: "group_projects", parent_col: "group_id", parent_of: |a: &group_project::Model| a.group_id };
        // Assignments to projects the viewer sees only (RULES.md §9.1): the others are not
        // counted, listed, nor dated.
        let f = self.grants().await.map_err(load_err)?.project_filter();
        let visible = |_: &PageArgs, sql: &mut Sql| f.push_sql_project_in(sql, "t.project_id");
        load_grouped::<group_project::Entity, _, _, PageArgs>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, Some(&visible))
            .await
            .map_err(load_err)
    }
}
