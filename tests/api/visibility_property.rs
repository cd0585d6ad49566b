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
        compared += access_rows_agree(db, grants, org, user, seed).await;
        compared += 1 + teams.len() * 2 + workspaces.len() * 2 + projects.len() * 2 + datasets.len() + versions.len() * 2;
    }
    compared
}

/// Memberships, invitations and capability grants of `org`: the SQL rules of `authz`
/// return exactly the rows the concepts' in-memory `sees` accept. Invitations are made
/// here, one per membership (its scope and role), sent by the next member, every third one
/// to the verified e-mail of a member.
async fn access_rows_agree(db: &DatabaseConnection, mut grants: Grants, org: Uuid, user: Uuid, seed: u64) -> usize {
    use entity::{capability_grant, invitation, membership};
    use orgraph::authz::Visible;
    use sea_orm::{ColumnTrait, IntoActiveModel, QueryFilter};
    let ids = |rows: Vec<Uuid>| rows.into_iter().collect::<BTreeSet<Uuid>>();
    let memberships =
        membership::Entity::find().filter(membership::Column::OrganizationId.eq(org)).all(db).await.expect("memberships");
    let want = ids(memberships.iter().filter(|m| orgraph::membership::service::sees(&grants, m)).map(|m| m.id).collect());
    let got = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(org))
        .filter(<membership::Entity as Visible>::condition(&grants))
        .all(db)
        .await
        .expect("visible memberships");
    assert_eq!(ids(got.iter().map(|m| m.id).collect()), want, "seed {seed}: memberships of {user}");

    let grants_rows =
        capability_grant::Entity::find().filter(capability_grant::Column::OrganizationId.eq(org)).all(db).await.expect("caps");
    let want = ids(grants_rows.iter().filter(|c| orgraph::capability::service::sees(&grants, c)).map(|c| c.id).collect());
    let got = capability_grant::Entity::find()
        .filter(capability_grant::Column::OrganizationId.eq(org))
        .filter(<capability_grant::Entity as Visible>::condition(&grants))
        .all(db)
        .await
        .expect("visible caps");
    assert_eq!(ids(got.iter().map(|c| c.id).collect()), want, "seed {seed}: capability grants of {user}");

    // Invitations: made once per organization (the first user to be checked makes them).
    let mut invitations =
        invitation::Entity::find().filter(invitation::Column::OrganizationId.eq(org)).all(db).await.expect("invitations");
    let viewer_email = format!("invitee-{user}@example.test");
    if invitations.is_empty() {
        let members: Vec<Uuid> = memberships.iter().map(|m| m.user_id).collect();
        for (i, m) in memberships.iter().enumerate() {
            let now = chrono::Utc::now();
            let row = invitation::Model {
                id: Uuid::now_v7(),
                scope_kind: m.scope_kind.clone(),
                scope_id: m.scope_id,
                organization_id: m.organization_id,
                team_id: m.team_id,
                project_id: m.project_id,
                email: if i % 3 == 0 {
                    format!("invitee-{}@example.test", members[i % members.len()])
                } else {
                    format!("someone-{i}@example.test")
                },
                role_id: m.role_id,
                invited_by: Some(members[(i + 1) % members.len()]),
                status: "PENDING".into(),
                created_at: now,
                sent_at: now,
                expires_at: now,
                responded_at: None,
            };
            invitation::Entity::insert(row.clone().into_active_model()).exec_without_returning(db).await.expect("invite");
            invitations.push(row);
        }
    }
    // The viewer, with a verified e-mail: the invitee of the invitations sent to it.
    let viewer = entity::user::Model {
        id: user,
        sub: format!("sub-{user}"),
        email: viewer_email.clone(),
        email_verified: true,
        name: None,
        created_at: chrono::Utc::now(),
        claims_iat: None,
    };
    grants.invitee_email = Some(viewer_email);
    let want =
        ids(invitations.iter().filter(|i| orgraph::invitation::service::sees(&grants, &viewer, i)).map(|i| i.id).collect());
    let got = invitation::Entity::find()
        .filter(invitation::Column::OrganizationId.eq(org))
        .filter(<invitation::Entity as Visible>::condition(&grants))
        .all(db)
        .await
        .expect("visible invitations");
    assert_eq!(ids(got.iter().map(|i| i.id).collect()), want, "seed {seed}: invitations of {user}");
    // Groups: `group.read` or `group.manage` on the organization, or being a member, within it.
    use entity::{group, group_member};
    let groups = group::Entity::find().filter(group::Column::OrganizationId.eq(org)).all(db).await.expect("groups");
    let group_ids: Vec<Uuid> = groups.iter().map(|g| g.id).collect();
    let member_of: BTreeSet<Uuid> = group_member::Entity::find()
        .filter(group_member::Column::GroupId.is_in(group_ids))
        .filter(group_member::Column::UserId.eq(user))
        .all(db)
        .await
        .expect("group members")
        .into_iter()
        .map(|m| m.group_id)
        .collect();
    let on_org = orgraph::authz::Resource::Organization { org };
    let reads = grants.can(&on_org, "group.read") || grants.can(&on_org, "group.manage");
    let want =
        ids(groups.iter().filter(|g| grants.sees_org(org) && (reads || member_of.contains(&g.id))).map(|g| g.id).collect());
    let got = group::Entity::find()
        .filter(group::Column::OrganizationId.eq(org))
        .filter(<group::Entity as Visible>::condition(&grants))
        .all(db)
        .await
        .expect("visible groups");
    assert_eq!(ids(got.iter().map(|g| g.id).collect()), want, "seed {seed}: groups of {user}");

    // Trash entries: made once per organization, a project's and a dataset's for each
    // project, created by a member in turn.
    use entity::{project, trash_entry};
    let mut entries =
        trash_entry::Entity::find().filter(trash_entry::Column::OrganizationId.eq(org)).all(db).await.expect("trash");
    if entries.is_empty() {
        let projects = project::Entity::find().filter(project::Column::OrganizationId.eq(org)).all(db).await.expect("projects");
        for (i, p) in projects.iter().enumerate() {
            for kind in ["Project", "Dataset"] {
                let row = trash_entry::Model {
                    id: Uuid::now_v7(),
                    organization_id: org,
                    team_id: p.team_id,
                    project_id: p.id,
                    kind: kind.into(),
                    object_id: Uuid::now_v7(),
                    name: format!("deleted {i}"),
                    parent_id: None,
                    deleted_by: None,
                    deleted_at: chrono::Utc::now(),
                    created_by: memberships.get(i % memberships.len().max(1)).map(|m| m.user_id),
                    size_bytes: 0,
                    item_count: 0,
                    payload: "{}".into(),
                };
                trash_entry::Entity::insert(row.clone().into_active_model()).exec_without_returning(db).await.expect("trash");
                entries.push(row);
            }
        }
    }
    let want = ids(entries.iter().filter(|e| orgraph::trash::service::sees(&grants, e)).map(|e| e.id).collect());
    let got = trash_entry::Entity::find()
        .filter(trash_entry::Column::OrganizationId.eq(org))
        .filter(<trash_entry::Entity as Visible>::condition(&grants))
        .all(db)
        .await
        .expect("visible trash");
    assert_eq!(ids(got.iter().map(|e| e.id).collect()), want, "seed {seed}: trash entries of {user}");
    memberships.len() + grants_rows.len() + invitations.len() + groups.len() + entries.len()
}

async fn raw_ids(db: &DatabaseConnection, q: orgraph::db::Sql) -> BTreeSet<Uuid> {
    let rows = db.query_all_raw(q.build()).await.expect("filter query");
    rows.iter().map(|r| r.try_get::<Uuid>("", "id").expect("id")).collect()
}
