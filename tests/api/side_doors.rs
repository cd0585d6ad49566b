//! Where features meet (an adversarial review, RULES.md §3, §9): no field tells more about
//! an object than `node` would, no answer depends on a hidden object, and a personal
//! access token is held to its reach in the viewer's own lists and when it answers an
//! invitation.

use crate::api_tokens::{create, with_pat};
use crate::both;
use crate::fixtures::{DefaultOrg, add_member, create_org};
use crate::helpers::*;
use crate::labeling_jobs::{ASSIGN, create_job, dataset};
use crate::ops::{ACCEPT, CREATE_ORGANIZATION, DECLINE, DELETE_DATASET, INVITE, UPDATE_DATASET};
use serde_json::json;
use std::collections::BTreeSet;

const CREATE_ROLE: &str = "mutation($o: ID!) { createRole(input: { organizationId: $o, key: \"auditor\", name: \"Auditor\",
    scopeKind: ORGANIZATION, permissions: [\"org.read\"] }) { role { key } } }";
const MEMBERS_BY_ROLE: &str = "query($r: String!) { viewer { pendingInvitations {
    organization { members(role: $r) { totalCount } } } } }";

both!(whether_a_role_key_exists_is_not_told_to_who_may_not_read_members, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let carol = app.user("carol").await;
    let org = create_org(&owner, "acme").await;
    owner.ok(CREATE_ROLE, json!({ "o": org.id })).await;
    owner.ok(INVITE, json!({ "s": org.id, "e": "carol@example.com", "r": "worker" })).await;
    // Carol sees the organization's identity through her invitation, not its members.
    let existing = carol.post(MEMBERS_BY_ROLE, json!({ "r": "auditor" })).await;
    let unknown = carol.post(MEMBERS_BY_ROLE, json!({ "r": "no_such_role" })).await;
    assert_eq!(existing, unknown, "the same answer for a custom role key and an unknown one");
    assert_eq!(existing.1["data"]["viewer"]["pendingInvitations"][0]["organization"]["members"]["totalCount"], 0, "{existing:?}");
    // A member who may read members is told.
    let members = "query($r: String!) { organization(slug: \"acme\") { members(role: $r) { totalCount } } }";
    assert_eq!(owner.ok(members, json!({ "r": "auditor" })).await["organization"]["members"]["totalCount"], 0);
    assert_eq!(owner.code(members, json!({ "r": "no_such_role" })).await, "BAD_USER_INPUT");
});

const CREATE_GROUP: &str = "mutation($o: ID!) { createGroup(input: { organizationId: $o, name: \"Core\" }) { group { id } } }";
const ASSIGN_GROUP: &str = "mutation($g: ID!, $p: ID!) {
    assignGroupToProject(input: { groupId: $g, projectId: $p, role: \"labeler\" }) { group { id } } }";
const GROUP_PROJECTS: &str =
    "query($g: ID!) { node(id: $g) { ... on Group { projects { totalCount nodes { assignedAt project { id } } } } } }";
const PROJECT: &str = "query($p: ID!) { node(id: $p) { id } }";

both!(a_groups_projects_are_those_the_viewer_sees, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let d = t.owner.ok(CREATE_GROUP, json!({ "o": t.org })).await;
    let group = d["createGroup"]["group"]["id"].as_str().expect("group").to_string();
    t.owner.ok(ASSIGN_GROUP, json!({ "g": group, "p": t.project })).await;
    let owners = t.owner.ok(GROUP_PROJECTS, json!({ "g": group })).await;
    assert_eq!(owners["node"]["projects"]["totalCount"], 1, "{owners}");
    // The supervisor reads groups but does not see the project.
    assert_eq!(t.supervisor.ok(PROJECT, json!({ "p": t.project })).await["node"], json!(null));
    let theirs = t.supervisor.ok(GROUP_PROJECTS, json!({ "g": group })).await;
    assert_eq!(theirs["node"]["projects"], json!({ "totalCount": 0, "nodes": [] }), "neither counted nor listed");
});

both!(a_dataset_seen_through_a_labeling_job_is_read_only, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let d = dataset(&t.owner, &t.project, None, "D").await;
    let job = create_job(&t.manager, &t.project, "job", &[&d]).await;
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.annotator.id })).await;
    assert_eq!(t.annotator.ok("query($d: ID!) { node(id: $d) { id } }", json!({ "d": d })).await["node"]["id"], d.as_str());
    // Seen, so refused by permission (RULES.md §3), not hidden.
    assert_eq!(t.annotator.code(UPDATE_DATASET, json!({ "d": d, "n": "E" })).await, "FORBIDDEN");
    assert_eq!(t.annotator.code(DELETE_DATASET, json!({ "d": d })).await, "FORBIDDEN");
    // Not seen at all: hidden.
    assert_eq!(t.outsider.code(DELETE_DATASET, json!({ "d": d })).await, "NOT_FOUND");
});

const MINE: &str = "{ viewer { memberships { nodes { organization { slug } } } pendingInvitations { organization { slug } } } }";

both!(a_token_lists_nothing_of_an_organization_where_it_may_not_act, |app: TestApp| async move {
    let bob = app.user("bob").await;
    let alice = app.user("alice").await;
    let d = bob.ok(CREATE_ORGANIZATION, json!({ "s": "sa", "p": "SUPERANNOTATE" })).await;
    let sa = d["createOrganization"]["organization"]["id"].as_str().expect("org").to_string();
    // A contributor does not hold sdk_token.generate in SuperAnnotate.
    add_member(&bob, &sa, &alice, "contributor").await;
    let other = create_org(&bob, "other").await;
    bob.ok(INVITE, json!({ "s": other.id, "e": "alice@example.com", "r": "worker" })).await;
    let slugs = |v: &serde_json::Value, list: &str| -> Vec<String> {
        v["viewer"][list]
            .as_array()
            .or_else(|| v["viewer"][list]["nodes"].as_array())
            .expect("a list")
            .iter()
            .map(|n| n["organization"]["slug"].as_str().expect("slug").to_string())
            .collect()
    };
    let signed_in = alice.ok(MINE, json!({})).await;
    assert!(slugs(&signed_in, "memberships").contains(&"sa".to_string()), "{signed_in}");
    let pat = with_pat(&alice, &create(&alice, "all", 3600, None).await);
    let by_token = pat.ok(MINE, json!({})).await;
    assert!(!slugs(&by_token, "memberships").contains(&"sa".to_string()), "{by_token}");
    assert_eq!(slugs(&by_token, "pendingInvitations"), vec!["other".to_string()], "{by_token}");
});

both!(a_token_does_not_join_an_organization_where_it_may_not_act, |app: TestApp| async move {
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let d = bob.ok(CREATE_ORGANIZATION, json!({ "s": "sa", "p": "SUPERANNOTATE" })).await;
    let sa = d["createOrganization"]["organization"]["id"].as_str().expect("org").to_string();
    let d = bob.ok(INVITE, json!({ "s": sa, "e": "carol@example.com", "r": "contributor" })).await;
    let invitation = d["inviteMember"]["invitation"]["id"].as_str().expect("invitation").to_string();
    let pat = with_pat(&carol, &create(&carol, "all", 3600, None).await);
    assert_eq!(pat.code(ACCEPT, json!({ "i": invitation })).await, "FORBIDDEN");
    // Nor does it decline there (RULES.md §9.6: it acts only where she holds sdk_token.generate).
    assert_eq!(pat.code(DECLINE, json!({ "i": invitation })).await, "FORBIDDEN");
    let mine = carol.ok("{ viewer { memberships { totalCount } pendingInvitations { id } } }", json!({})).await;
    assert_eq!(mine["viewer"]["pendingInvitations"].as_array().map(Vec::len), Some(1), "nothing was kept: {mine}");
    // Signed in, she joins.
    carol.ok(ACCEPT, json!({ "i": invitation })).await;
    // Nor into an organization whose role would give her the key (a DEFAULT worker):
    // she holds nothing there when the token is used.
    let other = create_org(&bob, "other").await;
    let d = bob.ok(INVITE, json!({ "s": other.id, "e": "carol@example.com", "r": "worker" })).await;
    let invitation = d["inviteMember"]["invitation"]["id"].as_str().expect("invitation").to_string();
    for answer in [ACCEPT, DECLINE] {
        assert_eq!(pat.code(answer, json!({ "i": invitation })).await, "FORBIDDEN");
    }
    carol.ok(ACCEPT, json!({ "i": invitation })).await;
});

both!(a_token_restricted_to_one_organization_lists_only_its_tokens_and_the_unrestricted, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let (a, b) = (create_org(&alice, "a").await, create_org(&alice, "b").await);
    create(&alice, "everywhere", 3600, None).await;
    let in_b = create(&alice, "in-b", 3600, Some(&b.id)).await;
    let in_a = create(&alice, "in-a", 3600, Some(&a.id)).await;
    let list = "{ viewer { apiTokens(first: 10) { totalCount nodes { name } } } }";
    let names = |v: serde_json::Value| -> Vec<String> {
        let nodes = v["viewer"]["apiTokens"]["nodes"].as_array().expect("nodes").clone();
        nodes.iter().map(|n| n["name"].as_str().expect("name").to_string()).collect()
    };
    assert_eq!(names(alice.ok(list, json!({})).await), ["everywhere", "in-b", "in-a"]);
    let pat = with_pat(&alice, &in_a);
    assert_eq!(names(pat.ok(list, json!({})).await), ["everywhere", "in-a"]);
    assert_eq!(pat.ok(list, json!({})).await["viewer"]["apiTokens"]["totalCount"], 2);
    assert!(pat.node(&in_b.id).await.is_null(), "a token of another organization by id");
    assert_eq!(alice.node(&in_b.id).await["id"], in_b.id.as_str());
});

const CREATE_AUDITOR: &str = "mutation($o: ID!) { createRole(input: { organizationId: $o, key: \"auditor\", name: \"Auditor\",
    scopeKind: ORGANIZATION, permissions: [\"org.read\", \"member.read\", \"member.manage\"] }) { role { key } } }";
const AUDIT: &str =
    "query($s: String!) { organization(slug: $s) { auditLog(first: 100) { totalCount nodes { action after } } } }";

/// An organization where `auditor` reads the audit log (a custom organization role, no
/// team), with a labeling job of its project assigned: the log records it.
async fn audited(app: &TestApp) -> (DefaultOrg, Client) {
    let t = DefaultOrg::new(app).await;
    t.owner.ok(CREATE_AUDITOR, json!({ "o": t.org })).await;
    let auditor = app.user("auditor").await;
    add_member(&t.owner, &t.org, &auditor, "auditor").await;
    let d = dataset(&t.owner, &t.project, None, "D").await;
    let job = create_job(&t.manager, &t.project, "job", &[&d]).await;
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.annotator.id })).await;
    (t, auditor)
}

/// Whether `c` reads the assignment's entry in the organization's log.
async fn reads_assignment(c: &Client, t: &DefaultOrg) -> bool {
    let log = c.ok(AUDIT, json!({ "s": t.slug })).await;
    log["organization"]["auditLog"]["nodes"].as_array().expect("entries").iter().any(|e| e["action"] == "labeling_job.assigned")
}

both!(an_audit_entry_about_a_team_or_project_is_read_only_by_who_sees_it, |app: TestApp| async move {
    let (t, auditor) = audited(&app).await;
    assert_eq!(auditor.ok(PROJECT, json!({ "p": t.team })).await["node"], json!(null), "the auditor sees no team");
    let scopes = |log: &serde_json::Value| -> Vec<String> {
        log["organization"]["auditLog"]["nodes"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| format!("{} {}", e["action"].as_str().unwrap_or(""), e["after"]["scopeKind"].as_str().unwrap_or("-")))
            .collect()
    };
    let all = t.owner.ok(AUDIT, json!({ "s": t.slug })).await;
    let seen = auditor.ok(AUDIT, json!({ "s": t.slug })).await;
    let (all, seen) = (scopes(&all), scopes(&seen));
    assert!(
        all.contains(&"membership.created team".to_string()) && all.contains(&"labeling_job.assigned -".to_string()),
        "{all:?}"
    );
    assert!(seen.contains(&"membership.created organization".to_string()), "organization-level entries stay: {seen:?}");
    assert!(
        seen.iter().all(|e| e == "membership.created organization" || e.starts_with("role.")),
        "nothing about a team, project or job the auditor does not see: {seen:?}"
    );
    // A team member who is also an auditor sees the team's entries.
    add_member(&t.owner, &t.team, &auditor, "viewer").await;
    let now = scopes(&auditor.ok(AUDIT, json!({ "s": t.slug })).await);
    assert!(now.contains(&"membership.created team".to_string()), "{now:?}");
});

both!(an_audit_entry_about_a_project_follows_the_project_when_it_moves, |app: TestApp| async move {
    let (t, auditor) = audited(&app).await;
    add_member(&t.owner, &t.team, &auditor, "viewer").await;
    assert!(reads_assignment(&auditor, &t).await, "seen while the project is in the auditor's team");
    let other = t.owner.ok(crate::ops::CREATE_TEAM, json!({ "o": t.org, "n": "Elsewhere" })).await;
    let workspace = other["createTeam"]["team"]["workspaces"]["nodes"][0]["id"].as_str().expect("workspace").to_string();
    t.owner.ok(crate::ops::TRANSFER_PROJECT, json!({ "p": t.project, "w": workspace })).await;
    assert!(!reads_assignment(&auditor, &t).await, "the entry follows the project out of the team");
    assert!(reads_assignment(&t.owner, &t).await, "the organization's record keeps it");
});

both!(an_audit_entry_about_a_deleted_project_stays_with_the_team_it_was_written_under, |app: TestApp| async move {
    let (t, auditor) = audited(&app).await;
    add_member(&t.owner, &t.team, &auditor, "viewer").await;
    t.owner.ok(crate::ops::DELETE_PROJECT, json!({ "p": t.project })).await;
    assert!(reads_assignment(&auditor, &t).await, "deleting the project hid its trail");
});

both!(an_audit_entry_about_a_deleted_project_is_not_shown_to_who_could_not_read_it, |app: TestApp| async move {
    let (t, auditor) = audited(&app).await;
    // An annotator sees the team, not its projects: nor their trail, before or after.
    add_member(&t.owner, &t.team, &auditor, "annotator").await;
    assert!(!reads_assignment(&auditor, &t).await, "the project is out of the annotator's view");
    t.owner.ok(crate::ops::DELETE_PROJECT, json!({ "p": t.project })).await;
    assert!(!reads_assignment(&auditor, &t).await, "deleting the project showed its trail");
});

const JOBBER: &str = "mutation($o: ID!) { createRole(input: { organizationId: $o, key: \"jobber\", name: \"Jobber\",
    scopeKind: PROJECT, permissions: [\"labeling_job.access\", \"labeling_job.manage\", \"project.update\"] }) { role { key } } }";
const RENAME_JOB: &str =
    "mutation($j: ID!) { updateLabelingJob(input: { labelingJobId: $j, name: \"Mine\" }) { labelingJob { name } } }";
const MOVE_JOB: &str = "mutation($j: ID!, $s: LabelingJobStatus!) {
    transitionLabelingJob(input: { labelingJobId: $j, status: $s }) { labelingJob { status } } }";
const JOB_CAN: &str = "query($j: ID!) { node(id: $j) { ... on LabelingJob { update: viewerCan(action: UPDATE)
    assign: viewerCan(action: ASSIGN) delete: viewerCan(action: DELETE) } } }";
const CREATE_LINK: &str = "mutation($p: ID!) { createShareLink(input: { projectId: $p }) { shareLink { id } } }";
const LINKS_THROUGH: &str =
    "query($d: ID!) { node(id: $d) { ... on Dataset { project { id shareLinks(first: 5) { totalCount } } } } }";

both!(a_labeling_job_seen_only_through_its_assignment_is_not_managed, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    t.owner.ok(JOBBER, json!({ "o": t.org })).await;
    let lead = app.user("lead").await;
    add_member(&t.owner, &t.org, &lead, "worker").await;
    add_member(&t.owner, &t.project, &lead, "jobber").await;
    assert_eq!(lead.ok(PROJECT, json!({ "p": t.project })).await["node"], json!(null), "the role does not read the project");
    let d = dataset(&t.owner, &t.project, None, "D").await;
    let job = create_job(&t.manager, &t.project, "job", &[&d]).await;
    t.manager.ok(ASSIGN, json!({ "j": job, "u": lead.id })).await;
    // Managing it would attach datasets of the project the holder does not see.
    assert_eq!(lead.code(RENAME_JOB, json!({ "j": job })).await, "FORBIDDEN");
    // Its status moves only as an assignee's would (the review is not theirs to accept),
    // and `viewerCan` answers as the mutations decide.
    for to in ["IN_PROGRESS", "ON_REVIEW"] {
        let moved = lead.ok(MOVE_JOB, json!({ "j": job, "s": to })).await;
        assert_eq!(moved["transitionLabelingJob"]["labelingJob"]["status"], to);
    }
    for to in ["COMPLETED", "IN_PROGRESS"] {
        assert_eq!(lead.code(MOVE_JOB, json!({ "j": job, "s": to })).await, "FORBIDDEN", "{to}");
    }
    assert_eq!(lead.ok(JOB_CAN, json!({ "j": job })).await["node"], json!({ "update": false, "assign": false, "delete": false }));
    // `project.update` does not list the share links of a project reached only through the job.
    t.owner.ok(CREATE_LINK, json!({ "p": t.project })).await;
    let through = lead.ok(LINKS_THROUGH, json!({ "d": d })).await;
    assert_eq!(through["node"]["project"]["id"], t.project.as_str());
    assert_eq!(through["node"]["project"]["shareLinks"], json!(null));
    assert_eq!(t.owner.ok(LINKS_THROUGH, json!({ "d": d })).await["node"]["project"]["shareLinks"]["totalCount"], 1);
});

const MEMBERS_THROUGH_EXPLORE: &str = "{ explore(first: 10) { nodes { id members(first: 10) { totalCount }
    team { id members(first: 10) { totalCount } } } } }";

both!(members_of_a_project_reached_only_through_its_publication_are_not_listed, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    add_member(&t.owner, &t.project, &t.worker, "labeler").await;
    t.owner.ok(crate::ops::PUBLISH_PROJECT, json!({ "p": t.project })).await;
    let members = |v: serde_json::Value| {
        (
            v["explore"]["nodes"][0]["members"]["totalCount"].clone(),
            v["explore"]["nodes"][0]["team"]["members"]["totalCount"].clone(),
        )
    };
    let (project, team) = members(t.owner.ok(MEMBERS_THROUGH_EXPLORE, json!({})).await);
    assert!(project.as_i64() > Some(0) && team.as_i64() > Some(0), "{project} {team}");
    // A team annotator holds `member.read` on the team's projects but does not see this
    // one: `node(id)` of each membership is null, and so is the list.
    let (project, _) = members(t.annotator.ok(MEMBERS_THROUGH_EXPLORE, json!({})).await);
    assert_eq!(project, 0);
    // Someone outside sees neither the project's nor the team's members.
    assert_eq!(members(t.outsider.ok(MEMBERS_THROUGH_EXPLORE, json!({})).await), (json!(0), json!(0)));
});

const CREATE_KEEPER: &str = "mutation($o: ID!) { createRole(input: { organizationId: $o, key: \"keeper\", name: \"Keeper\",
    scopeKind: ORGANIZATION, permissions: [\"org.read\", \"member.manage\"] }) { role { key } } }";

both!(the_audit_log_shows_memberships_and_groups_only_to_who_may_list_them, |app: TestApp| async move {
    let (t, auditor) = audited(&app).await;
    let group = "mutation($o: ID!) { createGroup(input: { organizationId: $o, name: \"Secret\" }) { group { id } } }";
    t.owner.ok(group, json!({ "o": t.org })).await;
    t.owner.ok(CREATE_KEEPER, json!({ "o": t.org })).await;
    let keeper = app.user("keeper").await;
    add_member(&t.owner, &t.org, &keeper, "keeper").await;
    let actions = |log: serde_json::Value| -> BTreeSet<String> {
        let nodes = log["organization"]["auditLog"]["nodes"].as_array().expect("entries").clone();
        nodes.iter().map(|e| e["action"].as_str().expect("action").to_string()).collect()
    };
    let all = actions(t.owner.ok(AUDIT, json!({ "s": t.slug })).await);
    assert!(all.contains("membership.created") && all.contains("group.created"), "{all:?}");
    // `member.read` lists members, not groups (no `group.read`).
    let read = actions(auditor.ok(AUDIT, json!({ "s": t.slug })).await);
    assert!(read.contains("membership.created") && !read.iter().any(|a| a.starts_with("group.")), "{read:?}");
    // `member.manage` alone reads the log, but none of the members it may not list.
    let kept = actions(keeper.ok(AUDIT, json!({ "s": t.slug })).await);
    assert!(!kept.is_empty() && !kept.iter().any(|a| a.starts_with("membership.") || a.starts_with("group.")), "{kept:?}");
    let members = "query($s: String!) { organization(slug: $s) { members(first: 5) { totalCount } } }";
    assert_eq!(keeper.ok(members, json!({ "s": t.slug })).await["organization"]["members"]["totalCount"], 0);
});

const CREATE_WATCHER: &str = "mutation($o: ID!) { createRole(input: { organizationId: $o, key: \"watcher\", name: \"Watcher\",
    scopeKind: TEAM, permissions: [\"team.update\"] }) { role { key } } }";

both!(a_member_leaves_a_scope_their_role_does_not_let_them_read, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    t.owner.ok(CREATE_WATCHER, json!({ "o": t.org })).await;
    let (other, _) = crate::fixtures::create_team(&t.owner, &t.org, "Other").await;
    add_member(&t.owner, &other, &t.developer, "watcher").await;
    assert!(t.developer.node(&other).await.is_null(), "the role does not read the team");
    // Someone who is not a member there is told nothing.
    assert_eq!(t.annotator.code(crate::ops::LEAVE, json!({ "s": other })).await, "NOT_FOUND");
    let left = t.developer.ok(crate::ops::LEAVE, json!({ "s": other })).await;
    assert_eq!(left["leaveScope"]["leftScopeId"], other.as_str());
    assert_eq!(t.developer.code(crate::ops::LEAVE, json!({ "s": other })).await, "NOT_FOUND");
});

both!(the_source_of_a_copy_is_shown_only_to_who_sees_it_not_through_a_labeling_job, |app: TestApp| async move {
    // `Project.origin.sourceProject` answers as `node` would (or for a published source):
    // an annotator who reaches the source only through a job sees it as null.
    let t = DefaultOrg::new(&app).await;
    let d = dataset(&t.owner, &t.project, None, "D").await;
    let job = create_job(&t.manager, &t.project, "job", &[&d]).await;
    t.manager.ok(ASSIGN, json!({ "j": job, "u": t.annotator.id })).await;
    let (team, workspace) = crate::fixtures::create_team(&t.owner, &t.org, "Copies").await;
    add_member(&t.owner, &team, &t.annotator, "developer").await;
    let clone = "mutation($p: ID!, $w: ID!) { cloneProject(input: { projectId: $p, workspaceId: $w, name: \"Copy\" }) {
        project { id } } }";
    let copy = t.owner.ok(clone, json!({ "p": t.project, "w": workspace })).await["cloneProject"]["project"]["id"]
        .as_str()
        .expect("copy")
        .to_string();
    let source = "query($p: ID!) { node(id: $p) { ... on Project { origin { sourceProjectId sourceProject { id } } } } }";
    assert!(t.annotator.node(&t.project).await.is_null(), "the source is not in the annotator's view");
    let d = t.annotator.ok(source, json!({ "p": copy })).await;
    assert_eq!(d["node"]["origin"]["sourceProjectId"], t.project.as_str(), "{d}");
    assert!(d["node"]["origin"]["sourceProject"].is_null(), "{d}");
    let d = t.owner.ok(source, json!({ "p": copy })).await;
    assert_eq!(d["node"]["origin"]["sourceProject"]["id"], t.project.as_str(), "{d}");
});

both!(invitations_to_a_project_do_not_follow_it_into_another_organization, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let newcomer = app.user("newcomer").await;
    let email = "newcomer@example.com";
    let invite = |s: &str| json!({ "s": s, "e": email, "r": "labeler" });
    t.owner.ok(INVITE, invite(&t.project)).await;
    let second = crate::fixtures::create_project(&t.owner, &t.workspace, "Second").await;
    t.owner.ok(INVITE, invite(&second)).await;
    let pending = "{ viewer { pendingInvitations { id organization { slug } scopePath { name } } } }";
    assert_eq!(newcomer.ok(pending, json!({})).await["viewer"]["pendingInvitations"].as_array().map(Vec::len), Some(2));
    // Within the organization: it follows.
    let (_, workspace) = crate::fixtures::create_team(&t.owner, &t.org, "Elsewhere").await;
    t.owner.ok(crate::ops::TRANSFER_PROJECT, json!({ "p": second, "w": workspace })).await;
    // Into another: it does not, for the invitee nor for the new organization.
    let b = create_org(&t.owner, "b-org").await;
    t.owner.ok(crate::ops::TRANSFER_PROJECT, json!({ "p": t.project, "w": b.workspace })).await;
    let d = newcomer.ok(pending, json!({})).await;
    let left = d["viewer"]["pendingInvitations"].as_array().expect("pending").clone();
    assert_eq!(left.len(), 1, "{d}");
    assert_eq!(left[0]["organization"]["slug"], t.slug.as_str(), "{d}");
    let listed = "query($p: ID!) { node(id: $p) { ... on Project { invitations(first: 10) { totalCount } } } }";
    assert_eq!(t.owner.ok(listed, json!({ "p": t.project })).await["node"]["invitations"]["totalCount"], 0);
    assert_eq!(t.owner.ok(listed, json!({ "p": second })).await["node"]["invitations"]["totalCount"], 1);
});

both!(viewer_teams_lists_only_teams_the_viewer_sees, |app: TestApp| async move {
    // A custom team role without `team.read` or `project.read` opens nothing of the team: `viewer.teams`
    // does not list what `node` would not answer (RULES.md §9.1).
    let t = crate::fixtures::DefaultOrg::new(&app).await;
    let create =
        "mutation($o: ID!) { createRole(input: { organizationId: $o, key: \"trainer\", name: \"Trainer\", scopeKind: TEAM,
        permissions: [\"model.view\"] }) { role { key } } }";
    t.owner.ok(create, json!({ "o": t.org })).await;
    t.owner.ok(crate::ops::ADD_MEMBER, json!({ "s": t.team, "u": t.worker.id, "r": "trainer" })).await;
    assert!(t.worker.node(&t.team).await.is_null());
    // Their personal organization's team only.
    let teams = t.worker.ok("{ viewer { teams(first: 10) { totalCount nodes { id } } } }", json!({})).await;
    assert_eq!(teams["viewer"]["teams"]["totalCount"], 1, "{teams}");
    assert_ne!(teams["viewer"]["teams"]["nodes"][0]["id"], t.team.as_str(), "{teams}");
    let mine = t.developer.ok("{ viewer { teams(first: 10) { nodes { id } } } }", json!({})).await;
    assert!(
        mine["viewer"]["teams"]["nodes"].as_array().is_some_and(|n| n.iter().any(|t2| t2["id"] == t.team.as_str())),
        "{mine}"
    );
});

both!(viewer_teams_leaves_out_an_empty_team_seen_only_through_projects, |app: TestApp| async move {
    // An organization role that reads every project without `team.read` sees a team
    // through its projects (RULES.md §3.1): an empty team not, in `viewer.teams` as in
    // `node`, also where the viewer is an explicit member with a role that opens nothing.
    let t = crate::fixtures::DefaultOrg::new(&app).await;
    crate::fixtures::create_role(&t.owner, &t.org, "projreader", "ORGANIZATION", &["project.read", "dataset.read"]).await;
    crate::fixtures::create_role(&t.owner, &t.org, "trainer", "TEAM", &["model.view", "member.read"]).await;
    let bob = app.user("bob").await;
    add_member(&t.owner, &t.org, &bob, "projreader").await;
    let d = t.owner.ok(crate::ops::CREATE_TEAM, json!({ "o": t.org, "n": "Empty" })).await;
    let empty = d["createTeam"]["team"]["id"].as_str().expect("team").to_string();
    let ws = d["createTeam"]["team"]["workspaces"]["nodes"][0]["id"].as_str().expect("workspace").to_string();
    add_member(&t.owner, &empty, &bob, "trainer").await;
    let listed = |d: &serde_json::Value| {
        d["viewer"]["teams"]["nodes"].as_array().expect("teams").iter().any(|n| n["id"] == empty.as_str())
    };
    let teams = "{ viewer { teams(first: 10) { nodes { id members(first: 5) { totalCount } } } } }";
    assert!(bob.node(&empty).await.is_null());
    let d = bob.ok(teams, json!({})).await;
    assert!(!listed(&d), "{d}");
    // Once it holds a project, bob sees it, and lists it.
    crate::fixtures::create_project(&t.owner, &ws, "First").await;
    assert!(!bob.node(&empty).await.is_null());
    let d = bob.ok(teams, json!({})).await;
    assert!(listed(&d), "{d}");
});
