//! `Fixture::build`: one random graph, written in one transaction, and the reference's
//! copy of it.

use super::fixture::{Fixture, Rng};
use super::reference::{GRANTABLE, Graph};
use sea_orm::{IntoActiveModel, TransactionTrait};
use uuid::Uuid;

impl Fixture {
    /// Writes one random graph (in one transaction) and returns it.
    pub(super) async fn build(&self, rng: &mut Rng) -> Graph {
        let tx = self.db.begin().await.expect("begin");
        let txn = &tx;
        let now = chrono::Utc::now();
        let mut g = Graph { org: Uuid::now_v7(), ..Default::default() };
        for i in 0..2 + rng.below(3) {
            let id = Uuid::now_v7();
            self.insert(
                txn,
                entity::user::Model {
                    id,
                    sub: format!("prop-{id}"),
                    email: format!("u{i}-{id}@example.com"),
                    email_verified: true,
                    name: None,
                    created_at: now,
                    claims_iat: None,
                }
                .into_active_model(),
            )
            .await;
            g.users.push(id);
        }
        self.insert(
            txn,
            entity::organization::Model {
                id: g.org,
                slug: format!("p{}", &g.org.simple().to_string()[16..]),
                name: "prop".into(),
                description: None,
                contact_email: None,
                contact_phone: None,
                location: None,
                personal: false,
                role_preset: "DEFAULT".into(),
                owner_id: g.users[0],
                created_at: now,
            }
            .into_active_model(),
        )
        .await;
        for t in 0..1 + rng.below(3) {
            let team = Uuid::now_v7();
            self.insert(
                txn,
                entity::team::Model {
                    id: team,
                    organization_id: g.org,
                    name: format!("t{t}"),
                    created_by: None,
                    created_at: now,
                }
                .into_active_model(),
            )
            .await;
            let ws = Uuid::now_v7();
            self.insert(
                txn,
                entity::workspace::Model {
                    id: ws,
                    team_id: team,
                    organization_id: g.org,
                    name: "w".into(),
                    description: None,
                    created_at: now,
                }
                .into_active_model(),
            )
            .await;
            for p in 0..1 + rng.below(3) {
                let project = Uuid::now_v7();
                let creator = *rng.pick(&g.users);
                self.insert(
                    txn,
                    entity::project::Model {
                        id: project,
                        workspace_id: ws,
                        team_id: team,
                        organization_id: g.org,
                        name: format!("p{p}"),
                        description: None,
                        created_by: Some(creator),
                        created_at: now,
                    }
                    .into_active_model(),
                )
                .await;
                // A dataset with a sub-dataset holding an item, and one version per
                // project: rows of every kind a field reaches.
                let (top, sub) = (Uuid::now_v7(), Uuid::now_v7());
                self.insert(
                    txn,
                    entity::dataset::Model {
                        id: top,
                        project_id: project,
                        parent_id: None,
                        sibling_key: project,
                        team_id: team,
                        organization_id: g.org,
                        name: "d".into(),
                        description: None,
                        depth: 0,
                        path: "/".into(),
                        created_by: None,
                        created_at: now,
                    }
                    .into_active_model(),
                )
                .await;
                self.insert(
                    txn,
                    entity::dataset::Model {
                        id: sub,
                        project_id: project,
                        parent_id: Some(top),
                        sibling_key: top,
                        team_id: team,
                        organization_id: g.org,
                        name: "c".into(),
                        description: None,
                        depth: 1,
                        path: format!("/{top}/"),
                        created_by: None,
                        created_at: now,
                    }
                    .into_active_model(),
                )
                .await;
                self.insert(
                    txn,
                    entity::item::Model {
                        id: Uuid::now_v7(),
                        dataset_id: sub,
                        project_id: project,
                        team_id: team,
                        organization_id: g.org,
                        name: "i".into(),
                        size_bytes: 1,
                        content_type: "image/png".into(),
                        created_by: None,
                        created_at: now,
                    }
                    .into_active_model(),
                )
                .await;
                g.datasets.push((top, project, team, None));
                g.datasets.push((sub, project, team, Some(top)));
                self.insert(
                    txn,
                    entity::project_version::Model {
                        id: Uuid::now_v7(),
                        project_id: project,
                        number: 1,
                        title: "v".into(),
                        description: None,
                        dataset_count: 1,
                        item_count: 0,
                        created_by: None,
                        created_at: now,
                    }
                    .into_active_model(),
                )
                .await;
                g.projects.push((project, team, creator));
            }
            g.teams.push(team);
        }
        let custom = self.custom_roles(txn, rng, &g).await;
        let member = |user, scope: &str, scope_id, team, project, role| entity::membership::Model {
            id: Uuid::now_v7(),
            user_id: user,
            scope_kind: scope.into(),
            scope_id,
            organization_id: g.org,
            team_id: team,
            project_id: project,
            role_id: role,
            created_at: now,
        };
        for &u in &g.users {
            if !rng.chance(85) {
                continue;
            }
            let (role, r) = self.role(rng, "organization", &custom);
            self.insert(txn, member(u, "organization", g.org, None, None, role).into_active_model()).await;
            g.org_role.insert(u, r);
            for &team in &g.teams {
                if rng.chance(40) {
                    let (role, r) = self.role(rng, "team", &custom);
                    self.insert(txn, member(u, "team", team, Some(team), None, role).into_active_model()).await;
                    g.team_role.insert((u, team), r);
                }
            }
            for &(project, team, _) in &g.projects {
                if rng.chance(30) {
                    let (role, r) = self.role(rng, "project", &custom);
                    self.insert(txn, member(u, "project", project, Some(team), Some(project), role).into_active_model()).await;
                    g.project_role.insert((u, project), r);
                }
            }
            if rng.chance(25) {
                for _ in 0..1 + rng.below(2) {
                    let key = *rng.pick(GRANTABLE);
                    if g.capabilities.entry(u).or_default().insert(key.to_string()) {
                        self.insert(
                            txn,
                            entity::capability_grant::Model {
                                id: Uuid::now_v7(),
                                organization_id: g.org,
                                user_id: u,
                                permission: key.into(),
                                granted_by: None,
                                created_at: now,
                            }
                            .into_active_model(),
                        )
                        .await;
                    }
                }
            }
        }
        for n in 0..rng.below(3) {
            let group = Uuid::now_v7();
            self.insert(
                txn,
                entity::group::Model {
                    id: group,
                    organization_id: g.org,
                    name: format!("g{n}"),
                    description: None,
                    created_by: None,
                    created_at: now,
                }
                .into_active_model(),
            )
            .await;
            let members: Vec<Uuid> = g.users.iter().copied().filter(|_| rng.chance(50)).collect();
            for &u in &members {
                self.insert(
                    txn,
                    entity::group_member::Model {
                        id: Uuid::now_v7(),
                        group_id: group,
                        user_id: u,
                        organization_id: g.org,
                        created_at: now,
                    }
                    .into_active_model(),
                )
                .await;
            }
            for &(project, _, _) in &g.projects {
                if rng.chance(40) {
                    let (role, r) = self.role(rng, "project", &custom);
                    self.insert(
                        txn,
                        entity::group_project::Model {
                            id: Uuid::now_v7(),
                            group_id: group,
                            project_id: project,
                            role_id: role,
                            organization_id: g.org,
                            created_at: now,
                        }
                        .into_active_model(),
                    )
                    .await;
                    for &u in &members {
                        g.group_roles.entry((u, project)).or_default().push(r.clone());
                    }
                }
            }
        }
        // Labeling jobs (issue 15) covering the top dataset or its sub-dataset, with random
        // assignees — members or not, holding `labeling_job.access` or not.
        for &(project, team, _) in &g.projects.clone() {
            if !rng.chance(60) {
                continue;
            }
            let job = Uuid::now_v7();
            let tops: Vec<(Uuid, Option<Uuid>)> = g.datasets.iter().filter(|d| d.1 == project).map(|d| (d.0, d.3)).collect();
            let covered = rng.pick(&tops).0;
            self.insert(
                txn,
                entity::labeling_job::Model {
                    id: job,
                    organization_id: g.org,
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
                .into_active_model(),
            )
            .await;
            self.insert(
                txn,
                entity::labeling_job_dataset::Model { id: Uuid::now_v7(), job_id: job, dataset_id: covered, created_at: now }
                    .into_active_model(),
            )
            .await;
            for &u in &g.users.clone() {
                if rng.chance(40) {
                    let role = if rng.chance(50) { "ASSIGNEE" } else { "REVIEWER" };
                    self.insert(
                        txn,
                        entity::labeling_job_assignee::Model {
                            id: Uuid::now_v7(),
                            job_id: job,
                            user_id: u,
                            organization_id: g.org,
                            role: role.into(),
                            assigned_by: None,
                            created_at: now,
                        }
                        .into_active_model(),
                    )
                    .await;
                    g.assigned.insert((u, job));
                }
            }
            g.jobs.push((job, project, team, covered));
        }
        tx.commit().await.expect("commit");
        g
    }
}
