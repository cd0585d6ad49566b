//! Batched reads of groups, scoped by the same visibility rule as `service::sees`:
//! `group.read` on the organization, or membership in the group.

use crate::db::{ChildTable, Sql, load_grouped};
use crate::graphql::loader::{DbLoader, LoadError, load_err};
use crate::graphql::pagination::{Cursored, Page, PageArgs};
use async_graphql::dataloader::Loader;
use entity::{group, group_member, group_project};
use sea_orm::EntityTrait;
use std::collections::HashMap;
use uuid::Uuid;

impl Cursored for group::Model {
    fn cursor_id(&self) -> Uuid {
        self.id
    }
}

impl Cursored for group_member::Model {
    fn cursor_id(&self) -> Uuid {
        self.id
    }
}

/// Which groups the viewer sees, as SQL over alias `t` (the `groups` table).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct GroupFilter {
    /// Organizations where the viewer holds `group.read`: every group.
    read_orgs: Vec<Uuid>,
    /// Organizations the viewer belongs to: the groups they are a member of.
    member_orgs: Vec<Uuid>,
    viewer: Uuid,
}

impl GroupFilter {
    async fn of(loader: &DbLoader) -> Result<Self, LoadError> {
        let grants = loader.authz.grants().await.map_err(load_err)?;
        let mut member_orgs = grants.organization_ids();
        member_orgs.sort();
        let read_orgs = member_orgs
            .iter()
            .copied()
            .filter(|o| grants.can(&crate::authz::Resource::Organization { org: *o }, super::service::READ))
            .collect();
        Ok(Self { read_orgs, member_orgs, viewer: grants.user_id })
    }

    fn push_sql(&self, sql: &mut Sql) {
        sql.push("(t.organization_id IN ")
            .bind_list(&self.read_orgs)
            .push(" OR (t.organization_id IN ")
            .bind_list(&self.member_orgs)
            .push(" AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = t.id AND gm.user_id = ")
            .bind(self.viewer)
            .push(")))");
    }
}

/// A group by id, present only when the viewer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VisibleGroup(pub Uuid);

impl Loader<VisibleGroup> for DbLoader {
    type Value = group::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[VisibleGroup]) -> Result<HashMap<VisibleGroup, Self::Value>, Self::Error> {
        let filter = GroupFilter::of(self).await?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push("SELECT t.* FROM groups t WHERE t.id IN ").bind_list(&ids).push(" AND ");
        filter.push_sql(&mut sql);
        let rows = group::Entity::find().from_raw_sql(sql.build()).all(&self.db).await.map_err(load_err)?;
        Ok(rows.into_iter().map(|g| (VisibleGroup(g.id), g)).collect())
    }
}

/// The groups of an organization the viewer sees, one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupsOfOrganization(pub Uuid, pub PageArgs);

impl Loader<GroupsOfOrganization> for DbLoader {
    type Value = Page<group::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[GroupsOfOrganization]) -> Result<HashMap<GroupsOfOrganization, Self::Value>, Self::Error> {
        let filter = GroupFilter::of(self).await?;
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
        load_grouped::<group_project::Entity, _, _, PageArgs>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, None)
            .await
            .map_err(load_err)
    }
}

impl Cursored for group_project::Model {
    fn cursor_id(&self) -> Uuid {
        self.id
    }
}
