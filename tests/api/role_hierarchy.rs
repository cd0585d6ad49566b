//! Issue 11, findings 4, 5, 13 and 16: the role hierarchy (RULES.md §9.3, §9.4) and
//! the oracles of role keys and user ids (§9.8).

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use orgraph::graphql::ids::{Kind, encode};
use serde_json::{Value, json};

const CREATE_ROLE: &str = "mutation($o: ID!, $k: String!, $s: ScopeKind!, $p: [String!]!) {
    createRole(input: { organizationId: $o, key: $k, name: $k, scopeKind: $s, permissions: $p }) { role { key } } }";
const UPDATE_ROLE: &str = "mutation($o: ID!, $k: String!, $s: ScopeKind!, $n: String, $p: [String!]) {
    updateRole(input: { organizationId: $o, key: $k, scopeKind: $s, name: $n, permissions: $p }) { role { key } } }";
const ROLES: &str = "query($s: String!) { organization(slug: $s) { roles { key scopeKind builtIn permissions } } }";

fn role_vars(org: &str, key: &str, scope: &str, keys: &[String]) -> Value {
    json!({ "o": org, "k": key, "s": scope, "p": keys })
}

/// The permission keys of the built-in role `key` at `scope` in the organization `slug`.
async fn builtin_keys(by: &Client, slug: &str, scope: &str, key: &str) -> Vec<String> {
    let d = by.ok(ROLES, json!({ "s": slug })).await;
    let roles = d["organization"]["roles"].as_array().expect("roles").clone();
    let role = roles.iter().find(|r| r["key"] == key && r["scopeKind"] == scope && r["builtIn"] == true).expect("role");
    role["permissions"].as_array().expect("keys").iter().map(|k| k.as_str().expect("key").to_string()).collect()
}

fn strings(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

/// An organization of `preset` whose team `Core` has the owner and `admin` as explicit
/// admins; each actor is an organization member with its role.
async fn preset_org(owner: &Client, slug: &str, preset: &str, admin: &Client) -> (String, String) {
    let d = owner.ok(CREATE_ORGANIZATION, json!({ "s": slug, "p": preset })).await;
    let org = d["createOrganization"]["organization"]["id"].as_str().expect("org").to_string();
    let (team, _) = create_team(owner, &org, "Core").await;
    let newcomer = if preset == "LABELBOX" { "member" } else { "worker" };
    let newcomer = if preset == "SUPERANNOTATE" { "contributor" } else { newcomer };
    add_member(owner, &org, admin, newcomer).await;
    add_member(owner, &team, admin, "admin").await;
    (org, team)
}

both!(finding_4_only_org_member_managers_demote_or_remove_team_admins, |app: TestApp| async move {
    // (preset, team role below admin, organization roles that must be refused, one that may).
    let cases: [(&str, &str, &[&str], &str); 3] = [
        ("CVAT", "member", &["supervisor"], "maintainer"),
        ("LABELBOX", "member", &["project_lead", "team_manager", "data_admin"], "admin"),
        ("SUPERANNOTATE", "member", &[], "admin"),
    ];
    let owner = app.user("owner").await;
    for (i, (preset, lower, refused, allowed)) in cases.into_iter().enumerate() {
        let admin = app.user(&format!("admin{i}")).await;
        let (org, team) = preset_org(&owner, &format!("p{i}"), preset, &admin).await;
        let m = membership_id(&owner, &team, &admin).await;
        for (j, role) in refused.iter().enumerate() {
            let actor = app.user(&format!("actor{i}x{j}")).await;
            add_member(&owner, &org, &actor, role).await;
            for (op, vars) in [(CHANGE_ROLE, json!({ "m": m, "r": lower })), (REMOVE_MEMBER, json!({ "m": m }))] {
                assert_eq!(actor.code(op, vars).await, "FORBIDDEN", "{preset} {role}");
            }
            assert_eq!(owner.node(&m).await["role"]["key"], "admin", "{preset} {role} changed nothing");
        }
        let manager = app.user(&format!("manager{i}")).await;
        add_member(&owner, &org, &manager, allowed).await;
        let d = manager.ok(CHANGE_ROLE, json!({ "m": m, "r": lower })).await;
        assert_eq!(d["changeMemberRole"]["membership"]["role"]["key"], *lower, "{preset} {allowed}");
        manager.ok(REMOVE_MEMBER, json!({ "m": m })).await;
    }
    // DEFAULT: a team admin promotes but does not demote or remove another admin.
    let t = DefaultOrg::new(&app).await;
    let m = membership_id(&t.owner, &t.team, &t.developer).await;
    t.team_admin.ok(CHANGE_ROLE, json!({ "m": m, "r": "admin" })).await;
    assert_eq!(t.team_admin.code(CHANGE_ROLE, json!({ "m": m, "r": "developer" })).await, "FORBIDDEN");
    assert_eq!(t.team_admin.code(REMOVE_MEMBER, json!({ "m": m })).await, "FORBIDDEN");
    t.maintainer.ok(CHANGE_ROLE, json!({ "m": m, "r": "developer" })).await;
});

both!(finding_5_shadow_maintainer_is_refused, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let maintainer_keys = builtin_keys(&t.owner, &t.slug, "ORGANIZATION", "maintainer").await;
    // A role with every key of the maintainer counts as a maintainer: not below her.
    let shadow = role_vars(&t.org, "shadow", "ORGANIZATION", &maintainer_keys);
    assert_eq!(t.maintainer.code(CREATE_ROLE, shadow.clone()).await, "FORBIDDEN");
    // The owner may make it; the maintainer may then neither assign nor change it.
    t.owner.ok(CREATE_ROLE, shadow).await;
    let w = membership_id(&t.owner, &t.org, &t.worker).await;
    assert_eq!(t.maintainer.code(CHANGE_ROLE, json!({ "m": w, "r": "shadow" })).await, "FORBIDDEN");
    assert_eq!(t.maintainer.code(INVITE, json!({ "s": t.org, "e": "fresh@example.com", "r": "shadow" })).await, "FORBIDDEN");
    let fewer = strings(&["org.read", "member.read"]);
    let narrowed = json!({ "o": t.org, "k": "shadow", "s": "ORGANIZATION", "p": fewer });
    assert_eq!(t.maintainer.code(UPDATE_ROLE, narrowed).await, "FORBIDDEN");
    assert_eq!(
        t.maintainer.code(UPDATE_ROLE, json!({ "o": t.org, "k": "shadow", "s": "ORGANIZATION", "n": "x" })).await,
        "FORBIDDEN"
    );
    assert_eq!(t.owner.node(&w).await["role"]["key"], "worker");
    // A role below her own (a supervisor's keys) she makes and assigns.
    let helper = role_vars(&t.org, "helper", "ORGANIZATION", &strings(&["org.read", "member.read", "team.create"]));
    t.maintainer.ok(CREATE_ROLE, helper).await;
    t.maintainer.ok(CHANGE_ROLE, json!({ "m": w, "r": "helper" })).await;
    // Nor may she grow that role to her own rank.
    let grown = json!({ "o": t.org, "k": "helper", "s": "ORGANIZATION", "p": maintainer_keys });
    assert_eq!(t.maintainer.code(UPDATE_ROLE, grown).await, "FORBIDDEN");
});

both!(finding_5_maintainer_cannot_remove_an_owner_made_co_owner, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let mut owner_keys = builtin_keys(&t.owner, &t.slug, "ORGANIZATION", "owner").await;
    // Handing the organization over, which demotes its owner, is no custom role's.
    let e = t.owner.error(CREATE_ROLE, role_vars(&t.org, "co-owner", "ORGANIZATION", &owner_keys)).await;
    assert_eq!((&e["extensions"]["code"], &e["extensions"]["field"]), (&json!("BAD_USER_INPUT"), &json!("permissions")), "{e}");
    owner_keys.retain(|k| k != "org.transfer");
    t.owner.ok(CREATE_ROLE, role_vars(&t.org, "co-owner", "ORGANIZATION", &owner_keys)).await;
    let w = membership_id(&t.owner, &t.org, &t.worker).await;
    t.owner.ok(CHANGE_ROLE, json!({ "m": w, "r": "co-owner" })).await;
    // It does not take the owner's place, nor grow into it.
    assert_eq!(t.worker.code(TRANSFER_OWNERSHIP, json!({ "o": t.org, "u": t.worker.id })).await, "FORBIDDEN");
    let grown = json!({ "o": t.org, "k": "co-owner", "s": "ORGANIZATION", "p": ["org.read", "org.transfer"] });
    assert_eq!(t.owner.code(UPDATE_ROLE, grown).await, "BAD_USER_INPUT");
    assert_eq!(t.maintainer.code(REMOVE_MEMBER, json!({ "m": w })).await, "FORBIDDEN");
    assert_eq!(t.maintainer.code(CHANGE_ROLE, json!({ "m": w, "r": "worker" })).await, "FORBIDDEN");
    assert_eq!(t.owner.node(&w).await["role"]["key"], "co-owner");
    // The co-owner counts as the owner's rank: it manages maintainers, not the owner.
    let m = membership_id(&t.owner, &t.org, &t.maintainer).await;
    t.worker.ok(CHANGE_ROLE, json!({ "m": m, "r": "supervisor" })).await;
    let o = membership_id(&t.owner, &t.org, &t.owner).await;
    assert_eq!(t.worker.code(REMOVE_MEMBER, json!({ "m": o })).await, "FORBIDDEN");
    t.owner.ok(REMOVE_MEMBER, json!({ "m": w })).await;
});

both!(finding_5_project_manager_and_custom_project_roles_by_rank, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    // qa-lead: member management besides reading; only `manager` and `lead` cover it, so it
    // ranks as a manager. qa-helper: what a labeler holds, so it ranks as a labeler.
    let qa_lead =
        strings(&["project.read", "dataset.read", "member.read", "labeling_job.access", "member.invite", "member.manage"]);
    t.owner.ok(CREATE_ROLE, role_vars(&t.org, "qa-lead", "PROJECT", &qa_lead)).await;
    let qa_helper = strings(&["project.read", "labeling_job.access"]);
    t.owner.ok(CREATE_ROLE, role_vars(&t.org, "qa-helper", "PROJECT", &qa_helper)).await;
    add_member(&t.owner, &t.project, &t.worker, "manager").await;
    let lead = add_member(&t.owner, &t.project, &t.annotator, "qa-lead").await;
    let helper = add_member(&t.owner, &t.project, &t.viewer, "qa-helper").await;
    assert_eq!(t.worker.code(REMOVE_MEMBER, json!({ "m": lead })).await, "FORBIDDEN");
    assert_eq!(t.worker.code(CHANGE_ROLE, json!({ "m": lead, "r": "labeler" })).await, "FORBIDDEN");
    assert_eq!(t.worker.code(CHANGE_ROLE, json!({ "m": helper, "r": "qa-lead" })).await, "FORBIDDEN");
    t.worker.ok(CHANGE_ROLE, json!({ "m": helper, "r": "reviewer" })).await;
    t.worker.ok(CHANGE_ROLE, json!({ "m": helper, "r": "qa-helper" })).await;
    t.worker.ok(REMOVE_MEMBER, json!({ "m": helper })).await;
    // A team admin stands above every project role.
    t.team_admin.ok(REMOVE_MEMBER, json!({ "m": lead })).await;
});

both!(finding_13_role_keys_on_hidden_scopes_are_not_found_and_never_listed, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    t.owner.ok(CREATE_ROLE, role_vars(&t.org, "secret-lead", "PROJECT", &strings(&["project.read"]))).await;
    let (gone, _) = create_team(&t.owner, &t.org, "Gone").await;
    t.owner.ok(DELETE_TEAM, json!({ "t": gone })).await;
    let eve = &t.outsider;
    for (scope, what) in [(&t.org, "org"), (&t.team, "team"), (&t.project, "project"), (&gone, "deleted team")] {
        for key in ["wizard", "secret-lead", "owner"] {
            let add = eve.error(ADD_MEMBER, json!({ "s": scope, "u": t.worker.id, "r": key })).await;
            let invite = eve.error(INVITE, json!({ "s": scope, "e": "x@example.com", "r": key })).await;
            for e in [add, invite] {
                assert_eq!(e["extensions"]["code"], "NOT_FOUND", "{what} {key}: {e}");
                let text = e.to_string();
                assert!(!text.contains("secret-lead") && !text.contains("valid"), "{what} {key}: {e}");
            }
        }
    }
    let m = membership_id(&t.owner, &t.org, &t.worker).await;
    assert_eq!(eve.code(CHANGE_ROLE, json!({ "m": m, "r": "wizard" })).await, "NOT_FOUND");
    // Where the scope is seen, an unknown key is still BAD_USER_INPUT naming the valid ones.
    let e = t.owner.error(ADD_MEMBER, json!({ "s": t.project, "u": t.worker.id, "r": "wizard" })).await;
    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT");
    assert!(e.to_string().contains("secret-lead"), "{e}");
    let w = membership_id(&t.owner, &t.org, &t.worker).await;
    assert_eq!(t.owner.code(CHANGE_ROLE, json!({ "m": w, "r": "wizard" })).await, "BAD_USER_INPUT");
});

both!(finding_16_add_member_and_invite_answer_alike_for_unseen_users, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let nobody = encode(Kind::User, uuid::Uuid::now_v7()).0;
    let stranger = &t.outsider; // exists, shares no organization with acme's members
    // Without member.manage: an unseen id, existing or not, is NOT_FOUND.
    for user in [&nobody, &stranger.id] {
        let e = t.worker.error(ADD_MEMBER, json!({ "s": t.org, "u": user, "r": "worker" })).await;
        assert_eq!(e["extensions"]["code"], "NOT_FOUND", "{e}");
        let e = t.team_admin.error(ADD_MEMBER, json!({ "s": t.team, "u": user, "r": "viewer" })).await;
        assert_eq!(e["extensions"]["code"], "NOT_FOUND", "{e}");
    }
    // A member who cannot see the organization's members learns nothing from e-mails.
    t.owner.ok(CREATE_ROLE, role_vars(&t.org, "guest", "ORGANIZATION", &strings(&["org.read"]))).await;
    let m = membership_id(&t.owner, &t.org, &t.team_admin).await;
    t.owner.ok(CHANGE_ROLE, json!({ "m": m, "r": "guest" })).await;
    let mut answers = Vec::new();
    for email in ["worker@example.com", "maintainer@example.com", "newbie@example.com", "outsider@example.com"] {
        let e = t.team_admin.error(INVITE, json!({ "s": t.team, "e": email, "r": "viewer" })).await;
        answers.push((e["extensions"]["code"].clone(), e["message"].clone()));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, "FORBIDDEN");
});

// `Organization.assignableRoles(scopeId:)` lists exactly the roles `inviteMember` accepts
// from the viewer at that scope (issue 13: `Organization.roles` names every role, this
// field says which the viewer may give), never `owner`; NOT_FOUND for a hidden scope.
both!(assignable_roles_are_exactly_those_the_viewer_may_give, |app: TestApp| async move {
    const CAN: &str = "query($id: ID!, $p: String!) { node(id: $id) { ... on Organization { viewerCan(permission: $p) } } }";
    const ASSIGNABLE: &str = "query($s: String!, $id: ID) { organization(slug: $s) {
        roles { key scopeKind } assignableRoles(scopeId: $id) { key scopeKind } } }";
    let t = DefaultOrg::new(&app).await;
    let actors = [
        ("owner", &t.owner),
        ("maintainer", &t.maintainer),
        ("supervisor", &t.supervisor),
        ("worker", &t.worker),
        ("team_admin", &t.team_admin),
        ("developer", &t.developer),
        ("manager", &t.manager),
    ];
    let scopes = [("ORGANIZATION", &t.org), ("TEAM", &t.team), ("PROJECT", &t.project)];
    let mut invited = 0;
    let mut listed_somewhere = 0;
    for (name, actor) in actors {
        for (kind, scope) in scopes {
            let (_, body) = actor.post(ASSIGNABLE, json!({ "s": t.slug, "id": scope })).await;
            if body["errors"][0]["extensions"]["code"] == "NOT_FOUND" {
                assert!(actor.node(scope).await.is_null(), "{name} at {kind}: NOT_FOUND only for a hidden scope");
                continue;
            }
            let d = body["data"].clone();
            let keys = |v: &Value| -> Vec<String> {
                v.as_array()
                    .expect("roles")
                    .iter()
                    .filter(|r| r["scopeKind"] == kind)
                    .map(|r| r["key"].as_str().expect("key").to_string())
                    .collect()
            };
            let all = keys(&d["organization"]["roles"]);
            let listed = keys(&d["organization"]["assignableRoles"]);
            assert_eq!(
                listed.len(),
                d["organization"]["assignableRoles"].as_array().expect("list").len(),
                "{name} at {kind}: only roles of the scope's kind"
            );
            assert!(!listed.iter().any(|k| k == "owner"), "{name} at {kind}: owner is never assignable");
            listed_somewhere += listed.len();
            // Bringing a newcomer into a team or project also needs `member.invite` on the
            // organization (a rule on the person, not the role): compare with
            // `inviteMember` where that rule cannot interfere.
            let org_inviter = actor.ok(CAN, json!({ "id": t.org, "p": "member.invite" })).await["node"]["viewerCan"] == true;
            if kind != "ORGANIZATION" && !org_inviter {
                continue;
            }
            for role in &all {
                invited += 1;
                let email = format!("x{invited}@example.com");
                let (_, body) = actor.post(INVITE, json!({ "s": scope, "e": email, "r": role })).await;
                let accepted = body["errors"].is_null();
                assert_eq!(accepted, listed.contains(role), "{name} inviting as {role} at {kind}: {body}");
            }
        }
    }
    assert!(listed_somewhere > 0, "some actor may assign something");
    let team_roles = |d: &Value| d["organization"]["assignableRoles"].as_array().expect("list").len();
    let d = t.team_admin.ok(ASSIGNABLE, json!({ "s": t.slug, "id": t.team })).await;
    assert!(team_roles(&d) > 0, "a team admin gives team roles: {d}");
    let d = t.worker.ok(ASSIGNABLE, json!({ "s": t.slug, "id": t.org })).await;
    assert_eq!(team_roles(&d), 0, "a worker gives nothing: {d}");
    // The organization itself when no scope is given; a scope the viewer cannot see is NOT_FOUND.
    let d = t.owner.ok(ASSIGNABLE, json!({ "s": t.slug, "id": null })).await;
    assert!(d["organization"]["assignableRoles"].as_array().expect("list").iter().all(|r| r["scopeKind"] == "ORGANIZATION"));
    let other = app.user("other_owner").await;
    let o = other.ok(CREATE_ORGANIZATION, json!({ "s": "other-org", "p": null })).await;
    let hidden = o["createOrganization"]["organization"]["id"].as_str().expect("org").to_string();
    assert_eq!(t.owner.code(ASSIGNABLE, json!({ "s": t.slug, "id": hidden })).await, "NOT_FOUND");
});
