//! The actions of the preset tables as real GraphQL operations.

use super::{Action, CAN, Fixture, GRANT, Outcome, Users, code_of};
use crate::helpers::Client;
use serde_json::{Value, json};

const RENAME_ORG: &str =
    "mutation($id: ID!) { updateOrganization(input: { organizationId: $id, name: \"Renamed\" }) { organization { id } } }";
const DELETE_ORG: &str = "mutation($id: ID!) { deleteOrganization(input: { organizationId: $id }) { deletedOrganizationId } }";
const ADD: &str =
    "mutation($id: ID!, $u: ID!, $r: String!) { addMember(input: { scopeId: $id, userId: $u, role: $r }) { membership { id } } }";
const CHANGE: &str =
    "mutation($id: ID!, $r: String!) { changeMemberRole(input: { membershipId: $id, role: $r }) { membership { id } } }";
const REMOVE: &str = "mutation($id: ID!) { removeMember(input: { membershipId: $id }) { removedMembershipId } }";
const LEAVE: &str = "mutation($id: ID!) { leaveScope(input: { scopeId: $id }) { leftScopeId } }";
const CREATE_TEAM: &str = "mutation($id: ID!) { createTeam(input: { organizationId: $id, name: \"New team\" }) { team { id } } }";
const RENAME_TEAM: &str = "mutation($id: ID!) { updateTeam(input: { teamId: $id, name: \"Renamed\" }) { team { id } } }";
const DELETE_TEAM: &str = "mutation($id: ID!) { deleteTeam(input: { teamId: $id }) { deletedTeamId } }";
const CREATE_WS: &str =
    "mutation($id: ID!) { createWorkspace(input: { teamId: $id, name: \"New workspace\" }) { workspace { id } } }";
const CREATE_PROJECT: &str =
    "mutation($id: ID!) { createProject(input: { workspaceId: $id, name: \"New project\" }) { project { id } } }";
const RENAME_PROJECT: &str =
    "mutation($id: ID!) { updateProject(input: { projectId: $id, name: \"Renamed\" }) { project { id } } }";
const DELETE_PROJECT: &str = "mutation($id: ID!) { deleteProject(input: { projectId: $id }) { deletedProjectId } }";
const CREATE_DATASET: &str =
    "mutation($id: ID!) { createDataset(input: { projectId: $id, name: \"New dataset\" }) { dataset { id } } }";
const DELETE_DATASET: &str = "mutation($id: ID!) { deleteDataset(input: { datasetId: $id }) { deletedDatasetId } }";
const MOVE_DATASET: &str =
    "mutation($id: ID!, $p: ID) { moveDataset(input: { datasetId: $id, newParentId: $p }) { dataset { id } } }";
const SDK_TOKEN: &str = "mutation($id: ID!) { createApiToken(input: { name: \"sdk\", expiresInSeconds: 3600, organizationId: $id }) { apiToken { id } } }";
const INVITE: &str = "mutation($s: ID!, $e: String!, $r: String!) { inviteMember(input: { scopeId: $s, email: $e, role: $r }) { invitation { id } } }";
const SEE: &str = "query($id: ID!) { node(id: $id) { id } }";

/// `Done`, or `Refused(code)`; `Err` for anything the row cannot judge.
fn outcome(body: &Value) -> Result<Outcome, String> {
    match (body.get("errors"), code_of(body)) {
        (None, _) => Ok(Outcome::Done),
        (Some(_), Some(code)) => Ok(Outcome::Refused(code)),
        (Some(e), None) => Err(format!("error without a code: {e}")),
    }
}

async fn mutate(c: &Client, q: &str, mut vars: Value, id: &str) -> Result<Outcome, String> {
    vars["id"] = json!(id);
    let (_, body) = c.post(q, vars).await;
    outcome(&body)
}

/// `viewerCan(key)` on `id` as `c`: Some(bool), or None when the object is invisible.
pub async fn can(c: &Client, id: &str, key: &str) -> Result<Option<bool>, String> {
    let (_, body) = c.post(CAN, json!({ "id": id, "k": key })).await;
    if let Some(e) = body.get("errors") {
        return Err(format!("viewerCan({key}) failed: {e}"));
    }
    let node = &body["data"]["node"];
    if node.is_null() {
        return Ok(None);
    }
    node["viewerCan"].as_bool().map(Some).ok_or_else(|| format!("no viewerCan on {node}"))
}

fn decision(v: Option<bool>) -> Outcome {
    match v {
        Some(true) => Outcome::Done,
        Some(false) => Outcome::Refused(super::FORBIDDEN.into()),
        None => Outcome::Refused(super::NOT_FOUND.into()),
    }
}

pub async fn act(u: &Users, f: &Fixture, actor: &Client, action: Action, target: &str) -> Result<Outcome, String> {
    let none = json!({});
    match action {
        Action::RenameOrg => mutate(actor, RENAME_ORG, none, target).await,
        Action::DeleteOrg => mutate(actor, DELETE_ORG, none, target).await,
        Action::Invite(role) | Action::InviteStranger(role) => {
            let email = invitee(u, f, action);
            let (_, body) = actor.post(INVITE, json!({ "s": target, "e": email, "r": role })).await;
            outcome(&body)
        }
        Action::AddMember(role) => mutate(actor, ADD, json!({ "u": u.other.id, "r": role }), target).await,
        Action::ChangeRole(role) => mutate(actor, CHANGE, json!({ "r": role }), target).await,
        Action::Remove => mutate(actor, REMOVE, none, target).await,
        Action::Leave => mutate(actor, LEAVE, none, target).await,
        Action::CreateTeam => mutate(actor, CREATE_TEAM, none, target).await,
        Action::RenameTeam => mutate(actor, RENAME_TEAM, none, target).await,
        Action::DeleteTeam => mutate(actor, DELETE_TEAM, none, target).await,
        Action::CreateWorkspace => mutate(actor, CREATE_WS, none, target).await,
        Action::CreateProject => mutate(actor, CREATE_PROJECT, none, target).await,
        Action::RenameProject => mutate(actor, RENAME_PROJECT, none, target).await,
        Action::DeleteProject => mutate(actor, DELETE_PROJECT, none, target).await,
        Action::CreateDataset => mutate(actor, CREATE_DATASET, none, target).await,
        Action::DeleteDataset => mutate(actor, DELETE_DATASET, none, target).await,
        Action::MoveDataset => mutate(actor, MOVE_DATASET, json!({ "p": f.dataset2 }), target).await,
        Action::SdkToken => mutate(actor, SDK_TOKEN, none, target).await,
        Action::GrantCapability(key) => {
            let (_, body) = actor.post(GRANT, json!({ "o": f.org, "u": u.other.id, "p": key })).await;
            outcome(&body)
        }
        Action::See => {
            let (_, body) = actor.post(SEE, json!({ "id": target })).await;
            match outcome(&body)? {
                Outcome::Done if body["data"]["node"].is_null() => Ok(Outcome::Refused(super::NOT_FOUND.into())),
                other => Ok(other),
            }
        }
        Action::Can(key) => Ok(decision(can(actor, target, key).await?)),
        Action::CanAfterGrant(key) => {
            if can(actor, target, key).await? != Some(false) {
                return Err(format!("viewerCan({key}) must be false before the grant"));
            }
            let (_, body) = u.owner.post(GRANT, json!({ "o": f.org, "u": actor.id, "p": key })).await;
            let granted = outcome(&body)?;
            let after = can(actor, target, key).await?;
            match (granted, after) {
                (Outcome::Done, Some(true)) => Ok(Outcome::Done),
                (Outcome::Refused(code), Some(false)) => Ok(Outcome::Refused(code)),
                (g, a) => Err(format!("grant answered {g:?} but viewerCan({key}) is now {a:?}")),
            }
        }
    }
}

fn invitee(u: &Users, f: &Fixture, action: Action) -> String {
    match action {
        Action::Invite(_) => format!("{}@example.com", u.other.sub),
        _ => format!("stranger{}@example.com", f.n),
    }
}
