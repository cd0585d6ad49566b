//! `ScopeIdentity`: what a membership or invitation shows of its scope and the scope's
//! ancestors (RULES.md §9.1) — id, kind, name and (organizations) slug, and nothing
//! else. The full `Team` and `Project` objects stay behind the viewer's visibility, like
//! `node(id)`; this narrow type is loaded by its own loader that reads nothing but these
//! columns, so no field below it can reveal more.

use crate::authz::Scope;
use crate::graphql::context::{CtxExt, gql};
use crate::graphql::ids::{Kind, encode};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use crate::role::schema::ScopeKind;
use async_graphql::{Context, ID, Result, SimpleObject};
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// The identity of an organization, team or project: enough to name it, nothing below it.
#[derive(SimpleObject, Clone)]
pub struct ScopeIdentity {
    /// Opaque global id (`node` answers it only if the viewer sees the object).
    pub id: ID,
    /// The kind of scope.
    pub kind: ScopeKind,
    /// Its name.
    pub name: String,
    /// Its slug; organizations only (teams and projects have none).
    pub slug: Option<String>,
}

/// Loads the (name, slug) of a scope by kind and id, reading only those columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IdentityOf(pub Scope, pub Uuid);

impl Loader<IdentityOf> for DbLoader {
    type Value = (String, Option<String>);
    type Error = LoadError;

    async fn load(&self, keys: &[IdentityOf]) -> Result<HashMap<IdentityOf, Self::Value>, Self::Error> {
        use entity::{organization as o, project as p, team as t};
        let of = |scope: Scope| keys.iter().filter(move |k| k.0 == scope).map(|k| k.1).collect::<Vec<_>>();
        let mut out = HashMap::new();
        let orgs: Vec<(Uuid, String, String)> = o::Entity::find()
            .select_only()
            .columns([o::Column::Id, o::Column::Name, o::Column::Slug])
            .filter(o::Column::Id.is_in(of(Scope::Organization)))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(load_err)?;
        out.extend(orgs.into_iter().map(|(id, name, slug)| (IdentityOf(Scope::Organization, id), (name, Some(slug)))));
        let teams: Vec<(Uuid, String)> = t::Entity::find()
            .select_only()
            .columns([t::Column::Id, t::Column::Name])
            .filter(t::Column::Id.is_in(of(Scope::Team)))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(load_err)?;
        out.extend(teams.into_iter().map(|(id, name)| (IdentityOf(Scope::Team, id), (name, None))));
        let projects: Vec<(Uuid, String)> = p::Entity::find()
            .select_only()
            .columns([p::Column::Id, p::Column::Name])
            .filter(p::Column::Id.is_in(of(Scope::Project)))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(load_err)?;
        out.extend(projects.into_iter().map(|(id, name)| (IdentityOf(Scope::Project, id), (name, None))));
        Ok(out)
    }
}

/// The path from the organization down to the scope of a membership or invitation:
/// organization, then team and project where the scope has them. An ancestor that no
/// longer exists is left out.
pub async fn scope_path(ctx: &Context<'_>, org: Uuid, team: Option<Uuid>, project: Option<Uuid>) -> Result<Vec<ScopeIdentity>> {
    let mut keys = vec![IdentityOf(Scope::Organization, org)];
    keys.extend(team.map(|t| IdentityOf(Scope::Team, t)));
    keys.extend(project.map(|p| IdentityOf(Scope::Project, p)));
    let mut found = ctx.req()?.loader.load_many(keys.iter().copied()).await.map_err(gql)?;
    Ok(keys
        .into_iter()
        .filter_map(|key| {
            let (name, slug) = found.remove(&key)?;
            let kind = match key.0 {
                Scope::Organization => Kind::Organization,
                Scope::Team => Kind::Team,
                Scope::Project => Kind::Project,
            };
            Some(ScopeIdentity { id: encode(kind, key.1), kind: key.0.into(), name, slug })
        })
        .collect())
}
