//! Who sees what (RULES.md §3.1), the viewer fields (`viewerRole`, `viewerPermissions`,
//! `viewerCan`) against the role tables of §5, and the order of checks (§3): input →
//! visibility (`NOT_FOUND`) → permission (`FORBIDDEN`) → uniqueness (`CONFLICT`) →
//! invariants (`FAILED_PRECONDITION`).

use crate::both;
use crate::helpers::*;
use serde_json::{Value, json};

const NODE: &str = "query($id: ID!) { node(id: $id) { id ... on Organization { name } ... on Team { name } ... on Workspace { name } ... on Project { name } ... on Dataset { name } ... on Membership { role { key } } ... on User { name } } }";
const NODES: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";

async fn node(c: &Client, id: &str) -> Value {
    c.ok(NODE, json!({ "id": id })).await["node"].clone()
}

/// An organization with a team, a project, a nested dataset and a worker's membership.
struct World {
    owner: Client,
    worker: Client,
    org: Org,
    project: String,
    dataset: String,
    child: String,
    membership: String,
    team_membership: String,
}

async fn world(app: &TestApp) -> World {
    let owner = app.user("owner").await;
    let worker = app.user("will").await;
    let org = create_org(&owner, "acme").await;
    let project = create_project(&owner, &org.workspace, "Cars").await;
    let dataset = create_dataset(&owner, &project, None, "a").await;
    let child = create_dataset(&owner, &project, Some(&dataset), "b").await;
    let membership = add_member(&owner, &org.id, &worker, "worker").await;
    let team_membership = add_member(&owner, &org.team, &worker, "developer").await;
    World { owner, worker, org, project, dataset, child, membership, team_membership }
}

impl World {
    fn ids(&self) -> Vec<String> {
        vec![
            self.org.id.clone(),
            self.org.team.clone(),
            self.org.workspace.clone(),
            self.project.clone(),
            self.dataset.clone(),
            self.child.clone(),
            self.membership.clone(),
            self.team_membership.clone(),
        ]
    }
}

both!(a_non_member_sees_nothing_by_slug_node_or_nodes, |app: TestApp| async move {
    let w = world(&app).await;
    let eve = app.user("eve").await;
    assert!(eve.ok("{ organization(slug: \"acme\") { id } }", json!({})).await["organization"].is_null());
    assert!(eve.ok("{ organization(slug: \"ACME\") { id } }", json!({})).await["organization"].is_null());
    for id in w.ids() {
        assert!(!node(&w.owner, &id).await.is_null(), "the owner sees {id}");
        assert!(node(&eve, &id).await.is_null(), "eve must not see {id}");
    }
    // Users who share no organization are invisible to each other.
    assert!(node(&eve, &w.owner.id).await.is_null());
    assert!(node(&w.owner, &eve.id).await.is_null());

    // `nodes` answers each entry as `node` would, in order, null for the invisible ones.
    let mut ids = vec![eve.id.clone()];
    ids.extend(w.ids());
    let d = eve.ok(NODES, json!({ "ids": ids })).await;
    let mut expected = vec![json!({ "id": eve.id })];
    expected.extend(w.ids().iter().map(|_| Value::Null));
    assert_eq!(d["nodes"], Value::Array(expected));
    let d = w.owner.ok(NODES, json!({ "ids": ids })).await;
    let got: Vec<bool> = d["nodes"].as_array().expect("nodes").iter().map(Value::is_null).collect();
    assert_eq!(got, [vec![true], vec![false; w.ids().len()]].concat(), "{d}");
});

both!(every_mutation_of_a_non_member_on_hidden_objects_is_not_found, |app: TestApp| async move {
    let w = world(&app).await;
    let eve = app.user("eve").await;
    let before: Vec<Value> = {
        let mut v = Vec::new();
        for id in w.ids() {
            v.push(node(&w.owner, &id).await);
        }
        v
    };
    let cases: Vec<(&str, Value)> = vec![
        (
            "mutation($o: ID!) { updateOrganization(input: { organizationId: $o, name: \"x\" }) { organization { id } } }",
            json!({ "o": w.org.id }),
        ),
        (
            "mutation($o: ID!) { deleteOrganization(input: { organizationId: $o }) { deletedOrganizationId } }",
            json!({ "o": w.org.id }),
        ),
        (
            "mutation($o: ID!, $u: ID!) { transferOrganizationOwnership(input: { organizationId: $o, newOwnerId: $u }) { organization { id } } }",
            json!({ "o": w.org.id, "u": eve.id }),
        ),
        (
            "mutation($o: ID!) { createTeam(input: { organizationId: $o, name: \"x\" }) { team { id } } }",
            json!({ "o": w.org.id }),
        ),
        ("mutation($t: ID!) { updateTeam(input: { teamId: $t, name: \"x\" }) { team { id } } }", json!({ "t": w.org.team })),
        ("mutation($t: ID!) { deleteTeam(input: { teamId: $t }) { deletedTeamId } }", json!({ "t": w.org.team })),
        (
            "mutation($t: ID!) { createWorkspace(input: { teamId: $t, name: \"x\" }) { workspace { id } } }",
            json!({ "t": w.org.team }),
        ),
        (
            "mutation($w: ID!) { updateWorkspace(input: { workspaceId: $w, name: \"x\" }) { workspace { id } } }",
            json!({ "w": w.org.workspace }),
        ),
        (
            "mutation($w: ID!) { deleteWorkspace(input: { workspaceId: $w }) { deletedWorkspaceId } }",
            json!({ "w": w.org.workspace }),
        ),
        (
            "mutation($w: ID!) { createProject(input: { workspaceId: $w, name: \"x\" }) { project { id } } }",
            json!({ "w": w.org.workspace }),
        ),
        (
            "mutation($p: ID!) { updateProject(input: { projectId: $p, name: \"x\" }) { project { id } } }",
            json!({ "p": w.project }),
        ),
        ("mutation($p: ID!) { deleteProject(input: { projectId: $p }) { deletedProjectId } }", json!({ "p": w.project })),
        (
            "mutation($p: ID!) { createDataset(input: { projectId: $p, name: \"x\" }) { dataset { id } } }",
            json!({ "p": w.project }),
        ),
        (
            "mutation($d: ID!) { updateDataset(input: { datasetId: $d, name: \"x\" }) { dataset { id } } }",
            json!({ "d": w.dataset }),
        ),
        (
            "mutation($d: ID!) { moveDataset(input: { datasetId: $d, newParentId: null }) { dataset { id } } }",
            json!({ "d": w.child }),
        ),
        ("mutation($d: ID!) { deleteDataset(input: { datasetId: $d }) { deletedDatasetId } }", json!({ "d": w.dataset })),
        (
            "mutation($s: ID!, $u: ID!) { addMember(input: { scopeId: $s, userId: $u, role: \"worker\" }) { membership { id } } }",
            json!({ "s": w.org.id, "u": eve.id }),
        ),
        (
            "mutation($s: ID!, $u: ID!) { addMember(input: { scopeId: $s, userId: $u, role: \"admin\" }) { membership { id } } }",
            json!({ "s": w.org.team, "u": eve.id }),
        ),
        (
            "mutation($s: ID!, $u: ID!) { addMember(input: { scopeId: $s, userId: $u, role: \"lead\" }) { membership { id } } }",
            json!({ "s": w.project, "u": eve.id }),
        ),
        (
            "mutation($m: ID!) { changeMemberRole(input: { membershipId: $m, role: \"maintainer\" }) { membership { id } } }",
            json!({ "m": w.membership }),
        ),
        (
            "mutation($m: ID!) { changeMemberRole(input: { membershipId: $m, role: \"admin\" }) { membership { id } } }",
            json!({ "m": w.team_membership }),
        ),
        ("mutation($m: ID!) { removeMember(input: { membershipId: $m }) { removedMembershipId } }", json!({ "m": w.membership })),
        (
            "mutation($m: ID!) { removeMember(input: { membershipId: $m }) { removedMembershipId } }",
            json!({ "m": w.team_membership }),
        ),
        ("mutation($s: ID!) { leaveScope(input: { scopeId: $s }) { leftScopeId } }", json!({ "s": w.org.id })),
        ("mutation($s: ID!) { leaveScope(input: { scopeId: $s }) { leftScopeId } }", json!({ "s": w.org.team })),
        ("mutation($s: ID!) { leaveScope(input: { scopeId: $s }) { leftScopeId } }", json!({ "s": w.project })),
        (
            "mutation($s: ID!) { inviteMember(input: { scopeId: $s, email: \"eve2@example.com\", role: \"worker\" }) { invitation { id } } }",
            json!({ "s": w.org.id }),
        ),
    ];
    for (q, v) in cases {
        assert_eq!(eve.code(q, v.clone()).await, "NOT_FOUND", "{q} {v}");
    }
    let mut after = Vec::new();
    for id in w.ids() {
        after.push(node(&w.owner, &id).await);
    }
    assert_eq!(after, before, "nothing changed");
    assert!(eve.ok("{ organization(slug: \"acme\") { id } }", json!({})).await["organization"].is_null());
});

both!(email_and_the_lists_of_a_user_are_only_for_themself, |app: TestApp| async move {
    let w = world(&app).await;
    let q = "query($id: ID!) { node(id: $id) { ... on User { id name email organizations(first: 2) { totalCount } teams(first: 2) { totalCount } memberships(first: 2) { totalCount } } } }";
    // The worker shares an organization with the owner: sees them, but not their private fields.
    let d = w.worker.ok(q, json!({ "id": w.owner.id })).await;
    let u = &d["node"];
    assert_eq!(u["id"], w.owner.id.as_str());
    assert_eq!(u["name"], "owner");
    for field in ["email", "organizations", "teams", "memberships"] {
        assert!(u[field].is_null(), "{field} must be null for another user: {d}");
    }
    // Through other paths too.
    let d = w
        .worker
        .ok("query($o: ID!) { node(id: $o) { ... on Organization { owner { email } members(first: 5) { nodes { user { id email } } } } } }", json!({ "o": w.org.id }))
        .await;
    assert!(d["node"]["owner"]["email"].is_null(), "{d}");
    for m in d["node"]["members"]["nodes"].as_array().expect("members") {
        let mine = m["user"]["id"] == w.worker.id.as_str();
        assert_eq!(m["user"]["email"].is_null(), !mine, "{d}");
    }
    // Themself: everything.
    let d = w.worker.ok(q, json!({ "id": w.worker.id })).await;
    assert_eq!(d["node"]["email"], "will@example.com");
    assert_eq!(d["node"]["organizations"]["totalCount"], 2);
    assert_eq!(d["node"]["teams"]["totalCount"], 2);
    assert_eq!(d["node"]["memberships"]["totalCount"], 4);
    let d = w.owner.ok("{ viewer { email } }", json!({})).await;
    assert_eq!(d["viewer"]["email"], "owner@example.com");
});

both!(org_owner_and_maintainers_see_every_team_supervisors_and_workers_only_their_own, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let (mai, sup, wor) = (app.user("mai").await, app.user("sup").await, app.user("wor").await);
    add_member(&owner, &org.id, &mai, "maintainer").await;
    add_member(&owner, &org.id, &sup, "supervisor").await;
    add_member(&owner, &org.id, &wor, "worker").await;
    let create = "mutation($o: ID!, $n: String!) { createTeam(input: { organizationId: $o, name: $n }) { team { id } } }";
    let red =
        sup.ok(create, json!({ "o": org.id, "n": "Red" })).await["createTeam"]["team"]["id"].as_str().expect("id").to_string();
    let blue =
        owner.ok(create, json!({ "o": org.id, "n": "Blue" })).await["createTeam"]["team"]["id"].as_str().expect("id").to_string();
    add_member(&owner, &blue, &wor, "annotator").await;
    assert_eq!(wor.code(create, json!({ "o": org.id, "n": "Green" })).await, "FORBIDDEN");

    let teams = |c: Client| {
        let o = org.id.clone();
        async move {
            let d = c
                .ok(
                    "query($o: ID!) { node(id: $o) { ... on Organization { teams(first: 10) { totalCount nodes { name } } } } }",
                    json!({ "o": o }),
                )
                .await;
            let names: Vec<String> = d["node"]["teams"]["nodes"]
                .as_array()
                .expect("teams")
                .iter()
                .map(|t| t["name"].as_str().expect("name").to_string())
                .collect();
            assert_eq!(d["node"]["teams"]["totalCount"], names.len(), "{d}");
            names
        }
    };
    assert_eq!(teams(owner.clone()).await, ["Core", "Red", "Blue"]);
    assert_eq!(teams(mai.clone()).await, ["Core", "Red", "Blue"]);
    assert_eq!(teams(sup.clone()).await, ["Red"]);
    assert_eq!(teams(wor.clone()).await, ["Blue"]);
    assert!(node(&sup, &org.team).await.is_null());
    assert!(node(&wor, &red).await.is_null());
    assert!(node(&wor, &org.workspace).await.is_null());
    assert_eq!(node(&mai, &red).await["name"], "Red");
    assert_eq!(node(&mai, &org.workspace).await["name"], "First Workspace");
    // The same for projects: every project of the org for owner and maintainers.
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let in_blue = "query($t: ID!) { node(id: $t) { ... on Team { workspaces(first: 1) { nodes { id } } } } }";
    let blue_ws =
        owner.ok(in_blue, json!({ "t": blue })).await["node"]["workspaces"]["nodes"][0]["id"].as_str().expect("ws").to_string();
    let bp = create_project(&owner, &blue_ws, "Blue project").await;
    assert_eq!(node(&mai, &p).await["name"], "Cars");
    assert_eq!(node(&mai, &bp).await["name"], "Blue project");
    assert!(node(&sup, &p).await.is_null());
    assert!(node(&sup, &bp).await.is_null());
    // An annotator of Blue sees the team but none of its projects.
    assert!(node(&wor, &bp).await.is_null());
    // A hidden team is NOT_FOUND for mutations, a visible one FORBIDDEN without permission.
    let rename = "mutation($t: ID!) { updateTeam(input: { teamId: $t, name: \"x\" }) { team { id } } }";
    assert_eq!(sup.code(rename, json!({ "t": org.team })).await, "NOT_FOUND");
    assert_eq!(wor.code(rename, json!({ "t": blue })).await, "FORBIDDEN");
    mai.ok(rename, json!({ "t": red })).await;
    assert_eq!(node(&sup, &red).await["name"], "x");
});

/// `viewerRole`, `viewerPermissions` of an organization, team or project.
async fn viewer_fields(c: &Client, id: &str) -> (Value, Value) {
    let d = c
        .ok(
            "query($id: ID!) { node(id: $id) {
               ... on Organization { viewerRole { key } viewerPermissions }
               ... on Team { viewerRole { key } viewerPermissions }
               ... on Project { viewerRole { key } viewerPermissions } } }",
            json!({ "id": id }),
        )
        .await;
    // Only the keys of the RULES.md §5 tables: issue 5 adds keys (role management,
    // capabilities) that these tables do not speak about.
    let listed: Vec<Value> = d["node"]["viewerPermissions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|k| k.as_str().is_some_and(|k| crate::authz_property::RULES_KEYS.contains(&k)))
        .cloned()
        .collect();
    (d["node"]["viewerRole"]["key"].clone(), Value::Array(listed))
}

both!(viewer_role_and_permissions_follow_the_role_tables, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let users = [
        ("mai", "maintainer", None, None),
        ("sup", "supervisor", None, None),
        ("dev", "worker", Some("developer"), None),
        ("vic", "worker", Some("viewer"), None),
        ("mix", "worker", Some("viewer"), Some("manager")),
        ("lab", "worker", None, Some("labeler")),
    ];
    let mut c = std::collections::HashMap::new();
    for (sub, org_role, team_role, project_role) in users {
        let u = app.user(sub).await;
        add_member(&owner, &org.id, &u, org_role).await;
        if let Some(r) = team_role {
            add_member(&owner, &org.team, &u, r).await;
        }
        if let Some(r) = project_role {
            add_member(&owner, &p, &u, r).await;
        }
        c.insert(sub, u);
    }
    let keys = |v: &[&str]| json!(v);

    // Organization level.
    assert_eq!(
        viewer_fields(&owner, &org.id).await,
        (
            json!("owner"),
            keys(&[
                "member.invite",
                "member.manage",
                "member.read",
                "org.delete",
                "org.read",
                "org.transfer",
                "org.update",
                "team.create"
            ])
        )
    );
    assert_eq!(
        viewer_fields(&c["mai"], &org.id).await,
        (json!("maintainer"), keys(&["member.invite", "member.manage", "member.read", "org.read", "org.update", "team.create"]))
    );
    assert_eq!(viewer_fields(&c["sup"], &org.id).await, (json!("supervisor"), keys(&["member.read", "org.read", "team.create"])));
    assert_eq!(viewer_fields(&c["dev"], &org.id).await, (json!("worker"), keys(&["member.read", "org.read"])));

    // Team level: the maintainer is an implicit admin without a team role.
    let (role, perms) = viewer_fields(&c["mai"], &org.team).await;
    assert!(role.is_null());
    let (owner_role, owner_perms) = viewer_fields(&owner, &org.team).await;
    assert_eq!(owner_role, "admin");
    assert_eq!(perms, owner_perms);
    for k in ["team.update", "team.delete", "member.manage", "workspace.delete", "project.create", "neural_network.access"] {
        assert!(perms.as_array().expect("keys").contains(&json!(k)), "maintainer lacks {k} on the team: {perms}");
    }
    assert_eq!(
        viewer_fields(&c["vic"], &org.team).await,
        (json!("viewer"), keys(&["dataset.read", "member.read", "project.read", "team.read"]))
    );

    // Project level.
    assert_eq!(viewer_fields(&c["vic"], &p).await, (Value::Null, keys(&["dataset.read", "member.read", "project.read"])));
    assert_eq!(
        viewer_fields(&c["dev"], &p).await,
        (
            Value::Null,
            keys(&[
                "dataset.create",
                "dataset.delete.own",
                "dataset.move",
                "dataset.read",
                "dataset.update",
                "labeling_job.access",
                "member.read",
                "project.delete.own",
                "project.read",
                "project.update"
            ])
        )
    );
    assert_eq!(
        viewer_fields(&c["lab"], &p).await,
        (json!("labeler"), keys(&["dataset.read", "labeling_job.access", "member.read", "project.read"]))
    );
    // A project role adds to a team role, never reduces it (union).
    assert_eq!(
        viewer_fields(&c["mix"], &p).await,
        (
            json!("manager"),
            keys(&[
                "dataset.create",
                "dataset.move",
                "dataset.read",
                "dataset.update",
                "labeling_job.access",
                "member.invite",
                "member.manage",
                "member.read",
                "project.read"
            ])
        )
    );
    let (_, admin_on_project) = viewer_fields(&owner, &p).await;
    for k in ["project.delete", "dataset.delete", "member.manage", "project.update"] {
        assert!(admin_on_project.as_array().expect("keys").contains(&json!(k)), "{admin_on_project}");
    }
    for k in ["team.read", "org.read", "workspace.create", "neural_network.access"] {
        assert!(!admin_on_project.as_array().expect("keys").contains(&json!(k)), "{k} is not a project key: {admin_on_project}");
    }

    // viewerCan agrees, and counts `.own` on projects the viewer created.
    let can = "query($id: ID!, $k: String!) { node(id: $id) { ... on Organization { viewerCan(permission: $k) } ... on Team { viewerCan(permission: $k) } ... on Project { viewerCan(permission: $k) } } }";
    let ask = |who: &Client, id: &str, k: &str| {
        let (who, v) = (who.clone(), json!({ "id": id, "k": k }));
        async move { who.ok(can, v).await["node"]["viewerCan"].clone() }
    };
    assert_eq!(ask(&c["mai"], &org.id, "org.update").await, true);
    assert_eq!(ask(&c["mai"], &org.id, "org.delete").await, false);
    assert_eq!(ask(&c["mai"], &org.team, "team.delete").await, true);
    assert_eq!(ask(&c["sup"], &org.id, "team.create").await, true);
    assert_eq!(ask(&c["vic"], &p, "project.update").await, false);
    assert_eq!(ask(&c["vic"], &p, "project.read").await, true);
    assert_eq!(ask(&c["dev"], &p, "project.delete").await, false);
    let mine = create_project(&c["dev"], &org.workspace, "Mine").await;
    assert_eq!(ask(&c["dev"], &mine, "project.delete").await, true);
    assert_eq!(ask(&c["mix"], &p, "dataset.create").await, true);
    // viewerCan never answers true for a key viewerPermissions does not list there
    // (apart from `.own`, which counts on what the viewer created).
    assert_eq!(ask(&c["vic"], &p, "team.read").await, false);
    assert_eq!(ask(&owner, &p, "workspace.create").await, false);
    assert_eq!(ask(&owner, &p, "team.delete").await, false);
    assert_eq!(ask(&owner, &org.team, "org.read").await, false);
    assert_eq!(ask(&owner, &org.id, "team.read").await, false);
    for id in [&org.id, &org.team, &p] {
        let (_, body) = owner.post(can, json!({ "id": id, "k": "nope" })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "permission", "{body}");
    }
});

both!(project_memberships_are_hidden_from_those_who_do_not_see_the_project, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Secret").await;
    let (ann, lab, dev) = (app.user("ann").await, app.user("lab").await, app.user("dev").await);
    for u in [&ann, &lab, &dev] {
        add_member(&owner, &org.id, u, "worker").await;
    }
    add_member(&owner, &org.team, &ann, "annotator").await;
    add_member(&owner, &org.team, &dev, "developer").await;
    let m_lab = add_member(&owner, &p, &lab, "labeler").await;
    let m_dev_team = {
        let d = owner
            .ok(
                "query($t: ID!) { node(id: $t) { ... on Team { members(first: 10) { nodes { id user { id } } } } } }",
                json!({ "t": org.team }),
            )
            .await;
        d["node"]["members"]["nodes"]
            .as_array()
            .expect("members")
            .iter()
            .find(|m| m["user"]["id"] == dev.id.as_str())
            .expect("dev")["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    // The annotator sees the team (and its memberships) but not the project, nor its memberships.
    assert!(node(&ann, &p).await.is_null());
    assert!(node(&ann, &m_lab).await.is_null(), "a project membership reveals the project");
    assert_eq!(node(&ann, &m_dev_team).await["role"]["key"], "developer");
    let remove = "mutation($m: ID!) { removeMember(input: { membershipId: $m }) { removedMembershipId } }";
    let change = "mutation($m: ID!) { changeMemberRole(input: { membershipId: $m, role: \"reviewer\" }) { membership { id } } }";
    assert_eq!(ann.code(remove, json!({ "m": m_lab })).await, "NOT_FOUND");
    assert_eq!(ann.code(change, json!({ "m": m_lab })).await, "NOT_FOUND");
    // Those who see the project see its memberships; the member sees their own.
    assert_eq!(node(&dev, &m_lab).await["role"]["key"], "labeler");
    assert_eq!(node(&lab, &m_lab).await["role"]["key"], "labeler");
    assert_eq!(dev.code(remove, json!({ "m": m_lab })).await, "FORBIDDEN");
    assert_eq!(node(&owner, &m_lab).await["role"]["key"], "labeler");
    // An outsider sees no membership at all.
    let eve = app.user("eve").await;
    assert!(node(&eve, &m_lab).await.is_null());
    assert!(node(&eve, &m_dev_team).await.is_null());
});

both!(checks_run_in_order_visibility_then_permission_then_uniqueness_then_invariants, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let q = create_project(&owner, &org.workspace, "Bikes").await;
    let (vic, wor, eve) = (app.user("vic").await, app.user("wor").await, app.user("eve").await);
    add_member(&owner, &org.id, &vic, "worker").await;
    add_member(&owner, &org.id, &wor, "worker").await;
    add_member(&owner, &org.team, &vic, "viewer").await;
    let create_team = "mutation($o: ID!, $n: String!) { createTeam(input: { organizationId: $o, name: $n }) { team { id } } }";
    let rename_team = "mutation($t: ID!, $n: String!) { updateTeam(input: { teamId: $t, name: $n }) { team { id } } }";
    let rename_project =
        "mutation($p: ID!, $n: String!) { updateProject(input: { projectId: $p, name: $n }) { project { id } } }";
    let create_ws = "mutation($t: ID!, $n: String!) { createWorkspace(input: { teamId: $t, name: $n }) { workspace { id } } }";
    let add = "mutation($s: ID!, $u: ID!, $r: String!) { addMember(input: { scopeId: $s, userId: $u, role: $r }) { membership { id } } }";
    let delete_ws = "mutation($w: ID!) { deleteWorkspace(input: { workspaceId: $w }) { deletedWorkspaceId } }";
    let update_org = "mutation($o: ID!, $s: String!) { updateOrganization(input: { organizationId: $o, slug: $s }) { organization { slug } } }";
    create_org(&owner, "taken").await;

    // Input validation comes first, even for an outsider.
    assert_eq!(eve.code(rename_team, json!({ "t": org.team, "n": "  " })).await, "BAD_USER_INPUT");
    assert_eq!(eve.code(add, json!({ "s": org.id, "u": vic.id, "r": "wizard" })).await, "BAD_USER_INPUT");
    assert_eq!(eve.code(update_org, json!({ "o": org.id, "s": "bad slug" })).await, "BAD_USER_INPUT");
    // Outsider with a duplicate: NOT_FOUND, never CONFLICT.
    assert_eq!(eve.code(rename_project, json!({ "p": q, "n": "Cars" })).await, "NOT_FOUND");
    assert_eq!(eve.code(rename_team, json!({ "t": org.team, "n": "Core" })).await, "NOT_FOUND");
    assert_eq!(eve.code(create_team, json!({ "o": org.id, "n": "Core" })).await, "NOT_FOUND");
    assert_eq!(eve.code(create_ws, json!({ "t": org.team, "n": "First Workspace" })).await, "NOT_FOUND");
    assert_eq!(eve.code(add, json!({ "s": org.id, "u": vic.id, "r": "worker" })).await, "NOT_FOUND");
    assert_eq!(eve.code(delete_ws, json!({ "w": org.workspace })).await, "NOT_FOUND");
    // Read-only members with a duplicate: FORBIDDEN, never CONFLICT.
    assert_eq!(vic.code(rename_project, json!({ "p": q, "n": "Cars" })).await, "FORBIDDEN");
    assert_eq!(vic.code(rename_team, json!({ "t": org.team, "n": "Core" })).await, "FORBIDDEN");
    assert_eq!(vic.code(create_ws, json!({ "t": org.team, "n": "First Workspace" })).await, "FORBIDDEN");
    assert_eq!(wor.code(create_team, json!({ "o": org.id, "n": "Core" })).await, "FORBIDDEN");
    assert_eq!(wor.code(add, json!({ "s": org.id, "u": vic.id, "r": "worker" })).await, "FORBIDDEN");
    assert_eq!(wor.code(update_org, json!({ "o": org.id, "s": "taken" })).await, "FORBIDDEN");
    // Permission before invariant: the last workspace; a move into another project.
    assert_eq!(vic.code(delete_ws, json!({ "w": org.workspace })).await, "FORBIDDEN");
    let a = create_dataset(&owner, &p, None, "a").await;
    let x = create_dataset(&owner, &q, None, "x").await;
    let mv = "mutation($d: ID!, $p: ID) { moveDataset(input: { datasetId: $d, newParentId: $p }) { dataset { id } } }";
    assert_eq!(vic.code(mv, json!({ "d": a, "p": x })).await, "FORBIDDEN");
    assert_eq!(owner.code(mv, json!({ "d": a, "p": x })).await, "FAILED_PRECONDITION");
    // Those allowed reach uniqueness, then invariants.
    assert_eq!(owner.code(rename_project, json!({ "p": q, "n": "Cars" })).await, "CONFLICT");
    assert_eq!(owner.code(create_team, json!({ "o": org.id, "n": "Core" })).await, "CONFLICT");
    assert_eq!(owner.code(add, json!({ "s": org.id, "u": vic.id, "r": "worker" })).await, "CONFLICT");
    assert_eq!(owner.code(update_org, json!({ "o": org.id, "s": "TAKEN" })).await, "CONFLICT");
    assert_eq!(owner.code(delete_ws, json!({ "w": org.workspace })).await, "FAILED_PRECONDITION");
    // Nothing changed.
    assert_eq!(node(&owner, &q).await["name"], "Bikes");
    assert_eq!(node(&owner, &p).await["name"], "Cars");
    assert_eq!(node(&owner, &org.team).await["name"], "Core");
    assert_eq!(owner.ok("{ organization(slug: \"acme\") { slug } }", json!({})).await["organization"]["slug"], "acme");
});
