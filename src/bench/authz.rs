//! `orgraph bench-authz` (issue 5 item 8): the cost of a permission decision for a user
//! with 50 memberships, 10 groups, custom roles and capability grants. Cold: one
//! `Grants::load` (statements counted: one round trip). Cached: a decision on loaded
//! grants. Prints medians and ratios; asserts nothing about time.

use crate::authz::keys;
use crate::authz::{Catalog, CatalogCell, Grants, Resource, Scope};
use crate::error::{AppError, AppResult};
use entity::{
    capability_grant, group, group_member, group_project, membership, organization, project, role, role_permission, team, user,
    workspace,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, TransactionTrait};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

const ORGS: usize = 5;
const TEAMS_PER_ORG: usize = 5;
const PROJECTS_PER_TEAM: usize = 4;

async fn put<A, C>(db: &C, model: A) -> AppResult<()>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    <A::Entity as EntityTrait>::insert(model).exec_without_returning(db).await?;
    Ok(())
}

fn builtin(catalog: &Catalog, scope: Scope, key: &str) -> AppResult<Uuid> {
    Ok(catalog.builtin("builtin", scope, key)?.id)
}

/// Per organization: an org membership (a custom org role in every other org), 5 team
/// memberships, 4 project memberships (one with a custom role), 2 groups assigned to 3
/// projects each, 2 capability grants. 5 organizations: 50 memberships, 10 groups.
async fn fixture(db: &DatabaseConnection, cell: &CatalogCell) -> AppResult<(Uuid, Vec<Resource>)> {
    let catalog = cell.get();
    #[expect(clippy::disallowed_methods, reason = "the benchmark's fixture, outside any request")]
    let txn = db.begin().await?;
    let now = crate::db::now();
    let me = Uuid::now_v7();
    put(
        &txn,
        user::Model {
            id: me,
            sub: format!("bench-{me}"),
            email: format!("{me}@bench.example"),
            email_verified: true,
            name: None,
            created_at: now,
            claims_iat: None,
        }
        .into_active_model(),
    )
    .await?;
    let mut resources = Vec::new();
    let mut memberships = 0;
    for o in 0..ORGS {
        let org = Uuid::now_v7();
        let slug = format!("b{}", &org.simple().to_string()[20..]);
        put(
            &txn,
            organization::Model {
                id: org,
                slug,
                name: format!("Bench {o}"),
                description: None,
                contact_email: None,
                contact_phone: None,
                location: None,
                personal: false,
                role_preset: "DEFAULT".into(),
                owner_id: me,
                created_at: now,
            }
            .into_active_model(),
        )
        .await?;
        resources.push(Resource::Organization { org });
        let mut customs = Vec::new();
        for (n, (scope, keys)) in [
            (
                "organization",
                &[keys::ORG_READ.as_str(), keys::MEMBER_READ.as_str(), keys::TEAM_CREATE.as_str(), keys::GROUP_READ.as_str()][..],
            ),
            (
                "project",
                &[
                    keys::PROJECT_READ.as_str(),
                    keys::DATASET_READ.as_str(),
                    keys::LABEL_CREATE.as_str(),
                    keys::EXPORT_CREATE.as_str(),
                ][..],
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let id = Uuid::now_v7();
            put(
                &txn,
                role::Model {
                    id,
                    organization_id: Some(org),
                    catalog: org.to_string(),
                    scope_kind: scope.into(),
                    key: format!("custom{n}"),
                    name: format!("Custom {n}"),
                    built_in: false,
                    rank: 100,
                    description: None,
                }
                .into_active_model(),
            )
            .await?;
            for k in keys {
                put(
                    &txn,
                    role_permission::Model { role_id: id, target: scope.into(), permission: (*k).into() }.into_active_model(),
                )
                .await?;
            }
            customs.push(id);
        }
        let org_role = if o % 2 == 0 { builtin(&catalog, Scope::Organization, "maintainer")? } else { customs[0] };
        let member = |scope: &str, scope_id, team, project, role_id| membership::Model {
            id: Uuid::now_v7(),
            user_id: me,
            scope_kind: scope.into(),
            scope_id,
            organization_id: org,
            team_id: team,
            project_id: project,
            role_id,
            created_at: now,
        };
        put(&txn, member("organization", org, None, None, org_role).into_active_model()).await?;
        memberships += 1;
        let mut projects = Vec::new();
        for t in 0..TEAMS_PER_ORG {
            let tm = Uuid::now_v7();
            put(
                &txn,
                team::Model { id: tm, organization_id: org, name: format!("t{t}"), created_by: Some(me), created_at: now }
                    .into_active_model(),
            )
            .await?;
            let ws = Uuid::now_v7();
            put(
                &txn,
                workspace::Model {
                    id: ws,
                    team_id: tm,
                    organization_id: org,
                    name: "w".into(),
                    description: None,
                    created_at: now,
                }
                .into_active_model(),
            )
            .await?;
            let team_role = builtin(&catalog, Scope::Team, ["developer", "manager", "annotator", "viewer", "admin"][t % 5])?;
            put(&txn, member("team", tm, Some(tm), None, team_role).into_active_model()).await?;
            memberships += 1;
            resources.push(Resource::Team { org, team: tm });
            for p in 0..PROJECTS_PER_TEAM {
                let pr = Uuid::now_v7();
                put(
                    &txn,
                    project::Model {
                        id: pr,
                        workspace_id: ws,
                        team_id: tm,
                        organization_id: org,
                        name: format!("p{p}"),
                        description: None,
                        created_by: Some(me),
                        created_at: now,
                    }
                    .into_active_model(),
                )
                .await?;
                projects.push((pr, tm));
                resources.push(Resource::Project { org, team: tm, project: pr, owned: p % 2 == 0 });
            }
        }
        for (i, &(pr, tm)) in projects.iter().take(4).enumerate() {
            let role_id = if i == 0 { customs[1] } else { builtin(&catalog, Scope::Project, "reviewer")? };
            put(&txn, member("project", pr, Some(tm), Some(pr), role_id).into_active_model()).await?;
            memberships += 1;
        }
        for g in 0..2 {
            let gid = Uuid::now_v7();
            put(
                &txn,
                group::Model {
                    id: gid,
                    organization_id: org,
                    name: format!("g{g}"),
                    description: None,
                    created_by: Some(me),
                    created_at: now,
                }
                .into_active_model(),
            )
            .await?;
            put(
                &txn,
                group_member::Model { id: Uuid::now_v7(), group_id: gid, user_id: me, organization_id: org, created_at: now }
                    .into_active_model(),
            )
            .await?;
            for &(pr, _) in projects.iter().skip(4 + g * 3).take(3) {
                put(
                    &txn,
                    group_project::Model {
                        id: Uuid::now_v7(),
                        group_id: gid,
                        project_id: pr,
                        role_id: builtin(&catalog, Scope::Project, "lead")?,
                        organization_id: org,
                        created_at: now,
                    }
                    .into_active_model(),
                )
                .await?;
            }
        }
        for key in [keys::MODEL_TRAIN.as_str(), keys::SDK_TOKEN_VIEW.as_str()] {
            put(
                &txn,
                capability_grant::Model {
                    id: Uuid::now_v7(),
                    organization_id: org,
                    user_id: me,
                    permission: key.into(),
                    granted_by: None,
                    created_at: now,
                }
                .into_active_model(),
            )
            .await?;
        }
    }
    txn.execute_unprepared("UPDATE catalog_versions SET version = version + 1 WHERE id = 1").await?;
    txn.commit().await?;
    if memberships != 50 {
        return Err(AppError::internal(format!("fixture has {memberships} memberships")));
    }
    Ok((me, resources))
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// Runs the benchmark against `database_url` (a fresh SQLite file when `None`).
pub async fn run(database_url: Option<String>, iterations: usize) -> AppResult<()> {
    let url = database_url.unwrap_or_else(|| {
        let path = std::env::temp_dir().join(format!("orgraph-bench-{}.db", Uuid::now_v7().simple()));
        format!("sqlite://{}?mode=rwc", path.display())
    });
    let settings = crate::config::Settings::with_database(url.clone());
    let mut db = crate::db::connect(&settings).await?;
    crate::db::migrate(&db).await?;
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let cell = CatalogCell::load(&db).await?;
    let (me, resources) = fixture(&db, &cell).await?;
    let grants = Grants::load(&db, &cell, me, None).await?; // warm-up (refreshes the catalog)

    let before = statements.load(Ordering::Relaxed);
    let mut cold = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let g = Grants::load(&db, &cell, me, None).await?;
        cold.push(start.elapsed());
        std::hint::black_box(g);
    }
    let per_load = (statements.load(Ordering::Relaxed) - before) as f64 / iterations as f64;
    let mut trip = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        db.execute_unprepared("SELECT 1").await?;
        trip.push(start.elapsed());
    }

    let keys = [
        keys::PROJECT_READ.as_str(),
        keys::DATASET_DELETE.as_str(),
        keys::MEMBER_MANAGE.as_str(),
        keys::LABEL_CREATE.as_str(),
        keys::MODEL_TRAIN.as_str(),
        keys::ORG_DELETE.as_str(),
        keys::TEAM_UPDATE.as_str(),
        keys::EXPORT_CREATE.as_str(),
    ];
    let decisions = resources.len() * keys.len();
    let mut cached = Vec::with_capacity(iterations);
    let mut allowed = 0usize;
    for _ in 0..iterations.max(1) {
        let start = Instant::now();
        for r in &resources {
            for k in keys {
                allowed += usize::from(std::hint::black_box(grants.can(r, k)));
            }
        }
        cached.push(start.elapsed() / decisions as u32);
    }
    let (cold, trip, cached) = (median(cold), median(trip), median(cached));
    println!("orgraph bench-authz on {}", if settings.is_sqlite() { "SQLite" } else { "PostgreSQL" });
    println!(
        "  fixture: 1 user, 50 memberships, 10 groups (30 project assignments), 10 custom roles, 10 capability grants, {} objects",
        resources.len()
    );
    println!("  cold decision (Grants::load): median {cold:?}, {per_load:.2} SQL statements per load");
    println!(
        "  one bare round trip (SELECT 1): median {trip:?}; cold / round trip = {:.2}",
        cold.as_secs_f64() / trip.as_secs_f64().max(1e-12)
    );
    let passes = iterations.max(1);
    println!(
        "  cached decision (Grants::can): median {cached:?} over {decisions} decisions a pass ({} allowed)",
        allowed / passes
    );
    println!("  cached decision / 10 µs target = {:.4}", cached.as_secs_f64() / 10e-6);
    Ok(())
}
