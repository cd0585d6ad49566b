//! The two renderings of visibility agree (issue 11 deliverable 1): on the random graphs
//! of `authz_property`, for every user and every kind a field reaches, the SQL rules of
//! `authz` return exactly the rows the in-memory rules accept.

use orgraph::authz::{CatalogCell, Grants};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use std::collections::BTreeSet;
use uuid::Uuid;

/// For every user and every kind a field reaches (organizations, teams, workspaces,
/// projects, datasets, items, versions, labeling jobs): the rows the SQL rules of `authz` return (`Visible`,
/// used by `find_visible`, and the list filters of the loaders) are exactly the rows
/// the in-memory rules (`Grants::sees_*`) accept. Returns the number of rows compared.
pub async fn renderings_agree(db: &DatabaseConnection, cell: &CatalogCell, org: Uuid, users: &[Uuid], seed: u64) -> usize {
    use entity::{dataset, item, labeling_job, organization, project, project_version, team, workspace};
    use orgraph::authz::Visible;
    use sea_orm::{ColumnTrait, QueryFilter};
    let ids = |rows: Vec<Uuid>| rows.into_iter().collect::<BTreeSet<Uuid>>();
    let teams = team::Entity::find().filter(team::Column::OrganizationId.eq(org)).all(db).await.expect("teams");
    let workspaces =
        workspace::Entity::find().filter(workspace::Column::OrganizationId.eq(org)).all(db).await.expect("workspaces");
    let projects = project::Entity::find().filter(project::Column::OrganizationId.eq(org)).all(db).await.expect("projects");
    let datasets = dataset::Entity::find().filter(dataset::Column::OrganizationId.eq(org)).all(db).await.expect("datasets");
    let items = item::Entity::find().filter(item::Column::OrganizationId.eq(org)).all(db).await.expect("items");
    let jobs = labeling_job::Entity::find().filter(labeling_job::Column::OrganizationId.eq(org)).all(db).await.expect("jobs");
    let project_ids: Vec<Uuid> = projects.iter().map(|p| p.id).collect();
    let versions = project_version::Entity::find()
        .filter(project_version::Column::ProjectId.is_in(project_ids))
        .all(db)
        .await
        .expect("versions");
    let mut compared = 0;
    // Users of the graph, and one who belongs to nothing.
    for user in users.iter().copied().chain([Uuid::now_v7()]) {
        let grants = Grants::load(db, cell, user, None).await.expect("grants");
        let sql = |rows: Vec<Uuid>| ids(rows);
        // Organizations.
        let got = organization::Entity::find()
            .filter(organization::Column::Id.eq(org))
            .filter(<organization::Entity as Visible>::condition(&grants))
            .all(db)
            .await
            .expect("organizations");
        let want: BTreeSet<Uuid> = [org].into_iter().filter(|&o| grants.sees_org(o)).collect();
        assert_eq!(sql(got.iter().map(|o| o.id).collect()), want, "seed {seed}: organizations of {user}");
        // Teams, by `Visible` and by the loaders' filter.
        let want: BTreeSet<Uuid> = teams.iter().filter(|t| grants.sees_team(t.organization_id, t.id)).map(|t| t.id).collect();
        let got = team::Entity::find()
            .filter(team::Column::OrganizationId.eq(org))
            .filter(<team::Entity as Visible>::condition(&grants))
            .all(db)
            .await
            .expect("teams");
        assert_eq!(sql(got.iter().map(|t| t.id).collect()), want, "seed {seed}: teams of {user}");
        let mut q = orgraph::db::Sql::new(db.get_database_backend());
        q.push("SELECT t.id FROM teams t WHERE t.organization_id = ").bind(org).push(" AND ");
        grants.team_filter().push_sql(&mut q);
        assert_eq!(raw_ids(db, q).await, want, "seed {seed}: team list filter of {user}");
        // Workspaces.
        let want: BTreeSet<Uuid> =
            workspaces.iter().filter(|w| grants.sees_team(w.organization_id, w.team_id)).map(|w| w.id).collect();
        let got = workspace::Entity::find()
            .filter(workspace::Column::OrganizationId.eq(org))
            .filter(<workspace::Entity as Visible>::condition(&grants))
            .all(db)
            .await
            .expect("workspaces");
        assert_eq!(sql(got.iter().map(|w| w.id).collect()), want, "seed {seed}: workspaces of {user}");
        let mut q = orgraph::db::Sql::new(db.get_database_backend());
        q.push("SELECT t.id FROM workspaces t WHERE t.organization_id = ").bind(org).push(" AND ");
        grants.team_filter().push_sql_on(&mut q, "t.organization_id", "t.team_id");
        assert_eq!(raw_ids(db, q).await, want, "seed {seed}: workspace list filter of {user}");
        // Projects.
        let want: BTreeSet<Uuid> =
            projects.iter().filter(|p| grants.sees_project(p.organization_id, p.team_id, p.id)).map(|p| p.id).collect();
        let got = project::Entity::find()
            .filter(project::Column::OrganizationId.eq(org))
            .filter(<project::Entity as Visible>::condition(&grants))
            .all(db)
            .await
            .expect("projects");
        assert_eq!(sql(got.iter().map(|p| p.id).collect()), want, "seed {seed}: projects of {user}");
        let mut q = orgraph::db::Sql::new(db.get_database_backend());
        q.push("SELECT t.id FROM projects t WHERE t.organization_id = ").bind(org).push(" AND ");
        grants.project_filter().push_sql(&mut q);
        assert_eq!(raw_ids(db, q).await, want, "seed {seed}: project list filter of {user}");
        // Datasets (their project, or an assignment covering them: issue 15).
        let want: BTreeSet<Uuid> = datasets.iter().filter(|d| grants.sees_dataset(d)).map(|d| d.id).collect();
        let got = dataset::Entity::find()
            .filter(dataset::Column::OrganizationId.eq(org))
            .filter(<dataset::Entity as Visible>::condition(&grants))
            .all(db)
            .await
            .expect("datasets");
        assert_eq!(sql(got.iter().map(|d| d.id).collect()), want, "seed {seed}: datasets of {user}");
        // Versions: the in-memory rule reads the project's ancestors.
        let want: BTreeSet<Uuid> = versions
            .iter()
            .filter(|v| projects.iter().any(|p| p.id == v.project_id && grants.sees_project(p.organization_id, p.team_id, p.id)))
            .map(|v| v.id)
            .collect();
        let all: Vec<Uuid> = versions.iter().map(|v| v.id).collect();
        let got = project_version::Entity::find()
            .filter(project_version::Column::Id.is_in(all.clone()))
            .filter(<project_version::Entity as Visible>::condition(&grants))
            .all(db)
            .await
            .expect("versions");
        assert_eq!(sql(got.iter().map(|v| v.id).collect()), want, "seed {seed}: versions of {user}");
        let mut q = orgraph::db::Sql::new(db.get_database_backend());
        q.push("SELECT t.id FROM project_versions t WHERE t.id IN ").bind_list(&all).push(" AND ");
        grants.project_filter().push_sql_project_in(&mut q, "t.project_id");
        assert_eq!(raw_ids(db, q).await, want, "seed {seed}: version list filter of {user}");
        // Items: as their dataset.
        let want: BTreeSet<Uuid> = items
            .iter()
            .filter(|i| datasets.iter().any(|d| d.id == i.dataset_id && grants.sees_item(i, d)))
            .map(|i| i.id)
            .collect();
        let got = item::Entity::find()
            .filter(item::Column::OrganizationId.eq(org))
            .filter(<item::Entity as Visible>::condition(&grants))
            .all(db)
            .await
            .expect("items");
        assert_eq!(sql(got.iter().map(|i| i.id).collect()), want, "seed {seed}: items of {user}");
        // Labeling jobs, by `Visible` and by the loaders' filter.
        let want: BTreeSet<Uuid> = jobs.iter().filter(|j| grants.sees_job(j)).map(|j| j.id).collect();
        let got = labeling_job::Entity::find()
            .filter(labeling_job::Column::OrganizationId.eq(org))
            .filter(<labeling_job::Entity as Visible>::condition(&grants))
            .all(db)
            .await
            .expect("jobs");
        assert_eq!(sql(got.iter().map(|j| j.id).collect()), want, "seed {seed}: labeling jobs of {user}");
        let mut q = orgraph::db::Sql::new(db.get_database_backend());
        q.push("SELECT t.id FROM labeling_jobs t WHERE t.organization_id = ").bind(org).push(" AND ");
        orgraph::labeling::loader::push_visible_jobs(&grants, &mut q);
        assert_eq!(raw_ids(db, q).await, want, "seed {seed}: labeling job list filter of {user}");
        compared += items.len() + jobs.len() * 2;
        compared += 1 + teams.len() * 2 + workspaces.len() * 2 + projects.len() * 2 + datasets.len() + versions.len() * 2;
    }
    compared
}

async fn raw_ids(db: &DatabaseConnection, q: orgraph::db::Sql) -> BTreeSet<Uuid> {
    let rows = db.query_all_raw(q.build()).await.expect("filter query");
    rows.iter().map(|r| r.try_get::<Uuid>("", "id").expect("id")).collect()
}
