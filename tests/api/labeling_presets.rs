//! Labeling jobs in every preset (issue 15): one table per preset, one row per seed
//! statement about annotators, workers, labelers, reviewers and QA. Each row gets a fresh
//! organization of the preset with a team "Core" (the owner its admin), a project "P"
//! with datasets "D" and "D2", and a job "J" covering "D"; the actor gets the row's roles
//! (`org:<role> team:<role> project:<role>`), the action runs, and a refused action must
//! answer the row's code and leave the job and the project's job list as they were.

use crate::both;
use crate::helpers::*;
use crate::labeling_jobs::{ASSIGN, TRANSITION, create_job, dataset};
use crate::ops::{ADD_MEMBER, CREATE_ORGANIZATION, CREATE_PROJECT, CREATE_TEAM};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug)]
enum Act {
    /// `createLabelingJob` in "P" covering "D".
    CreateJob,
    /// The owner assigns the actor with this role.
    BeAssigned(&'static str),
    /// `node` of "J" without any assignment.
    SeeJob,
    /// Assigned as ASSIGNEE by the owner, the actor sees "J", "D" and its items — and not
    /// "D2" unless it sees the project.
    SeeWork,
    /// Assigned as ASSIGNEE by the owner, the actor starts "J".
    Start,
    /// Assigned as REVIEWER by the owner, "J" submitted by the owner: the actor accepts it.
    Accept,
    /// Assigned (if it can be) by the owner, "J" completed: the actor reopens it.
    Reopen,
    /// Another user with these roles; the actor assigns them to "J".
    AssignOther(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    Denied(&'static str),
}
use Act::*;
use Expect::*;

struct Row {
    seed: &'static str,
    actor: &'static str,
    act: Act,
    expect: Expect,
}

const FORBIDDEN: &str = "FORBIDDEN";
const NOT_FOUND: &str = "NOT_FOUND";
const PRECONDITION: &str = "FAILED_PRECONDITION";

#[rustfmt::skip]
const DEFAULT: &[Row] = &[
    Row { seed: "RULES §5: a team manager modifies projects (and runs their labeling jobs)", actor: "org:worker team:manager", act: CreateJob, expect: Allowed },
    Row { seed: "RULES §5: an annotator holds labeling_job.access only", actor: "org:worker team:annotator", act: SeeWork, expect: Allowed },
    Row { seed: "RULES §5: an annotator does not manage", actor: "org:worker team:annotator", act: CreateJob, expect: Denied(NOT_FOUND) },
    Row { seed: "RULES §5: a project labeler labels", actor: "org:worker project:labeler", act: Start, expect: Allowed },
    Row { seed: "RULES §5: a project reviewer reviews", actor: "org:worker project:reviewer", act: Accept, expect: Allowed },
    Row { seed: "RULES §5: a labeler does not review", actor: "org:worker project:labeler", act: BeAssigned("REVIEWER"), expect: Denied(PRECONDITION) },
    Row { seed: "RULES §5: a team viewer holds no labeling_job.access", actor: "org:worker team:viewer", act: BeAssigned("ASSIGNEE"), expect: Denied(PRECONDITION) },
    Row { seed: "RULES §5: an organization worker alone holds no labeling_job.access", actor: "org:worker", act: BeAssigned("ASSIGNEE"), expect: Denied(PRECONDITION) },
    Row { seed: "RULES §5: assignees do not reopen", actor: "org:worker team:annotator", act: Reopen, expect: Denied(FORBIDDEN) },
];

#[rustfmt::skip]
const SUPERVISELY: &[Row] = &[
    Row { seed: "Manager: can view and modify Projects & Labeling Jobs", actor: "org:member team:manager", act: CreateJob, expect: Allowed },
    Row { seed: "Manager: can view and modify Labeling Jobs (assigns)", actor: "org:member team:manager", act: AssignOther("org:member team:annotator"), expect: Allowed },
    Row { seed: "Developer: similar to the admin", actor: "org:member team:developer", act: CreateJob, expect: Allowed },
    Row { seed: "Admin: has full access in the team", actor: "org:member team:admin", act: Reopen, expect: Allowed },
    Row { seed: "Annotator: has access only to a single page, Labeling Jobs", actor: "org:member team:annotator", act: SeeWork, expect: Allowed },
    Row { seed: "Annotator: only Labeling Jobs (nothing before an assignment)", actor: "org:member team:annotator", act: SeeJob, expect: Denied(NOT_FOUND) },
    Row { seed: "Annotator: works on their labeling jobs", actor: "org:member team:annotator", act: Start, expect: Allowed },
    Row { seed: "Annotator: does not create labeling jobs", actor: "org:member team:annotator", act: CreateJob, expect: Denied(NOT_FOUND) },
    Row { seed: "Annotator: does not assign", actor: "org:member team:annotator", act: AssignOther("org:member team:annotator"), expect: Denied(NOT_FOUND) },
    Row { seed: "Annotator: labels, does not review", actor: "org:member team:annotator", act: BeAssigned("REVIEWER"), expect: Denied(PRECONDITION) },
    Row { seed: "Viewer: can only view items in team (not assigned to label)", actor: "org:member team:viewer", act: BeAssigned("ASSIGNEE"), expect: Denied(PRECONDITION) },
    Row { seed: "Viewer: can only view (no labeling jobs of its own)", actor: "org:member team:viewer", act: CreateJob, expect: Denied(FORBIDDEN) },
    Row { seed: "Manager: reviews the work of the jobs it runs", actor: "org:member team:manager", act: Accept, expect: Allowed },
];

#[rustfmt::skip]
const CVAT: &[Row] = &[
    Row { seed: "Worker: access only to assigned tasks and jobs", actor: "org:worker", act: SeeWork, expect: Allowed },
    Row { seed: "Worker: access only to assigned jobs (unassigned: none)", actor: "org:worker", act: SeeJob, expect: Denied(NOT_FOUND) },
    Row { seed: "Worker: best for annotators", actor: "org:worker", act: Start, expect: Allowed },
    Row { seed: "Worker: best for validators", actor: "org:worker", act: Accept, expect: Allowed },
    Row { seed: "Worker: does not create jobs", actor: "org:worker", act: CreateJob, expect: Denied(NOT_FOUND) },
    Row { seed: "Worker: does not assign jobs", actor: "org:worker", act: AssignOther("org:worker"), expect: Denied(NOT_FOUND) },
    Row { seed: "Worker: does not reopen an accepted job", actor: "org:worker", act: Reopen, expect: Denied(FORBIDDEN) },
    Row { seed: "Supervisor: can create and assign tasks (create)", actor: "org:supervisor", act: CreateJob, expect: Allowed },
    Row { seed: "Supervisor: can create and assign tasks (assign)", actor: "org:supervisor", act: AssignOther("org:worker"), expect: Allowed },
    Row { seed: "Maintainer: full administrative access", actor: "org:maintainer", act: Reopen, expect: Allowed },
    Row { seed: "Owner: full control", actor: "org:owner", act: CreateJob, expect: Allowed },
    Row { seed: "Task assignee: works and validates the task's jobs", actor: "org:worker project:assignee", act: Accept, expect: Allowed },
];

#[rustfmt::skip]
const LABELBOX: &[Row] = &[
    Row { seed: "Project Lead: create/modify, add/modify members on a project", actor: "org:project_lead", act: CreateJob, expect: Allowed },
    Row { seed: "Team Manager: add/modify members on a project", actor: "org:team_manager", act: AssignOther("org:labeler"), expect: Allowed },
    Row { seed: "Labeler: receive data rows for labeling", actor: "org:labeler", act: SeeWork, expect: Allowed },
    Row { seed: "Labeler: create/modify labels", actor: "org:labeler", act: Start, expect: Allowed },
    Row { seed: "Labeler: review labels (own only: not others' work)", actor: "org:labeler", act: BeAssigned("REVIEWER"), expect: Denied(PRECONDITION) },
    Row { seed: "Labeler: no project edits", actor: "org:labeler", act: CreateJob, expect: Denied(FORBIDDEN) },
    Row { seed: "Reviewer: review labels", actor: "org:reviewer", act: Accept, expect: Allowed },
    Row { seed: "Reviewer: no project edits", actor: "org:reviewer", act: CreateJob, expect: Denied(FORBIDDEN) },
    Row { seed: "Project-based labeler: receive data rows for labeling", actor: "org:member project:labeler", act: SeeWork, expect: Allowed },
    Row { seed: "Project-based reviewer: review labels", actor: "org:member project:reviewer", act: Accept, expect: Allowed },
    Row { seed: "Project-based team manager: add/modify existing org members on a project", actor: "org:member project:team_manager", act: CreateJob, expect: Allowed },
    Row { seed: "Read-only Admin: views, does not label", actor: "org:read_only_admin", act: BeAssigned("ASSIGNEE"), expect: Denied(PRECONDITION) },
    Row { seed: "None (project-based, no project): sees no job", actor: "org:member", act: SeeJob, expect: Denied(NOT_FOUND) },
];

#[rustfmt::skip]
const SUPERANNOTATE: &[Row] = &[
    Row { seed: "Team Admin: manages the team's projects", actor: "org:admin", act: CreateJob, expect: Allowed },
    Row { seed: "Project Admin: manages the project", actor: "org:contributor project:admin", act: AssignOther("org:contributor project:annotator"), expect: Allowed },
    Row { seed: "Annotator: annotates the items assigned to them", actor: "org:contributor project:annotator", act: Start, expect: Allowed },
    Row { seed: "Annotator: sees the items assigned to them", actor: "org:contributor project:annotator", act: SeeWork, expect: Allowed },
    Row { seed: "Annotator: does not QA", actor: "org:contributor project:annotator", act: BeAssigned("REVIEWER"), expect: Denied(PRECONDITION) },
    Row { seed: "Annotator: does not reopen approved work", actor: "org:contributor project:annotator", act: Reopen, expect: Denied(FORBIDDEN) },
    Row { seed: "QA: reviews (approves) the annotators' work", actor: "org:contributor project:qa", act: Accept, expect: Allowed },
    Row { seed: "QA: does not create jobs", actor: "org:contributor project:qa", act: CreateJob, expect: Denied(FORBIDDEN) },
    Row { seed: "Customer: views, does not annotate", actor: "org:contributor project:customer", act: BeAssigned("ASSIGNEE"), expect: Denied(PRECONDITION) },
    Row { seed: "Contributor without a project role: sees no job", actor: "org:contributor", act: SeeJob, expect: Denied(NOT_FOUND) },
];

struct Fixture {
    org: String,
    team: String,
    project: String,
    d: String,
    d2: String,
    job: String,
}

fn code(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["code"].as_str().map(str::to_string)
}

async fn must(c: &Client, q: &str, v: Value) -> Result<Value, String> {
    let (_, body) = c.post(q, v).await;
    match body.get("errors") {
        Some(e) => Err(format!("{} failed: {e}", q.split('(').next().unwrap_or(q).trim())),
        None => Ok(body["data"].clone()),
    }
}

async fn give(owner: &Client, f: &Fixture, user: &Client, path: &str) -> Result<(), String> {
    for part in path.split_whitespace() {
        let (scope, role) = part.split_once(':').ok_or("bad path")?;
        if part == "org:owner" {
            continue;
        }
        let s = match scope {
            "org" => &f.org,
            "team" => &f.team,
            _ => &f.project,
        };
        must(owner, ADD_MEMBER, json!({ "s": s, "u": user.id, "r": role })).await?;
    }
    Ok(())
}

async fn fixture(owner: &Client, preset: &str, n: usize) -> Result<Fixture, String> {
    let slug = format!("lj{}{n}", &preset[..3].to_lowercase());
    let d = must(owner, CREATE_ORGANIZATION, json!({ "s": slug, "p": preset })).await?;
    let org = d["createOrganization"]["organization"]["id"].as_str().ok_or("org")?.to_string();
    let d = must(owner, CREATE_TEAM, json!({ "o": org, "n": "Core" })).await?;
    let team = d["createTeam"]["team"]["id"].as_str().ok_or("team")?.to_string();
    let ws = d["createTeam"]["team"]["workspaces"]["nodes"][0]["id"].as_str().ok_or("ws")?.to_string();
    let d = must(owner, CREATE_PROJECT, json!({ "w": ws, "n": "P" })).await?;
    let project = d["createProject"]["project"]["id"].as_str().ok_or("project")?.to_string();
    let d_ = dataset(owner, &project, None, "D").await;
    let d2 = dataset(owner, &project, None, "D2").await;
    let job = create_job(owner, &project, "J", &[&d_]).await;
    Ok(Fixture { org, team, project, d: d_, d2, job })
}

const STATE: &str = "query($j: ID!, $p: ID!) {
    j: node(id: $j) { ... on LabelingJob { name status assignments(first: 20) { nodes { user { id } role } } datasets(first: 10) { nodes { id } } } }
    p: node(id: $p) { ... on Project { labelingJobs(first: 20) { totalCount } } } }";

async fn moves(owner: &Client, job: &str, steps: &[&str]) -> Result<(), String> {
    for s in steps {
        must(owner, TRANSITION, json!({ "j": job, "s": s })).await?;
    }
    Ok(())
}

/// Runs the row; `Ok(None)` when done, `Ok(Some(code))` when refused.
async fn act(owner: &Client, actor: &Client, other: &Client, f: &Fixture, row: &Row) -> Result<Option<String>, String> {
    let assign = |role: &'static str| json!({ "j": f.job, "u": actor.id, "r": role });
    let outcome = |body: Value| Ok(code(&body));
    match row.act {
        CreateJob => {
            let q = "mutation($p: ID!, $d: ID!) { createLabelingJob(input: { projectId: $p, name: \"New\", datasetIds: [$d] }) { labelingJob { id } } }";
            outcome(actor.post(q, json!({ "p": f.project, "d": f.d })).await.1)
        }
        BeAssigned(role) => outcome(owner.post(ASSIGN, assign(role)).await.1),
        SeeJob => Ok(actor.node(&f.job).await.is_null().then(|| NOT_FOUND.to_string())),
        SeeWork => {
            must(owner, ASSIGN, assign("ASSIGNEE")).await?;
            if actor.node(&f.job).await.is_null() || actor.node(&f.d).await.is_null() {
                return Ok(Some(NOT_FOUND.into()));
            }
            if actor.node(&f.project).await.is_null() && !actor.node(&f.d2).await.is_null() {
                return Err("an assignee who does not see the project sees a dataset outside the job".into());
            }
            Ok(None)
        }
        Start => {
            must(owner, ASSIGN, assign("ASSIGNEE")).await?;
            outcome(actor.post(TRANSITION, json!({ "j": f.job, "s": "IN_PROGRESS" })).await.1)
        }
        Accept => {
            must(owner, ASSIGN, assign("REVIEWER")).await?;
            moves(owner, &f.job, &["IN_PROGRESS", "ON_REVIEW"]).await?;
            outcome(actor.post(TRANSITION, json!({ "j": f.job, "s": "COMPLETED" })).await.1)
        }
        Reopen => {
            let _ = owner.post(ASSIGN, assign("ASSIGNEE")).await;
            moves(owner, &f.job, &["IN_PROGRESS", "ON_REVIEW", "COMPLETED"]).await?;
            outcome(actor.post(TRANSITION, json!({ "j": f.job, "s": "IN_PROGRESS" })).await.1)
        }
        AssignOther(_) => outcome(actor.post(ASSIGN, json!({ "j": f.job, "u": other.id })).await.1),
    }
}

async fn run_row(app: &TestApp, preset: &str, n: usize, row: &Row) -> Result<(), String> {
    let owner = app.user(&format!("o{n}")).await;
    let actor = if row.actor.starts_with("org:owner") { owner.clone() } else { app.user(&format!("a{n}")).await };
    let other = app.user(&format!("x{n}")).await;
    let f = fixture(&owner, preset, n).await?;
    give(&owner, &f, &actor, row.actor).await?;
    if let AssignOther(path) = row.act {
        give(&owner, &f, &other, path).await?;
    }
    let state = json!({ "j": f.job, "p": f.project });
    let before = must(&owner, STATE, state.clone()).await?;
    let got = act(&owner, &actor, &other, &f, row).await?;
    match (row.expect, got) {
        (Allowed, None) => Ok(()),
        (Denied(want), Some(got)) if want == got => {
            // Setup steps (the owner's assignments and moves) ran before the snapshot for
            // the actions that need them; compare from there.
            let after = must(&owner, STATE, state).await?;
            let changed_by_setup = matches!(row.act, Start | Accept | Reopen | SeeWork);
            if !changed_by_setup && before != after {
                return Err(format!("refused with {want} but something changed:\n before {before}\n after  {after}"));
            }
            if changed_by_setup
                && after["j"]["status"]
                    != json!(match row.act {
                        Reopen => "COMPLETED",
                        Accept => "ON_REVIEW",
                        _ => "PENDING",
                    })
            {
                return Err(format!("refused with {want} but the status moved: {after}"));
            }
            Ok(())
        }
        (want, got) => Err(format!("expected {want:?}, got {got:?}")),
    }
}

async fn run(app: &TestApp, preset: &str, table: &[Row]) {
    let mut failures = Vec::new();
    for (n, row) in table.iter().enumerate() {
        if let Err(e) = run_row(app, preset, n, row).await {
            failures.push(format!("row {n} [{} | {:?}]: {}\n    {e}", row.actor, row.act, row.seed));
        }
    }
    assert!(failures.is_empty(), "{preset}: {} of {} rows failed:\n{}", failures.len(), table.len(), failures.join("\n"));
}

both!(default_preset_labeling_rows, |app: TestApp| async move { run(&app, "DEFAULT", DEFAULT).await });
both!(supervisely_labeling_rows, |app: TestApp| async move { run(&app, "SUPERVISELY", SUPERVISELY).await });
both!(cvat_labeling_rows, |app: TestApp| async move { run(&app, "CVAT", CVAT).await });
both!(labelbox_labeling_rows, |app: TestApp| async move { run(&app, "LABELBOX", LABELBOX).await });
both!(superannotate_labeling_rows, |app: TestApp| async move { run(&app, "SUPERANNOTATE", SUPERANNOTATE).await });
