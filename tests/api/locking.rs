//! Decisions under lock (RULES.md §9.2): a removal that committed before a mutation's
//! decision is always honored. Each mutation family races N privileged requests of a
//! maintainer against the owner removing her; afterwards nothing of hers may carry an
//! id (UUIDv7, made inside the transaction) later than the removal's audit entry. Writes
//! serialize on one lock taken before any grant is read (`db::begin_write`), so an id
//! made after the removal belongs to a write that decided after it — and was refused.

use crate::both;
use crate::fixtures::*;
use crate::helpers::*;
use crate::ops::*;
use entity::audit_entry;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

/// How many privileged requests race each removal.
const N: usize = 24;

fn uuid_of(global_id: &str) -> Uuid {
    orgraph::graphql::ids::decode(global_id, "id").map(|(_, id)| id).expect("a global id")
}

/// Fires `N` requests of the maintainer (`make(i)` → query and variables) while the owner
/// removes her from the organization. Returns the uuids found at the first of `id_at`
/// (JSON pointers into each successful answer) that names one and the removal's audit entry id, after checking that
/// every answer is a success or a refusal, never `INTERNAL`.
async fn race_removal(
    app: &TestApp,
    t: &DefaultOrg,
    make: impl Fn(usize) -> (String, Value),
    id_at: &[&str],
) -> (Vec<Uuid>, Uuid) {
    let membership = membership_id(&t.owner, &t.org, &t.maintainer).await;
    let mut tasks = Vec::new();
    for i in 0..N {
        let (query, vars) = make(i);
        let c = t.maintainer.clone();
        tasks.push(tokio::spawn(async move { c.post(&query, vars).await.1 }));
        if i == N / 3 {
            let (o, m) = (t.owner.clone(), membership.clone());
            tasks.push(tokio::spawn(async move { o.post(REMOVE_MEMBER, json!({ "m": m })).await.1 }));
        }
    }
    let mut ids = Vec::new();
    for task in tasks {
        let body = task.await.expect("task");
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => {
                if let Some(id) = id_at.iter().find_map(|p| body.pointer(p).and_then(Value::as_str)) {
                    ids.push(uuid_of(id));
                }
            }
            // Refused, or (a second grant of the same capability) already there.
            Some(code) => assert!(["FORBIDDEN", "NOT_FOUND", "CONFLICT"].contains(&code), "{body}"),
        }
    }
    let db = app.database().await;
    let removal = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("membership.removed"))
        .filter(audit_entry::Column::TargetId.eq(uuid_of(&membership)))
        .one(&db)
        .await
        .expect("audit")
        .expect("the removal committed");
    (ids, removal.id)
}

/// No audit entry of the maintainer's is later than the removal.
async fn assert_no_audited_write_after(app: &TestApp, t: &DefaultOrg, removal: Uuid) {
    let db = app.database().await;
    let late = audit_entry::Entity::find()
        .filter(audit_entry::Column::ActorId.eq(uuid_of(&t.maintainer.id)))
        .filter(audit_entry::Column::Id.gt(removal))
        .all(&db)
        .await
        .expect("audit");
    assert!(late.is_empty(), "{} writes of the removed maintainer committed after her removal: {late:?}", late.len());
}

/// No activity entry of the maintainer's (deletes, transfers, publishing…) is later than
/// the removal.
async fn assert_no_activity_after(app: &TestApp, t: &DefaultOrg, removal: Uuid) {
    let db = app.database().await;
    let late = entity::activity::Entity::find()
        .filter(entity::activity::Column::ActorId.eq(uuid_of(&t.maintainer.id)))
        .filter(entity::activity::Column::Id.gt(removal))
        .all(&db)
        .await
        .expect("activity");
    assert!(late.is_empty(), "{} changes of the removed maintainer committed after her removal: {late:?}", late.len());
}

fn assert_all_before(ids: &[Uuid], removal: Uuid) {
    let late: Vec<_> = ids.iter().filter(|id| **id > removal).collect();
    assert!(late.is_empty(), "{} writes of the removed maintainer committed after her removal", late.len());
}

both!(members_added_racing_the_adders_removal_never_commit_after_it, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let mut users = Vec::new();
    for i in 0..N {
        users.push(app.user(&format!("newcomer{i}")).await.id);
    }
    let (ids, removal) = race_removal(
        &app,
        &t,
        |i| (ADD_MEMBER.into(), json!({ "s": t.org, "u": users[i], "r": "worker" })),
        &["/data/addMember/membership/id"],
    )
    .await;
    assert_all_before(&ids, removal);
    assert_no_audited_write_after(&app, &t, removal).await;
});

both!(invitations_racing_the_inviters_removal_never_commit_after_it, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (ids, removal) = race_removal(
        &app,
        &t,
        |i| (INVITE.into(), json!({ "s": t.org, "e": format!("guest{i}@example.com"), "r": "worker" })),
        &["/data/inviteMember/invitation/id"],
    )
    .await;
    assert_all_before(&ids, removal);
});

both!(roles_groups_and_grants_racing_the_managers_removal_never_commit_after_it, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let create_role = "mutation($o: ID!, $k: String!) { createRole(input: { organizationId: $o, key: $k, name: $k,
        scopeKind: PROJECT, permissions: [\"project.read\"] }) { role { key } } }";
    let create_group = "mutation($o: ID!, $n: String!) { createGroup(input: { organizationId: $o, name: $n }) { group { id } } }";
    let grant = "mutation($o: ID!, $u: ID!) { grantCapability(input: { organizationId: $o, userId: $u,
        permission: \"model.train\" }) { grant { id } } }";
    let members = [&t.worker, &t.supervisor, &t.team_admin, &t.developer, &t.manager, &t.annotator, &t.viewer];
    let (_, removal) = race_removal(
        &app,
        &t,
        |i| match i % 3 {
            // At most 5 custom roles per organization.
            0 if i < 15 => (create_role.into(), json!({ "o": t.org, "k": format!("racer{i}") })),
            0 | 1 => (create_group.into(), json!({ "o": t.org, "n": format!("racers {i}") })),
            _ => (grant.into(), json!({ "o": t.org, "u": members[(i / 3) % members.len()].id })),
        },
        &[],
    )
    .await;
    assert_no_audited_write_after(&app, &t, removal).await;
});

both!(datasets_and_share_links_racing_the_creators_removal_never_commit_after_it, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let share = "mutation($p: ID!) { createShareLink(input: { projectId: $p }) { shareLink { id } } }";
    let (ids, removal) = race_removal(
        &app,
        &t,
        |i| match i % 2 {
            0 => (CREATE_DATASET.into(), json!({ "p": t.project, "n": format!("racing {i}") })),
            _ => (share.into(), json!({ "p": t.project })),
        },
        &["/data/createDataset/dataset/id", "/data/createShareLink/shareLink/id"],
    )
    .await;
    assert_all_before(&ids, removal);
});

both!(deletes_transfers_and_publishing_racing_the_removal_never_commit_after_it, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let mut datasets = Vec::new();
    let mut projects = Vec::new();
    for i in 0..N / 3 {
        datasets.push(create_dataset(&t.owner, &t.project, None, &format!("doomed {i}")).await);
        projects.push(create_project(&t.owner, &t.workspace, &format!("moving {i}")).await);
    }
    let elsewhere = create_workspace(&t.owner, &t.team, "elsewhere").await;
    let (_, removal) = race_removal(
        &app,
        &t,
        |i| match i % 3 {
            0 => (DELETE_DATASET.into(), json!({ "d": datasets[i / 3] })),
            1 => (TRANSFER_PROJECT.into(), json!({ "p": projects[i / 3], "w": elsewhere })),
            _ => (PUBLISH_PROJECT.into(), json!({ "p": projects[i / 3] })),
        },
        &[],
    )
    .await;
    assert_no_activity_after(&app, &t, removal).await;
});

postgres_gate::gated! {
    /// §9.2: a deadlock PostgreSQL breaks by aborting a mutation is not the client's
    /// problem. A second session holds the organization's row, then waits for the write
    /// lock the mutation holds while the mutation waits for that row; PostgreSQL aborts the
    /// mutation (this session waits 20 s before it checks, the server 1 s). The mutation had
    /// committed nothing, so it runs again and succeeds: never `INTERNAL`, nothing lost.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_mutation_postgresql_aborts_to_break_a_deadlock_runs_again_and_succeeds() {
        use sea_orm::{ConnectionTrait, TransactionTrait};
        require_postgres();
        let app = spawn_app(Db::Postgres).await;
        let owner = app.user("owner").await;
        let org = create_org(&owner, "deadlocked").await;
        let newcomer = app.user("newcomer").await;

        let db = app.database().await;
        let other = db.begin().await.expect("begin");
        other.execute_unprepared("SET LOCAL deadlock_timeout = '20s'").await.expect("set");
        let org_uuid = uuid_of(&org.id).simple().to_string();
        other.execute_unprepared(&format!("SELECT 1 FROM organizations WHERE id = '{org_uuid}' FOR UPDATE")).await.expect("row lock");

        let add = {
            let (o, vars) = (owner.clone(), json!({ "s": org.id, "u": newcomer.id, "r": "worker" }));
            tokio::spawn(async move { o.post(ADD_MEMBER, vars).await.1 })
        };
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        // Waits for the mutation's write lock: a deadlock, which the server's session breaks.
        other.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({})", orgraph::db::WRITE_LOCK)).await.expect("write lock");
        other.rollback().await.expect("rollback");

        let body = add.await.expect("task");
        assert!(body.get("errors").is_none(), "the mutation ran again after the deadlock: {body}");
        assert!(!membership_id(&owner, &org.id, &newcomer).await.is_empty());
        discard(Db::Postgres, &app.database_url).await;
    }
}

both!(api_tokens_racing_the_owners_removal_never_commit_after_it_nor_outlive_it, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let create = "mutation($n: String!, $o: ID) { createApiToken(input: { name: $n, expiresInSeconds: 3600,
        organizationId: $o }) { secret apiToken { id } } }";
    // One made before the race: it acts in the organization while she belongs to it.
    let before = t.maintainer.ok(create, json!({ "n": "before", "o": t.org })).await;
    let pat = Client { token: before["createApiToken"]["secret"].as_str().map(String::from), ..t.maintainer.clone() };
    let seen = "query($o: ID!) { node(id: $o) { id } }";
    assert_eq!(pat.ok(seen, json!({ "o": t.org })).await["node"]["id"], t.org.as_str());

    let (ids, removal) = race_removal(
        &app,
        &t,
        |i| (create.into(), json!({ "n": format!("racer {i}"), "o": t.org })),
        &["/data/createApiToken/apiToken/id"],
    )
    .await;
    assert_all_before(&ids, removal);
    // Every token of hers for the organization stops acting there with her removal.
    assert!(pat.ok(seen, json!({ "o": t.org })).await["node"].is_null(), "a token outlived its owner's membership");
});
