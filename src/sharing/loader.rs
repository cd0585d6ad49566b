//! Batched reads of the sharing rows of projects.

use crate::db::page::{Page, PageArgs};
use crate::db::{Sql, load_pages};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::{project_origin, published_project};
use foldhash::HashMap;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Whether a project is published (present only when it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PublishedOf(pub Uuid);

impl Loader<PublishedOf> for DbLoader {
    type Value = published_project::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[PublishedOf]) -> Result<HashMap<PublishedOf, Self::Value>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = published_project::Entity::find()
            .filter(published_project::Column::ProjectId.is_in(ids))
            .all(&self.db)
            .await
            .map_err(load_err)?;
        Ok(rows.into_iter().map(|r| (PublishedOf(r.project_id), r)).collect())
    }
}

/// The origin of a project, if it was created by a copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OriginOf(pub Uuid);

impl Loader<OriginOf> for DbLoader {
    type Value = project_origin::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[OriginOf]) -> Result<HashMap<OriginOf, Self::Value>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = project_origin::Entity::find()
            .filter(project_origin::Column::ProjectId.is_in(ids))
            .all(&self.db)
            .await
            .map_err(load_err)?;
        Ok(rows.into_iter().map(|r| (OriginOf(r.project_id), r)).collect())
    }
}

/// Share links of a project, oldest first, one page. The caller has checked
/// `project.update` there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShareLinksOf(pub Uuid, pub PageArgs);

impl Loader<ShareLinksOf> for DbLoader {
    type Value = Page<entity::share_link::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[ShareLinksOf]) -> Result<HashMap<ShareLinksOf, Self::Value>, Self::Error> {
        let filter = |project: &Uuid, sql: &mut Sql| {
            sql.push("t.project_id = ").bind(*project);
        };
        load_pages::<entity::share_link::Entity, _, _, _>(&self.db, "share_links", keys, |k| (k.0, k.1), filter)
            .await
            .map_err(load_err)
    }
}

/// Every published project, oldest first, one page (`explore`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Published(pub PageArgs);

impl Loader<Published> for DbLoader {
    type Value = Page<entity::project::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Published]) -> Result<HashMap<Published, Self::Value>, Self::Error> {
        let filter = |_: &(), sql: &mut Sql| {
            sql.push("t.id IN (SELECT project_id FROM published_projects)");
        };
        load_pages::<entity::project::Entity, _, _, _>(&self.db, "projects", keys, |k| ((), k.0), filter).await.map_err(load_err)
    }
}
