//! The activity (workflow) log of seed 000: every create, delete and move of a
//! workspace, project or dataset is recorded in the same transaction as the change —
//! who, what, when, and where the object came from — and read per team and per project.

pub mod loader;
pub mod schema;

use crate::error::AppResult;
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel};
use uuid::Uuid;

/// What was done.
#[derive(Clone, Copy, Debug)]
pub enum Action {
    Created,
    Deleted,
    Moved,
    /// A project moved to another workspace, team or organization.
    Transferred,
    /// Brought back from the trash bin.
    Restored,
    /// Deleted forever from the trash bin.
    Purged,
    /// A project made readable to everyone through `explore`.
    Published,
    /// A project taken out of `explore`.
    Unpublished,
    /// A version (snapshot) of a project was saved.
    Versioned,
    /// A user was assigned to a labeling job.
    Assigned,
    /// A user's assignment to a labeling job ended.
    Unassigned,
    /// A labeling job moved to another status.
    StatusChanged,
    /// A labeling job's name, description, due date or datasets changed.
    Updated,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Deleted => "deleted",
            Action::Moved => "moved",
            Action::Transferred => "transferred",
            Action::Restored => "restored",
            Action::Purged => "purged",
            Action::Published => "published",
            Action::Unpublished => "unpublished",
            Action::Versioned => "versioned",
            Action::Assigned => "assigned",
            Action::Unassigned => "unassigned",
            Action::StatusChanged => "status_changed",
            Action::Updated => "updated",
        }
    }
}

/// The object an entry is about, with the ancestors that decide who may read it.
pub struct Subject<'a> {
    pub kind: &'static str,
    pub id: Uuid,
    pub name: &'a str,
    pub organization: Uuid,
    pub team: Uuid,
    /// The project the object is (or is in); `None` for team-level objects.
    pub project: Option<Uuid>,
}

/// Records one entry inside the caller's transaction.
pub async fn record<C: ConnectionTrait>(db: &C, actor: Uuid, action: Action, subject: Subject<'_>) -> AppResult<()> {
    record_with_source(db, actor, action, subject, None).await
}

/// Records one entry whose object came from `source` (a restore or clone).
pub async fn record_with_source<C: ConnectionTrait>(
    db: &C,
    actor: Uuid,
    action: Action,
    subject: Subject<'_>,
    source: Option<Uuid>,
) -> AppResult<()> {
    entity::activity::Entity::insert(entry(actor, action, subject, source)).exec_without_returning(db).await?;
    Ok(())
}

/// The row of one entry, for a write that inserts it with others (`db::Inserts`).
pub fn entry(actor: Uuid, action: Action, subject: Subject<'_>, source: Option<Uuid>) -> entity::activity::ActiveModel {
    entity::activity::Model {
        id: Uuid::now_v7(),
        organization_id: subject.organization,
        team_id: subject.team,
        project_id: subject.project,
        actor_id: Some(actor),
        action: action.as_str().into(),
        object_kind: subject.kind.into(),
        object_id: subject.id,
        object_name: subject.name.into(),
        source_id: source,
        created_at: crate::db::now(),
    }
    .into_active_model()
}

impl<'a> Subject<'a> {
    pub fn workspace(w: &'a entity::workspace::Model) -> Self {
        Self { kind: "Workspace", id: w.id, name: &w.name, organization: w.organization_id, team: w.team_id, project: None }
    }
    pub fn project(p: &'a entity::project::Model) -> Self {
        Self { kind: "Project", id: p.id, name: &p.name, organization: p.organization_id, team: p.team_id, project: Some(p.id) }
    }
    pub fn labeling_job(j: &'a entity::labeling_job::Model) -> Self {
        Self {
            kind: "LabelingJob",
            id: j.id,
            name: &j.name,
            organization: j.organization_id,
            team: j.team_id,
            project: Some(j.project_id),
        }
    }
    pub fn dataset(d: &'a entity::dataset::Model) -> Self {
        Self {
            kind: "Dataset",
            id: d.id,
            name: &d.name,
            organization: d.organization_id,
            team: d.team_id,
            project: Some(d.project_id),
        }
    }
}
