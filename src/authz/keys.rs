//! The permission keys of the catalog as constants (issue 11, deliverable 4): code names
//! a key through these, so a typo does not compile and a test (`tests/api/
//! capability_findings.rs`) checks them against the migrated catalog. Each key says who
//! enforces it: orgraph itself (a mutation or a visibility rule decides on it), or the
//! client, which reads it through `viewerCan` / `viewerPermissions` to gate features
//! orgraph does not own (labels, reviews, exports… RULES.md §7).

/// Who enforces a permission key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enforcement {
    /// orgraph refuses (or hides) what the key does not allow.
    Orgraph,
    /// orgraph only stores and answers it (`viewerCan`); the client gates the feature.
    Client,
}

/// A permission key of the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    name: &'static str,
    enforcement: Enforcement,
}

impl Key {
    const fn new(name: &'static str, enforcement: Enforcement) -> Self {
        Self { name, enforcement }
    }
    /// The key as stored, e.g. `project.update`.
    pub const fn as_str(self) -> &'static str {
        self.name
    }
    pub const fn enforcement(self) -> Enforcement {
        self.enforcement
    }
    /// The constant named `name`, if the catalog has such a key.
    pub fn find(name: &str) -> Option<Key> {
        ALL.iter().copied().find(|k| k.name == name)
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        self.name
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

// Migration 000002 (RULES.md §5).
pub const ORG_READ: Key = Key::new("org.read", Enforcement::Client);
pub const ORG_UPDATE: Key = Key::new("org.update", Enforcement::Orgraph);
pub const ORG_DELETE: Key = Key::new("org.delete", Enforcement::Orgraph);
pub const ORG_TRANSFER: Key = Key::new("org.transfer", Enforcement::Orgraph);
pub const MEMBER_READ: Key = Key::new("member.read", Enforcement::Orgraph);
pub const MEMBER_INVITE: Key = Key::new("member.invite", Enforcement::Orgraph);
pub const MEMBER_MANAGE: Key = Key::new("member.manage", Enforcement::Orgraph);
pub const TEAM_CREATE: Key = Key::new("team.create", Enforcement::Orgraph);
pub const TEAM_READ: Key = Key::new("team.read", Enforcement::Orgraph);
pub const TEAM_UPDATE: Key = Key::new("team.update", Enforcement::Orgraph);
pub const TEAM_DELETE: Key = Key::new("team.delete", Enforcement::Orgraph);
pub const WORKSPACE_CREATE: Key = Key::new("workspace.create", Enforcement::Orgraph);
pub const WORKSPACE_UPDATE: Key = Key::new("workspace.update", Enforcement::Orgraph);
pub const WORKSPACE_DELETE: Key = Key::new("workspace.delete", Enforcement::Orgraph);
pub const PROJECT_CREATE: Key = Key::new("project.create", Enforcement::Orgraph);
pub const PROJECT_READ: Key = Key::new("project.read", Enforcement::Orgraph);
pub const PROJECT_UPDATE: Key = Key::new("project.update", Enforcement::Orgraph);
pub const PROJECT_DELETE: Key = Key::new("project.delete", Enforcement::Orgraph);
pub const PROJECT_DELETE_OWN: Key = Key::new("project.delete.own", Enforcement::Orgraph);
pub const DATASET_READ: Key = Key::new("dataset.read", Enforcement::Client);
pub const DATASET_CREATE: Key = Key::new("dataset.create", Enforcement::Orgraph);
pub const DATASET_UPDATE: Key = Key::new("dataset.update", Enforcement::Orgraph);
pub const DATASET_MOVE: Key = Key::new("dataset.move", Enforcement::Orgraph);
pub const DATASET_DELETE: Key = Key::new("dataset.delete", Enforcement::Orgraph);
pub const DATASET_DELETE_OWN: Key = Key::new("dataset.delete.own", Enforcement::Orgraph);
/// Since issue 15 orgraph enforces it: only holders are assigned to labeling jobs, and
/// an assignment shows its job, datasets and items only while the assignee holds it.
pub const LABELING_JOB_ACCESS: Key = Key::new("labeling_job.access", Enforcement::Orgraph);
pub const NEURAL_NETWORK_ACCESS: Key = Key::new("neural_network.access", Enforcement::Client);
// Migration 000010 (issue 5: the presets' keys).
pub const ROLE_MANAGE: Key = Key::new("role.manage", Enforcement::Orgraph);
pub const GROUP_READ: Key = Key::new("group.read", Enforcement::Orgraph);
pub const GROUP_MANAGE: Key = Key::new("group.manage", Enforcement::Orgraph);
pub const CAPABILITY_MANAGE: Key = Key::new("capability.manage", Enforcement::Orgraph);
pub const SDK_TOKEN_GENERATE: Key = Key::new("sdk_token.generate", Enforcement::Orgraph);
pub const SDK_TOKEN_VIEW: Key = Key::new("sdk_token.view", Enforcement::Orgraph);
pub const DATA_CATALOG_READ: Key = Key::new("data_catalog.read", Enforcement::Client);
pub const DATA_CATALOG_WRITE: Key = Key::new("data_catalog.write", Enforcement::Client);
pub const LABELING_SERVICE_REQUEST: Key = Key::new("labeling_service.request", Enforcement::Client);
pub const MODEL_VIEW: Key = Key::new("model.view", Enforcement::Orgraph);
pub const MODEL_TRAIN: Key = Key::new("model.train", Enforcement::Orgraph);
pub const ORCHESTRATE_ACCESS: Key = Key::new("orchestrate.access", Enforcement::Client);
pub const LABELING_JOB_CREATE: Key = Key::new("labeling_job.create", Enforcement::Client);
pub const LABEL_READ: Key = Key::new("label.read", Enforcement::Client);
pub const LABEL_READ_OWN: Key = Key::new("label.read.own", Enforcement::Client);
pub const LABEL_CREATE: Key = Key::new("label.create", Enforcement::Client);
pub const LABEL_CREATE_OWN: Key = Key::new("label.create.own", Enforcement::Client);
pub const LABEL_REVIEW: Key = Key::new("label.review", Enforcement::Client);
pub const LABEL_REVIEW_OWN: Key = Key::new("label.review.own", Enforcement::Client);
pub const LABEL_DELETE: Key = Key::new("label.delete", Enforcement::Client);
pub const BATCH_MANAGE: Key = Key::new("batch.manage", Enforcement::Client);
pub const ONTOLOGY_MANAGE: Key = Key::new("ontology.manage", Enforcement::Client);
pub const BENCHMARK_MANAGE: Key = Key::new("benchmark.manage", Enforcement::Client);
pub const METRICS_VIEW: Key = Key::new("metrics.view", Enforcement::Client);
pub const METRICS_VIEW_OWN: Key = Key::new("metrics.view.own", Enforcement::Client);
pub const ISSUE_CREATE: Key = Key::new("issue.create", Enforcement::Client);
pub const ISSUE_CREATE_OWN: Key = Key::new("issue.create.own", Enforcement::Client);
pub const ISSUE_UPDATE: Key = Key::new("issue.update", Enforcement::Client);
pub const ISSUE_UPDATE_OWN: Key = Key::new("issue.update.own", Enforcement::Client);
pub const ISSUE_RESOLVE: Key = Key::new("issue.resolve", Enforcement::Client);
pub const ISSUE_RESOLVE_OWN: Key = Key::new("issue.resolve.own", Enforcement::Client);
pub const COMMENT_CREATE: Key = Key::new("comment.create", Enforcement::Client);
pub const COMMENT_CREATE_OWN: Key = Key::new("comment.create.own", Enforcement::Client);
pub const EXPORT_CREATE: Key = Key::new("export.create", Enforcement::Client);
pub const EXPORT_CREATE_OWN: Key = Key::new("export.create.own", Enforcement::Client);
pub const WORKFLOW_ACCESS: Key = Key::new("workflow.access", Enforcement::Client);
pub const EXPLORE_DATASETS: Key = Key::new("explore.datasets", Enforcement::Client);
// Migration 000015 (issue 15: labeling jobs).
pub const LABELING_JOB_MANAGE: Key = Key::new("labeling_job.manage", Enforcement::Orgraph);
pub const LABELING_JOB_REVIEW: Key = Key::new("labeling_job.review", Enforcement::Orgraph);

/// Every key of the catalog, in migration order.
pub const ALL: &[Key] = &[
    ORG_READ,
    ORG_UPDATE,
    ORG_DELETE,
    ORG_TRANSFER,
    MEMBER_READ,
    MEMBER_INVITE,
    MEMBER_MANAGE,
    TEAM_CREATE,
    TEAM_READ,
    TEAM_UPDATE,
    TEAM_DELETE,
    WORKSPACE_CREATE,
    WORKSPACE_UPDATE,
    WORKSPACE_DELETE,
    PROJECT_CREATE,
    PROJECT_READ,
    PROJECT_UPDATE,
    PROJECT_DELETE,
    PROJECT_DELETE_OWN,
    DATASET_READ,
    DATASET_CREATE,
    DATASET_UPDATE,
    DATASET_MOVE,
    DATASET_DELETE,
    DATASET_DELETE_OWN,
    LABELING_JOB_ACCESS,
    NEURAL_NETWORK_ACCESS,
    ROLE_MANAGE,
    GROUP_READ,
    GROUP_MANAGE,
    CAPABILITY_MANAGE,
    SDK_TOKEN_GENERATE,
    SDK_TOKEN_VIEW,
    DATA_CATALOG_READ,
    DATA_CATALOG_WRITE,
    LABELING_SERVICE_REQUEST,
    MODEL_VIEW,
    MODEL_TRAIN,
    ORCHESTRATE_ACCESS,
    LABELING_JOB_CREATE,
    LABEL_READ,
    LABEL_READ_OWN,
    LABEL_CREATE,
    LABEL_CREATE_OWN,
    LABEL_REVIEW,
    LABEL_REVIEW_OWN,
    LABEL_DELETE,
    BATCH_MANAGE,
    ONTOLOGY_MANAGE,
    BENCHMARK_MANAGE,
    METRICS_VIEW,
    METRICS_VIEW_OWN,
    ISSUE_CREATE,
    ISSUE_CREATE_OWN,
    ISSUE_UPDATE,
    ISSUE_UPDATE_OWN,
    ISSUE_RESOLVE,
    ISSUE_RESOLVE_OWN,
    COMMENT_CREATE,
    COMMENT_CREATE_OWN,
    EXPORT_CREATE,
    EXPORT_CREATE_OWN,
    WORKFLOW_ACCESS,
    EXPLORE_DATASETS,
    LABELING_JOB_MANAGE,
    LABELING_JOB_REVIEW,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_and_found_by_name() {
        let names: std::collections::BTreeSet<&str> = ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ALL.len());
        assert_eq!(Key::find("project.update"), Some(PROJECT_UPDATE));
        assert_eq!(Key::find("project.updat"), None);
    }
}
