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
    let mut text = Vec::with_capacity(ENCODED_MAX);
    push_encoded(kind, id, &mut text);
    ID(String::from_utf8(text).expect("base64 is ASCII"))
}

/// `encode(kind, id)` as a JSON string, written into `out` (its characters need no escaping).
pub fn write_encoded(kind: Kind, id: Uuid, out: &mut Vec<u8>) {
    out.reserve(ENCODED_MAX + 2);
    out.push(b'"');
    push_encoded(kind, id, out);
    out.push(b'"');
}

/// The longest encoded id: base64 of the longest `Kind:` and 32 hex digits.
const ENCODED_MAX: usize = (16usize + 32).div_ceil(3) * 4;

const HEX: &[u8; 16] = b"0123456789abcdef";
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Three bytes in base64url: four characters.
const fn quad(bytes: [u8; 3]) -> [u8; 4] {
    let v = ((bytes[0] as usize) << 16) | ((bytes[1] as usize) << 8) | bytes[2] as usize;
    [BASE64URL[v >> 18], BASE64URL[(v >> 12) & 63], BASE64URL[(v >> 6) & 63], BASE64URL[v & 63]]
}

/// Every three hex digits (twelve bits of an id) in base64url, when they make one group
/// of three bytes: an id's text is mostly such groups, each one lookup.
static DIGITS: [[u8; 4]; 4096] = {
    let mut table = [[0; 4]; 4096];
    let mut v = 0;
    while v < 4096 {
        table[v] = quad([HEX[v >> 8], HEX[(v >> 4) & 15], HEX[v & 15]]);
        v += 1;
    }
    table
};

/// Appends base64url (no padding) of `Kind:` and the id's 32 hex digits, without writing
/// that text first: the groups that hold `Kind:` are encoded byte by byte, then the
/// digits three at a time (`DIGITS`), then the last one or two. Through the base64 crate,
/// with the hex digits written first, an id cost about 530 instructions, 8 % of a nested
/// read's.
fn push_encoded(kind: Kind, id: Uuid, out: &mut Vec<u8>) {
    let (name, bits) = (kind.as_str().as_bytes(), id.as_u128());
    let prefix = name.len() + 1;
    // Digit `i` of the 32, the most significant first.
    let digit = |i: usize| HEX[(bits >> (124 - 4 * i)) as usize & 15];
    let byte = |i: usize| match i {
        i if i < name.len() => name[i],
        i if i == name.len() => b':',
        i => digit(i - prefix),
    };
    let mut at = 0;
    while at < prefix {
        out.extend_from_slice(&quad([byte(at), byte(at + 1), byte(at + 2)]));
        at += 3;
    }
    let mut next = at - prefix;
    while next + 3 <= 32 {
        out.extend_from_slice(&DIGITS[(bits >> (116 - 4 * next)) as usize & 0xfff]);
        next += 3;
    }
    match 32 - next {
        1 => out.extend_from_slice(&quad([digit(next), 0, 0])[..2]),
        2 => out.extend_from_slice(&quad([digit(next), digit(next + 1), 0])[..3]),
        _ => {}
    }
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

    const KINDS: [Kind; 17] = [
        Kind::User,
        Kind::Organization,
        Kind::Team,
        Kind::Workspace,
        Kind::Project,
        Kind::Dataset,
        Kind::Item,
        Kind::Membership,
        Kind::Invitation,
        Kind::ApiToken,
        Kind::ProjectVersion,
        Kind::TrashEntry,
        Kind::ShareLink,
        Kind::Group,
        Kind::CapabilityGrant,
        Kind::TrainingRun,
        Kind::LabelingJob,
    ];

    #[test]
    fn encoding_is_base64url_of_kind_and_simple_uuid() {
        // Every kind (each length of `Kind:` modulo 3), ids with every hex digit at every
        // place, the smallest and the largest.
        let mut ids = vec![Uuid::nil(), Uuid::max(), Uuid::now_v7()];
        ids.extend((0..16u128).map(|d| Uuid::from_u128((0..32).fold(0, |x, i| (x << 4) | ((d + i) % 16)))));
        ids.extend((0..128).map(|bit| Uuid::from_u128(1 << bit)));
        for kind in KINDS {
            let name = kind.as_str();
            assert_eq!(Kind::parse(name), Some(kind));
            for u in &ids {
                let wanted = URL_SAFE_NO_PAD.encode(format!("{name}:{}", u.simple()));
                assert_eq!(encode(kind, *u).0, wanted);
                assert!(wanted.len() <= ENCODED_MAX);
                let mut written = b"[".to_vec();
                write_encoded(kind, *u, &mut written);
                assert_eq!(written, [&b"["[..], &serde_json::to_vec(&wanted).expect("json")].concat(), "{name}");
            }
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
