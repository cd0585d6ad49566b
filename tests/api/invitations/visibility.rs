//! Who sees which invitation (RULES.md §3.1, §6): the invitee, the inviter and holders of
//! `member.invite` on its scope; the `invitations` lists are null for everyone else and
//! filter by status; an invitee sees only the identity of the organization that invites
//! them, not the team or project, until they accept.

use super::*;
use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::json;

both!(invitation_lists_are_null_without_member_invite_and_filter_by_status, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    add_member(&t.owner, &t.project, &t.supervisor, "reviewer").await;

    let p = invite(&t.owner, &t.org, "p@example.com", "worker").await;
    let d = invite(&t.owner, &t.org, "d@example.com", "worker").await;
    let r = invite(&t.maintainer, &t.org, "r@example.com", "worker").await;
    let a = invite(&t.owner, &t.org, "a@example.com", "supervisor").await;
    let to_team = invite(&t.team_admin, &t.team, "supervisor@example.com", "viewer").await;
    let pr = invite(&t.owner, &t.project, "x@example.com", "labeler").await;
    app.user("d").await.ok(DECLINE, id_vars(&d)).await;
    t.owner.ok(REVOKE, id_vars(&r)).await;
    app.user("a").await.ok(ACCEPT, id_vars(&a)).await;

    let all = |v: &[&String], s: &str| Some(v.iter().map(|i| (i.to_string(), s.to_string())).collect::<Vec<_>>());
    for manager in [&t.owner, &t.maintainer] {
        let everything = invitations(manager, &t.org, None).await.expect("a connection");
        assert_eq!(everything.len(), 4, "only organization-scope invitations: {everything:?}");
        assert_eq!(invitations(manager, &t.org, Some("PENDING")).await, all(&[&p], "PENDING"));
        assert_eq!(invitations(manager, &t.org, Some("DECLINED")).await, all(&[&d], "DECLINED"));
        assert_eq!(invitations(manager, &t.org, Some("REVOKED")).await, all(&[&r], "REVOKED"));
        assert_eq!(invitations(manager, &t.org, Some("ACCEPTED")).await, all(&[&a], "ACCEPTED"));
        assert_eq!(invitations(manager, &t.org, Some("EXPIRED")).await, Some(vec![]));
        assert_eq!(invitations(manager, &t.team, None).await, all(&[&to_team], "PENDING"));
        assert_eq!(invitations(manager, &t.project, None).await, all(&[&pr], "PENDING"));
    }
    // The team admin manages the team's and its projects' invitations, not the organization's.
    assert_eq!(invitations(&t.team_admin, &t.org, None).await, None);
    assert_eq!(invitations(&t.team_admin, &t.team, Some("PENDING")).await, all(&[&to_team], "PENDING"));
    assert_eq!(invitations(&t.team_admin, &t.project, None).await, all(&[&pr], "PENDING"));
    // A team developer and a supervisor (project reviewer) see the scopes, not the invitations.
    for who in [&t.developer, &t.supervisor] {
        assert_eq!(invitations(who, &t.org, None).await, None, "{}", who.sub);
        assert_eq!(invitations(who, &t.org, Some("PENDING")).await, None, "{}", who.sub);
        assert_eq!(invitations(who, &t.project, None).await, None, "{}", who.sub);
    }
    assert_eq!(invitations(&t.developer, &t.team, None).await, None);

    // Pagination.
    let page = t
        .owner
        .ok(
            "query($o: ID!) { node(id: $o) { ... on Organization { invitations(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } } }",
            json!({ "o": t.org }),
        )
        .await;
    let conn = &page["node"]["invitations"];
    assert_eq!(conn["nodes"], json!([{ "id": p }, { "id": d }]));
    assert_eq!(conn["totalCount"], 4);
    assert_eq!(conn["pageInfo"]["hasNextPage"], true);
    let next = t
        .owner
        .ok(
            "query($o: ID!, $a: String) { node(id: $o) { ... on Organization { invitations(first: 2, after: $a) { nodes { id } } } } }",
            json!({ "o": t.org, "a": conn["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(next["node"]["invitations"]["nodes"], json!([{ "id": r }, { "id": a }]));
});

both!(an_invitation_node_is_visible_to_the_invitee_the_inviter_and_managers_only, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let id = invite(&t.maintainer, &t.org, "Ivy@example.com", "worker").await;
    let team_inv = invite(&t.owner, &t.team, "ivy@example.com", "viewer").await;
    let ivy = app.user("ivy").await;

    for who in [&ivy, &t.maintainer, &t.owner] {
        let node = invitation(who, &id).await;
        assert_eq!(node["id"], id, "{} must see it", who.sub);
        assert_eq!(node["email"], "ivy@example.com");
        assert_eq!(node["status"], "PENDING");
    }
    for who in [&t.worker, &t.supervisor, &t.outsider, &t.team_admin] {
        assert!(invitation(who, &id).await.is_null(), "{} must not see it", who.sub);
    }
    // The team invitation: the team admin manages it; the worker and the supervisor do not.
    for who in [&ivy, &t.owner, &t.maintainer, &t.team_admin] {
        assert_eq!(invitation(who, &team_inv).await["id"], team_inv, "{}", who.sub);
    }
    for who in [&t.worker, &t.supervisor, &t.outsider] {
        assert!(invitation(who, &team_inv).await.is_null(), "{}", who.sub);
    }
    let d = t.outsider.ok(NODES, json!({ "ids": [id, team_inv] })).await;
    assert_eq!(d["nodes"], json!([null, null]));
    let d = ivy.ok(NODES, json!({ "ids": [id, team_inv] })).await;
    assert_eq!(d["nodes"], json!([{ "id": id }, { "id": team_inv }]));
});

both!(an_invitee_sees_the_organization_identity_but_not_the_team_or_project_before_accepting, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    create_dataset(&t.owner, &t.project, None, "secret").await;
    let to_team = invite(&t.owner, &t.team, "ivy@example.com", "viewer").await;
    let to_project = invite(&t.owner, &t.project, "ivy@example.com", "labeler").await;
    let ivy = app.user("ivy").await;
    let deep = "query($i: ID!) { node(id: $i) { ... on Invitation { organization { id slug name }
        team { id workspaces(first: 5) { nodes { name } } }
        project { id datasets(first: 5) { nodes { name } } } } } }";
    for id in [&to_team, &to_project] {
        let d = ivy.ok(deep, id_vars(id)).await;
        assert_eq!(d["node"]["organization"], json!({ "id": t.org, "slug": t.slug, "name": "acme" }));
        assert!(d["node"]["team"].is_null(), "the team is not the invitee's yet: {d}");
        assert!(d["node"]["project"].is_null(), "the project and its datasets are not the invitee's yet: {d}");
    }
    // Identity only: the organization's details stay with its members.
    t.owner
        .ok(
            "mutation($o: ID!) { updateOrganization(input: { organizationId: $o, description: \"d\", location: \"Berlin\", contactEmail: \"ops@acme.io\", contactPhone: \"+1\" }) { organization { id } } }",
            json!({ "o": t.org }),
        )
        .await;
    let details = "query($i: ID!) { node(id: $i) { ... on Invitation { organization { description location contactEmail contactPhone } } } }";
    let d = ivy.ok(details, id_vars(&to_team)).await;
    assert_eq!(
        d["node"]["organization"],
        json!({ "description": null, "location": null, "contactEmail": null, "contactPhone": null })
    );
    let d = t.owner.ok(details, id_vars(&to_team)).await;
    assert_eq!(d["node"]["organization"]["location"], "Berlin");
    // Managers of the scope see both.
    let d = t.owner.ok(deep, id_vars(&to_project)).await;
    assert_eq!(d["node"]["team"]["id"], t.team);
    assert_eq!(d["node"]["project"]["datasets"]["nodes"], json!([{ "name": "secret" }]));
    // Once accepted, the invitee sees what they joined.
    ivy.ok(ACCEPT, id_vars(&to_project)).await;
    let d = ivy.ok(deep, id_vars(&to_project)).await;
    assert_eq!(d["node"]["project"]["datasets"]["nodes"], json!([{ "name": "secret" }]));
    assert_eq!(d["node"]["team"]["id"], t.team, "seeing a project shows its team");
});

both!(a_custom_role_that_gives_no_sight_manages_no_invitations_there, |app: TestApp| async move {
    // A team role holding only `member.invite` gives no sight of its team or projects
    // (README, custom roles): its holder cannot invite there (NOT_FOUND), and neither
    // lists, sees, resends nor revokes the scope's invitations — not through a published
    // project either (RULES.md §9.1).
    let t = DefaultOrg::new(&app).await;
    crate::fixtures::create_role(&t.owner, &t.org, "inviter", "TEAM", &["member.invite"]).await;
    let carol = app.user("carol").await;
    add_member(&t.owner, &t.org, &carol, "worker").await;
    add_member(&t.owner, &t.team, &carol, "inviter").await;
    let to_team = invite(&t.owner, &t.team, "dave@example.com", "viewer").await;
    let to_project = invite(&t.owner, &t.project, "erin@example.com", "labeler").await;
    t.owner.ok(PUBLISH_PROJECT, json!({ "p": t.project })).await;

    assert!(carol.node(&t.team).await.is_null() && carol.node(&t.project).await.is_null());
    assert_eq!(carol.code(INVITE, invite_vars(&t.team, "fay@example.com", "viewer")).await, "NOT_FOUND");
    for id in [&to_team, &to_project] {
        assert!(invitation(&carol, id).await.is_null(), "carol must not see {id}");
    }
    let explore = "{ explore(first: 5) { nodes { invitations { nodes { email } } team { invitations { nodes { email } } } } } }";
    let d = carol.ok(explore, json!({})).await;
    assert_eq!(d["explore"]["nodes"], json!([{ "invitations": null, "team": { "invitations": null } }]), "{d}");
    assert_eq!(carol.code(RESEND, id_vars(&to_project)).await, "NOT_FOUND");
    assert_eq!(carol.code(REVOKE, id_vars(&to_team)).await, "NOT_FOUND");
    assert_eq!(status(&t.owner, &to_team).await, "PENDING");
    assert_eq!(status(&t.owner, &to_project).await, "PENDING");
});
