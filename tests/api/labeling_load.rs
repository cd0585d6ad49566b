//! Labeling jobs under load (issue 15): assigning races the assignee's removal from the
//! organization, and an assignee's job tree costs statements per depth, not per row.

use crate::both;
use crate::fixtures::*;
use crate::helpers::*;
use crate::labeling_jobs::{ASSIGN, create_job, dataset};
use crate::ops::*;
use serde_json::json;

const MY_JOBS: &str = "{ viewer { labelingJobs(first: 10) { totalCount } } }";

fn raw(global: &str) -> uuid::Uuid {
    orgraph::graphql::ids::decode(global, "id").map(|(_, id)| id).expect("a global id")
}

// RULES.md §9.2: assigning races the assignee's removal from the organization. Writes
// serialize on the write lock taken before grants are read, so every assignment either
// committed before the removal (and the removal deleted it) or decided after it (and was
// refused): none is left.
both!(assigning_races_the_removal_from_the_organization, |app: TestApp| async move {
    const N: usize = 16;
    let t = DefaultOrg::new(&app).await;
    let d = dataset(&t.owner, &t.project, None, "D").await;
    let mut jobs = Vec::new();
    for i in 0..N {
        jobs.push(create_job(&t.manager, &t.project, &format!("job {i}"), &[&d]).await);
    }
    let m = membership_id(&t.owner, &t.org, &t.annotator).await;
    let mut tasks = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let (c, vars) = (t.manager.clone(), json!({ "j": job, "u": t.annotator.id }));
        tasks.push(tokio::spawn(async move { c.post(ASSIGN, vars).await.1 }));
        if i == N / 3 {
            let (o, m) = (t.owner.clone(), m.clone());
            tasks.push(tokio::spawn(async move { o.post(REMOVE_MEMBER, json!({ "m": m })).await.1 }));
        }
    }
    let mut assigned = 0;
    for task in tasks {
        let body = task.await.expect("task");
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => assigned += usize::from(body["data"]["assignLabelingJob"].is_object()),
            Some(code) => assert!(["FAILED_PRECONDITION", "NOT_FOUND"].contains(&code), "{body}"),
        }
    }
    let db = app.database().await;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let left = entity::labeling_job_assignee::Entity::find()
        .filter(entity::labeling_job_assignee::Column::UserId.eq(raw(&t.annotator.id)))
        .count(&db)
        .await
        .expect("count");
    assert_eq!(left, 0, "{assigned} assignments succeeded; none may outlive the removal");
    assert_eq!(t.annotator.ok(MY_JOBS, json!({})).await["viewer"]["labelingJobs"]["totalCount"], 0);
});

const JOB_TREE: &str = "{ viewer { labelingJobs(first: 50) { totalCount nodes { name
    datasets(first: 10) { totalCount nodes { name items(first: 10) { totalCount nodes { name } } } } } } } }";

/// Inserts `jobs` jobs of `project`, each covering `datasets` new datasets of `items`
/// items, all assigned to `user`.
async fn seed_jobs(app: &TestApp, t: &DefaultOrg, user: &Client, jobs: usize, datasets: usize, items: usize) {
    use sea_orm::{EntityTrait, IntoActiveModel};
    let db = app.database().await;
    let now = chrono::Utc::now();
    let (org, team, project) = (raw(&t.org), raw(&t.team), raw(&t.project));
    let (mut js, mut ds, mut links, mut is, mut assignees) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for j in 0..jobs {
        let job = uuid::Uuid::now_v7();
        js.push(
            entity::labeling_job::Model {
                id: job,
                organization_id: org,
                team_id: team,
                project_id: project,
                name: format!("job {j}"),
                description: None,
                status: "PENDING".into(),
                due_at: None,
                created_by: None,
                created_at: now,
                updated_at: now,
            }
            .into_active_model(),
        );
        assignees.push(
            entity::labeling_job_assignee::Model {
                id: uuid::Uuid::now_v7(),
                job_id: job,
                user_id: raw(&user.id),
                organization_id: org,
                role: "ASSIGNEE".into(),
                assigned_by: None,
                created_at: now,
            }
            .into_active_model(),
        );
        for k in 0..datasets {
            let d = uuid::Uuid::now_v7();
            ds.push(
                entity::dataset::Model {
                    id: d,
                    project_id: project,
                    parent_id: None,
                    sibling_key: project,
                    team_id: team,
                    organization_id: org,
                    name: format!("{}-{j}-{k}", user.sub),
                    description: None,
                    depth: 0,
                    path: "/".into(),
                    created_by: None,
                    created_at: now,
                }
                .into_active_model(),
            );
            links.push(
                entity::labeling_job_dataset::Model { id: uuid::Uuid::now_v7(), job_id: job, dataset_id: d, created_at: now }
                    .into_active_model(),
            );
            for i in 0..items {
                is.push(
                    entity::item::Model {
                        id: uuid::Uuid::now_v7(),
                        dataset_id: d,
                        project_id: project,
                        team_id: team,
                        organization_id: org,
                        name: format!("{i}.png"),
                        size_bytes: 1,
                        content_type: "image/png".into(),
                        created_by: None,
                        created_at: now,
                    }
                    .into_active_model(),
                );
            }
        }
    }
    entity::labeling_job::Entity::insert_many(js).exec_without_returning(&db).await.expect("jobs");
    entity::dataset::Entity::insert_many(ds).exec_without_returning(&db).await.expect("datasets");
    entity::labeling_job_dataset::Entity::insert_many(links).exec_without_returning(&db).await.expect("links");
    for chunk in is.chunks(500) {
        entity::item::Entity::insert_many(chunk.to_vec()).exec_without_returning(&db).await.expect("items");
    }
    entity::labeling_job_assignee::Entity::insert_many(assignees).exec_without_returning(&db).await.expect("assignees");
}

both!(
    an_assignees_job_tree_costs_statements_per_depth_not_per_row,
    settings = |s: &mut orgraph::config::Settings| {
        s.limits.complexity = usize::MAX;
        counting_statements(s);
    },
    |app: TestApp| async move {
        let t = DefaultOrg::new(&app).await;
        let big = app.user("big").await;
        t.owner.ok(ADD_MEMBER, json!({ "s": t.org, "u": big.id, "r": "worker" })).await;
        t.owner.ok(ADD_MEMBER, json!({ "s": t.team, "u": big.id, "r": "annotator" })).await;
        seed_jobs(&app, &t, &t.annotator, 1, 1, 1).await;
        seed_jobs(&app, &t, &big, 20, 5, 3).await;
        let count = async |c: &Client| {
            let before = app.statement_count();
            let d = c.ok(JOB_TREE, json!({})).await;
            (app.statement_count() - before, d)
        };
        let (small, small_data) = count(&t.annotator).await;
        let (big_count, big_data) = count(&big).await;
        let jobs = &big_data["viewer"]["labelingJobs"];
        assert_eq!(jobs["totalCount"], 20);
        let items: usize = jobs["nodes"]
            .as_array()
            .expect("jobs")
            .iter()
            .flat_map(|j| j["datasets"]["nodes"].as_array().cloned().unwrap_or_default())
            .map(|d| d["items"]["nodes"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(items, 20 * 5 * 3, "every item of every covered dataset");
        assert_eq!(small_data["viewer"]["labelingJobs"]["totalCount"], 1);
        assert_eq!(small, big_count, "statements depend on rows: small {small}, big {big_count}");
        // viewer, grants (assignments included), then page + count per connection level.
        assert!(big_count <= 10, "too many statements: {big_count}");
        eprintln!("viewer.labelingJobs {{ datasets {{ items }} }}: {big_count} statements for 20 jobs, 100 datasets, 300 items");
    }
);

const ASSIGNED: &str = "subscription { labelingJobAssigned { id name viewerRole datasets(first: 5) { nodes { name } } } }";

async fn subscriber(app: &TestApp, sub: &str) -> crate::subscriptions::Ws {
    let mut ws = crate::subscriptions::connect(app, "graphql-transport-ws").await.expect("upgrade");
    ws.init(&token(sub, &format!("{sub}@example.com"), Some(sub))).await;
    ws.send(json!({ "id": "1", "type": "subscribe", "payload": { "query": ASSIGNED } })).await;
    ws
}

// `labelingJobAssigned` reaches the assigned user only — on the instance the
// assignment was made on and, with PostgreSQL, on another instance sharing the database
// (the outbox and the invitations' LISTEN channel).
both!(an_assignment_is_delivered_to_the_assigned_user_only, |app: TestApp| async move {
    use crate::subscriptions::Event;
    use std::time::Duration;
    let t = DefaultOrg::new(&app).await;
    let d = dataset(&t.owner, &t.project, None, "D").await;
    let job = create_job(&t.manager, &t.project, "job", &[&d]).await;
    let other_instance = match app.db {
        Db::Postgres => Some(spawn_instance(Db::Postgres, app.database_url.clone(), |_| {}).await),
        Db::Sqlite => None,
    };
    let mut annotator = subscriber(other_instance.as_ref().unwrap_or(&app), "annotator").await;
    let mut developer = subscriber(&app, "developer").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.annotator.id })).await;
    match annotator.recv(Duration::from_secs(10)).await {
        Event::Json(v) => {
            let j = &v["payload"]["data"]["labelingJobAssigned"];
            assert_eq!((j["id"].as_str(), j["viewerRole"].as_str()), (Some(job.as_str()), Some("ASSIGNEE")), "{v}");
            assert_eq!(j["datasets"]["nodes"], json!([{ "name": "D" }]));
        }
        other => panic!("the annotator expected the assignment, got {other:?}"),
    }
    assert_eq!(developer.recv(Duration::from_millis(1500)).await, Event::Silent, "another user's assignment");
    // The developer's own assignment reaches the developer.
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.developer.id, "r": "REVIEWER" })).await;
    assert!(
        matches!(developer.recv(Duration::from_secs(10)).await, Event::Json(v) if v["payload"]["data"]["labelingJobAssigned"]["viewerRole"] == "REVIEWER")
    );
    assert_eq!(annotator.recv(Duration::from_millis(1500)).await, Event::Silent);
});
