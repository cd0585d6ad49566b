//! Memberships and roles (RULES.md §5), one file per scope of the rule: the CVAT
//! organization rules of note ¹ and ownership transfer (`organization`), the Supervisely
//! team roles of note ² (`team`), project roles of note ³ (`project`), the invariants
//! (`invariants`: last admin, own last team, last workspace, organization membership first)
//! and races between managers (`races`). Every refused mutation is checked for its
//! `extensions.code` and for having changed nothing. Tests start from `DefaultOrg`.

mod invariants;
mod organization;
mod project;
mod races;
mod team;

use crate::helpers::*;
use serde_json::json;

/// One membership as the member list shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Member {
    user: String,
    role: String,
    id: String,
}

/// The memberships of an organization, team or project as `c` sees them (sorted by user id).
async fn members(c: &Client, scope: &str) -> Vec<Member> {
    let d = c
        .ok(
            "query($s: ID!) { node(id: $s) {
               ... on Organization { members(first: 20) { nodes { id user { id } role { key } } } }
               ... on Team { members(first: 20) { nodes { id user { id } role { key } } } }
               ... on Project { members(first: 20) { nodes { id user { id } role { key } } } } } }",
            json!({ "s": scope }),
        )
        .await;
    let nodes = d["node"]["members"]["nodes"].as_array().unwrap_or_else(|| panic!("no members for {scope}: {d}")).clone();
    let mut out: Vec<Member> = nodes
        .iter()
        .map(|m| Member {
            user: m["user"]["id"].as_str().expect("user").into(),
            role: m["role"]["key"].as_str().expect("role").into(),
            id: m["id"].as_str().expect("id").into(),
        })
        .collect();
    out.sort();
    out
}

/// The role key `user` holds at `scope`, as `by` sees it.
async fn role_of(by: &Client, scope: &str, user: &Client) -> Option<String> {
    members(by, scope).await.into_iter().find(|m| m.user == user.id).map(|m| m.role)
}
