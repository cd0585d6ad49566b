//! Users as the viewer may see them: themself, or someone sharing an organization
//! (RULES.md §3.1). Every `User` field of another object loads through here; and the
//! viewer's own lists (organizations, teams, memberships).

use crate::authz::Scope;
use crate::db::page::{Page, PageArgs};
use crate::db::{Sql, load_pages};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use foldhash::HashMap;
use sea_orm::EntityTrait;
use uuid::Uuid;

crate::by_id_loader!(UserById, entity::user, entity::user::Model);

/// A user id, resolved only when the viewer may see that user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VisibleUser(pub Uuid);

impl Loader<VisibleUser> for DbLoader {
    type Value = entity::user::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[VisibleUser]) -> Result<HashMap<VisibleUser, Self::Value>, Self::Error> {
        let grants = self.grants().await.map_err(load_err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let mut sql = Sql::new(crate::db::backend(&self.db));
        sql.push("SELECT u.* FROM users u WHERE u.id IN ").bind_list(&ids).push(" AND ");
        grants.user_filter().push_sql(&mut sql, "u.id");
        let rows = entity::user::Entity::find().from_raw_sql(sql.build()).all(&self.db).await.map_err(load_err)?;
        Ok(rows.into_iter().map(|u| (VisibleUser(u.id), u)).collect())
    }
}

/// The organizations the viewer belongs to, one page (`User.organizations` of the viewer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ViewerOrganizations(pub PageArgs);

impl Loader<ViewerOrganizations> for DbLoader {
    type Value = std::sync::Arc<Page<entity::organization::Model>>;
    type Error = LoadError;

    async fn load(&self, keys: &[ViewerOrganizations]) -> Result<HashMap<ViewerOrganizations, Self::Value>, Self::Error> {
        let ids = self.grants().await.map_err(load_err)?.organization_ids();
        let filter = |_: &(), sql: &mut Sql| {
            sql.push("t.id IN ").bind_list(&ids);
        };
        let pages = load_pages::<entity::organization::Entity, _, _, _>(&self.db, "organizations", keys, |k| ((), k.0), filter);
        Ok(crate::db::shared(pages.await.map_err(load_err)?))
    }
}

/// The teams the viewer is an explicit member of and sees, one page (`User.teams` of the
/// viewer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ViewerTeams(pub PageArgs);

impl Loader<ViewerTeams> for DbLoader {
    type Value = Page<entity::team::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[ViewerTeams]) -> Result<HashMap<ViewerTeams, Self::Value>, Self::Error> {
        // Those it sees, by the rule `node` answers with (`TeamFilter`): a custom team role
        // may lack `team.read`, and an organization role that reads every project without
        // it sees only the teams that hold one.
        let grants = self.grants().await.map_err(load_err)?;
        let ids: Vec<Uuid> = grants.teams.keys().copied().collect();
        let seen = grants.team_filter();
        let filter = |_: &(), sql: &mut Sql| {
            sql.push("t.id IN ").bind_list(&ids).push(" AND ");
            seen.push_sql(sql);
        };
        load_pages::<entity::team::Entity, _, _, _>(&self.db, "teams", keys, |k| ((), k.0), filter).await.map_err(load_err)
    }
}

/// A user's own memberships, within the reach of the credential (`Grants::admitted`: a
/// restricted token's organization, none where a token may not act), optionally of one
/// scope kind, one page (`User.memberships` of the viewer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MembershipsOfUser {
    pub user: Uuid,
    pub scope: Option<Scope>,
    pub args: PageArgs,
}

impl Loader<MembershipsOfUser> for DbLoader {
    type Value = Page<entity::membership::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[MembershipsOfUser]) -> Result<HashMap<MembershipsOfUser, Self::Value>, Self::Error> {
        let grants = self.grants().await.map_err(load_err)?;
        let filter = |&(user, scope): &(Uuid, Option<Scope>), sql: &mut Sql| {
            sql.push("t.user_id = ").bind(user).push(" AND ");
            grants.push_sql_admitted(sql, "t.organization_id");
            if let Some(kind) = scope {
                sql.push(" AND t.scope_kind = ").bind(kind.as_str());
            }
        };
        let split = |k: &MembershipsOfUser| ((k.user, k.scope), k.args);
        load_pages::<entity::membership::Entity, _, _, _>(&self.db, "memberships", keys, split, filter).await.map_err(load_err)
    }
}
