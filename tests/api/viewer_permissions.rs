//! The viewer fields against the role tables of RULES.md §5: `viewerRole` and
//! `viewerPermissions` of each DEFAULT role on the organization, the team and a project
//! (union of the three scopes, implicit team admins), and `viewerCan`, which agrees with
//! them and counts `.own` keys on what the viewer created.

use crate::both;
use crate::helpers::*;
use serde_json::{Value, json};

both!(default_org_gives_each_user_the_role_it_is_named_after, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let org_roles = [(&t.owner, "owner"), (&t.maintainer, "maintainer"), (&t.supervisor, "supervisor"), (&t.worker, "worker")];
    for (who, role) in org_roles.into_iter().chain(t.team_role_holders().map(|u| (u, "worker"))) {
        assert_eq!(viewer_fields(who, &t.org).await.0, role, "{} in the organization", who.sub);
    }
    let team_roles = [(&t.owner, "admin"), (&t.team_admin, "admin"), (&t.developer, "developer"), (&t.manager, "manager")];
    for (who, role) in team_roles.into_iter().chain([(&t.annotator, "annotator"), (&t.viewer, "viewer")]) {
        assert_eq!(viewer_fields(who, &t.team).await.0, role, "{} in Core", who.sub);
    }
    for who in [&t.maintainer, &t.supervisor, &t.worker] {
        assert_eq!(viewer_fields(who, &t.team).await.0, Value::Null, "{} holds no role in Core", who.sub);
    }
    assert!(t.outsider.node(&t.org).await.is_null());
    assert_eq!(t.owner.node(&t.project).await["name"], "Cars");
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
    let t = DefaultOrg::new(&app).await;
    let p = t.project.clone();
    // A team viewer who also manages the project, and a project-only labeler.
    let (mix, lab) = (app.user("mix").await, app.user("lab").await);
    for u in [&mix, &lab] {
        add_member(&t.owner, &t.org, u, "worker").await;
    }
    add_member(&t.owner, &t.team, &mix, "viewer").await;
    add_member(&t.owner, &p, &mix, "manager").await;
    add_member(&t.owner, &p, &lab, "labeler").await;
    let keys = |v: &[&str]| json!(v);

    // Organization level.
    assert_eq!(
        viewer_fields(&t.owner, &t.org).await,
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
        viewer_fields(&t.maintainer, &t.org).await,
        (json!("maintainer"), keys(&["member.invite", "member.manage", "member.read", "org.read", "org.update", "team.create"]))
    );
    assert_eq!(
        viewer_fields(&t.supervisor, &t.org).await,
        (json!("supervisor"), keys(&["member.read", "org.read", "team.create"]))
    );
    assert_eq!(viewer_fields(&t.developer, &t.org).await, (json!("worker"), keys(&["member.read", "org.read"])));

    // Team level: the maintainer is an implicit admin without a team role.
    let (role, perms) = viewer_fields(&t.maintainer, &t.team).await;
    assert!(role.is_null());
    let (owner_role, owner_perms) = viewer_fields(&t.owner, &t.team).await;
    assert_eq!(owner_role, "admin");
    assert_eq!(perms, owner_perms);
    for k in ["team.update", "team.delete", "member.manage", "workspace.delete", "project.create", "neural_network.access"] {
        assert!(perms.as_array().expect("keys").contains(&json!(k)), "maintainer lacks {k} on the team: {perms}");
    }
    assert_eq!(
        viewer_fields(&t.viewer, &t.team).await,
        (json!("viewer"), keys(&["dataset.read", "member.read", "project.read", "team.read"]))
    );

    // Project level.
    assert_eq!(viewer_fields(&t.viewer, &p).await, (Value::Null, keys(&["dataset.read", "member.read", "project.read"])));
    assert_eq!(
        viewer_fields(&t.developer, &p).await,
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
        viewer_fields(&lab, &p).await,
        (json!("labeler"), keys(&["dataset.read", "labeling_job.access", "member.read", "project.read"]))
    );
    // A project role adds to a team role, never reduces it (union).
    assert_eq!(
        viewer_fields(&mix, &p).await,
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
    let (_, admin_on_project) = viewer_fields(&t.owner, &p).await;
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
    assert_eq!(ask(&t.maintainer, &t.org, "org.update").await, true);
    assert_eq!(ask(&t.maintainer, &t.org, "org.delete").await, false);
    assert_eq!(ask(&t.maintainer, &t.team, "team.delete").await, true);
    assert_eq!(ask(&t.supervisor, &t.org, "team.create").await, true);
    assert_eq!(ask(&t.viewer, &p, "project.update").await, false);
    assert_eq!(ask(&t.viewer, &p, "project.read").await, true);
    assert_eq!(ask(&t.developer, &p, "project.delete").await, false);
    let mine = create_project(&t.developer, &t.workspace, "Mine").await;
    assert_eq!(ask(&t.developer, &mine, "project.delete").await, true);
    assert_eq!(ask(&mix, &p, "dataset.create").await, true);
    // viewerCan never answers true for a key viewerPermissions does not list there
    // (apart from `.own`, which counts on what the viewer created).
    assert_eq!(ask(&t.viewer, &p, "team.read").await, false);
    assert_eq!(ask(&t.owner, &p, "workspace.create").await, false);
    assert_eq!(ask(&t.owner, &p, "team.delete").await, false);
    assert_eq!(ask(&t.owner, &t.team, "org.read").await, false);
    assert_eq!(ask(&t.owner, &t.org, "team.read").await, false);
    for id in [&t.org, &t.team, &p] {
        let (_, body) = t.owner.post(can, json!({ "id": id, "k": "nope" })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "permission", "{body}");
    }
});
