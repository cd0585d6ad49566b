//! Sharing: published projects in `explore` (readable, never writable, `node` still
//! null), clones of visible or published projects, share links (hashed, expiring,
//! revocable) and `Project.origin` for clones, share-link clones and restores.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};

const EXPLORE: &str = "{ explore(first: 2) { totalCount nodes { id name published
    datasets(first: 3) { nodes { name children(first: 2) { nodes { name } } items(first: 2) { nodes { name } } } } } } }";
const CLONE: &str =
    "mutation($p: ID!, $w: ID!, $n: String!) { cloneProject(input: { projectId: $p, workspaceId: $w, name: $n }) {
    project { id name createdBy { id } origin { kind sourceProjectId sourceProject { id } } } } }";
const CREATE_LINK: &str = "mutation($p: ID!, $s: Int) { createShareLink(input: { projectId: $p, expiresInSeconds: $s }) {
    token shareLink { id prefix active expiresAt revokedAt } } }";
const REVOKE_LINK: &str =
    "mutation($l: ID!) { revokeShareLink(input: { shareLinkId: $l }) { shareLink { id active revokedAt } } }";
const CLONE_LINK: &str =
    "mutation($t: String!, $w: ID!, $n: String!) { cloneFromShareLink(input: { token: $t, workspaceId: $w, name: $n }) {
    project { id name origin { kind sourceProjectId sourceProject { id } } } } }";
const LINKS: &str =
    "query($p: ID!) { node(id: $p) { ... on Project { shareLinks(first: 5) { totalCount nodes { id prefix } } } } }";
const ORIGIN: &str =
    "query($p: ID!) { node(id: $p) { ... on Project { published origin { kind sourceProjectId sourceVersionId } } } }";
const LEVEL: &str = "query($id: ID!) { node(id: $id) {
    ... on Project { datasets(first: 10) { nodes { id name } } }
    ... on Dataset { children(first: 10) { nodes { id name } } items(first: 10) { nodes { name sizeBytes contentType } } } } }";

/// Fills project `p` (named `Cars`) with `/a/b`, `/x` and items in `a` and `b`; returns
/// (project, dataset ids).
async fn sample(owner: &Client, p: &str) -> (String, Vec<String>) {
    let a = create_dataset(owner, p, None, "a").await;
    let b = create_dataset(owner, p, Some(&a), "b").await;
    let x = create_dataset(owner, p, None, "x").await;
    for (d, n, s) in [(&a, "cat.png", 10), (&b, "dog.png", 20), (&b, "emu.png", 5)] {
        add_items(owner, d, &[(n, s)]).await;
    }
    (p.to_string(), vec![a, b, x])
}

/// The whole tree of a project as seen by `c`, sorted, with the dataset ids met.
async fn tree(c: &Client, project: &str) -> (Vec<String>, Vec<String>) {
    let (mut out, mut ids) = (Vec::new(), Vec::new());
    let mut todo = vec![(project.to_string(), String::new())];
    while let Some((id, prefix)) = todo.pop() {
        let d = c.ok(LEVEL, json!({ "id": id })).await;
        let level = if d["node"]["datasets"].is_null() { &d["node"]["children"] } else { &d["node"]["datasets"] };
        for ds in level["nodes"].as_array().expect("datasets") {
            let path = format!("{prefix}/{}", ds["name"].as_str().expect("name"));
            out.push(path.clone());
            ids.push(ds["id"].as_str().expect("id").to_string());
            todo.push((ds["id"].as_str().expect("id").to_string(), path));
        }
        for it in d["node"]["items"]["nodes"].as_array().into_iter().flatten() {
            out.push(format!("{prefix}/{} {} {}", it["name"].as_str().expect("name"), it["sizeBytes"], it["contentType"]));
        }
    }
    out.sort();
    (out, ids)
}

fn ids(list: &Value) -> Vec<String> {
    list["nodes"].as_array().expect("nodes").iter().map(|n| n["id"].as_str().expect("id").to_string()).collect()
}

both!(a_published_project_is_readable_by_outsiders_through_explore_but_never_writable, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (owner, viewer, outsider) = (&t.owner, &t.viewer, &t.outsider);
    let (p, ds) = sample(owner, &t.project).await;
    create_project(owner, &t.workspace, "Private").await;

    assert_eq!(viewer.code(PUBLISH_PROJECT, json!({ "p": p })).await, "FORBIDDEN");
    assert_eq!(outsider.code(PUBLISH_PROJECT, json!({ "p": p })).await, "NOT_FOUND");
    assert_eq!(outsider.ok(EXPLORE, json!({})).await["explore"]["totalCount"], 0);
    assert_eq!(owner.ok(PUBLISH_PROJECT, json!({ "p": p })).await["publishProject"]["project"]["published"], true);
    // Publishing twice is harmless.
    owner.ok(PUBLISH_PROJECT, json!({ "p": p })).await;

    let e = outsider.ok(EXPLORE, json!({})).await["explore"].clone();
    assert_eq!(e["totalCount"], 1, "{e}");
    assert_eq!(ids(&e), vec![p.clone()]);
    let top = &e["nodes"][0]["datasets"]["nodes"];
    assert_eq!(top[0]["name"], "a");
    assert_eq!(top[0]["children"]["nodes"][0]["name"], "b");
    assert_eq!(top[0]["items"]["nodes"][0]["name"], "cat.png");
    assert_eq!(top[1]["name"], "x");

    // Reading through explore grants nothing else.
    assert!(outsider.node(&p).await.is_null());
    assert!(outsider.node(&ds[0]).await.is_null());
    assert_eq!(outsider.code(UPDATE_PROJECT, json!({ "p": p, "n": "Mine" })).await, "NOT_FOUND");
    assert_eq!(outsider.code(DELETE_PROJECT, json!({ "p": p })).await, "NOT_FOUND");
    assert_eq!(outsider.code(CREATE_DATASET, json!({ "p": p, "n": "z" })).await, "NOT_FOUND");
    assert_eq!(outsider.code(UPDATE_DATASET, json!({ "d": ds[0], "n": "z" })).await, "NOT_FOUND");
    assert_eq!(outsider.code(UNPUBLISH_PROJECT, json!({ "p": p })).await, "NOT_FOUND");
    assert_eq!(outsider.code(CREATE_LINK, json!({ "p": p })).await, "NOT_FOUND");
    assert_eq!(viewer.code(UNPUBLISH_PROJECT, json!({ "p": p })).await, "FORBIDDEN");

    assert_eq!(owner.ok(UNPUBLISH_PROJECT, json!({ "p": p })).await["unpublishProject"]["project"]["published"], false);
    assert_eq!(outsider.ok(EXPLORE, json!({})).await["explore"]["totalCount"], 0);
    assert_eq!(app.anonymous().code(EXPLORE, json!({})).await, "UNAUTHENTICATED");
});

both!(clones_copy_the_tree_with_new_ids_and_record_their_origin, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (owner, viewer, outsider) = (&t.owner, &t.viewer, &t.outsider);
    let mine = create_org(outsider, "mine").await;
    let (p, ds) = sample(owner, &t.project).await;
    let (before, _) = tree(owner, &p).await;

    // Visible source, same workspace.
    let d = owner.ok(CLONE, json!({ "p": p, "w": t.workspace, "n": "Cars copy" })).await;
    let c = &d["cloneProject"]["project"];
    assert_eq!(c["createdBy"]["id"], owner.id.as_str());
    assert_eq!(c["origin"]["kind"], "CLONE");
    assert_eq!(c["origin"]["sourceProjectId"], p.as_str());
    assert_eq!(c["origin"]["sourceProject"]["id"], p.as_str());
    let copy = c["id"].as_str().expect("id").to_string();
    let (after, copy_ids) = tree(owner, &copy).await;
    assert_eq!(after, before);
    assert!(copy_ids.iter().all(|id| !ds.contains(id)), "new dataset ids");
    assert_eq!(tree(owner, &p).await.0, before, "the source is untouched");

    // Denied: name clash, no create right, invisible unpublished source, hidden workspace.
    assert_eq!(owner.code(CLONE, json!({ "p": p, "w": t.workspace, "n": "Cars" })).await, "CONFLICT");
    assert_eq!(viewer.code(CLONE, json!({ "p": p, "w": t.workspace, "n": "Other" })).await, "FORBIDDEN");
    assert_eq!(outsider.code(CLONE, json!({ "p": p, "w": mine.workspace, "n": "Cars" })).await, "NOT_FOUND");
    assert_eq!(outsider.code(CLONE, json!({ "p": p, "w": t.workspace, "n": "Other" })).await, "NOT_FOUND");

    // Published: an outsider clones it into their own team.
    owner.ok(PUBLISH_PROJECT, json!({ "p": p })).await;
    let d = outsider.ok(CLONE, json!({ "p": p, "w": mine.workspace, "n": "Cars" })).await;
    let c = &d["cloneProject"]["project"];
    assert_eq!(c["origin"]["kind"], "CLONE");
    assert_eq!(c["origin"]["sourceProject"]["id"], p.as_str());
    let theirs = c["id"].as_str().expect("id").to_string();
    assert_eq!(tree(outsider, &theirs).await.0, before);
    assert!(!outsider.ok(ORIGIN, json!({ "p": theirs })).await["node"]["published"].as_bool().expect("published"));
    // Once unpublished the source is hidden from the outsider; its id stays.
    owner.ok(UNPUBLISH_PROJECT, json!({ "p": p })).await;
    let d = outsider.ok(CLONE, json!({ "p": theirs, "w": mine.workspace, "n": "Again" })).await;
    assert_eq!(d["cloneProject"]["project"]["origin"]["sourceProject"]["id"], theirs.as_str());
    let o = outsider
        .ok(
            "query($p: ID!) { node(id: $p) { ... on Project { origin { sourceProject { id } sourceProjectId } } } }",
            json!({ "p": theirs }),
        )
        .await;
    assert!(o["node"]["origin"]["sourceProject"].is_null(), "{o}");
    assert_eq!(o["node"]["origin"]["sourceProjectId"], p.as_str());
    assert!(owner.ok(ORIGIN, json!({ "p": p })).await["node"]["origin"].is_null());
});

both!(share_links_let_strangers_clone_until_revoked_or_expired, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (owner, viewer, stranger) = (&t.owner, &t.viewer, &t.outsider);
    let theirs = create_org(stranger, "theirs").await;
    let (p, _) = sample(owner, &t.project).await;
    let (before, _) = tree(owner, &p).await;

    assert_eq!(viewer.code(CREATE_LINK, json!({ "p": p })).await, "FORBIDDEN");
    assert_eq!(stranger.code(CREATE_LINK, json!({ "p": p })).await, "NOT_FOUND");
    assert_eq!(owner.code(CREATE_LINK, json!({ "p": p, "s": 10 })).await, "BAD_USER_INPUT");
    let d = owner.ok(CREATE_LINK, json!({ "p": p })).await["createShareLink"].clone();
    let token = d["token"].as_str().expect("token").to_string();
    assert!(token.starts_with("orgraph_share_") && token.len() > 50, "{token}");
    assert!(token.starts_with(d["shareLink"]["prefix"].as_str().expect("prefix")));
    assert_eq!(d["shareLink"]["active"], true);
    assert!(d["shareLink"]["expiresAt"].is_null());
    let link = d["shareLink"]["id"].as_str().expect("id").to_string();

    let links = owner.ok(LINKS, json!({ "p": p })).await;
    assert_eq!(links["node"]["shareLinks"]["totalCount"], 1);
    assert!(viewer.ok(LINKS, json!({ "p": p })).await["node"]["shareLinks"].is_null());

    // The stranger, not a member, clones with the token into their own team.
    let d = stranger.ok(CLONE_LINK, json!({ "t": token, "w": theirs.workspace, "n": "Shared" })).await;
    let c = &d["cloneFromShareLink"]["project"];
    assert_eq!(c["origin"]["kind"], "SHARE_LINK");
    assert_eq!(c["origin"]["sourceProjectId"], p.as_str());
    assert!(c["origin"]["sourceProject"].is_null(), "the source stays hidden");
    assert_eq!(tree(stranger, c["id"].as_str().expect("id")).await.0, before);
    assert_eq!(stranger.code(CLONE_LINK, json!({ "t": token, "w": theirs.workspace, "n": "Shared" })).await, "CONFLICT");
    assert_eq!(stranger.code(CLONE_LINK, json!({ "t": token, "w": t.workspace, "n": "In" })).await, "NOT_FOUND");
    assert_eq!(viewer.code(CLONE_LINK, json!({ "t": token, "w": t.workspace, "n": "In" })).await, "FORBIDDEN");
    let wrong = format!("{token}x");
    assert_eq!(stranger.code(CLONE_LINK, json!({ "t": wrong, "w": theirs.workspace, "n": "X" })).await, "NOT_FOUND");

    // Only the hash is stored.
    let db = app.database().await;
    let rows = entity::share_link::Entity::find().all(&db).await.expect("links");
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].token_hash, token);
    assert_eq!(rows[0].token_hash, orgraph::api_token::service::hash(&token));
    assert!(!format!("{rows:?}").contains(&token[14..]), "the secret is not stored");

    // Revoked.
    // (A viewer does not see the project's links: NOT_FOUND, as for a missing one.)
    assert_eq!(viewer.code(REVOKE_LINK, json!({ "l": link })).await, "NOT_FOUND");
    let r = owner.ok(REVOKE_LINK, json!({ "l": link })).await;
    assert_eq!(r["revokeShareLink"]["shareLink"]["active"], false);
    assert_eq!(stranger.code(CLONE_LINK, json!({ "t": token, "w": theirs.workspace, "n": "Late" })).await, "NOT_FOUND");

    // Expired: moved into the past in the database.
    let d = owner.ok(CREATE_LINK, json!({ "p": p, "s": 3600 })).await["createShareLink"].clone();
    let short = d["token"].as_str().expect("token").to_string();
    assert!(!d["shareLink"]["expiresAt"].is_null());
    stranger.ok(CLONE_LINK, json!({ "t": short, "w": theirs.workspace, "n": "Early" })).await;
    let past = chrono::Utc::now() - chrono::Duration::seconds(5);
    let hash = orgraph::api_token::service::hash(&short);
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "UPDATE share_links SET expires_at = $1 WHERE token_hash = $2",
        _ => "UPDATE share_links SET expires_at = ? WHERE token_hash = ?",
    };
    db.execute_raw(sea_orm::Statement::from_sql_and_values(backend, sql, [past.into(), hash.into()])).await.expect("expire");
    db.close().await.ok();
    assert_eq!(stranger.code(CLONE_LINK, json!({ "t": short, "w": theirs.workspace, "n": "Late" })).await, "NOT_FOUND");
});

both!(restored_versions_show_a_restore_origin_also_after_the_trash, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let (p, _) = sample(&owner, &p).await;
    let v = owner.ok(CREATE_VERSION, json!({ "p": p, "title": "v1" })).await["createProjectVersion"]["version"]["id"]
        .as_str()
        .expect("version")
        .to_string();
    let r = owner.ok(RESTORE_VERSION, json!({ "v": v, "w": org.workspace, "n": "Old" })).await["restoreProjectVersion"]["project"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let o = owner.ok(ORIGIN, json!({ "p": r })).await;
    assert_eq!(o["node"]["origin"]["kind"], "RESTORE");
    assert_eq!(o["node"]["origin"]["sourceProjectId"], p.as_str());
    assert_eq!(o["node"]["origin"]["sourceVersionId"], v.as_str());
    // The origin comes back with the project from the trash.
    owner.ok(crate::ops::DELETE_PROJECT, json!({ "p": r })).await;
    let trash = "query($t: ID!) { node(id: $t) { ... on Team { trash(first: 5) { nodes { id } } } } }";
    let d = owner.ok(trash, json!({ "t": org.team })).await;
    let entry = d["node"]["trash"]["nodes"][0]["id"].clone();
    owner
        .ok("mutation($e: ID!) { restoreFromTrash(input: { trashEntryId: $e }) { project { id } } }", json!({ "e": entry }))
        .await;
    assert_eq!(owner.ok(ORIGIN, json!({ "p": r })).await, o);
});
