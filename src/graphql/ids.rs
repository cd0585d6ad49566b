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
    /// Every kind, in the order declared (`kind as usize` is its place).
    const ALL: [Kind; 17] = [
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

    const fn as_str(self) -> &'static str {
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

    /// The kind `as_str` names `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
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
const ENCODED_MAX: usize = {
    let (mut longest, mut k) = (0, 0);
    while k < Kind::ALL.len() {
        let name = Kind::ALL[k].as_str().len() + 1;
        if name > longest {
            longest = name;
        }
        k += 1;
    }
    (longest + 32).div_ceil(3) * 4
};

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

/// The groups of three bytes of each kind's `Kind:` that hold no digit, in base64url, and
/// how many characters they make.
static PREFIXES: [([u8; ENCODED_MAX], usize); Kind::ALL.len()] = {
    let mut table = [([0; ENCODED_MAX], 0); Kind::ALL.len()];
    let mut k = 0;
    while k < Kind::ALL.len() {
        let name = Kind::ALL[k].as_str().as_bytes();
        let (mut group, groups) = (0, (name.len() + 1) / 3);
        while group < groups {
            let at = group * 3;
            let four = quad([prefix_byte(name, at), prefix_byte(name, at + 1), prefix_byte(name, at + 2)]);
            let mut c = 0;
            while c < 4 {
                table[k].0[group * 4 + c] = four[c];
                c += 1;
            }
            group += 1;
        }
        table[k].1 = groups * 4;
        k += 1;
    }
    table
};

/// Byte `i` of `name:`.
const fn prefix_byte(name: &[u8], i: usize) -> u8 {
    if i < name.len() { name[i] } else { b':' }
}

/// Appends base64url (no padding) of `Kind:` and the id's 32 hex digits, without writing
/// that text first: the groups of `Kind:` alone from a table (`PREFIXES`), the group where
/// `Kind:` meets the digits, the digits three at a time (`DIGITS`), then the last one or
/// two. Through the base64 crate, with the hex digits written first, an id cost about 530
/// instructions, 8 % of a nested read's.
fn push_encoded(kind: Kind, id: Uuid, out: &mut Vec<u8>) {
    let (name, bytes) = (kind.as_str().as_bytes(), id.as_bytes());
    // Hex digit `i` of the 32, the most significant first.
    let digit = |i: usize| HEX[usize::from(if i.is_multiple_of(2) { bytes[i / 2] >> 4 } else { bytes[i / 2] & 15 })];
    // The text so far: the whole groups of `Kind:`.
    let (mut text, mut len) = PREFIXES[kind as usize];
    // The group holding the last one or two bytes of `Kind:` and the first digits.
    let (prefix, mut next) = (name.len() + 1, 0);
    let left = prefix % 3;
    if left > 0 {
        let at = prefix - left;
        let third = if left == 2 { digit(0) } else { digit(1) };
        let group = [prefix_byte(name, at), if left == 2 { prefix_byte(name, at + 1) } else { digit(0) }, third];
        text[len..len + 4].copy_from_slice(&quad(group));
        (len, next) = (len + 4, 3 - left);
    }
    while next + 3 <= 32 {
        let (b, c) = (usize::from(bytes[next / 2]), usize::from(bytes[next / 2 + 1]));
        let twelve = if next.is_multiple_of(2) { (b << 4) | (c >> 4) } else { ((b & 15) << 8) | c };
        text[len..len + 4].copy_from_slice(&DIGITS[twelve]);
        (len, next) = (len + 4, next + 3);
    }
    let last = 32 - next;
    if last > 0 {
        let four = quad([digit(next), if last == 2 { digit(next + 1) } else { 0 }, 0]);
        text[len..len + last + 1].copy_from_slice(&four[..last + 1]);
        len += last + 1;
    }
    out.extend_from_slice(&text[..len]);
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
        // Every kind (each length of `Kind:` modulo 3), ids with every hex digit at every
        // place, the smallest and the largest.
        let mut ids = vec![Uuid::nil(), Uuid::max(), Uuid::now_v7()];
        ids.extend((0..16u128).map(|d| Uuid::from_u128((0..32).fold(0, |x, i| (x << 4) | ((d + i) % 16)))));
        ids.extend((0..128).map(|bit| Uuid::from_u128(1 << bit)));
        for (place, kind) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, place);
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
