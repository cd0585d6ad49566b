//! Batched reads of labeling jobs: by project and for the viewer (narrowed in SQL by the
//! job rule of `authz`), a job's datasets and its assignments.

use crate::authz::Grants;
use crate::by_id_loader;
use crate::db::page::{Cursored, Page, PageArgs};
use crate::db::{ChildTable, Sql, hand_out, load_grouped, load_pages};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::{dataset, labeling_job as job, labeling_job_assignee as assignee};
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

by_id_loader!(JobById, entity::labeling_job, entity::labeling_job::Model);

impl Cursored for job::Model {
    fn cursor_id(&self) -> Uuid {
        self.id
    }
}

impl Cursored for assignee::Model {
    fn cursor_id(&self) -> Uuid {
        self.id
    }
}

/// `status = …` when a status filter is given.
fn push_status(sql: &mut Sql, status: Option<&'static str>) {
    if let Some(s) = status {
        sql.push(" AND t.status = ").bind(s);
    }
}

/// `authz`'s job rule for lists, over table alias `t` (`labeling_jobs`): jobs of projects
/// the viewer sees, and those the viewer's assignments open.
pub fn push_visible_jobs(grants: &Grants, sql: &mut Sql) {
    sql.push("(");
    grants.project_filter().push_sql_cols(sql, "t.organization_id", "t.team_id", "t.project_id");
    sql.push(" OR t.id IN ").bind_list(&grants.assigned_job_ids()).push(")");
}

/// Jobs of a project the viewer sees: all of them when the viewer sees the project,
/// else those the viewer's assignments open (`authz`'s job rule, as list SQL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JobsOfProject(pub Uuid, pub PageArgs, pub Option<&'static str>);

impl Loader<JobsOfProject> for DbLoader {
    type Value = Page<job::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[JobsOfProject]) -> Result<HashMap<JobsOfProject, Self::Value>, Self::Error> {
        let grants = self.grants().await.map_err(load_err)?;
        let table = ChildTable { table: "labeling_jobs", parent_col: "project_id", parent_of: |j: &job::Model| j.project_id };
        let visible = |g: &(PageArgs, Option<&'static str>), sql: &mut Sql| {
            push_visible_jobs(&grants, sql);
            push_status(sql, g.1);
        };
        load_grouped::<job::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, (k.1, k.2)), |g| g.0, Some(&visible))
            .await
            .map_err(load_err)
    }
}

/// The viewer's own jobs: those the viewer is assigned to (as assignee or reviewer)
/// while the assignment opens them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JobsOfViewer(pub PageArgs, pub Option<&'static str>);

impl Loader<JobsOfViewer> for DbLoader {
    type Value = Page<job::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[JobsOfViewer]) -> Result<HashMap<JobsOfViewer, Self::Value>, Self::Error> {
        let grants = self.grants().await.map_err(load_err)?;
        let assigned = grants.assigned_job_ids();
        let filter = |status: &Option<&'static str>, sql: &mut Sql| {
            sql.push("t.id IN ").bind_list(&assigned);
            push_status(sql, *status);
        };
        load_pages::<job::Entity, _, _, _>(&self.db, "labeling_jobs", keys, |k| (k.1, k.0), filter).await.map_err(load_err)
    }
}

/// Assignments of a job, oldest first. Whoever sees the job sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AssignmentsOfJob(pub Uuid, pub PageArgs);

impl Loader<AssignmentsOfJob> for DbLoader {
    type Value = Page<assignee::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[AssignmentsOfJob]) -> Result<HashMap<AssignmentsOfJob, Self::Value>, Self::Error> {
        let table =
            ChildTable { table: "labeling_job_assignees", parent_col: "job_id", parent_of: |a: &assignee::Model| a.job_id };
        load_grouped::<assignee::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, None).await.map_err(load_err)
    }
}

/// The datasets a job covers (not those in the trash), in id order. Whoever sees the job
/// sees them: its project's readers, and its assignees through the datasets it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DatasetsOfJob(pub Uuid, pub PageArgs);

#[derive(FromQueryResult)]
struct Count {
    parent: Uuid,
    n: i64,
}

impl Loader<DatasetsOfJob> for DbLoader {
    type Value = Page<dataset::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[DatasetsOfJob]) -> Result<HashMap<DatasetsOfJob, Self::Value>, Self::Error> {
        let backend = self.db.get_database_backend();
        // One read for keys whose page arguments are equal but for counting and the columns
        // read (it reads every column and counts): a list selected twice is read once.
        let mut by_rows: HashMap<PageArgs, Vec<DatasetsOfJob>> = HashMap::new();
        for k in keys {
            by_rows.entry(k.1.rows_only()).or_default().push(*k);
        }
        let mut out = HashMap::new();
        for (args, members) in by_rows {
            let mut uses: HashMap<Uuid, usize> = HashMap::new();
            for k in &members {
                *uses.entry(k.0).or_default() += 1;
            }
            let jobs: Vec<Uuid> = uses.keys().copied().collect();
            let mut sql = Sql::new(backend);
            sql.push("SELECT * FROM (SELECT d.*, jd.job_id AS job_id_, ROW_NUMBER() OVER (PARTITION BY jd.job_id ORDER BY d.id ")
                .push(args.pick_order())
                .push(") AS rn_ FROM labeling_job_datasets jd JOIN datasets d ON d.id = jd.dataset_id WHERE jd.job_id IN ")
                .bind_list(&jobs);
            args.push_window(&mut sql, "d");
            sql.push(") sub WHERE sub.rn_ <= ").bind((args.first + 1) as i64).push(" ORDER BY sub.job_id_, sub.id");
            let rows = self.db.query_all_raw(sql.build()).await.map_err(load_err)?;
            let mut grouped: HashMap<Uuid, Vec<dataset::Model>> = HashMap::new();
            for row in rows {
                let job: Uuid = row.try_get("", "job_id_").map_err(load_err)?;
                grouped.entry(job).or_default().push(dataset::Model::from_query_result(&row, "").map_err(load_err)?);
            }
            let mut count = Sql::new(backend);
            count
                .push(
                    "SELECT jd.job_id AS parent, COUNT(*) AS n FROM labeling_job_datasets jd JOIN datasets d ON d.id = jd.dataset_id \
                     WHERE jd.job_id IN ",
                )
                .bind_list(&jobs)
                .push(" GROUP BY jd.job_id");
            let counts: HashMap<Uuid, i64> = Count::find_by_statement(count.build())
                .all(&self.db)
                .await
                .map_err(load_err)?
                .into_iter()
                .map(|c| (c.parent, c.n))
                .collect();
            for k in members {
                let rows = hand_out(&mut grouped, &mut uses, &k.0).unwrap_or_default();
                out.insert(k, Page::from_rows(rows, &k.1, counts.get(&k.0).copied().unwrap_or(0)));
            }
        }
        Ok(out)
    }
}
