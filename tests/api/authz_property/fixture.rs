//! The generator and the fixture: a fresh database per run, random graphs written to it.

use super::reference::{ALL_KEYS, Graph, RefRole, custom_role, default_roles, key_scope};
use crate::helpers::{Db, fresh_database_url};
use orgraph::authz::CatalogCell;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

// ---------------------------------------------------------------- generation

/// xorshift64*: deterministic, so a failing case is reproducible from its seed.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub(super) struct Fixture {
    pub(super) db: DatabaseConnection,
    pub(super) cell: CatalogCell,
    /// Built-in DEFAULT role ids by (scope, key).
    pub(super) builtin: HashMap<(String, String), Uuid>,
    pub(super) reference: Vec<(&'static str, &'static str, RefRole)>,
}

impl Fixture {
    pub(super) async fn new(kind: Db) -> Self {
        let settings = orgraph::config::Settings::with_database(fresh_database_url(kind).await);
        let db = orgraph::db::connect(&settings).await.expect("connect");
        orgraph::db::migrate(&db).await.expect("migrate");
        let builtin = entity::role::Entity::find()
            .all(&db)
            .await
            .expect("roles")
            .into_iter()
            .filter(|r| r.catalog == "builtin")
            .map(|r| ((r.scope_kind, r.key), r.id))
            .collect();
        let cell = CatalogCell::load(&db).await.expect("catalog");
        let catalog = cell.get();
        let catalog_keys: BTreeSet<&str> = catalog.permissions.keys().map(String::as_str).collect();
        assert_eq!(catalog_keys, ALL_KEYS.iter().copied().collect(), "the catalog's keys differ from the reference's");
        Self { db, cell, builtin, reference: default_roles() }
    }

    pub(super) async fn insert<A: sea_orm::ActiveModelTrait + Send>(&self, db: &impl ConnectionTrait, model: A)
    where
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        <A::Entity as EntityTrait>::insert(model).exec_without_returning(db).await.expect("insert");
    }

    /// A random built-in DEFAULT role (reference and id), or a custom one of the graph.
    pub(super) fn role(&self, rng: &mut Rng, scope: &str, custom: &[(Uuid, &'static str, RefRole)]) -> (Uuid, RefRole) {
        let own: Vec<&(Uuid, &'static str, RefRole)> = custom.iter().filter(|c| c.1 == scope).collect();
        if !own.is_empty() && rng.chance(35) {
            let c = rng.pick(&own);
            return (c.0, c.2.clone());
        }
        let builtins: Vec<&(&str, &str, RefRole)> = self.reference.iter().filter(|r| r.0 == scope).collect();
        let r = rng.pick(&builtins);
        (self.builtin[&(scope.to_string(), r.1.to_string())], r.2.clone())
    }

    /// 0–3 custom roles with random keys valid at their scope; the catalog version moves.
    pub(super) async fn custom_roles(
        &self,
        txn: &impl ConnectionTrait,
        rng: &mut Rng,
        g: &Graph,
    ) -> Vec<(Uuid, &'static str, RefRole)> {
        let mut out = Vec::new();
        for n in 0..rng.below(4) {
            let scope = *rng.pick(&["organization", "team", "project"]);
            let valid: Vec<&str> = ALL_KEYS
                .iter()
                .copied()
                .filter(|k| match (key_scope(k), scope) {
                    ("organization", s) => s == "organization",
                    ("team", s) => s != "project",
                    _ => true,
                })
                // No custom role grants `org.transfer` (createRole refuses it).
                .filter(|k| *k != "org.transfer")
                .collect();
            let keys: Vec<String> =
                (0..1 + rng.below(8)).map(|_| rng.pick(&valid).to_string()).collect::<BTreeSet<_>>().into_iter().collect();
            let id = Uuid::now_v7();
            self.insert(
                txn,
                entity::role::Model {
                    id,
                    organization_id: Some(g.org),
                    catalog: g.org.to_string(),
                    scope_kind: scope.into(),
                    key: format!("custom{n}"),
                    name: format!("Custom {n}"),
                    built_in: false,
                    rank: 100,
                    description: None,
                }
                .into_active_model(),
            )
            .await;
            // Targets as the API stores them (createRole): the documented rule.
            for k in &keys {
                let target = match (key_scope(k), scope) {
                    ("any", s) => s,
                    ("organization", _) => "organization",
                    ("team", _) => "team",
                    ("project", "project") => "project",
                    _ => "team",
                };
                self.insert(
                    txn,
                    entity::role_permission::Model { role_id: id, target: target.into(), permission: k.clone() }
                        .into_active_model(),
                )
                .await;
            }
            out.push((id, scope, custom_role(scope, &keys)));
        }
        if !out.is_empty() {
            txn.execute_unprepared("UPDATE catalog_versions SET version = version + 1 WHERE id = 1").await.expect("bump");
        }
        out
    }
}

pub(super) fn job_row(id: Uuid, project: Uuid, team: Uuid, org: Uuid) -> entity::labeling_job::Model {
    let now = chrono::Utc::now();
    entity::labeling_job::Model {
        id,
        organization_id: org,
        team_id: team,
        project_id: project,
        name: "j".into(),
        description: None,
        status: "PENDING".into(),
        due_at: None,
        created_by: None,
        created_at: now,
        updated_at: now,
    }
}
