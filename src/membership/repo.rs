//! Memberships and their scopes as services read, lock and insert them inside a
//! transaction.

use crate::authz::{Grants, Resource, RoleInfo, Scope, find_visible_row};
use crate::error::{AppError, AppResult};
use entity::{membership, organization, project, team, user};
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

/// A scope a membership lives in, with its ancestors.
#[derive(Clone, Copy, Debug)]
pub struct ScopeRef {
    pub scope: Scope,
    pub id: Uuid,
    pub org: Uuid,
    pub team: Option<Uuid>,
}

impl ScopeRef {
    pub fn resource(&self) -> Resource {
        match (self.scope, self.team) {
            (Scope::Organization, _) | (_, None) => Resource::Organization { org: self.org },
            (Scope::Team, Some(team)) => Resource::Team { org: self.org, team },
            (Scope::Project, Some(team)) => Resource::Project { org: self.org, team, project: self.id, owned: false },
        }
    }
    pub fn of_membership(m: &membership::Model) -> AppResult<Self> {
        Self::from_parts(&m.scope_kind, m.scope_id, m.organization_id, m.team_id)
    }
    pub fn from_parts(kind: &str, id: Uuid, org: Uuid, team: Option<Uuid>) -> AppResult<Self> {
        let scope = Scope::parse(kind).ok_or_else(|| AppError::internal("unknown scope kind"))?;
        Ok(Self { scope, id, org, team })
    }
}

/// The scope if the viewer sees it; otherwise `NOT_FOUND`.
pub async fn find_visible_scope<C: ConnectionTrait>(db: &C, grants: &Grants, scope: Scope, id: Uuid) -> AppResult<ScopeRef> {
    find_scope(db, grants, scope, id, false).await
}

/// `find_visible_scope` that also takes `lock_scope`'s row lock, in the same statement.
pub async fn find_visible_scope_locked<C: ConnectionTrait>(
    db: &C,
    grants: &Grants,
    scope: Scope,
    id: Uuid,
) -> AppResult<ScopeRef> {
    find_scope(db, grants, scope, id, true).await
}

async fn find_scope<C: ConnectionTrait>(db: &C, grants: &Grants, scope: Scope, id: Uuid, lock: bool) -> AppResult<ScopeRef> {
    Ok(match scope {
        Scope::Organization => {
            find_visible_row::<organization::Entity, _>(db, grants, id, lock).await?;
            ScopeRef { scope, id, org: id, team: None }
        }
        Scope::Team => {
            let t = find_visible_row::<team::Entity, _>(db, grants, id, lock).await?;
            ScopeRef { scope, id, org: t.organization_id, team: Some(t.id) }
        }
        Scope::Project => {
            let p = find_visible_row::<project::Entity, _>(db, grants, id, lock).await?;
            ScopeRef { scope, id, org: p.organization_id, team: Some(p.team_id) }
        }
    })
}

/// Whether `user` is a member of the scope `scope_id` (an organization, team or project).
pub async fn is_member<C: ConnectionTrait>(db: &C, scope_id: Uuid, user: Uuid) -> AppResult<bool> {
    holds_membership(db, scope_id, membership::Column::UserId.eq(user)).await
}

/// Whether the user whose verified e-mail is `email` is a member of the scope `scope_id`
/// (one statement; a verified e-mail names at most one user).
pub async fn is_member_by_email<C: ConnectionTrait>(db: &C, scope_id: Uuid, email: &str) -> AppResult<bool> {
    let verified = sea_orm::sea_query::Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::Email.eq(email))
        .and_where(user::Column::EmailVerified.eq(true))
        .to_owned();
    holds_membership(db, scope_id, membership::Column::UserId.in_subquery(verified)).await
}

async fn holds_membership<C: ConnectionTrait>(db: &C, scope_id: Uuid, user: SimpleExpr) -> AppResult<bool> {
    Ok(membership::Entity::find().filter(membership::Column::ScopeId.eq(scope_id)).filter(user).one(db).await?.is_some())
}

pub async fn lock_scope<C: ConnectionTrait>(db: &C, s: &ScopeRef) -> AppResult<()> {
    match s.scope {
        Scope::Organization => crate::organization::repo::lock(db, s.id).await.map(|_| ()),
        Scope::Team => crate::team::repo::lock(db, s.id).await.map(|_| ()),
        Scope::Project => crate::project::repo::lock(db, s.id).await.map(|_| ()),
    }
}

/// Inserts a membership with `role` (valid at `scope`).
#[allow(clippy::too_many_arguments)]
pub async fn add_membership<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    scope: Scope,
    scope_id: Uuid,
    organization_id: Uuid,
    team_id: Option<Uuid>,
    project_id: Option<Uuid>,
    role: &RoleInfo,
) -> AppResult<membership::Model> {
    let m = membership::Model {
        id: Uuid::now_v7(),
        user_id,
        scope_kind: scope.as_str().into(),
        scope_id,
        organization_id,
        team_id,
        project_id,
        role_id: role.id,
        created_at: crate::db::now(),
    };
    membership::Entity::insert(m.clone().into_active_model()).exec_without_returning(db).await?;
    // Every caller creates the user's own membership (a creator, a newcomer).
    let after = crate::audit::membership_state(&m, &role.key);
    let change = crate::audit::membership_change(&m, user_id, crate::audit::AuditAction::MembershipCreated, None, Some(after));
    crate::audit::record(db, change).await?;
    Ok(m)
}
