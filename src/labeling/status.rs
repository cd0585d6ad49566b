//! The status machine of a labeling job and who may move it (README "Labeling jobs").

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    InProgress,
    OnReview,
    Rejected,
    Completed,
}

/// Who moves a job along an edge: its assignees, its reviewers, or (always) whoever
/// manages the project's jobs (`labeling_job.manage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mover {
    Assignee,
    Reviewer,
    /// Only managers (reopening a completed job).
    Manager,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Pending, Status::InProgress, Status::OnReview, Status::Rejected, Status::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::InProgress => "IN_PROGRESS",
            Status::OnReview => "ON_REVIEW",
            Status::Rejected => "REJECTED",
            Status::Completed => "COMPLETED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Who may move a job from `self` to `to`; `None` when the machine has no such edge.
    pub fn edge(self, to: Status) -> Option<Mover> {
        use Status::*;
        Some(match (self, to) {
            // Start, submit for review, resume after a rejection.
            (Pending, InProgress) | (InProgress, OnReview) | (Rejected, InProgress) => Mover::Assignee,
            // Accept or reject the submitted work.
            (OnReview, Completed) | (OnReview, Rejected) => Mover::Reviewer,
            // Reopen.
            (Completed, InProgress) | (OnReview, InProgress) => Mover::Manager,
            _ => return None,
        })
    }
}

/// The role of an assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssigneeRole {
    Assignee,
    Reviewer,
}

impl AssigneeRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AssigneeRole::Assignee => "ASSIGNEE",
            AssigneeRole::Reviewer => "REVIEWER",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [AssigneeRole::Assignee, AssigneeRole::Reviewer].into_iter().find(|r| r.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_has_exactly_its_edges() {
        let edges: Vec<(Status, Status)> = Status::ALL
            .iter()
            .flat_map(|a| Status::ALL.iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| a.edge(*b).is_some())
            .collect();
        assert_eq!(edges.len(), 7);
        assert_eq!(Status::Completed.edge(Status::Pending), None);
        assert_eq!(Status::Pending.edge(Status::Completed), None);
        assert_eq!(Status::Rejected.edge(Status::InProgress), Some(Mover::Assignee));
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
