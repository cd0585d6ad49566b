use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, Sql, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::team;
use foldhash::HashMap;
use uuid::Uuid;

/// Teams of an organization that the viewer sees, one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TeamsOfOrganization(pub Uuid, pub PageArgs);

impl Loader<TeamsOfOrganization> for DbLoader {
    type Value = std::sync::Arc<Page<team::Model>>;
    type Error = LoadError;

    async fn load(&self, keys: &[TeamsOfOrganization]) -> Result<HashMap<TeamsOfOrganization, Self::Value>, Self::Error> {
        let filter = self.grants().await.map_err(load_err)?.team_filter();
        let push = |_: &PageArgs, sql: &mut Sql| filter.push_sql(sql);
        let table = ChildTable { table: "teams", parent_col: "organization_id", parent_of: |t: &team::Model| t.organization_id };
        load_grouped::<team::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, Some(&push))
            .await
            .map(crate::db::shared)
            .map_err(load_err)
    }
}

/// An organization by its (lowercase) slug, when the viewer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrganizationBySlug(pub String);

impl Loader<OrganizationBySlug> for DbLoader {
    type Value = entity::organization::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[OrganizationBySlug]) -> Result<HashMap<OrganizationBySlug, Self::Value>, Self::Error> {
        use entity::organization;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let grants = self.grants().await.map_err(load_err)?;
        let slugs: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
        let find = organization::Entity::find()
            .filter(organization::Column::Slug.is_in(slugs))
            .filter(<organization::Entity as crate::authz::Visible>::condition(&grants));
        let rows = crate::db::positional::select(&self.db, find).await.map_err(load_err)?;
        Ok(rows.into_iter().map(|o| (OrganizationBySlug(o.slug.clone()), o)).collect())
    }
}
