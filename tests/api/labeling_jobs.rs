//! Labeling jobs (issue 15): who manages them, who is assigned, the status machine, and
//! visibility through assignment — the job, the datasets it covers and their items, and
//! only the identity of the project, team and organization.

use crate::both;
use crate::fixtures::*;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

pub const CREATE_JOB: &str = "mutation($p: ID!, $n: String!, $ds: [ID!]) {
    createLabelingJob(input: { projectId: $p, name: $n, datasetIds: $ds }) { labelingJob { id name status } } }";
pub const ASSIGN: &str = "mutation($j: ID!, $u: ID!, $r: LabelingJobRole) {
    assignLabelingJob(input: { labelingJobId: $j, userId: $u, role: $r }) { assignment { role user { id } } } }";
pub const UNASSIGN: &str = "mutation($j: ID!, $u: ID!) {
    unassignLabelingJob(input: { labelingJobId: $j, userId: $u }) { labelingJob { id } } }";
pub const TRANSITION: &str = "mutation($j: ID!, $s: LabelingJobStatus!) {
    transitionLabelingJob(input: { labelingJobId: $j, status: $s }) { labelingJob { status } } }";
const DELETE_JOB: &str = "mutation($j: ID!) { deleteLabelingJob(input: { labelingJobId: $j }) { deletedLabelingJobId } }";
const UPDATE_JOB: &str =
    "mutation($j: ID!, $n: String) { updateLabelingJob(input: { labelingJobId: $j, name: $n }) { labelingJob { name } } }";
const MY_JOBS: &str = "{ viewer { labelingJobs(first: 10) { totalCount nodes { id name status viewerRole
    project { id } scopePath { kind name }
    datasets(first: 10) { totalCount nodes { id name parent { id } items(first: 10) { totalCount nodes { id } }
      children(first: 10) { nodes { id name ancestors { id } parent { id } } }
      project { id name description sizeBytes itemCount createdBy { id } datasets(first: 5) { totalCount }
        members(first: 5) { totalCount } versions(first: 5) { totalCount } activity(first: 5) { totalCount }
        labelingJobs(first: 5) { totalCount } } } } } } } }";
const CAN: &str = "query($j: ID!, $a: LabelingJobAction!) { node(id: $j) { ... on LabelingJob { viewerCan(action: $a) } } }";

pub async fn dataset(owner: &Client, project: &str, parent: Option<&str>, name: &str) -> String {
    let d = owner.ok(CREATE_DATASET, json!({ "p": project, "parent": parent, "n": name })).await;
    d["createDataset"]["dataset"]["id"].as_str().expect("dataset").to_string()
}

pub async fn item(owner: &Client, dataset: &str, name: &str) -> String {
    let items = json!([{ "name": name, "sizeBytes": 10.0, "contentType": "image/png" }]);
    let d = owner.ok(ADD_ITEMS, json!({ "d": dataset, "items": items })).await;
    d["addItems"]["items"][0]["id"].as_str().expect("item").to_string()
}

pub async fn create_job(c: &Client, project: &str, name: &str, datasets: &[&str]) -> String {
    let d = c.ok(CREATE_JOB, json!({ "p": project, "n": name, "ds": datasets })).await;
    d["createLabelingJob"]["labelingJob"]["id"].as_str().expect("job").to_string()
}

async fn status(c: &Client, job: &str, to: &str) -> Result<String, String> {
    let (_, body) = c.post(TRANSITION, json!({ "j": job, "s": to })).await;
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => Err(code.to_string()),
        None => Ok(body["data"]["transitionLabelingJob"]["labelingJob"]["status"].as_str().unwrap_or_default().to_string()),
    }
}

async fn can(c: &Client, job: &str, action: &str) -> Value {
    c.ok(CAN, json!({ "j": job, "a": action })).await["node"]["viewerCan"].clone()
}

/// A project "Cars" with datasets D (sub-dataset C, one item each) and D2 (one item).
struct Work {
    d: String,
    c: String,
    d2: String,
    item_c: String,
    item_d2: String,
}

async fn work(t: &DefaultOrg) -> Work {
    let d = dataset(&t.owner, &t.project, None, "D").await;
    let c = dataset(&t.owner, &t.project, Some(&d), "C").await;
    let d2 = dataset(&t.owner, &t.project, None, "D2").await;
    item(&t.owner, &d, "d.png").await;
    let item_c = item(&t.owner, &c, "c.png").await;
    let item_d2 = item(&t.owner, &d2, "d2.png").await;
    Work { d, c, d2, item_c, item_d2 }
}

both!(an_annotator_sees_exactly_the_work_assigned_to_them, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let w = work(&t).await;
    // Supervisely: a manager "can view and modify Projects & Labeling Jobs".
    let job = create_job(&t.manager, &t.project, "Cars, first pass", &[&w.d]).await;
    // Before the assignment an annotator sees nothing of the project.
    for id in [&job, &w.d, &w.c, &w.item_c, &t.project] {
        assert!(t.annotator.node(id).await.is_null(), "{id} before the assignment");
    }
    let mine = t.annotator.ok(MY_JOBS, json!({})).await;
    assert_eq!(mine["viewer"]["labelingJobs"]["totalCount"], 0);

    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.annotator.id })).await;
    let mine = t.annotator.ok(MY_JOBS, json!({})).await;
    let jobs = &mine["viewer"]["labelingJobs"];
    assert_eq!(jobs["totalCount"], 1, "{mine}");
    let j = &jobs["nodes"][0];
    assert_eq!(
        (j["id"].as_str(), j["status"].as_str(), j["viewerRole"].as_str()),
        (Some(job.as_str()), Some("PENDING"), Some("ASSIGNEE"))
    );
    // The project only as an identity.
    assert!(j["project"].is_null(), "{j}");
    let path: Vec<(&str, &str)> = j["scopePath"]
        .as_array()
        .expect("path")
        .iter()
        .map(|s| (s["kind"].as_str().unwrap_or(""), s["name"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(path, [("ORGANIZATION", "acme"), ("TEAM", "Core"), ("PROJECT", "Cars")]);
    // The covered dataset with its subtree and items, read only.
    let d = &j["datasets"]["nodes"][0];
    assert_eq!((d["id"].as_str(), j["datasets"]["totalCount"].as_i64()), (Some(w.d.as_str()), Some(1)));
    assert_eq!(d["items"]["totalCount"], 1);
    let child = &d["children"]["nodes"][0];
    assert_eq!(child["id"], w.c.as_str());
    assert_eq!(child["ancestors"], json!([{ "id": w.d }]));
    assert_eq!(child["parent"]["id"], w.d.as_str());
    // Dataset.project is the identity, nothing below it.
    let p = &d["project"];
    assert_eq!((p["id"].as_str(), p["name"].as_str()), (Some(t.project.as_str()), Some("Cars")));
    assert!(p["description"].is_null() && p["createdBy"].is_null(), "{p}");
    assert_eq!((p["sizeBytes"].as_f64(), p["itemCount"].as_i64()), (Some(0.0), Some(0)), "{p}");
    for list in ["datasets", "members", "versions", "activity"] {
        assert_eq!(p[list]["totalCount"], 0, "{list}: {p}");
    }
    assert_eq!(p["labelingJobs"]["totalCount"], 1, "their own job only: {p}");
    for id in [&job, &w.d, &w.c, &w.item_c] {
        assert!(!t.annotator.node(id).await.is_null(), "{id} through the assignment");
    }
    // Nothing else: the other dataset, its item, the project itself.
    for id in [&w.d2, &w.item_d2, &t.project] {
        assert!(t.annotator.node(id).await.is_null(), "{id} is not assigned");
    }
    // Read only: an assignment grants no write. The assignee sees the datasets and items,
    // so changing them is refused by permission (FORBIDDEN, RULES.md §3: visibility, then
    // permission), like adding and removing items.
    assert_eq!(t.annotator.code(UPDATE_DATASET, json!({ "d": w.d, "n": "Mine" })).await, "FORBIDDEN");
    assert_eq!(t.annotator.code(DELETE_DATASET, json!({ "d": w.c })).await, "FORBIDDEN");
    let items = json!([{ "name": "x.png", "sizeBytes": 1.0, "contentType": "image/png" }]);
    assert_eq!(t.annotator.code(ADD_ITEMS, json!({ "d": w.c, "items": items })).await, "FORBIDDEN");
    assert_eq!(t.annotator.code(REMOVE_ITEMS, json!({ "ids": [w.item_c] })).await, "FORBIDDEN");
    let size = "query($d: ID!) { node(id: $d) { ... on Dataset { name itemCount } } }";
    assert_eq!(t.owner.ok(size, json!({ "d": w.c })).await["node"], json!({ "name": "C", "itemCount": 1 }));
    assert_eq!(t.annotator.code(UPDATE_JOB, json!({ "j": job, "n": "Mine" })).await, "FORBIDDEN");
    // Outsiders and members without the assignment see nothing of the job.
    assert!(t.outsider.node(&job).await.is_null());
    assert!(t.worker.node(&job).await.is_null());
    // Project readers see every job of the project.
    assert!(!t.viewer.node(&job).await.is_null());
});

both!(who_manages_and_who_is_assigned, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let w = work(&t).await;
    // Managers: org owner/maintainer, team admin, developer, manager. Not viewers, not annotators.
    for (c, name) in [(&t.owner, "o"), (&t.maintainer, "m"), (&t.team_admin, "a"), (&t.developer, "d"), (&t.manager, "g")] {
        create_job(c, &t.project, name, &[&w.d]).await;
    }
    let vars = json!({ "p": t.project, "n": "x", "ds": [w.d] });
    assert_eq!(t.viewer.code(CREATE_JOB, vars.clone()).await, "FORBIDDEN");
    assert_eq!(t.annotator.code(CREATE_JOB, vars.clone()).await, "NOT_FOUND");
    assert_eq!(t.worker.code(CREATE_JOB, vars.clone()).await, "NOT_FOUND");
    // A dataset of another project is NOT_FOUND.
    let other = t.owner.ok(CREATE_PROJECT, json!({ "w": t.workspace, "n": "Other" })).await;
    let other = other["createProject"]["project"]["id"].as_str().expect("project").to_string();
    let foreign = dataset(&t.owner, &other, None, "F").await;
    assert_eq!(t.manager.code(CREATE_JOB, json!({ "p": t.project, "n": "x", "ds": [foreign] })).await, "NOT_FOUND");
    let job = create_job(&t.manager, &t.project, "job", &[&w.d]).await;
    // Assignable: whoever holds labeling_job.access there; reviewers also labeling_job.review.
    assert_eq!(t.manager.code(ASSIGN, json!({ "j": job, "u": t.viewer.id })).await, "FAILED_PRECONDITION");
    assert_eq!(t.manager.code(ASSIGN, json!({ "j": job, "u": t.worker.id })).await, "FAILED_PRECONDITION");
    assert_eq!(t.manager.code(ASSIGN, json!({ "j": job, "u": t.outsider.id })).await, "NOT_FOUND");
    assert_eq!(t.manager.code(ASSIGN, json!({ "j": job, "u": t.annotator.id, "r": "REVIEWER" })).await, "FAILED_PRECONDITION");
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.annotator.id })).await;
    assert_eq!(t.manager.code(ASSIGN, json!({ "j": job, "u": t.annotator.id })).await, "CONFLICT");
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.developer.id, "r": "REVIEWER" })).await;
    // Only managers assign.
    assert_eq!(t.annotator.code(ASSIGN, json!({ "j": job, "u": t.manager.id })).await, "FORBIDDEN");
    assert_eq!(t.viewer.code(ASSIGN, json!({ "j": job, "u": t.manager.id })).await, "FORBIDDEN");
    assert_eq!(can(&t.manager, &job, "ASSIGN").await, true);
    assert_eq!(can(&t.annotator, &job, "ASSIGN").await, false);
    // Unassigning ends what the assignment opened.
    t.manager.ok(UNASSIGN, json!({ "j": job, "u": t.annotator.id })).await;
    assert!(t.annotator.node(&job).await.is_null());
    assert!(t.annotator.node(&w.d).await.is_null());
    assert_eq!(t.manager.code(UNASSIGN, json!({ "j": job, "u": t.annotator.id })).await, "NOT_FOUND");
    // Deleting a job: managers only; its datasets stay.
    assert_eq!(t.viewer.code(DELETE_JOB, json!({ "j": job })).await, "FORBIDDEN");
    t.manager.ok(DELETE_JOB, json!({ "j": job })).await;
    assert!(t.manager.node(&job).await.is_null());
    assert!(!t.manager.node(&w.d).await.is_null());
});

both!(the_status_machine_follows_the_roles, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let w = work(&t).await;
    let job = create_job(&t.manager, &t.project, "job", &[&w.d]).await;
    // A project reviewer (RULES.md §5) reviews; the org worker holds nothing else.
    t.owner.ok(ADD_MEMBER, json!({ "s": t.project, "u": t.worker.id, "r": "reviewer" })).await;
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.annotator.id })).await;
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.worker.id, "r": "REVIEWER" })).await;
    let (a, r, m) = (&t.annotator, &t.worker, &t.manager);
    assert_eq!(can(a, &job, "START").await, true);
    assert_eq!(can(r, &job, "START").await, false);
    assert_eq!(status(r, &job, "IN_PROGRESS").await, Err("FORBIDDEN".into()));
    assert_eq!(status(a, &job, "COMPLETED").await, Err("FAILED_PRECONDITION".into()));
    assert_eq!(status(a, &job, "IN_PROGRESS").await, Ok("IN_PROGRESS".into()));
    assert_eq!(status(a, &job, "ON_REVIEW").await, Ok("ON_REVIEW".into()));
    // Assignees do not accept their own work; reviewers do.
    assert_eq!(can(a, &job, "ACCEPT").await, false);
    assert_eq!(status(a, &job, "COMPLETED").await, Err("FORBIDDEN".into()));
    assert_eq!(can(r, &job, "REJECT").await, true);
    assert_eq!(status(r, &job, "REJECTED").await, Ok("REJECTED".into()));
    assert_eq!(status(a, &job, "IN_PROGRESS").await, Ok("IN_PROGRESS".into()));
    assert_eq!(status(a, &job, "ON_REVIEW").await, Ok("ON_REVIEW".into()));
    assert_eq!(status(r, &job, "COMPLETED").await, Ok("COMPLETED".into()));
    // Reopening is the managers'.
    assert_eq!(can(a, &job, "REOPEN").await, false);
    assert_eq!(status(a, &job, "IN_PROGRESS").await, Err("FORBIDDEN".into()));
    assert_eq!(can(m, &job, "REOPEN").await, true);
    assert_eq!(status(m, &job, "IN_PROGRESS").await, Ok("IN_PROGRESS".into()));
    // Someone neither managing nor assigned.
    assert_eq!(status(&t.viewer, &job, "ON_REVIEW").await, Err("FORBIDDEN".into()));
    assert_eq!(status(&t.outsider, &job, "ON_REVIEW").await, Err("NOT_FOUND".into()));
    // Activity (project readers) and audit (member managers) record it.
    let q = "query($p: ID!) { node(id: $p) { ... on Project { activity(first: 50) { nodes { action objectKind objectId } } } } }";
    let d = t.owner.ok(q, json!({ "p": t.project })).await;
    let actions: Vec<&str> = d["node"]["activity"]["nodes"]
        .as_array()
        .expect("activity")
        .iter()
        .filter(|e| e["objectKind"] == "LabelingJob" && e["objectId"] == job.as_str())
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "status_changed").count(), 7, "{actions:?}");
    assert!(actions.contains(&"created") && actions.iter().filter(|a| **a == "assigned").count() == 2, "{actions:?}");
    let q = "query($o: ID!) { node(id: $o) { ... on Organization { auditLog(first: 50) { nodes { action targetKind } } } } }";
    let d = t.owner.ok(q, json!({ "o": t.org })).await;
    let audit: Vec<&str> =
        d["node"]["auditLog"]["nodes"].as_array().expect("audit").iter().filter_map(|e| e["action"].as_str()).collect();
    for a in ["labeling_job.created", "labeling_job.assigned", "labeling_job.status_changed"] {
        assert!(audit.contains(&a), "{a} in {audit:?}");
    }
});

both!(access_ends_with_the_membership_and_the_role, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let w = work(&t).await;
    let job = create_job(&t.manager, &t.project, "job", &[&w.d]).await;
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.annotator.id })).await;
    assert!(!t.annotator.node(&w.item_c).await.is_null());
    // A role without labeling_job.access: the assignment opens nothing.
    let m = membership_id(&t.owner, &t.team, &t.annotator).await;
    t.owner.ok(CHANGE_ROLE, json!({ "m": m, "r": "viewer" })).await;
    let q = "query($j: ID!) { node(id: $j) { ... on LabelingJob { viewerRole } } }";
    assert!(
        t.annotator.ok(q, json!({ "j": job })).await["node"]["viewerRole"].is_null(),
        "the viewer role reads the project, not as an assignee"
    );
    t.owner.ok(CHANGE_ROLE, json!({ "m": m, "r": "annotator" })).await;
    assert!(!t.annotator.node(&job).await.is_null());
    // Removed from the organization: the assignment ends with the membership.
    let org_m = membership_id(&t.owner, &t.org, &t.annotator).await;
    t.owner.ok(REMOVE_MEMBER, json!({ "m": org_m })).await;
    for id in [&job, &w.d, &w.item_c] {
        assert!(t.annotator.node(id).await.is_null(), "{id} after the removal");
    }
    let q = "query($j: ID!) { node(id: $j) { ... on LabelingJob { assignments(first: 10) { totalCount } } } }";
    assert_eq!(t.manager.ok(q, json!({ "j": job })).await["node"]["assignments"]["totalCount"], 0);
});

both!(a_deleted_dataset_leaves_its_jobs_until_restored, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let w = work(&t).await;
    let job = create_job(&t.manager, &t.project, "job", &[&w.d, &w.d2]).await;
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.annotator.id })).await;
    let q = "query($j: ID!) { node(id: $j) { ... on LabelingJob { datasets(first: 10) { totalCount nodes { id } } } } }";
    t.owner.ok(DELETE_DATASET, json!({ "d": w.d2 })).await;
    let d = t.annotator.ok(q, json!({ "j": job })).await;
    assert_eq!(d["node"]["datasets"]["nodes"], json!([{ "id": w.d }]), "{d}");
    assert!(t.annotator.node(&w.d2).await.is_null());
    let restore = || async {
        let trash = "query($t: ID!) { node(id: $t) { ... on Team { trash(first: 10) { nodes { id name } } } } }";
        let entries = t.owner.ok(trash, json!({ "t": t.team })).await;
        let entry = entries["node"]["trash"]["nodes"]
            .as_array()
            .expect("trash")
            .iter()
            .find(|e| e["name"] == "D2")
            .and_then(|e| e["id"].as_str())
            .expect("D2 in the trash")
            .to_string();
        t.owner
            .ok("mutation($e: ID!) { restoreFromTrash(input: { trashEntryId: $e }) { __typename } }", json!({ "e": entry }))
            .await;
    };
    restore().await;
    let d = t.annotator.ok(q, json!({ "j": job })).await;
    assert_eq!(d["node"]["datasets"]["totalCount"], 2, "{d}");
    assert!(!t.annotator.node(&w.item_d2).await.is_null());
    // Setting the job's datasets meanwhile is its whole scope: the restored dataset does
    // not come back to it (its assignees would read again what the manager left out).
    t.owner.ok(DELETE_DATASET, json!({ "d": w.d2 })).await;
    let set = "mutation($j: ID!, $ds: [ID!]) { updateLabelingJob(input: { labelingJobId: $j, datasetIds: $ds }) {
        labelingJob { id } } }";
    t.manager.ok(set, json!({ "j": job, "ds": [w.d] })).await;
    restore().await;
    let d = t.manager.ok(q, json!({ "j": job })).await;
    assert_eq!(d["node"]["datasets"]["nodes"], json!([{ "id": w.d }]), "{d}");
    assert!(t.annotator.node(&w.item_d2).await.is_null());
});

both!(a_transfer_detaches_assignees_who_cannot_follow_and_reports_them, |app: TestApp| async move {
    const TRANSFER: &str = "mutation($p: ID!, $w: ID!) { transferProject(input: { projectId: $p, workspaceId: $w }) {
        detachedLabelingJobAssignmentCount detachedLabelingJobAssignments { role user { id } } } }";
    let t = DefaultOrg::new(&app).await;
    let w = work(&t).await;
    let job = create_job(&t.manager, &t.project, "job", &[&w.d]).await;
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.annotator.id })).await;
    assert!(!t.annotator.node(&w.item_c).await.is_null());
    let q = "query($j: ID!) { node(id: $j) { ... on LabelingJob { datasets(first: 10) { totalCount }
        assignments(first: 10) { totalCount } scopePath { kind id } } } }";
    // Within the organization (another team): the annotator stays a member, so stays
    // assigned; the assignment opens nothing there, where no role of theirs holds
    // `labeling_job.access`.
    let (_, ws2) = create_team(&t.owner, &t.org, "Second").await;
    let d = t.owner.ok(TRANSFER, json!({ "p": t.project, "w": ws2 })).await;
    assert_eq!(d["transferProject"]["detachedLabelingJobAssignmentCount"], 0, "{d}");
    assert_eq!(t.owner.ok(q, json!({ "j": job })).await["node"]["assignments"]["totalCount"], 1);
    assert!(t.annotator.node(&w.item_c).await.is_null(), "no labeling_job.access in the other team");
    // To another organization the annotator is not in: detached, reported, access gone.
    let o = t.owner.ok(CREATE_ORGANIZATION, json!({ "s": "b-org", "p": null })).await;
    let b = o["createOrganization"]["organization"]["id"].as_str().expect("org").to_string();
    let (_, b_ws) = create_team(&t.owner, &b, "B").await;
    let d = t.owner.ok(TRANSFER, json!({ "p": t.project, "w": b_ws })).await;
    assert_eq!(d["transferProject"]["detachedLabelingJobAssignmentCount"], 1, "{d}");
    assert_eq!(
        d["transferProject"]["detachedLabelingJobAssignments"],
        json!([{ "role": "ASSIGNEE", "user": { "id": t.annotator.id } }]),
        "{d}"
    );
    for id in [&job, &w.d, &w.c, &w.item_c] {
        assert!(t.annotator.node(id).await.is_null(), "{id} after the transfer");
    }
    // The job followed its project and still covers its datasets.
    let d = t.owner.ok(q, json!({ "j": job })).await;
    assert_eq!(d["node"]["datasets"]["totalCount"], 1, "{d}");
    assert_eq!(d["node"]["assignments"]["totalCount"], 0, "{d}");
    assert_eq!(d["node"]["scopePath"][0], json!({ "kind": "ORGANIZATION", "id": b }), "{d}");
});
