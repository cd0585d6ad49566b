//! `Organization.auditLog`, batched: one statement loads a page of entries for every
//! organization of a query level (newest first), one more counts them. Only
//! organizations where the viewer holds `member.manage` are read; the others get an
//! empty page (filtered, never nulled).

use super::AuditAction;
use crate::authz::keys;
use crate::authz::{AboutFilter, Resource};
use crate::db::Sql;
use crate::db::page::{Page, PageArgs};
use crate::error::AppResult;
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::audit_entry;
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};
use uuid::Uuid;

/// One page of an organization's audit trail, optionally of one action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AuditOfOrganization(pub Uuid, pub PageArgs, pub Option<AuditAction>);

#[derive(FromQueryResult)]
struct Count {
    parent: Uuid,
    n: i64,
}

/// What one statement reads: the organizations, the action, entries about a team or
/// project only for who sees it (`seen`), about a membership there only for who may list
/// its members (`members`), and without the `hidden` actions.
struct Narrow<'a> {
    orgs: &'a [Uuid],
    action: Option<AuditAction>,
    hidden: &'a [&'static str],
    seen: &'a AboutFilter,
    members: &'a AboutFilter,
}

/// The actions about a membership.
const MEMBERSHIP_ACTIONS: [AuditAction; 3] =
    [AuditAction::MembershipCreated, AuditAction::MembershipRoleChanged, AuditAction::MembershipRemoved];

/// The actions of the entries about what the viewer may not list in `org`: memberships
/// without `member.read` (as `members`), groups without `group.read` or `group.manage` (as `groups`),
/// capabilities without `capability.manage` (as `capabilityGrants`). The log itself is
/// read with `member.manage`, which a custom role may hold alone (RULES.md §9.1).
fn hidden_in(grants: &crate::authz::Grants, org: Uuid) -> Vec<&'static str> {
    use AuditAction as A;
    let org = Resource::Organization { org };
    let kinds: [(&[keys::Key], &[A]); 3] = [
        (&[keys::MEMBER_READ], &MEMBERSHIP_ACTIONS),
        (
            &[keys::GROUP_READ, keys::GROUP_MANAGE],
            &[
                A::GroupCreated,
                A::GroupUpdated,
                A::GroupDeleted,
                A::GroupMemberAdded,
                A::GroupMemberRemoved,
                A::GroupProjectAssigned,
                A::GroupProjectUnassigned,
            ],
        ),
        (&[keys::CAPABILITY_MANAGE], &[A::CapabilityGranted, A::CapabilityRevoked]),
    ];
    kinds
        .into_iter()
        .filter(|(shown_by, _)| !shown_by.iter().any(|key| grants.can(&org, *key)))
        .flat_map(|(_, actions)| actions.iter().map(|a| a.as_str()))
        .collect()
}

/// `WHERE` of both statements over alias `t` (`Narrow`), and (for the rows) the entries
/// between the cursors: older than `after`, newer than `before`.
fn narrow(sql: &mut Sql, n: &Narrow<'_>, args: Option<&PageArgs>) {
    let Narrow { orgs, action, hidden, seen, members } = *n;
    sql.push(" FROM audit_entries t WHERE t.organization_id IN ").bind_list(orgs).push(" AND ");
    seen.push_sql_following(sql);
    // A team's or project's memberships as its `members` list shows them: to who holds
    // `member.read` there (an organization role's holds it on the organization alone).
    let membership: Vec<&str> = MEMBERSHIP_ACTIONS.iter().map(|a| a.as_str()).collect();
    sql.push(" AND (t.action NOT IN ").bind_list(&membership).push(" OR ");
    members.push_sql_following(sql);
    sql.push(")");
    if !hidden.is_empty() {
        sql.push(" AND t.action NOT IN ").bind_list(hidden);
    }
    if let Some(action) = action {
        sql.push(" AND t.action = ").bind(action.as_str());
    }
    if let Some(after) = args.and_then(|a| a.after) {
        sql.push(" AND t.id < ").bind(after);
    }
    if let Some(before) = args.and_then(|a| a.before) {
        sql.push(" AND t.id > ").bind(before);
    }
}

/// Pages of the entries of `orgs`, newest (highest id) first; paging backward, the
/// oldest entries of the window are picked (then shown newest first).
async fn load_pages<C: ConnectionTrait>(
    db: &C,
    n: &Narrow<'_>,
    args: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<audit_entry::Model>>> {
    let backend = db.get_database_backend();
    let mut rows_sql = Sql::new(backend);
    let pick = if args.backward { "ASC" } else { "DESC" };
    rows_sql.push(&format!(
        "SELECT * FROM (SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t.organization_id ORDER BY t.id {pick}) AS rn_"
    ));
    narrow(&mut rows_sql, n, Some(args));
    rows_sql.push(") sub WHERE sub.rn_ <= ").bind((args.first + 1) as i64).push(" ORDER BY sub.organization_id, sub.id DESC");
    let rows = audit_entry::Entity::find().from_raw_sql(rows_sql.build()).all(db).await?;

    let mut count_sql = Sql::new(backend);
    count_sql.push("SELECT t.organization_id AS parent, COUNT(*) AS n");
    narrow(&mut count_sql, n, None);
    count_sql.push(" GROUP BY t.organization_id");
    let counts: HashMap<Uuid, i64> =
        Count::find_by_statement(count_sql.build()).all(db).await?.into_iter().map(|c| (c.parent, c.n)).collect();

    let mut grouped: HashMap<Uuid, Vec<audit_entry::Model>> = HashMap::new();
    for row in rows {
        grouped.entry(row.organization_id).or_default().push(row);
    }
    Ok(n.orgs
        .iter()
        .map(|o| {
            let rows = grouped.remove(o).unwrap_or_default();
            (*o, Page::from_rows(rows, args, counts.get(o).copied().unwrap_or(0)))
        })
        .collect())
}

impl Loader<AuditOfOrganization> for DbLoader {
    type Value = Page<audit_entry::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[AuditOfOrganization]) -> Result<HashMap<AuditOfOrganization, Self::Value>, Self::Error> {
        let grants = self.grants().await.map_err(load_err)?;
        // Organizations read by one statement: same page, action and hidden actions.
        type Alike = (PageArgs, Option<AuditAction>, Vec<&'static str>);
        let mut groups: HashMap<Alike, Vec<Uuid>> = HashMap::new();
        for k in keys {
            if grants.can(&Resource::Organization { org: k.0 }, keys::MEMBER_MANAGE) {
                groups.entry((k.1, k.2, hidden_in(&grants, k.0))).or_default().push(k.0);
            }
        }
        let (seen, members) = (grants.about_filter(), grants.about_filter_holding(keys::MEMBER_READ.as_str()));
        let mut out = HashMap::new();
        for ((args, action, hidden), orgs) in groups {
            let n = Narrow { orgs: &orgs, action, hidden: &hidden, seen: &seen, members: &members };
            let pages = load_pages(&self.db, &n, &args).await.map_err(load_err)?;
            out.extend(pages.into_iter().map(|(org, page)| (AuditOfOrganization(org, args, action), page)));
        }
        Ok(out)
    }
}
