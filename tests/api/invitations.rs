//! Invitations (RULES.md §6, seed 002): who may invite whom with which role, who answers,
//! the re-check of the inviter's authority at acceptance, computed expiry, the resend
//! throttle, the invitation lists and nodes, and delivery (the outbox, the log mailer and
//! SMTP, with a tiny SMTP sink below). Every refused mutation is checked for its
//! `extensions.code` and for having changed nothing.

use crate::both;
use crate::helpers::*;
use entity::invitation_event;
use futures_util::future::join_all;
use orgraph::config::Settings;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

// ---------------------------------------------------------------- helpers

const INVITE: &str = "mutation($s: ID!, $e: String!, $r: String!) { inviteMember(input: { scopeId: $s, email: $e, role: $r }) {
    invitation { id email status scopeKind role { key } expiresAt } } }";
const RESEND: &str = "mutation($i: ID!) { resendInvitation(input: { invitationId: $i }) { invitation { id status expiresAt } } }";
const REVOKE: &str = "mutation($i: ID!) { revokeInvitation(input: { invitationId: $i }) { invitation { id status } } }";
const ACCEPT: &str = "mutation($i: ID!) { acceptInvitation(input: { invitationId: $i }) {
    invitation { id status } membership { id scopeKind role { key } } } }";
const DECLINE: &str = "mutation($i: ID!) { declineInvitation(input: { invitationId: $i }) { invitation { id status } } }";
const INVITATION: &str = "query($i: ID!) { node(id: $i) { ... on Invitation {
    id email status expiresAt scopeKind role { key } organization { id slug name } team { id } project { id } } } }";
const CHANGE: &str = "mutation($m: ID!, $r: String!) { changeMemberRole(input: { membershipId: $m, role: $r }) { membership { id role { key } } } }";
const REMOVE: &str = "mutation($m: ID!) { removeMember(input: { membershipId: $m }) { removedMembershipId } }";
const LEAVE: &str = "mutation($s: ID!) { leaveScope(input: { scopeId: $s }) { leftScopeId } }";

fn invite_vars(scope: &str, email: &str, role: &str) -> Value {
    json!({ "s": scope, "e": email, "r": role })
}

fn id_vars(id: &str) -> Value {
    json!({ "i": id })
}

/// `inviteMember` that must succeed; returns the invitation id.
async fn invite(by: &Client, scope: &str, email: &str, role: &str) -> String {
    let d = by.ok(INVITE, invite_vars(scope, email, role)).await;
    let inv = &d["inviteMember"]["invitation"];
    assert_eq!(inv["status"], "PENDING", "{d}");
    assert_eq!(inv["role"]["key"], role, "{d}");
    inv["id"].as_str().expect("invitation id").to_string()
}

/// The first error of a request that must fail.
async fn error(c: &Client, query: &str, variables: Value) -> Value {
    let (_, body) = c.post(query, variables).await;
    assert!(body["errors"][0]["extensions"]["code"].is_string(), "expected an error for {query}, got {body}");
    body["errors"][0].clone()
}

/// `node(id)` of an invitation as `c` sees it (null when invisible).
async fn invitation(c: &Client, id: &str) -> Value {
    c.ok(INVITATION, id_vars(id)).await["node"].clone()
}

/// The status of an invitation that `c` sees.
async fn status(c: &Client, id: &str) -> String {
    let node = invitation(c, id).await;
    node["status"].as_str().unwrap_or_else(|| panic!("{} does not see invitation {id}: {node}", c.sub)).to_string()
}

/// Ids of `viewer.pendingInvitations`.
async fn pending(c: &Client) -> BTreeSet<String> {
    let d = c.ok("{ viewer { pendingInvitations { id } } }", json!({})).await;
    let list = d["viewer"]["pendingInvitations"].as_array().unwrap_or_else(|| panic!("no pendingInvitations: {d}")).clone();
    list.iter().map(|i| i["id"].as_str().expect("id").to_string()).collect()
}

/// `invitations` of an organization, team or project as `c` sees it: `None` when the
/// field is null, else (id, status) pairs. Panics when `c` does not see the scope.
async fn invitations(c: &Client, scope: &str, status: Option<&str>) -> Option<Vec<(String, String)>> {
    let d = c
        .ok(
            "query($s: ID!, $st: InvitationStatus) { node(id: $s) { id
               ... on Organization { invitations(first: 20, status: $st) { totalCount nodes { id status } } }
               ... on Team { invitations(first: 20, status: $st) { totalCount nodes { id status } } }
               ... on Project { invitations(first: 20, status: $st) { totalCount nodes { id status } } } } }",
            json!({ "s": scope, "st": status }),
        )
        .await;
    assert!(!d["node"].is_null(), "{} does not see {scope}", c.sub);
    let conn = &d["node"]["invitations"];
    if conn.is_null() {
        return None;
    }
    let nodes = conn["nodes"].as_array().expect("nodes");
    assert_eq!(conn["totalCount"], nodes.len(), "{conn}");
    Some(
        nodes
            .iter()
            .map(|n| (n["id"].as_str().expect("id").to_string(), n["status"].as_str().expect("status").to_string()))
            .collect(),
    )
}

/// Ids of the invitations of `scope` (all statuses) as `c` sees them; must be non-null.
async fn invitation_ids(c: &Client, scope: &str) -> Vec<String> {
    invitations(c, scope, None)
        .await
        .unwrap_or_else(|| panic!("{} may not list invitations of {scope}", c.sub))
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// (user id, role key) of the memberships of `scope` as `c` sees them, sorted.
async fn members(c: &Client, scope: &str) -> Vec<(String, String)> {
    let d = c
        .ok(
            "query($s: ID!) { node(id: $s) {
               ... on Organization { members(first: 10) { nodes { user { id } role { key } } } }
               ... on Team { members(first: 10) { nodes { user { id } role { key } } } }
               ... on Project { members(first: 10) { nodes { user { id } role { key } } } } } }",
            json!({ "s": scope }),
        )
        .await;
    let nodes = d["node"]["members"]["nodes"].as_array().unwrap_or_else(|| panic!("no members for {scope}: {d}")).clone();
    let mut out: Vec<(String, String)> = nodes
        .iter()
        .map(|m| (m["user"]["id"].as_str().expect("user").into(), m["role"]["key"].as_str().expect("role").into()))
        .collect();
    out.sort();
    out
}

/// The viewer's own memberships as (scope kind, scope id, role key).
async fn my_memberships(c: &Client) -> Vec<(String, String, String)> {
    let d = c
        .ok(
            "{ viewer { memberships(first: 20) { nodes { scopeKind role { key } organization { id } team { id } project { id } } } } }",
            json!({}),
        )
        .await;
    let nodes = d["viewer"]["memberships"]["nodes"].as_array().expect("memberships").clone();
    nodes
        .iter()
        .map(|m| {
            let kind = m["scopeKind"].as_str().expect("kind").to_string();
            let scope = match kind.as_str() {
                "ORGANIZATION" => &m["organization"]["id"],
                "TEAM" => &m["team"]["id"],
                _ => &m["project"]["id"],
            };
            (kind, scope.as_str().expect("scope id").to_string(), m["role"]["key"].as_str().expect("role").to_string())
        })
        .collect()
}

/// The viewer's role at `scope`, from `viewer.memberships`.
async fn my_role_at(c: &Client, scope: &str) -> Option<String> {
    my_memberships(c).await.into_iter().find(|(_, s, _)| s == scope).map(|(_, _, r)| r)
}

/// A CVAT-style organization: owner, maintainer, supervisor, worker.
struct Cvat {
    org: Org,
    owner: Client,
    maya: Client,
    maya_membership: String,
    sam: Client,
    will: Client,
}

async fn cvat(app: &TestApp) -> Cvat {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let (maya, sam, will) = (app.user("maya").await, app.user("sam").await, app.user("will").await);
    let maya_membership = add_member(&owner, &org.id, &maya, "maintainer").await;
    add_member(&owner, &org.id, &sam, "supervisor").await;
    add_member(&owner, &org.id, &will, "worker").await;
    Cvat { org, owner, maya, maya_membership, sam, will }
}

/// Outbox rows of one invitation, oldest first.
async fn events(db: &DatabaseConnection, invitation: &str) -> Vec<invitation_event::Model> {
    let (_, id) = orgraph::graphql::ids::decode(invitation, "id").expect("invitation id");
    invitation_event::Entity::find()
        .filter(invitation_event::Column::InvitationId.eq(id))
        .order_by_asc(invitation_event::Column::Id)
        .all(db)
        .await
        .expect("read invitation_events")
}

async fn connect(app: &TestApp) -> DatabaseConnection {
    sea_orm::Database::connect(&app.database_url).await.expect("connect to the test database")
}

/// Polls `check` every 100 ms until it holds or `limit` passes; returns whether it held.
async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------- a tiny SMTP sink

/// One message the sink accepted: the RCPT TO addresses and the DATA (headers and body).
#[derive(Clone, Debug)]
struct Mail {
    to: Vec<String>,
    data: String,
}

type Inbox = Arc<Mutex<Vec<Mail>>>;

/// Listeners bound while the server's settings are built, keyed by the test database URL
/// (unique per test), picked up by the test body.
static PARKED_SINKS: LazyLock<Mutex<HashMap<String, std::net::TcpListener>>> = LazyLock::new(Default::default);
/// Ports nothing listens on yet, keyed the same way.
static DOWN_PORTS: LazyLock<Mutex<HashMap<String, u16>>> = LazyLock::new(Default::default);

/// Settings: SMTP at a sink that listens from the start.
fn smtp_sink(s: &mut Settings) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
    let port = listener.local_addr().expect("addr").port();
    s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    s.smtp_from = "orgraph <no-reply@example.com>".into();
    PARKED_SINKS.lock().expect("sinks").insert(s.database_url.clone(), listener);
}

/// Settings: SMTP at a port where nothing listens (yet).
fn smtp_down(s: &mut Settings) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("pick a port").local_addr().expect("addr").port();
    s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    DOWN_PORTS.lock().expect("ports").insert(s.database_url.clone(), port);
}

fn serve_smtp(listener: tokio::net::TcpListener) -> Inbox {
    let inbox: Inbox = Arc::default();
    let out = inbox.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let inbox = inbox.clone();
            tokio::spawn(async move {
                let _ = smtp_session(stream, inbox).await;
            });
        }
    });
    out
}

fn angle_address(line: &str) -> String {
    let inner = line.split_once('<').and_then(|(_, rest)| rest.split_once('>')).map_or("", |(addr, _)| addr);
    inner.to_string()
}

/// Just enough SMTP: 220, EHLO/HELO 250, MAIL/RCPT 250, DATA 354 … "." 250, QUIT 221,
/// anything else (RSET, NOOP) 250.
async fn smtp_session(stream: tokio::net::TcpStream, inbox: Inbox) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 sink.example.com ESMTP ready\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 sink.example.com\r\n"
        } else if command.starts_with("MAIL") {
            to.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT") {
            to.push(angle_address(&line));
            b"250 OK\r\n"
        } else if command == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if read.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(&line);
            }
            inbox.lock().expect("inbox").push(Mail { to: std::mem::take(&mut to), data });
            b"250 OK queued\r\n"
        } else if command == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
}

fn mails(inbox: &Inbox) -> Vec<Mail> {
    inbox.lock().expect("inbox").clone()
}

// ---------------------------------------------------------------- who may invite which role

both!(owner_invites_maintainers_supervisors_and_workers_but_not_owners, |app: TestApp| async move {
    let c = cvat(&app).await;
    let m = invite(&c.owner, &c.org.id, "new-maintainer@example.com", "maintainer").await;
    let s = invite(&c.owner, &c.org.id, "new-supervisor@example.com", "supervisor").await;
    let w = invite(&c.owner, &c.org.id, "new-worker@example.com", "worker").await;
    assert_eq!(invitation_ids(&c.owner, &c.org.id).await, vec![m.clone(), s, w]);
    let node = invitation(&c.owner, &m).await;
    assert_eq!(node["scopeKind"], "ORGANIZATION");
    assert_eq!(node["email"], "new-maintainer@example.com");

    assert_eq!(c.owner.code(INVITE, invite_vars(&c.org.id, "new-owner@example.com", "owner")).await, "FORBIDDEN");
    assert_eq!(invitation_ids(&c.owner, &c.org.id).await.len(), 3, "nothing written by the refused invitation");
    let would_be_owner = app.user("new-owner").await;
    assert!(pending(&would_be_owner).await.is_empty());
});

both!(maintainer_invites_supervisors_and_workers_but_not_maintainers_or_owners, |app: TestApp| async move {
    let c = cvat(&app).await;
    invite(&c.maya, &c.org.id, "s@example.com", "supervisor").await;
    invite(&c.maya, &c.org.id, "w@example.com", "worker").await;
    for role in ["maintainer", "owner"] {
        assert_eq!(c.maya.code(INVITE, invite_vars(&c.org.id, "m@example.com", role)).await, "FORBIDDEN", "{role}");
    }
    assert_eq!(invitation_ids(&c.owner, &c.org.id).await.len(), 2);
    let m = app.user("m").await;
    assert!(pending(&m).await.is_empty());
});

both!(supervisors_and_workers_cannot_invite_and_learn_nothing_about_members_or_pending_invitations, |app: TestApp| async move {
    let c = cvat(&app).await;
    let existing = invite(&c.owner, &c.org.id, "pending@example.com", "worker").await;
    for who in [&c.sam, &c.will] {
        for role in ["worker", "supervisor"] {
            assert_eq!(
                who.code(INVITE, invite_vars(&c.org.id, "fresh@example.com", role)).await,
                "FORBIDDEN",
                "{} {role}",
                who.sub
            );
        }
        // CONFLICT only after the permission check: an active member, a pending e-mail.
        assert_eq!(who.code(INVITE, invite_vars(&c.org.id, "maya@example.com", "worker")).await, "FORBIDDEN", "{}", who.sub);
        assert_eq!(who.code(INVITE, invite_vars(&c.org.id, "pending@example.com", "worker")).await, "FORBIDDEN", "{}", who.sub);
    }
    assert_eq!(invitation_ids(&c.owner, &c.org.id).await, vec![existing]);
});

both!(a_team_admin_invites_org_members_to_the_team_but_only_org_managers_bring_in_new_people, |app: TestApp| async move {
    let c = cvat(&app).await;
    let tara = app.user("tara").await;
    add_member(&c.owner, &c.org.id, &tara, "worker").await;
    add_member(&c.owner, &c.org.team, &tara, "admin").await;
    let project = create_project(&c.owner, &c.org.workspace, "Cars").await;
    let stranger = app.user("stranger").await; // has an account, but is no member of acme

    // An organization member: any team role, and project roles of the team's projects.
    let to_team = invite(&tara, &c.org.team, "will@example.com", "developer").await;
    let admin = invite(&tara, &c.org.team, "sam@example.com", "admin").await;
    let to_project = invite(&tara, &project, "will@example.com", "labeler").await;
    assert_eq!(invitation(&tara, &to_team).await["scopeKind"], "TEAM");
    assert_eq!(invitation(&tara, &to_project).await["scopeKind"], "PROJECT");

    // Someone new to the organization needs member.invite on the organization.
    for (scope, role) in [(&c.org.team, "developer"), (&project, "labeler")] {
        for email in ["newbie@example.com", "stranger@example.com"] {
            assert_eq!(tara.code(INVITE, invite_vars(scope, email, role)).await, "FORBIDDEN", "{email} to {scope}");
        }
    }
    // Tara manages no organization invitations.
    assert_eq!(tara.code(INVITE, invite_vars(&c.org.id, "newbie@example.com", "worker")).await, "FORBIDDEN");
    assert_eq!(invitation_ids(&c.owner, &c.org.team).await, vec![to_team.clone(), admin.clone()]);
    assert_eq!(invitation_ids(&c.owner, &project).await, vec![to_project.clone()]);
    assert!(invitation_ids(&c.owner, &c.org.id).await.is_empty());
    assert!(pending(&stranger).await.is_empty());

    // The organization owner does bring them in, to the team and to the project.
    let newbie_team = invite(&c.owner, &c.org.team, "newbie@example.com", "developer").await;
    let stranger_project = invite(&c.owner, &project, "stranger@example.com", "reviewer").await;
    // A maintainer too.
    let maya_brings = invite(&c.maya, &project, "newbie@example.com", "labeler").await;
    assert_eq!(invitation_ids(&c.owner, &c.org.team).await, vec![to_team, admin, newbie_team]);
    assert_eq!(invitation_ids(&c.owner, &project).await, vec![to_project, stranger_project.clone(), maya_brings]);
    assert_eq!(pending(&stranger).await, BTreeSet::from([stranger_project]));
});

both!(project_leads_and_managers_invite_org_members_only_to_roles_below_their_own, |app: TestApp| async move {
    let c = cvat(&app).await;
    let project = create_project(&c.owner, &c.org.workspace, "Cars").await;
    add_member(&c.owner, &project, &c.sam, "lead").await;
    add_member(&c.owner, &project, &c.will, "manager").await;
    let (ann, ben) = (app.user("ann").await, app.user("ben").await);
    add_member(&c.owner, &c.org.id, &ann, "worker").await;
    add_member(&c.owner, &c.org.id, &ben, "worker").await;

    let mut expected = Vec::new();
    for (who, email, role) in [
        (&c.sam, "ann@example.com", "manager"),
        (&c.sam, "ben@example.com", "reviewer"),
        (&c.will, "maya@example.com", "labeler"),
    ] {
        expected.push(invite(who, &project, email, role).await);
    }
    for (who, role) in [(&c.sam, "lead"), (&c.will, "lead"), (&c.will, "manager")] {
        assert_eq!(who.code(INVITE, invite_vars(&project, "owner@example.com", role)).await, "FORBIDDEN", "{} {role}", who.sub);
    }
    // Someone new to the organization needs the organization's member.invite.
    assert_eq!(c.sam.code(INVITE, invite_vars(&project, "newbie@example.com", "labeler")).await, "FORBIDDEN");
    // A lead needs a team admin; the organization owner is one.
    expected.push(invite(&c.owner, &project, "owner@example.com", "lead").await);
    assert_eq!(invitation_ids(&c.owner, &project).await, expected);
    // The lead manages the project's invitations; they see the team (through the project)
    // but may not invite to it.
    assert_eq!(invitation_ids(&c.sam, &project).await, expected);
    assert_eq!(c.sam.code(INVITE, invite_vars(&c.org.team, "ann@example.com", "viewer")).await, "FORBIDDEN");
    assert_eq!(invitations(&c.sam, &c.org.team, None).await, None);
    assert!(invitation_ids(&c.owner, &c.org.team).await.is_empty());
});

both!(bad_roles_and_e_mails_are_bad_user_input_before_visibility_and_permission, |app: TestApp| async move {
    let c = cvat(&app).await;
    let project = create_project(&c.owner, &c.org.workspace, "Cars").await;
    let eve = app.user("eve").await;
    let cases = [
        (&c.org.id, "x@example.com", "nonsense", "role"),
        (&c.org.id, "x@example.com", "admin", "role"),     // a team role
        (&c.org.id, "x@example.com", "labeler", "role"),   // a project role
        (&c.org.team, "x@example.com", "worker", "role"),  // an organization role
        (&c.org.team, "x@example.com", "lead", "role"),    // a project role
        (&project, "x@example.com", "admin", "role"),      // a team role
        (&project, "x@example.com", "maintainer", "role"), // an organization role
        (&c.org.id, "not-an-email", "worker", "email"),
        (&c.org.id, "", "worker", "email"),
        (&c.org.id, "a@b@example.com", "worker", "email"),
        (&c.org.id, "two words@example.com", "worker", "email"),
    ];
    for (scope, email, role, field) in cases {
        // The owner, a worker (no permission) and an outsider (no visibility) all get
        // BAD_USER_INPUT: input is validated first.
        for who in [&c.owner, &c.will, &eve] {
            let e = error(who, INVITE, invite_vars(scope, email, role)).await;
            assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{} {email} {role}: {e}", who.sub);
            assert_eq!(e["extensions"]["field"], field, "{e}");
        }
    }
    let e = error(&c.owner, INVITE, invite_vars("not-an-id", "x@example.com", "worker")).await;
    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT");
    // A workspace is no scope of memberships.
    assert_eq!(c.owner.code(INVITE, invite_vars(&c.org.workspace, "x@example.com", "worker")).await, "NOT_FOUND");
    for scope in [&c.org.id, &c.org.team, &project] {
        assert!(invitation_ids(&c.owner, scope).await.is_empty());
    }
});

both!(an_outsider_or_a_mere_invitee_inviting_into_an_organization_gets_not_found, |app: TestApp| async move {
    let c = cvat(&app).await;
    let project = create_project(&c.owner, &c.org.workspace, "Cars").await;
    let eve = app.user("eve").await;
    let ivy = app.user("ivy").await;
    invite(&c.owner, &c.org.id, "ivy@example.com", "maintainer").await;
    for who in [&eve, &ivy] {
        for (scope, role) in [(&c.org.id, "worker"), (&c.org.team, "developer"), (&project, "labeler")] {
            assert_eq!(who.code(INVITE, invite_vars(scope, "x@example.com", role)).await, "NOT_FOUND", "{} {scope}", who.sub);
            // Even for existing members: nothing is revealed.
            assert_eq!(who.code(INVITE, invite_vars(scope, "will@example.com", role)).await, "NOT_FOUND", "{} {scope}", who.sub);
        }
    }
    assert_eq!(invitation_ids(&c.owner, &c.org.id).await.len(), 1);
    assert!(invitation_ids(&c.owner, &c.org.team).await.is_empty());
    assert!(invitation_ids(&c.owner, &project).await.is_empty());
});

both!(inviting_an_active_member_or_an_e_mail_already_pending_in_the_scope_is_a_conflict, |app: TestApp| async move {
    let c = cvat(&app).await;
    // Active members, whatever the case or spacing of the e-mail.
    for email in ["will@example.com", "  WILL@Example.com ", "maya@example.com"] {
        let e = error(&c.owner, INVITE, invite_vars(&c.org.id, email, "worker")).await;
        assert_eq!(e["extensions"]["code"], "CONFLICT", "{email}: {e}");
    }
    let first = invite(&c.owner, &c.org.id, "new@example.com", "worker").await;
    for (who, email, role) in [(&c.owner, "new@example.com", "supervisor"), (&c.maya, " New@EXAMPLE.com", "worker")] {
        assert_eq!(who.code(INVITE, invite_vars(&c.org.id, email, role)).await, "CONFLICT", "{} {email}", who.sub);
    }
    // The same e-mail in another scope is another invitation.
    let team = invite(&c.owner, &c.org.team, "new@example.com", "viewer").await;
    assert_eq!(c.owner.code(INVITE, invite_vars(&c.org.team, "new@example.com", "developer")).await, "CONFLICT");
    // A team member of the team; an org member who is not in the team may be invited to it.
    assert_eq!(c.owner.code(INVITE, invite_vars(&c.org.team, "owner@example.com", "developer")).await, "CONFLICT");
    let will_team = invite(&c.owner, &c.org.team, "will@example.com", "viewer").await;

    assert_eq!(invitations(&c.owner, &c.org.id, None).await, Some(vec![(first.clone(), "PENDING".into())]));
    assert_eq!(invitation_ids(&c.owner, &c.org.team).await, vec![team.clone(), will_team]);
    assert_eq!(invitation(&c.owner, &first).await["role"]["key"], "worker", "the refused invitation changed nothing");
    let new = app.user("new").await;
    assert_eq!(pending(&new).await, BTreeSet::from([first, team]));
});

// ---------------------------------------------------------------- answering

both!(only_the_invitee_accepts_or_declines, |app: TestApp| async move {
    let c = cvat(&app).await;
    let eve = app.user("eve").await;
    let id = invite(&c.owner, &c.org.id, "  Ivy@Example.COM", "supervisor").await;
    let ivy = app.user("ivy").await;
    let before = members(&c.owner, &c.org.id).await;
    // Those who see it: the inviter and a manager of the organization.
    for who in [&c.owner, &c.maya] {
        assert_eq!(who.code(ACCEPT, id_vars(&id)).await, "FORBIDDEN", "{}", who.sub);
        assert_eq!(who.code(DECLINE, id_vars(&id)).await, "FORBIDDEN", "{}", who.sub);
    }
    // Those who do not: an outsider, a worker, a supervisor of the organization.
    for who in [&eve, &c.will, &c.sam] {
        assert_eq!(who.code(ACCEPT, id_vars(&id)).await, "NOT_FOUND", "{}", who.sub);
        assert_eq!(who.code(DECLINE, id_vars(&id)).await, "NOT_FOUND", "{}", who.sub);
    }
    assert_eq!(status(&c.owner, &id).await, "PENDING");
    assert_eq!(members(&c.owner, &c.org.id).await, before);
    assert_eq!(pending(&ivy).await, BTreeSet::from([id.clone()]));
    // An id of another kind, a malformed id.
    assert_eq!(ivy.code(ACCEPT, id_vars(&c.org.id)).await, "NOT_FOUND");
    assert_eq!(ivy.code(ACCEPT, id_vars("garbage")).await, "BAD_USER_INPUT");

    let d = ivy.ok(ACCEPT, id_vars(&id)).await;
    assert_eq!(d["acceptInvitation"]["invitation"]["status"], "ACCEPTED");
    assert_eq!(d["acceptInvitation"]["membership"]["role"]["key"], "supervisor");
    assert_eq!(d["acceptInvitation"]["membership"]["scopeKind"], "ORGANIZATION");
    assert_eq!(my_role_at(&ivy, &c.org.id).await.as_deref(), Some("supervisor"));
    assert!(members(&c.owner, &c.org.id).await.contains(&(ivy.id.clone(), "supervisor".into())));
    assert!(pending(&ivy).await.is_empty());
    assert_eq!(status(&ivy, &id).await, "ACCEPTED");

    // Accepting again: already a member.
    assert_eq!(ivy.code(ACCEPT, id_vars(&id)).await, "CONFLICT");
    assert_eq!(ivy.code(DECLINE, id_vars(&id)).await, "FAILED_PRECONDITION");
    assert_eq!(status(&c.owner, &id).await, "ACCEPTED");
    assert_eq!(my_role_at(&ivy, &c.org.id).await.as_deref(), Some("supervisor"));
});

both!(accepting_a_team_or_project_invitation_also_makes_the_invitee_an_organization_worker, |app: TestApp| async move {
    let c = cvat(&app).await;
    let project = create_project(&c.owner, &c.org.workspace, "Cars").await;
    // Invited before they have an account.
    let to_team = invite(&c.owner, &c.org.team, "tom@example.com", "developer").await;
    let to_project = invite(&c.owner, &project, "pia@example.com", "reviewer").await;
    // An organization member invited to the team keeps their organization role.
    let will_team = invite(&c.owner, &c.org.team, "will@example.com", "viewer").await;

    let tom = app.user("tom").await;
    let pia = app.user("pia").await;
    assert_eq!(pending(&tom).await, BTreeSet::from([to_team.clone()]));
    assert_eq!(pending(&pia).await, BTreeSet::from([to_project.clone()]));
    // The invitee sees the organization's identity through the invitation.
    let node = invitation(&tom, &to_team).await;
    assert_eq!(node["organization"], json!({ "id": c.org.id, "slug": c.org.slug, "name": "acme" }));
    assert!(my_role_at(&tom, &c.org.id).await.is_none());

    let d = tom.ok(ACCEPT, id_vars(&to_team)).await;
    assert_eq!(d["acceptInvitation"]["membership"]["scopeKind"], "TEAM");
    assert_eq!(d["acceptInvitation"]["membership"]["role"]["key"], "developer");
    assert_eq!(my_role_at(&tom, &c.org.team).await.as_deref(), Some("developer"));
    assert_eq!(my_role_at(&tom, &c.org.id).await.as_deref(), Some("worker"));
    assert_eq!(invitation(&tom, &to_team).await["team"]["id"], c.org.team, "a member sees the team");

    let d = pia.ok(ACCEPT, id_vars(&to_project)).await;
    assert_eq!(d["acceptInvitation"]["membership"]["scopeKind"], "PROJECT");
    assert_eq!(my_role_at(&pia, &project).await.as_deref(), Some("reviewer"));
    assert_eq!(my_role_at(&pia, &c.org.id).await.as_deref(), Some("worker"));
    assert!(my_role_at(&pia, &c.org.team).await.is_none(), "a project invitation gives no team membership");

    c.will.ok(ACCEPT, id_vars(&will_team)).await;
    assert_eq!(my_role_at(&c.will, &c.org.team).await.as_deref(), Some("viewer"));
    let orgs: Vec<_> = my_memberships(&c.will).await.into_iter().filter(|(_, s, _)| s == &c.org.id).collect();
    assert_eq!(orgs, vec![("ORGANIZATION".to_string(), c.org.id.clone(), "worker".to_string())]);

    let org_members = members(&c.owner, &c.org.id).await;
    for who in [&tom, &pia, &c.will] {
        assert!(org_members.contains(&(who.id.clone(), "worker".into())), "{} in {org_members:?}", who.sub);
    }
    assert!(members(&c.owner, &c.org.team).await.contains(&(tom.id.clone(), "developer".into())));
    assert!(members(&c.owner, &project).await.contains(&(pia.id.clone(), "reviewer".into())));
});

both!(declined_revoked_and_accepted_invitations_cannot_be_answered_again, |app: TestApp| async move {
    let c = cvat(&app).await;
    let a_id = invite(&c.owner, &c.org.id, "ann@example.com", "worker").await;
    let b_id = invite(&c.owner, &c.org.id, "ben@example.com", "worker").await;
    let c_id = invite(&c.owner, &c.org.id, "cid@example.com", "worker").await;
    let (ann, ben, cid) = (app.user("ann").await, app.user("ben").await, app.user("cid").await);

    let d = ann.ok(DECLINE, id_vars(&a_id)).await;
    assert_eq!(d["declineInvitation"]["invitation"]["status"], "DECLINED");
    assert_eq!(c.owner.ok(REVOKE, id_vars(&b_id)).await["revokeInvitation"]["invitation"]["status"], "REVOKED");
    cid.ok(ACCEPT, id_vars(&c_id)).await;
    let before = members(&c.owner, &c.org.id).await;

    for (who, id, expected) in [(&ann, &a_id, "DECLINED"), (&ben, &b_id, "REVOKED")] {
        assert_eq!(who.code(ACCEPT, id_vars(id)).await, "FAILED_PRECONDITION", "{}", who.sub);
        assert_eq!(who.code(DECLINE, id_vars(id)).await, "FAILED_PRECONDITION", "{}", who.sub);
        assert_eq!(status(who, id).await, expected);
        assert!(my_role_at(who, &c.org.id).await.is_none());
        assert!(pending(who).await.is_empty());
        // Nor can the inviter resend or revoke what is no longer pending.
        assert_eq!(c.owner.code(RESEND, id_vars(id)).await, "FAILED_PRECONDITION");
        assert_eq!(c.owner.code(REVOKE, id_vars(id)).await, "FAILED_PRECONDITION");
        assert_eq!(status(&c.owner, id).await, expected);
    }
    assert_eq!(cid.code(ACCEPT, id_vars(&c_id)).await, "CONFLICT");
    assert_eq!(cid.code(DECLINE, id_vars(&c_id)).await, "FAILED_PRECONDITION");
    assert_eq!(c.owner.code(REVOKE, id_vars(&c_id)).await, "FAILED_PRECONDITION");
    assert_eq!(members(&c.owner, &c.org.id).await, before);
    // Once cid has left, the ACCEPTED invitation is still not a way back in.
    cid.ok(LEAVE, json!({ "s": c.org.id })).await;
    assert_eq!(cid.code(ACCEPT, id_vars(&c_id)).await, "FAILED_PRECONDITION");
    assert!(my_role_at(&cid, &c.org.id).await.is_none());
    assert_eq!(status(&cid, &c_id).await, "ACCEPTED");
});

both!(pending_invitations_lists_the_hundred_newest_pending_ones, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    // 102 teams, one invitation each (one pending invitation per e-mail and scope).
    let mut teams = Vec::new();
    for batch in 0..6 {
        let doc: String = (0..17)
            .map(|i| {
                format!(
                    "t{i}: createTeam(input: {{ organizationId: \"{}\", name: \"T{}\" }}) {{ team {{ id }} }}\n",
                    org.id,
                    batch * 17 + i
                )
            })
            .collect();
        let d = owner.ok(&format!("mutation {{ {doc} }}"), json!({})).await;
        teams.extend((0..17).map(|i| d[format!("t{i}")]["team"]["id"].as_str().expect("team").to_string()));
    }
    let mut ids = Vec::new();
    for chunk in teams.chunks(17) {
        let doc: String = chunk
            .iter()
            .enumerate()
            .map(|(i, t)| {
                format!("i{i}: inviteMember(input: {{ scopeId: \"{t}\", email: \"pat@example.com\", role: \"viewer\" }}) {{ invitation {{ id }} }}\n")
            })
            .collect();
        let d = owner.ok(&format!("mutation {{ {doc} }}"), json!({})).await;
        ids.extend((0..chunk.len()).map(|i| d[format!("i{i}")]["invitation"]["id"].as_str().expect("invitation").to_string()));
    }
    assert_eq!(ids.len(), 102);
    let pat = app.user("pat").await;
    assert_eq!(pending(&pat).await, ids[2..].iter().cloned().collect::<BTreeSet<_>>(), "the 100 newest");

    // Answered ones drop out; older pending ones move up.
    pat.ok(DECLINE, id_vars(&ids[101])).await;
    owner.ok(REVOKE, id_vars(&ids[50])).await;
    pat.ok(ACCEPT, id_vars(&ids[3])).await;
    let expected: BTreeSet<String> =
        ids.iter().enumerate().filter(|(i, _)| ![3, 50, 101].contains(i)).map(|(_, id)| id.clone()).collect();
    assert_eq!(expected.len(), 99);
    assert_eq!(pending(&pat).await, expected);
    // Others' pending invitations never show.
    let other = app.user("other").await;
    assert!(pending(&other).await.is_empty());
    let d =
        other.ok("query($u: ID!) { node(id: $u) { ... on User { pendingInvitations { id } } } }", json!({ "u": pat.id })).await;
    assert!(d["node"].is_null() || d["node"]["pendingInvitations"].is_null(), "{d}");
});

// ---------------------------------------------------------------- the re-check at acceptance

both!(acceptance_fails_and_revokes_when_the_inviter_lost_the_authority, |app: TestApp| async move {
    let c = cvat(&app).await;
    let mona = app.user("mona").await;
    let mona_membership = add_member(&c.owner, &c.org.id, &mona, "maintainer").await;
    let tara = app.user("tara").await;
    add_member(&c.owner, &c.org.id, &tara, "worker").await;
    let tara_admin = add_member(&c.owner, &c.org.team, &tara, "admin").await;

    let by_maya = invite(&c.maya, &c.org.id, "sue@example.com", "supervisor").await;
    let by_mona = invite(&mona, &c.org.id, "sid@example.com", "worker").await;
    let by_tara = invite(&tara, &c.org.team, "will@example.com", "developer").await;
    let control = invite(&c.maya, &c.org.id, "kim@example.com", "worker").await;

    // maya demoted to worker; mona removed; tara no longer a team admin.
    c.owner.ok(CHANGE, json!({ "m": c.maya_membership, "r": "worker" })).await;
    c.owner.ok(REMOVE, json!({ "m": mona_membership })).await;
    c.owner.ok(CHANGE, json!({ "m": tara_admin, "r": "developer" })).await;

    let (sue, sid) = (app.user("sue").await, app.user("sid").await);
    let before_org = members(&c.owner, &c.org.id).await;
    let before_team = members(&c.owner, &c.org.team).await;
    for (who, id, scope) in [(&sue, &by_maya, &c.org.id), (&sid, &by_mona, &c.org.id), (&c.will, &by_tara, &c.org.team)] {
        assert_eq!(pending(who).await, BTreeSet::from([id.clone()]), "{}", who.sub);
        assert_eq!(who.code(ACCEPT, id_vars(id)).await, "FAILED_PRECONDITION", "{}", who.sub);
        assert_eq!(status(&c.owner, id).await, "REVOKED", "{}", who.sub);
        assert_eq!(status(who, id).await, "REVOKED");
        assert!(pending(who).await.is_empty());
        assert!(my_role_at(who, scope).await.is_none(), "{}", who.sub);
        assert_eq!(who.code(ACCEPT, id_vars(id)).await, "FAILED_PRECONDITION", "stays revoked");
    }
    assert_eq!(members(&c.owner, &c.org.id).await, before_org);
    assert_eq!(members(&c.owner, &c.org.team).await, before_team);

    // The control: promoted back, maya's other invitation is valid again.
    c.owner.ok(CHANGE, json!({ "m": c.maya_membership, "r": "maintainer" })).await;
    let kim = app.user("kim").await;
    kim.ok(ACCEPT, id_vars(&control)).await;
    assert_eq!(my_role_at(&kim, &c.org.id).await.as_deref(), Some("worker"));
});

// ---------------------------------------------------------------- expiry

both!(
    an_invitation_past_its_ttl_reads_expired_and_cannot_be_answered,
    settings = |s: &mut orgraph::config::Settings| s.invitation_ttl = Duration::from_secs(1),
    |app: TestApp| async move {
        let c = cvat(&app).await;
        let late = app.user("late").await;
        let id = invite(&c.owner, &c.org.id, "late@example.com", "worker").await;
        tokio::time::sleep(Duration::from_millis(1500)).await;

        assert_eq!(status(&c.owner, &id).await, "EXPIRED");
        assert_eq!(status(&late, &id).await, "EXPIRED");
        assert!(pending(&late).await.is_empty(), "an expired invitation is not pending");
        assert_eq!(late.code(ACCEPT, id_vars(&id)).await, "FAILED_PRECONDITION");
        assert_eq!(late.code(DECLINE, id_vars(&id)).await, "FAILED_PRECONDITION");
        assert_eq!(status(&c.owner, &id).await, "EXPIRED", "no background job, no side effect");
        assert!(my_role_at(&late, &c.org.id).await.is_none());

        assert_eq!(invitations(&c.owner, &c.org.id, Some("EXPIRED")).await, Some(vec![(id.clone(), "EXPIRED".into())]));
        assert_eq!(invitations(&c.owner, &c.org.id, Some("PENDING")).await, Some(vec![]));
        assert_eq!(invitations(&c.owner, &c.org.id, None).await, Some(vec![(id.clone(), "EXPIRED".into())]));

        // A new invitation for the same e-mail and scope is allowed once the old one expired.
        let again = invite(&c.owner, &c.org.id, "late@example.com", "supervisor").await;
        assert_ne!(again, id);
        assert_eq!(status(&c.owner, &id).await, "EXPIRED");
        let expired: Vec<String> =
            invitations(&c.owner, &c.org.id, Some("EXPIRED")).await.expect("list").into_iter().map(|(i, _)| i).collect();
        assert!(expired.contains(&id), "{expired:?}");
    }
);

both!(
    a_resend_resets_the_expiry_and_makes_an_expired_invitation_pending_again,
    settings = |s: &mut orgraph::config::Settings| s.invitation_ttl = Duration::from_secs(1),
    |app: TestApp| async move {
        let c = cvat(&app).await;
        let late = app.user("late").await;
        let d = c.owner.ok(INVITE, invite_vars(&c.org.id, "late@example.com", "worker")).await;
        let id = d["inviteMember"]["invitation"]["id"].as_str().expect("id").to_string();
        let mut expires = d["inviteMember"]["invitation"]["expiresAt"].as_str().expect("expiresAt").to_string();

        // By the inviter, then by another holder of member.invite.
        for who in [&c.owner, &c.maya] {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            assert_eq!(status(&c.owner, &id).await, "EXPIRED");
            let d = who.ok(RESEND, id_vars(&id)).await;
            let inv = &d["resendInvitation"]["invitation"];
            assert_eq!(inv["status"], "PENDING", "{} resent: {d}", who.sub);
            let new_expiry = inv["expiresAt"].as_str().expect("expiresAt").to_string();
            let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("DateTime");
            assert!(parse(&new_expiry) > parse(&expires), "{new_expiry} after {expires}");
            expires = new_expiry;
        }
        let d = late.ok(ACCEPT, id_vars(&id)).await;
        assert_eq!(d["acceptInvitation"]["invitation"]["status"], "ACCEPTED");
        assert_eq!(my_role_at(&late, &c.org.id).await.as_deref(), Some("worker"));
    }
);

// ---------------------------------------------------------------- resend and revoke

both!(resends_are_limited_to_five_per_invitation_per_rolling_hour, |app: TestApp| async move {
    let c = cvat(&app).await;
    let db = connect(&app).await;
    let id = invite(&c.owner, &c.org.id, "ivy@example.com", "worker").await;
    let other = invite(&c.owner, &c.org.id, "joe@example.com", "worker").await;
    // Eight at once, by the inviter and a maintainer: exactly five go through.
    let requests = (0..8).map(|i| {
        let who = if i % 2 == 0 { c.owner.clone() } else { c.maya.clone() };
        let id = id.clone();
        tokio::spawn(async move {
            let (_, body) = who.post(RESEND, id_vars(&id)).await;
            body["errors"][0]["extensions"]["code"].as_str().map(str::to_string)
        })
    });
    let codes: Vec<Option<String>> = join_all(requests).await.into_iter().map(|r| r.expect("task")).collect();
    assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 5, "{codes:?}");
    assert!(codes.iter().flatten().all(|c| c == "RATE_LIMITED"), "{codes:?}");

    let expires = invitation(&c.owner, &id).await["expiresAt"].clone();
    let e = error(&c.owner, RESEND, id_vars(&id)).await;
    assert_eq!(e["extensions"]["code"], "RATE_LIMITED", "{e}");
    let retry = e["extensions"]["retryAfterSeconds"].as_u64().unwrap_or_else(|| panic!("retryAfterSeconds: {e}"));
    assert!(retry > 0 && retry <= 3600, "{retry}");
    assert_eq!(invitation(&c.owner, &id).await["expiresAt"], expires, "a refused resend changes nothing");
    assert_eq!(events(&db, &id).await.len(), 6, "one created, five resent");
    // The throttle is per invitation.
    c.owner.ok(RESEND, id_vars(&other)).await;
    // Revoking is not throttled.
    assert_eq!(c.maya.ok(REVOKE, id_vars(&id)).await["revokeInvitation"]["invitation"]["status"], "REVOKED");
});

both!(only_holders_of_member_invite_resend_or_revoke_and_a_revoked_invitation_cannot_be_accepted, |app: TestApp| async move {
    let c = cvat(&app).await;
    let db = connect(&app).await;
    let ivy = app.user("ivy").await;
    let id = invite(&c.owner, &c.org.id, "ivy@example.com", "worker").await;
    let by_maya = invite(&c.maya, &c.org.id, "max@example.com", "worker").await;
    let expires = invitation(&c.owner, &id).await["expiresAt"].clone();

    // The invitee sees it but holds no member.invite.
    assert_eq!(ivy.code(RESEND, id_vars(&id)).await, "FORBIDDEN");
    assert_eq!(ivy.code(REVOKE, id_vars(&id)).await, "FORBIDDEN");
    // A worker or supervisor who did not send it does not even see it.
    for who in [&c.will, &c.sam] {
        assert_eq!(who.code(RESEND, id_vars(&id)).await, "NOT_FOUND", "{}", who.sub);
        assert_eq!(who.code(REVOKE, id_vars(&id)).await, "NOT_FOUND", "{}", who.sub);
    }
    // An inviter demoted to worker still sees their invitation, but may no longer act on it.
    c.owner.ok(CHANGE, json!({ "m": c.maya_membership, "r": "worker" })).await;
    assert_eq!(status(&c.maya, &by_maya).await, "PENDING");
    assert_eq!(c.maya.code(RESEND, id_vars(&by_maya)).await, "FORBIDDEN");
    assert_eq!(c.maya.code(REVOKE, id_vars(&by_maya)).await, "FORBIDDEN");
    assert_eq!(status(&c.owner, &id).await, "PENDING");
    assert_eq!(invitation(&c.owner, &id).await["expiresAt"], expires);
    assert_eq!(status(&c.owner, &by_maya).await, "PENDING");
    assert_eq!(events(&db, &id).await.len(), 1);
    assert_eq!(events(&db, &by_maya).await.len(), 1);
    // Any holder of member.invite may act on an invitation someone else sent.
    c.owner.ok(RESEND, id_vars(&by_maya)).await;
    assert_eq!(events(&db, &by_maya).await.len(), 2);

    // Revoked: the invitee can no longer accept or decline.
    assert_eq!(c.owner.ok(REVOKE, id_vars(&id)).await["revokeInvitation"]["invitation"]["status"], "REVOKED");
    assert!(pending(&ivy).await.is_empty());
    assert_eq!(ivy.code(ACCEPT, id_vars(&id)).await, "FAILED_PRECONDITION");
    assert_eq!(ivy.code(DECLINE, id_vars(&id)).await, "FAILED_PRECONDITION");
    assert_eq!(status(&ivy, &id).await, "REVOKED");
    assert!(my_role_at(&ivy, &c.org.id).await.is_none());
    // A fresh invitation for the same e-mail is fine after a revoke.
    invite(&c.owner, &c.org.id, "ivy@example.com", "worker").await;
});

// ---------------------------------------------------------------- lists and nodes

both!(invitation_lists_are_null_without_member_invite_and_filter_by_status, |app: TestApp| async move {
    let c = cvat(&app).await;
    let project = create_project(&c.owner, &c.org.workspace, "Cars").await;
    let tara = app.user("tara").await;
    add_member(&c.owner, &c.org.id, &tara, "worker").await;
    add_member(&c.owner, &c.org.team, &tara, "admin").await;
    add_member(&c.owner, &c.org.team, &c.will, "developer").await;
    add_member(&c.owner, &project, &c.sam, "reviewer").await;

    let p = invite(&c.owner, &c.org.id, "p@example.com", "worker").await;
    let d = invite(&c.owner, &c.org.id, "d@example.com", "worker").await;
    let r = invite(&c.maya, &c.org.id, "r@example.com", "worker").await;
    let a = invite(&c.owner, &c.org.id, "a@example.com", "supervisor").await;
    let t = invite(&tara, &c.org.team, "sam@example.com", "viewer").await;
    let pr = invite(&c.owner, &project, "x@example.com", "labeler").await;
    app.user("d").await.ok(DECLINE, id_vars(&d)).await;
    c.owner.ok(REVOKE, id_vars(&r)).await;
    app.user("a").await.ok(ACCEPT, id_vars(&a)).await;

    let all = |v: &[&String], s: &str| Some(v.iter().map(|i| (i.to_string(), s.to_string())).collect::<Vec<_>>());
    for manager in [&c.owner, &c.maya] {
        let everything = invitations(manager, &c.org.id, None).await.expect("a connection");
        assert_eq!(everything.len(), 4, "only organization-scope invitations: {everything:?}");
        assert_eq!(invitations(manager, &c.org.id, Some("PENDING")).await, all(&[&p], "PENDING"));
        assert_eq!(invitations(manager, &c.org.id, Some("DECLINED")).await, all(&[&d], "DECLINED"));
        assert_eq!(invitations(manager, &c.org.id, Some("REVOKED")).await, all(&[&r], "REVOKED"));
        assert_eq!(invitations(manager, &c.org.id, Some("ACCEPTED")).await, all(&[&a], "ACCEPTED"));
        assert_eq!(invitations(manager, &c.org.id, Some("EXPIRED")).await, Some(vec![]));
        assert_eq!(invitations(manager, &c.org.team, None).await, all(&[&t], "PENDING"));
        assert_eq!(invitations(manager, &project, None).await, all(&[&pr], "PENDING"));
    }
    // The team admin manages the team's and its projects' invitations, not the organization's.
    assert_eq!(invitations(&tara, &c.org.id, None).await, None);
    assert_eq!(invitations(&tara, &c.org.team, Some("PENDING")).await, all(&[&t], "PENDING"));
    assert_eq!(invitations(&tara, &project, None).await, all(&[&pr], "PENDING"));
    // A worker (team developer) and a supervisor (project reviewer) see the scopes, not the invitations.
    for who in [&c.will, &c.sam] {
        assert_eq!(invitations(who, &c.org.id, None).await, None, "{}", who.sub);
        assert_eq!(invitations(who, &c.org.id, Some("PENDING")).await, None, "{}", who.sub);
        assert_eq!(invitations(who, &project, None).await, None, "{}", who.sub);
    }
    assert_eq!(invitations(&c.will, &c.org.team, None).await, None);

    // Pagination.
    let page = c
        .owner
        .ok(
            "query($o: ID!) { node(id: $o) { ... on Organization { invitations(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } } }",
            json!({ "o": c.org.id }),
        )
        .await;
    let conn = &page["node"]["invitations"];
    assert_eq!(conn["nodes"], json!([{ "id": p }, { "id": d }]));
    assert_eq!(conn["totalCount"], 4);
    assert_eq!(conn["pageInfo"]["hasNextPage"], true);
    let next = c
        .owner
        .ok(
            "query($o: ID!, $a: String) { node(id: $o) { ... on Organization { invitations(first: 2, after: $a) { nodes { id } } } } }",
            json!({ "o": c.org.id, "a": conn["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(next["node"]["invitations"]["nodes"], json!([{ "id": r }, { "id": a }]));
});

both!(an_invitation_node_is_visible_to_the_invitee_the_inviter_and_managers_only, |app: TestApp| async move {
    let c = cvat(&app).await;
    let eve = app.user("eve").await;
    let tara = app.user("tara").await;
    add_member(&c.owner, &c.org.id, &tara, "worker").await;
    add_member(&c.owner, &c.org.team, &tara, "admin").await;
    let id = invite(&c.maya, &c.org.id, "Ivy@example.com", "worker").await;
    let team_inv = invite(&c.owner, &c.org.team, "ivy@example.com", "viewer").await;
    let ivy = app.user("ivy").await;

    for who in [&ivy, &c.maya, &c.owner] {
        let node = invitation(who, &id).await;
        assert_eq!(node["id"], id, "{} must see it", who.sub);
        assert_eq!(node["email"], "ivy@example.com");
        assert_eq!(node["status"], "PENDING");
    }
    for who in [&c.will, &c.sam, &eve, &tara] {
        assert!(invitation(who, &id).await.is_null(), "{} must not see it", who.sub);
    }
    // The team invitation: the team admin manages it; the worker and the supervisor do not.
    for who in [&ivy, &c.owner, &c.maya, &tara] {
        assert_eq!(invitation(who, &team_inv).await["id"], team_inv, "{}", who.sub);
    }
    for who in [&c.will, &c.sam, &eve] {
        assert!(invitation(who, &team_inv).await.is_null(), "{}", who.sub);
    }
    let d = eve.ok("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": [id, team_inv] })).await;
    assert_eq!(d["nodes"], json!([null, null]));
    let d = ivy.ok("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": [id, team_inv] })).await;
    assert_eq!(d["nodes"], json!([{ "id": id }, { "id": team_inv }]));
});

// ---------------------------------------------------------------- delivery

both!(every_created_or_resent_invitation_writes_an_outbox_row_that_the_log_mailer_marks_mailed, |app: TestApp| async move {
    let c = cvat(&app).await;
    let db = connect(&app).await;
    let id = invite(&c.owner, &c.org.id, "Ivy@Example.com", "worker").await;
    let rows = events(&db, &id).await;
    assert_eq!(rows.len(), 1, "the row exists once the mutation returned");
    assert_eq!(rows[0].kind, "created");
    assert_eq!(rows[0].email, "ivy@example.com");

    c.maya.ok(RESEND, id_vars(&id)).await;
    let rows = events(&db, &id).await;
    assert_eq!(rows.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(), ["created", "resent"]);

    // Refused mutations write nothing, and neither do revoke or decline.
    assert_eq!(c.will.code(RESEND, id_vars(&id)).await, "NOT_FOUND");
    assert_eq!(c.owner.code(INVITE, invite_vars(&c.org.id, "ivy@example.com", "worker")).await, "CONFLICT");
    let other = invite(&c.owner, &c.org.id, "other@example.com", "worker").await;
    c.owner.ok(REVOKE, id_vars(&other)).await;
    assert_eq!(events(&db, &id).await.len(), 2);
    assert_eq!(events(&db, &other).await.len(), 1);
    let total = invitation_event::Entity::find().all(&db).await.expect("events").len();
    assert_eq!(total, 3);

    let mailed = eventually(Duration::from_secs(10), || async {
        invitation_event::Entity::find().all(&db).await.expect("events").iter().all(|e| e.mailed_at.is_some())
    })
    .await;
    assert!(mailed, "the log mailer marks every row: {:?}", invitation_event::Entity::find().all(&db).await);
});

both!(with_smtp_an_invitation_sends_exactly_one_message_to_the_invitee, settings = smtp_sink, |app: TestApp| async move {
    let listener = PARKED_SINKS.lock().expect("sinks").remove(&app.database_url).expect("a parked sink");
    listener.set_nonblocking(true).expect("nonblocking");
    let inbox = serve_smtp(tokio::net::TcpListener::from_std(listener).expect("tokio listener"));
    let c = cvat(&app).await;
    let db = connect(&app).await;

    let id = invite(&c.owner, &c.org.id, "Ivy@Example.com", "worker").await;
    assert!(eventually(Duration::from_secs(10), || async { !mails(&inbox).is_empty() }).await, "no message arrived");
    assert!(eventually(Duration::from_secs(5), || async { events(&db, &id).await[0].mailed_at.is_some() }).await);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = mails(&inbox);
    assert_eq!(got.len(), 1, "exactly one message: {got:?}");
    assert_eq!(got[0].to, vec!["ivy@example.com".to_string()]);
    assert!(got[0].data.contains(&id), "the body names the invitation {id}: {}", got[0].data);
    assert!(got[0].data.contains("acme"), "{}", got[0].data);

    // A resend sends one more, to the same invitee.
    c.owner.ok(RESEND, id_vars(&id)).await;
    assert!(eventually(Duration::from_secs(10), || async { mails(&inbox).len() == 2 }).await);
    let got = mails(&inbox);
    assert_eq!(got[1].to, vec!["ivy@example.com".to_string()]);
    assert!(got[1].data.contains(&id));
});

both!(with_smtp_down_at_first_the_message_arrives_after_a_retry, settings = smtp_down, |app: TestApp| async move {
    let port = DOWN_PORTS.lock().expect("ports").remove(&app.database_url).expect("a port");
    let c = cvat(&app).await;
    let db = connect(&app).await;
    let id = invite(&c.owner, &c.org.id, "ivy@example.com", "worker").await;
    let withdrawn = invite(&c.owner, &c.org.id, "joe@example.com", "worker").await;

    // The first attempts fail (nothing listens) and are recorded.
    for inv in [&id, &withdrawn] {
        assert!(
            eventually(Duration::from_secs(10), || async { events(&db, inv).await[0].mail_attempts >= 1 }).await,
            "no failed attempt recorded"
        );
        assert!(events(&db, inv).await[0].mailed_at.is_none());
    }
    // Revoked while the mail was waiting: it is never sent.
    c.owner.ok(REVOKE, id_vars(&withdrawn)).await;
    let inbox = serve_smtp(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind the late sink"));

    assert!(eventually(Duration::from_secs(15), || async { !mails(&inbox).is_empty() }).await, "the retry never arrived");
    let got = mails(&inbox);
    assert_eq!(got[0].to, vec!["ivy@example.com".to_string()]);
    assert!(got[0].data.contains(&id));
    assert!(eventually(Duration::from_secs(5), || async { events(&db, &id).await[0].mailed_at.is_some() }).await);
    assert!(eventually(Duration::from_secs(10), || async { events(&db, &withdrawn).await[0].mailed_at.is_some() }).await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = mails(&inbox);
    assert_eq!(got.len(), 1, "sent once, and nothing for the revoked invitation: {got:?}");
});

both!(an_invitee_sees_the_organization_identity_but_not_the_team_or_project_before_accepting, |app: TestApp| async move {
    let c = cvat(&app).await;
    let project = create_project(&c.owner, &c.org.workspace, "Cars").await;
    create_dataset(&c.owner, &project, None, "secret").await;
    let to_team = invite(&c.owner, &c.org.team, "ivy@example.com", "viewer").await;
    let to_project = invite(&c.owner, &project, "ivy@example.com", "labeler").await;
    let ivy = app.user("ivy").await;
    let deep = "query($i: ID!) { node(id: $i) { ... on Invitation { organization { id slug name }
        team { id workspaces(first: 5) { nodes { name } } }
        project { id datasets(first: 5) { nodes { name } } } } } }";
    for id in [&to_team, &to_project] {
        let d = ivy.ok(deep, id_vars(id)).await;
        assert_eq!(d["node"]["organization"], json!({ "id": c.org.id, "slug": c.org.slug, "name": "acme" }));
        assert!(d["node"]["team"].is_null(), "the team is not the invitee's yet: {d}");
        assert!(d["node"]["project"].is_null(), "the project and its datasets are not the invitee's yet: {d}");
    }
    // Identity only: the organization's details stay with its members.
    c.owner
        .ok(
            "mutation($o: ID!) { updateOrganization(input: { organizationId: $o, description: \"d\", location: \"Berlin\", contactEmail: \"ops@acme.io\", contactPhone: \"+1\" }) { organization { id } } }",
            json!({ "o": c.org.id }),
        )
        .await;
    let details = "query($i: ID!) { node(id: $i) { ... on Invitation { organization { description location contactEmail contactPhone } } } }";
    let d = ivy.ok(details, id_vars(&to_team)).await;
    assert_eq!(
        d["node"]["organization"],
        json!({ "description": null, "location": null, "contactEmail": null, "contactPhone": null })
    );
    let d = c.owner.ok(details, id_vars(&to_team)).await;
    assert_eq!(d["node"]["organization"]["location"], "Berlin");
    // Managers of the scope see both.
    let d = c.owner.ok(deep, id_vars(&to_project)).await;
    assert_eq!(d["node"]["team"]["id"], c.org.team);
    assert_eq!(d["node"]["project"]["datasets"]["nodes"], json!([{ "name": "secret" }]));
    // Once accepted, the invitee sees what they joined.
    ivy.ok(ACCEPT, id_vars(&to_project)).await;
    let d = ivy.ok(deep, id_vars(&to_project)).await;
    assert_eq!(d["node"]["project"]["datasets"]["nodes"], json!([{ "name": "secret" }]));
    assert_eq!(d["node"]["team"]["id"], c.org.team, "seeing a project shows its team");
});

both!(
    an_invitation_superseded_after_expiry_can_still_be_resent_or_revoked,
    settings = |s: &mut orgraph::config::Settings| s.invitation_ttl = Duration::from_secs(1),
    |app: TestApp| async move {
        let c = cvat(&app).await;
        let late = app.user("late").await;
        let old = invite(&c.owner, &c.org.id, "late@example.com", "worker").await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let new = invite(&c.owner, &c.org.id, "late@example.com", "supervisor").await;
        // The old one reads EXPIRED; while the new one is pending, reviving it is a conflict.
        assert_eq!(c.owner.code(RESEND, id_vars(&old)).await, "CONFLICT");
        assert_eq!(status(&c.owner, &old).await, "EXPIRED");
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(status(&c.owner, &new).await, "EXPIRED");

        // Both read EXPIRED: the old one can be resent (the newer one is retired)…
        let d = c.maya.ok(RESEND, id_vars(&old)).await;
        assert_eq!(d["resendInvitation"]["invitation"]["status"], "PENDING", "{d}");
        let d = late.ok(ACCEPT, id_vars(&old)).await;
        assert_eq!(d["acceptInvitation"]["membership"]["role"]["key"], "worker");
        assert_eq!(status(&c.owner, &new).await, "EXPIRED");
        // …and the newer one, now superseded in turn, can still be revoked.
        assert_eq!(c.owner.ok(REVOKE, id_vars(&new)).await["revokeInvitation"]["invitation"]["status"], "REVOKED");
        assert_eq!(c.owner.code(RESEND, id_vars(&new)).await, "FAILED_PRECONDITION");
        assert_eq!(my_role_at(&late, &c.org.id).await.as_deref(), Some("worker"));
    }
);
