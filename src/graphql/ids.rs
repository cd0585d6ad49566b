//! Opaque global ids: base64url of `Kind:uuid`. Malformed → `BAD_USER_INPUT`; a valid
//! id of another kind than expected → `NOT_FOUND` (RULES.md §3).

use crate::authz::Scope;
use crate::error::{AppError, AppResult};
use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    User,
    Organization,
    Team,
    Workspace,
    Project,
    Dataset,
    Item,
    Membership,
    Invitation,
    ApiToken,
    ProjectVersion,
    TrashEntry,
    ShareLink,
    Group,
    CapabilityGrant,
    TrainingRun,
    LabelingJob,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Organization => "Organization",
            Kind::Team => "Team",
            Kind::Workspace => "Workspace",
            Kind::Project => "Project",
            Kind::Dataset => "Dataset",
            Kind::Item => "Item",
            Kind::Membership => "Membership",
            Kind::Invitation => "Invitation",
            Kind::ApiToken => "ApiToken",
            Kind::ProjectVersion => "ProjectVersion",
            Kind::TrashEntry => "TrashEntry",
            Kind::ShareLink => "ShareLink",
            Kind::Group => "Group",
            Kind::CapabilityGrant => "CapabilityGrant",
            Kind::TrainingRun => "TrainingRun",
            Kind::LabelingJob => "LabelingJob",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "User" => Kind::User,
            "Organization" => Kind::Organization,
            "Team" => Kind::Team,
            "Workspace" => Kind::Workspace,
            "Project" => Kind::Project,
            "Dataset" => Kind::Dataset,
            "Item" => Kind::Item,
            "Membership" => Kind::Membership,
            "Invitation" => Kind::Invitation,
            "ApiToken" => Kind::ApiToken,
            "ProjectVersion" => Kind::ProjectVersion,
            "TrashEntry" => Kind::TrashEntry,
            "ShareLink" => Kind::ShareLink,
            "Group" => Kind::Group,
            "CapabilityGrant" => Kind::CapabilityGrant,
            "TrainingRun" => Kind::TrainingRun,
            "LabelingJob" => Kind::LabelingJob,
            _ => return None,
        })
    }
}

pub fn encode(kind: Kind, id: Uuid) -> ID {
    // Built on the stack: one allocation per id (the answer's).
    let (raw, len) = plain(kind, id);
    ID(URL_SAFE_NO_PAD.encode(&raw[..len]))
}

/// `encode(kind, id)` as a JSON string, written into `out` (its characters need no escaping).
pub fn write_encoded(kind: Kind, id: Uuid, out: &mut Vec<u8>) {
    let (raw, len) = plain(kind, id);
    let mut text = [0u8; 96];
    let written = URL_SAFE_NO_PAD.encode_slice(&raw[..len], &mut text).unwrap_or_default();
    out.push(b'"');
    out.extend_from_slice(&text[..written]);
    out.push(b'"');
}

/// `Kind:` and the id's 32 hex digits, and how many bytes they take.
fn plain(kind: Kind, id: Uuid) -> ([u8; 64], usize) {
    let mut raw = [0u8; 64];
    let name = kind.as_str().as_bytes();
    raw[..name.len()].copy_from_slice(name);
    raw[name.len()] = b':';
    let end = name.len() + 1 + uuid::fmt::Simple::LENGTH;
    id.simple().encode_lower(&mut raw[name.len() + 1..end]);
    (raw, end)
}

pub fn decode(id: &str, field: &str) -> AppResult<(Kind, Uuid)> {
    let malformed = || AppError::bad_input(field, format!("'{id}' is not a valid id"));
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (kind, uuid) = text.split_once(':').ok_or_else(malformed)?;
    let kind = Kind::parse(kind).ok_or_else(malformed)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| malformed())?;
    Ok((kind, uuid))
}

/// An invitation's global id as text (the mailer puts it in its messages).
pub fn invitation_name(id: Uuid) -> String {
    encode(Kind::Invitation, id).0
}

/// Decodes an id that must name a `kind`: another kind is `NOT_FOUND`.
pub fn decode_as(id: &str, kind: Kind, field: &str) -> AppResult<Uuid> {
    match decode(id, field)? {
        (k, uuid) if k == kind => Ok(uuid),
        _ => Err(AppError::NotFound),
    }
}

/// The scope a decoded id names (memberships and invitations live in organizations,
/// teams and projects): any other kind is `NOT_FOUND`.
pub fn scope_of_kind(kind: Kind) -> AppResult<Scope> {
    match kind {
        Kind::Organization => Ok(Scope::Organization),
        Kind::Team => Ok(Scope::Team),
        Kind::Project => Ok(Scope::Project),
        _ => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_is_base64url_of_kind_and_simple_uuid() {
        let u = Uuid::now_v7();
        for name in ["User", "Organization", "Dataset", "CapabilityGrant", "ProjectVersion", "TrainingRun"] {
            let kind = Kind::parse(name).expect("known kind");
            assert_eq!(encode(kind, u).0, URL_SAFE_NO_PAD.encode(format!("{name}:{}", u.simple())));
            let mut written = Vec::new();
            write_encoded(kind, u, &mut written);
            assert_eq!(written, serde_json::to_vec(&encode(kind, u).0).expect("json"), "{name}");
        }
    }

    #[test]
    fn round_trip_and_errors() {
        let u = Uuid::now_v7();
        let id = encode(Kind::Team, u);
        assert_eq!(decode(&id, "id").expect("valid"), (Kind::Team, u));
        assert!(matches!(decode_as(&id, Kind::Project, "id"), Err(AppError::NotFound)));
        assert!(matches!(decode("nope!", "id"), Err(AppError::BadUserInput { .. })));
        assert!(matches!(decode(&URL_SAFE_NO_PAD.encode("Team:xyz"), "id"), Err(AppError::BadUserInput { .. })));
    }
}
