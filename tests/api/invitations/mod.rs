//! Invitations (RULES.md §6, seed 002), one file per part of the rule: who may invite whom
//! with which role (`create`), who answers and the re-check of the inviter's authority at
//! acceptance (`accept`), computed expiry, resend and revoke (`resend`), who sees which
//! invitation (`visibility`), and delivery through the outbox, the log mailer and SMTP
//! (`delivery`). Every refused mutation is checked for its `extensions.code` and for having
//! changed nothing. Most tests start from `DefaultOrg`.

mod accept;
mod create;
mod delivery;
mod resend;
mod visibility;

use crate::helpers::*;
use crate::ops::INVITE;
use entity::invitation_event;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const INVITATION: &str = "query($i: ID!) { node(id: $i) { ... on Invitation {
    id email status expiresAt scopeKind role { key } organization { id slug name } team { id } project { id } } } }";

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
               ... on Organization { members(first: 20) { nodes { user { id } role { key } } } }
               ... on Team { members(first: 20) { nodes { user { id } role { key } } } }
               ... on Project { members(first: 20) { nodes { user { id } role { key } } } } } }",
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
