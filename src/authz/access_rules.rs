//! The visibility rules of rows that give or ask for access (memberships, invitations,
//! capability grants, API tokens), of training runs and of trash entries, as SQL
//! conditions (RULES.md §3.1, §9.1). Their in-memory renderings are the `sees` functions of the concepts
//! (`membership::service::sees`, `invitation::service::sees`, …);
//! `tests/api/authz_property.rs` keeps both equal on random graphs.

use super::grants::Grants;
use super::keys::{self, Key};
use super::rules::Visible;
use entity::{api_token, capability_grant, group, group_member, invitation, membership, training_run, trash_entry};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

/// Rows of organizations the credential reaches at all (`Grants::admits`): rules that do
/// not go through memberships (the viewer's own rows) still stop at a restricted or
/// out-of-reach organization.
fn admitted<C: ColumnTrait>(g: &Grants, org: C) -> Condition {
    let mut c = Condition::all().add(org.is_not_in(g.unreached.iter().copied()));
    if let Some(only) = g.only_org {
        c = c.add(org.eq(only));
    }
    c
}

impl Grants {
    /// Rows of organizations the credential reaches at all (`admitted`), for the viewer's
    /// own lists (their memberships, their pending invitations): a personal access token
    /// lists nothing of an organization where it may not act (RULES.md §9.6).
    pub fn admitted<C: ColumnTrait>(&self, org: C) -> Condition {
        admitted(self, org)
    }

    /// `admitted` over `org_col` in a hand-written statement.
    pub fn push_sql_admitted(&self, sql: &mut crate::db::Sql, org_col: &str) {
        sql.push("TRUE");
        if !self.unreached.is_empty() {
            let unreached: Vec<Uuid> = self.unreached.iter().copied().collect();
            sql.push(&format!(" AND {org_col} NOT IN ")).bind_list(&unreached);
        }
        if let Some(only) = self.only_org {
            sql.push(&format!(" AND {org_col} = ")).bind(only);
        }
    }
}

/// The columns of a row that names a scope by kind and id, with its ancestors.
struct ScopeCols<C> {
    kind: C,
    id: C,
    org: C,
    team: C,
}

impl<C: ColumnTrait> ScopeCols<C> {
    /// Rows whose scope the viewer sees and holds `key` on (`Grants::can_in_view`). A
    /// project scope without its team names nothing (fail closed).
    fn holding(&self, g: &Grants, key: Key) -> Condition {
        let h = g.holds_filter(key.as_str());
        let org = Condition::all()
            .add(self.kind.eq("organization"))
            .add(self.id.is_in(h.orgs))
            .add(self.id.is_in(g.organization_ids()));
        let team = Condition::all()
            .add(self.kind.eq("team"))
            .add(h.teams.condition(self.org, self.id))
            .add(g.team_filter().condition(self.org, self.id));
        let project = Condition::all()
            .add(self.kind.eq("project"))
            .add(self.team.is_not_null())
            .add(h.projects.condition(self.org, self.team, self.id))
            .add(g.project_filter().condition(self.org, self.team, self.id));
        Condition::any().add(org).add(team).add(project)
    }
}

/// The member; whoever sees the scope and holds `member.read` on it.
impl Visible for membership::Entity {
    fn id_column() -> Self::Column {
        membership::Column::Id
    }
    fn id_of(row: &membership::Model) -> Uuid {
        row.id
    }
    fn condition(g: &Grants) -> Condition {
        use membership::Column as M;
        let cols = ScopeCols { kind: M::ScopeKind, id: M::ScopeId, org: M::OrganizationId, team: M::TeamId };
        let own = Condition::all().add(M::UserId.eq(g.user_id)).add(admitted(g, M::OrganizationId));
        Condition::any().add(own).add(cols.holding(g, keys::MEMBER_READ))
    }
}

/// The invitee (verified e-mail) and the inviter; whoever sees the scope and holds
/// `member.invite` on it.
impl Visible for invitation::Entity {
    fn id_column() -> Self::Column {
        invitation::Column::Id
    }
    fn id_of(row: &invitation::Model) -> Uuid {
        row.id
    }
    fn condition(g: &Grants) -> Condition {
        use invitation::Column as I;
        let cols = ScopeCols { kind: I::ScopeKind, id: I::ScopeId, org: I::OrganizationId, team: I::TeamId };
        let mut mine = Condition::any().add(I::InvitedBy.eq(g.user_id));
        if let Some(email) = &g.invitee_email {
            mine = mine.add(I::Email.eq(email.as_str()));
        }
        let own = Condition::all().add(admitted(g, I::OrganizationId)).add(mine);
        Condition::any().add(own).add(cols.holding(g, keys::MEMBER_INVITE))
    }
}

/// In an organization the viewer belongs to: their own grants; every grant for holders of
/// `capability.manage` there.
impl Visible for capability_grant::Entity {
    fn id_column() -> Self::Column {
        capability_grant::Column::Id
    }
    fn id_of(row: &capability_grant::Model) -> Uuid {
        row.id
    }
    fn condition(g: &Grants) -> Condition {
        use capability_grant::Column as C;
        let managed = g.holds_filter(keys::CAPABILITY_MANAGE.as_str()).orgs;
        Condition::all()
            .add(C::OrganizationId.is_in(g.organization_ids()))
            .add(Condition::any().add(C::UserId.eq(g.user_id)).add(C::OrganizationId.is_in(managed)))
    }
}

/// Its owner, and for a token restricted to an organization, whoever holds
/// `sdk_token.view` there (who lists it in `Organization.sdkTokens`: `node(id)` shows no
/// less, RULES.md §9.1); through a personal access token, only the tokens of no
/// organization or of one the token reaches (`admitted`: a token restricted to one
/// organization lists nothing of another, §9.6).
impl Visible for api_token::Entity {
    fn id_column() -> Self::Column {
        api_token::Column::Id
    }
    fn id_of(row: &api_token::Model) -> Uuid {
        row.id
    }
    fn condition(g: &Grants) -> Condition {
        use api_token::Column as C;
        let reached = Condition::any().add(C::OrganizationId.is_null()).add(admitted(g, C::OrganizationId));
        let members = g.organization_ids();
        let viewed: Vec<Uuid> =
            g.holds_filter(keys::SDK_TOKEN_VIEW.as_str()).orgs.into_iter().filter(|o| members.contains(o)).collect();
        let whose = Condition::any().add(C::UserId.eq(g.user_id)).add(C::OrganizationId.is_in(viewed));
        Condition::all().add(whose).add(reached)
    }
}

impl Grants {
    /// The owner's part of the rule of `api_token::Entity` over table alias `t`, for the
    /// viewer's own list (`User.apiTokens`).
    pub fn push_sql_own_api_tokens(&self, sql: &mut crate::db::Sql) {
        sql.push("t.user_id = ").bind(self.user_id).push(" AND (t.organization_id IS NULL OR ");
        self.push_sql_admitted(sql, "t.organization_id");
        sql.push(")");
    }
}

/// Whoever sees its team: their own runs; every run with `model.view` or `model.train`
/// on the team.
impl Visible for training_run::Entity {
    fn id_column() -> Self::Column {
        training_run::Column::Id
    }
    fn id_of(row: &training_run::Model) -> Uuid {
        row.id
    }
    fn condition(g: &Grants) -> Condition {
        use training_run::Column as T;
        let all_runs = |key: Key| g.holds_filter(key.as_str()).teams.condition(T::OrganizationId, T::TeamId);
        Condition::all().add(g.team_filter().condition(T::OrganizationId, T::TeamId)).add(
            Condition::any().add(T::CreatedBy.eq(g.user_id)).add(all_runs(keys::MODEL_VIEW)).add(all_runs(keys::MODEL_TRAIN)),
        )
    }
}

/// Rows of a project (`org`, `team`, `project` columns) on which the viewer holds `key`,
/// or `key.own` where `creator` is the viewer (`Grants::can` on an owned resource).
fn can_on_project<C: ColumnTrait>(g: &Grants, key: Key, org: C, team: C, project: C, creator: C) -> Condition {
    let held = g.holds_filter(key.as_str()).projects.condition(org, team, project);
    let own = g.holds_filter(&format!("{key}.own")).projects.condition(org, team, project);
    Condition::any().add(held).add(Condition::all().add(creator.eq(g.user_id)).add(own))
}

/// A deleted dataset's entry: whoever sees its project. A deleted project's: whoever sees
/// its team (also left empty by the deletion) and could read or delete the project
/// (`.own` on one they created).
impl Visible for trash_entry::Entity {
    fn id_column() -> Self::Column {
        trash_entry::Column::Id
    }
    fn id_of(row: &trash_entry::Model) -> Uuid {
        row.id
    }
    fn condition(g: &Grants) -> Condition {
        use trash_entry::Column as E;
        let dataset = Condition::all().add(E::Kind.eq("Dataset")).add(g.project_filter().condition(
            E::OrganizationId,
            E::TeamId,
            E::ProjectId,
        ));
        let rights = |key| can_on_project(g, key, E::OrganizationId, E::TeamId, E::ProjectId, E::CreatedBy);
        let project = Condition::all()
            .add(E::Kind.eq("Project"))
            .add(g.team_filter().condition_empty_too(E::OrganizationId, E::TeamId))
            .add(Condition::any().add(rights(keys::PROJECT_READ)).add(rights(keys::PROJECT_DELETE)));
        Condition::any().add(dataset).add(project)
    }
}

/// `group.read` or `group.manage` on its organization, or being one of its members, within an organization
/// the viewer belongs to (`GroupFilter`, the rendering of the lists).
impl Visible for group::Entity {
    fn id_column() -> Self::Column {
        group::Column::Id
    }
    fn id_of(row: &group::Model) -> Uuid {
        row.id
    }
    fn condition(g: &Grants) -> Condition {
        let f = g.group_filter();
        let mine = Query::select()
            .column(group_member::Column::GroupId)
            .from(group_member::Entity)
            .and_where(group_member::Column::UserId.eq(f.viewer))
            .to_owned();
        Condition::any().add(group::Column::OrganizationId.is_in(f.read_orgs)).add(
            Condition::all().add(group::Column::OrganizationId.is_in(f.member_orgs)).add(group::Column::Id.in_subquery(mine)),
        )
    }
}
