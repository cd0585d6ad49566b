//! The GraphQL operations the tests share, declared once. Variables are short and the
//! same everywhere: `$o` organization, `$t` team, `$w` workspace, `$p` project, `$d`
//! dataset, `$s` scope (or slug), `$u` user, `$m` membership, `$r` role key, `$e`
//! e-mail, `$i` invitation, `$v` version, `$n` name. Selections are the union of what
//! the tests read. A document that one test shapes for its own assertions (a nested
//! read, a statement count, a limit) stays in that test.

// ---------------------------------------------------------------- organizations

/// `createOrganization`: `$s` slug, optional `$n` name and `$p` role preset.
pub const CREATE_ORGANIZATION: &str = "mutation($s: String!, $n: String, $p: RolePreset) {
    createOrganization(input: { slug: $s, name: $n, rolePreset: $p }) { organization { id slug name } } }";
/// `updateOrganization`: `$o`, optional `$n` name and `$s` slug.
pub const UPDATE_ORGANIZATION: &str = "mutation($o: ID!, $n: String, $s: String) {
    updateOrganization(input: { organizationId: $o, name: $n, slug: $s }) { organization { id slug name } } }";
/// `deleteOrganization`: `$o`.
pub const DELETE_ORGANIZATION: &str =
    "mutation($o: ID!) { deleteOrganization(input: { organizationId: $o }) { deletedOrganizationId } }";
/// `transferOrganizationOwnership`: `$o` to user `$u`.
pub const TRANSFER_OWNERSHIP: &str = "mutation($o: ID!, $u: ID!) {
    transferOrganizationOwnership(input: { organizationId: $o, newOwnerId: $u }) { organization { id owner { id } } } }";

// ---------------------------------------------------------------- teams and workspaces

/// `createTeam`: `$n` in organization `$o`; returns the team and its first workspace.
pub const CREATE_TEAM: &str = "mutation($o: ID!, $n: String!) {
    createTeam(input: { organizationId: $o, name: $n }) { team { id name workspaces(first: 1) { nodes { id } } } } }";
/// `updateTeam`: renames `$t` to `$n`.
pub const UPDATE_TEAM: &str =
    "mutation($t: ID!, $n: String!) { updateTeam(input: { teamId: $t, name: $n }) { team { id name } } }";
/// `deleteTeam`: `$t`.
pub const DELETE_TEAM: &str = "mutation($t: ID!) { deleteTeam(input: { teamId: $t }) { deletedTeamId } }";
/// `createWorkspace`: `$n` in team `$t`.
pub const CREATE_WORKSPACE: &str =
    "mutation($t: ID!, $n: String!) { createWorkspace(input: { teamId: $t, name: $n }) { workspace { id name } } }";
/// `updateWorkspace`: renames `$w` to `$n`.
pub const UPDATE_WORKSPACE: &str =
    "mutation($w: ID!, $n: String!) { updateWorkspace(input: { workspaceId: $w, name: $n }) { workspace { id name } } }";
/// `deleteWorkspace`: `$w`.
pub const DELETE_WORKSPACE: &str = "mutation($w: ID!) { deleteWorkspace(input: { workspaceId: $w }) { deletedWorkspaceId } }";

// ---------------------------------------------------------------- projects and datasets

/// `createProject`: `$n` in workspace `$w`.
pub const CREATE_PROJECT: &str =
    "mutation($w: ID!, $n: String!) { createProject(input: { workspaceId: $w, name: $n }) { project { id name } } }";
/// `updateProject`: renames `$p` to `$n`.
pub const UPDATE_PROJECT: &str =
    "mutation($p: ID!, $n: String!) { updateProject(input: { projectId: $p, name: $n }) { project { id name } } }";
/// `deleteProject`: `$p` (into the team's trash).
pub const DELETE_PROJECT: &str = "mutation($p: ID!) { deleteProject(input: { projectId: $p }) { deletedProjectId } }";
/// `transferProject`: `$p` into workspace `$w`.
pub const TRANSFER_PROJECT: &str = "mutation($p: ID!, $w: ID!) { transferProject(input: { projectId: $p, workspaceId: $w }) {
    project { id workspace { id } team { id } } detachedMemberships { user { id } role { key } } } }";
/// `publishProject`: `$p`.
pub const PUBLISH_PROJECT: &str = "mutation($p: ID!) { publishProject(input: { projectId: $p }) { project { id published } } }";
/// `unpublishProject`: `$p`.
pub const UNPUBLISH_PROJECT: &str =
    "mutation($p: ID!) { unpublishProject(input: { projectId: $p }) { project { id published } } }";
/// `createDataset`: `$n` in project `$p`, under dataset `$parent` (null: top level).
pub const CREATE_DATASET: &str = "mutation($p: ID!, $parent: ID, $n: String!) {
    createDataset(input: { projectId: $p, parentId: $parent, name: $n }) { dataset { id } } }";
/// `updateDataset`: renames `$d` to `$n`.
pub const UPDATE_DATASET: &str =
    "mutation($d: ID!, $n: String!) { updateDataset(input: { datasetId: $d, name: $n }) { dataset { id name } } }";
/// `moveDataset`: `$d` under `$p` (null: top level).
pub const MOVE_DATASET: &str =
    "mutation($d: ID!, $p: ID) { moveDataset(input: { datasetId: $d, newParentId: $p }) { dataset { id depth parent { id } } } }";
/// `deleteDataset`: `$d` with its subtree (into the team's trash).
pub const DELETE_DATASET: &str = "mutation($d: ID!) { deleteDataset(input: { datasetId: $d }) { deletedDatasetId } }";
/// `addItems`: `$items` (`[{ name, sizeBytes, contentType }]`) into dataset `$d`.
pub const ADD_ITEMS: &str = "mutation($d: ID!, $items: [ItemInput!]!) { addItems(input: { datasetId: $d, items: $items }) {
    items { id name sizeBytes contentType dataset { id } createdBy { id } } dataset { id sizeBytes itemCount } } }";
/// `removeItems`: `$ids`.
pub const REMOVE_ITEMS: &str = "mutation($ids: [ID!]!) { removeItems(input: { itemIds: $ids }) { removedItemIds } }";
/// `createProjectVersion`: of `$p`, titled `$title`, optional `$description`.
pub const CREATE_VERSION: &str = "mutation($p: ID!, $title: String!, $description: String) {
    createProjectVersion(input: { projectId: $p, title: $title, description: $description }) {
    version { id number title description datasetCount itemCount createdBy { id } project { id } } } }";
/// `restoreProjectVersion`: version `$v` as a new project `$n` in workspace `$w`.
pub const RESTORE_VERSION: &str = "mutation($v: ID!, $w: ID!, $n: String!) {
    restoreProjectVersion(input: { versionId: $v, workspaceId: $w, name: $n }) { project { id name createdBy { id } } } }";

// ---------------------------------------------------------------- memberships

/// `addMember`: user `$u` to scope `$s` with role `$r`.
pub const ADD_MEMBER: &str = "mutation($s: ID!, $u: ID!, $r: String!) {
    addMember(input: { scopeId: $s, userId: $u, role: $r }) { membership { id role { key } } } }";
/// `changeMemberRole`: membership `$m` to role `$r`.
pub const CHANGE_ROLE: &str = "mutation($m: ID!, $r: String!) {
    changeMemberRole(input: { membershipId: $m, role: $r }) { membership { id role { key } } } }";
/// `removeMember`: membership `$m`.
pub const REMOVE_MEMBER: &str = "mutation($m: ID!) { removeMember(input: { membershipId: $m }) { removedMembershipId } }";
/// `leaveScope`: the viewer leaves scope `$s`.
pub const LEAVE: &str = "mutation($s: ID!) { leaveScope(input: { scopeId: $s }) { leftScopeId } }";

// ---------------------------------------------------------------- invitations

/// `inviteMember`: e-mail `$e` to scope `$s` with role `$r`.
pub const INVITE: &str =
    "mutation($s: ID!, $e: String!, $r: String!) { inviteMember(input: { scopeId: $s, email: $e, role: $r }) {
    invitation { id email status scopeKind role { key } expiresAt } } }";
/// `acceptInvitation`: `$i`.
pub const ACCEPT: &str = "mutation($i: ID!) { acceptInvitation(input: { invitationId: $i }) {
    invitation { id status } membership { id scopeKind role { key } } } }";
/// `declineInvitation`: `$i`.
pub const DECLINE: &str = "mutation($i: ID!) { declineInvitation(input: { invitationId: $i }) { invitation { id status } } }";
/// `resendInvitation`: `$i`.
pub const RESEND: &str =
    "mutation($i: ID!) { resendInvitation(input: { invitationId: $i }) { invitation { id status expiresAt } } }";
/// `revokeInvitation`: `$i`.
pub const REVOKE: &str = "mutation($i: ID!) { revokeInvitation(input: { invitationId: $i }) { invitation { id status } } }";

// ---------------------------------------------------------------- reads

/// `node(id: $id)`: the object's id and, for the named kinds, its name (null when the
/// viewer may not see it).
pub const NODE: &str = "query($id: ID!) { node(id: $id) { id ... on Organization { name } ... on Team { name }
    ... on Workspace { name } ... on Project { name } ... on Dataset { name } ... on Membership { role { key } }
    ... on User { name } } }";
/// `nodes(ids: $ids)`: ids, in order, null for those the viewer may not see.
pub const NODES: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
