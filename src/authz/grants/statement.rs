//! The one statement that reads a viewer's grants, and the grants built from its rows.

use super::{Grants, Held, HeldGrants};
use crate::authz::catalog::{Catalog, CatalogCell, RoleInfo, Scope, Stamped};
use crate::db::Sql;
use crate::error::AppResult;
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ConnectionTrait, FromQueryResult};
use std::collections::BTreeSet;
use std::sync::Arc;
use uuid::Uuid;

/// A row of the one grants statement (see `Grants::load`).
#[derive(Debug)]
pub struct GrantRow {
    /// "m" membership, "g" group assignment, "c" capability, "v" catalog version, "w" its
    /// stamp (`catalog_version`).
    pub src: String,
    pub id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub scope_kind: Option<String>,
    pub scope_id: Option<Uuid>,
    pub role_id: Option<Uuid>,
    pub perm: Option<String>,
    pub version: Option<i64>,
}

/// The catalog version of a grants statement's `rows` (rows "v" and "w").
pub(in crate::authz) fn catalog_version(rows: &[GrantRow]) -> Option<Stamped> {
    let of = |src: &str| rows.iter().find(|r| r.src == src).and_then(|r| r.version);
    Some(Stamped { version: of("v")?, stamp: of("w")? })
}

/// Read by position, in the statement's column order (`push_branches`): a user's every
/// grant is read on every request, and by name sea-orm formats and looks up each column
/// name of each row (a tenth of a lookup's time for a member of 20 organizations).
impl FromQueryResult for GrantRow {
    fn from_query_result(row: &sea_orm::QueryResult, _prefix: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            src: row.try_get_by_index(0)?,
            id: row.try_get_by_index(1)?,
            org_id: row.try_get_by_index(2)?,
            team_id: row.try_get_by_index(3)?,
            scope_kind: row.try_get_by_index(4)?,
            scope_id: row.try_get_by_index(5)?,
            role_id: row.try_get_by_index(6)?,
            perm: row.try_get_by_index(7)?,
            version: row.try_get_by_index(8)?,
        })
    }
}

/// Whose grants a statement reads: a user id, or the user a token's `sub` names.
pub(in crate::authz) enum Who<'a> {
    Id(Uuid),
    Sub(&'a str),
}

impl Who<'_> {
    pub(in crate::authz) fn push(&self, sql: &mut Sql) {
        match self {
            Who::Id(id) => {
                sql.bind(*id);
            }
            Who::Sub(sub) => {
                sql.push("(SELECT u.id FROM users u WHERE u.sub = ").bind(sub.to_string()).push(")");
            }
        }
    }
}

impl Grants {
    /// One statement: the user's memberships, group assignments and capability grants
    /// (of `only_org` alone when set) and the catalog's version. A stale in-memory
    /// catalog is refreshed first; a role still unknown grants nothing (fail closed).
    /// Unrestricted grants this process holds a copy of are read with the copy's guard
    /// (`memo`): the same statement, whose grants rows come only when they changed.
    pub async fn load<C: ConnectionTrait>(db: &C, cell: &CatalogCell, user_id: Uuid, only_org: Option<Uuid>) -> AppResult<Self> {
        if only_org.is_none()
            && let Some(grants) = Self::load_checked(db, cell, user_id).await?
        {
            return Ok(grants);
        }
        let stmt = Self::statement(crate::db::backend(db), &Who::Id(user_id), only_org);
        let rows = GrantRow::find_by_statement(stmt).all(db).await?;
        Self::finish(db, cell, user_id, only_org, rows).await
    }

    pub(in crate::authz) async fn finish<C: ConnectionTrait>(
        db: &C,
        cell: &CatalogCell,
        user_id: Uuid,
        only_org: Option<Uuid>,
        rows: Vec<GrantRow>,
    ) -> AppResult<Self> {
        let mut catalog = cell.get();
        if let Some(seen) = catalog_version(&rows)
            && seen != catalog.version
        {
            catalog = cell.refresh(db, seen).await?;
        }
        Ok(Self::from_rows(catalog, user_id, only_org, rows))
    }

    fn statement(backend: sea_orm::DbBackend, who: &Who<'_>, only_org: Option<Uuid>) -> sea_orm::Statement {
        let mut sql = Sql::new(backend);
        Self::push_branches(&mut sql, who, only_org, "");
        Self::push_catalog_version(&mut sql, "");
        sql.build()
    }

    /// ` UNION ALL` the catalog's version (row "v") and its stamp ("w"); `extra` as in
    /// `push_branches`.
    pub(in crate::authz) fn push_catalog_version(sql: &mut Sql, extra: &str) {
        for (src, column) in [("v", "version"), ("w", "stamp")] {
            sql.push(&format!(
                " UNION ALL SELECT '{src}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, v.{column}{extra} FROM catalog_versions v WHERE v.id = 1"
            ));
        }
    }

    /// The grants branches of the statement; `extra` ends each select list (the
    /// authentication statement's user columns, as NULLs).
    pub(in crate::authz) fn push_branches(sql: &mut Sql, who: &Who<'_>, only_org: Option<Uuid>, extra: &str) {
        let restrict = |sql: &mut Sql, col: &str| {
            if let Some(org) = only_org {
                sql.push(&format!(" AND {col} = ")).bind(org);
            }
        };
        sql.push(&format!(
            "SELECT 'm' AS src, m.id AS id, m.organization_id AS org_id, m.team_id AS team_id, m.scope_kind AS scope_kind, \
             m.scope_id AS scope_id, m.role_id AS role_id, m.scope_kind AS perm, 0 AS version{extra} FROM memberships m WHERE m.user_id = "
        ));
        who.push(sql);
        restrict(sql, "m.organization_id");
        sql.push(&format!(
            " UNION ALL SELECT 'g', gp.id, gp.organization_id, p.team_id, 'project', gp.project_id, gp.role_id, NULL, 0{extra} \
             FROM group_members gm JOIN group_projects gp ON gp.group_id = gm.group_id JOIN projects p ON p.id = gp.project_id \
             WHERE gm.user_id = "
        ));
        who.push(sql);
        restrict(sql, "gp.organization_id");
        sql.push(&format!(
            " UNION ALL SELECT 'c', c.id, c.organization_id, NULL, 'organization', c.organization_id, NULL, c.permission, 0{extra} \
             FROM capability_grants c WHERE c.user_id = "
        ));
        who.push(sql);
        restrict(sql, "c.organization_id");
        crate::authz::assigned::Assigned::push_statement(sql, who, only_org, extra);
    }

    /// The grants of `rows` (as read by `load`).
    fn from_rows(catalog: Arc<Catalog>, user_id: Uuid, only_org: Option<Uuid>, rows: Vec<GrantRow>) -> Self {
        let mut g = HeldGrants::default();
        let mut capabilities: HashMap<Uuid, BTreeSet<(Scope, String)>> = HashMap::new();
        for row in rows {
            if g.assigned.take(&row) {
                continue;
            }
            let (Some(id), Some(org), Some(scope_id)) = (row.id, row.org_id, row.scope_id) else { continue };
            if row.src == "c" {
                let key = row.perm.unwrap_or_default();
                if let Some(target) = catalog.permissions.get(&key).and_then(|p| p.target_for(Scope::Organization)) {
                    capabilities.entry(org).or_default().insert((target, key));
                }
                continue;
            }
            let Some(role) = row.role_id.and_then(|r| catalog.role(r)).cloned() else { continue };
            let held = Held { membership_id: id, organization_id: org, team_id: row.team_id, role };
            match (row.src.as_str(), row.scope_kind.as_deref().and_then(Scope::parse)) {
                ("g", _) => g.group_projects.entry(scope_id).or_default().push(held),
                (_, Some(Scope::Organization)) => _ = g.orgs.insert(scope_id, held),
                (_, Some(Scope::Team)) => _ = g.teams.insert(scope_id, held),
                (_, Some(Scope::Project)) => _ = g.projects.insert(scope_id, held),
                _ => {}
            }
        }
        for (org, grants) in capabilities {
            let role = RoleInfo {
                id: Uuid::nil(),
                key: "capabilities".into(),
                name: "Capabilities".into(),
                description: None,
                scope: Scope::Organization,
                rank: i32::MAX,
                level: i32::MAX,
                built_in: false,
                catalog: String::new(),
                organization_id: Some(org),
                grants,
            };
            g.capabilities
                .insert(org, Held { membership_id: Uuid::nil(), organization_id: org, team_id: None, role: Arc::new(role) });
        }
        let mut grants = Grants { user_id, only_org, catalog, invitee_email: None, held: Arc::new(g) };
        grants.settle_assignments();
        grants
    }
}
