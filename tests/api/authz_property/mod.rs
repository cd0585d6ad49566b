//! Correctness beyond examples (issue 5 item 6): random membership graphs — teams,
//! projects, built-in and custom roles, groups and capability grants — are written to a
//! real database; the engine (`Grants::load` and its decisions) must agree with the
//! reference evaluator (`reference.rs`) on every (user, object, permission) triple, on owned and
//! foreign projects, and on visibility.
//!
//! The reference is written from the tables, not from the engine: RULES.md §5 (the
//! DEFAULT roles, plus the issue-5 keys `migration/src/presets.rs` adds to them) and the
//! documented rules for custom roles, groups and capabilities (README "Roles").

mod build;
mod fixture;
mod reference;

use crate::helpers::{Db, require_postgres};
use fixture::{Fixture, Rng, job_row};
use orgraph::authz::{Grants, Resource};
pub use reference::RULES_KEYS;
use reference::{ALL_KEYS, Graph};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};

// ---------------------------------------------------------------- the property

async fn check_case(f: &Fixture, seed: u64) -> usize {
    let mut rng = Rng(seed);
    let g = f.build(&mut rng).await;
    let mut checked = 0;
    for &user in &g.users {
        let grants = Grants::load(&f.db, &f.cell, user, None).await.expect("grants");
        let mut resources = vec![Resource::Organization { org: g.org }];
        resources.extend(g.teams.iter().map(|&team| Resource::Team { org: g.org, team }));
        for &(project, team, creator) in &g.projects {
            resources.push(Resource::Project { org: g.org, team, project, owned: creator == user });
            resources.push(Resource::Project { org: g.org, team, project, owned: creator != user });
        }
        for r in &resources {
            let expected = g.expected(user, r);
            assert_eq!(grants.permissions(r), expected, "seed {seed}: permissions of {user} on {r:?}");
            for key in ALL_KEYS {
                assert_eq!(grants.can(r, key), Graph::expected_can(&expected, r, key), "seed {seed}: {user} {key} on {r:?}");
                checked += 1;
            }
        }
        // Where the viewer holds a key, as the SQL rules render it (`Grants::holds_filter`).
        for key in ALL_KEYS {
            let holds = grants.holds_filter(key);
            for r in &resources {
                let listed = match *r {
                    Resource::Organization { org } => holds.orgs.contains(&org),
                    Resource::Team { org, team } => holds.teams.full_orgs.contains(&org) || holds.teams.team_ids.contains(&team),
                    // `.own` keys are not part of the filter.
                    Resource::Project { owned: true, .. } => continue,
                    Resource::Project { org, team, project, .. } => {
                        holds.projects.full_orgs.contains(&org)
                            || holds.projects.full_teams.contains(&team)
                            || holds.projects.project_ids.contains(&project)
                    }
                };
                assert_eq!(listed, grants.can(r, key), "seed {seed}: holds filter of {user} for {key} on {r:?}");
                checked += 1;
            }
        }
        let filter = grants.project_filter();
        for &(project, team, _) in &g.projects {
            let expected =
                g.expected(user, &Resource::Project { org: g.org, team, project, owned: false }).contains("project.read");
            assert_eq!(grants.sees_project(g.org, team, project), expected, "seed {seed}: sees project");
            let listed =
                filter.full_orgs.contains(&g.org) || filter.full_teams.contains(&team) || filter.project_ids.contains(&project);
            assert_eq!(listed, expected, "seed {seed}: project filter");
        }
        let teams = grants.team_filter();
        for &team in &g.teams {
            let expected = g.expected_sees_team(user, team);
            // The grants alone cannot tell an empty team: an organization-wide project
            // reader's `sees_team` says yes for it (asked only of a team already reached).
            let empty_for_org_reader = g.org_role.get(&user).is_some_and(|r| g.reads_below(r))
                && !g.projects.iter().any(|p| p.1 == team)
                && !teams.team_ids.contains(&team)
                && !teams.full_orgs.contains(&g.org);
            assert_eq!(grants.sees_team(g.org, team), expected || empty_for_org_reader, "seed {seed}: sees team");
            let holds_project = g.projects.iter().any(|p| p.1 == team);
            let listed = teams.full_orgs.contains(&g.org)
                || teams.team_ids.contains(&team)
                || (teams.project_orgs.contains(&g.org) && holds_project);
            assert_eq!(listed, expected, "seed {seed}: team filter");
        }
        // Visibility through assignment (issue 15).
        for &(job, project, team, _) in &g.jobs {
            let row = job_row(job, project, team, g.org);
            assert_eq!(grants.sees_job(&row), g.expected_sees_job(user, job), "seed {seed}: {user} sees job {job}");
            checked += 1;
        }
        for d in &g.datasets {
            let row = entity::dataset::Entity::find_by_id(d.0).one(&f.db).await.expect("dataset").expect("exists");
            assert_eq!(grants.sees_dataset(&row), g.expected_sees_dataset(user, d.0), "seed {seed}: {user} sees dataset {}", d.0);
            checked += 1;
        }
    }
    checked += crate::visibility_property::renderings_agree(&f.db, &f.cell, g.org, &g.users, seed).await;
    // The organization goes, with everything in it: the catalog stays small. Rows naming
    // its custom roles first (their foreign keys restrict).
    for table in ["trash_entries", "invitations", "group_projects", "memberships", "organizations"] {
        let column = if table == "organizations" { "id" } else { "organization_id" };
        let sql = match f.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => format!("DELETE FROM {table} WHERE {column} = $1"),
            _ => format!("DELETE FROM {table} WHERE {column} = ?"),
        };
        let statement = Statement::from_sql_and_values(f.db.get_database_backend(), sql, [g.org.into()]);
        f.db.execute_raw(statement).await.expect("delete the organization");
    }
    checked
}

async fn run(kind: Db, default_cases: u64) {
    let cases = std::env::var("ORGRAPH_PROPERTY_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default_cases);
    let base = std::env::var("ORGRAPH_PROPERTY_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed_0001_u64);
    let f = Fixture::new(kind).await;
    let mut checked = 0;
    for case in 0..cases {
        checked += check_case(&f, base.wrapping_add(case.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1).await;
    }
    eprintln!("{kind:?}: {cases} random graphs, {checked} (user, object, permission) triples agree");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_agrees_with_the_reference_on_random_graphs_sqlite() {
    run(Db::Sqlite, 2000).await;
}

postgres_gate::gated! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn engine_agrees_with_the_reference_on_random_graphs_postgres() {
        require_postgres();
        run(Db::Postgres, 1000).await;
    }
}
