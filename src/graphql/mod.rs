//! Composition only: the schema is merged from each concept's query and mutation roots.

pub mod bytes;
pub mod context;
pub mod gather;
pub mod guard;
pub mod ids;
pub mod limits;
pub mod node;
pub mod observe;
pub mod ordered;
pub mod pagination;
pub mod scalars;
pub mod viewer_fields;

use crate::config::Limits;
use async_graphql::{MergedObject, Response, Schema, SchemaBuilder, Value};

/// The query root.
#[derive(MergedObject, Default)]
pub struct Query(
    crate::user::schema::UserQuery,
    node::NodeQuery,
    crate::organization::schema::OrganizationQuery,
    crate::version::schema::VersionQuery,
    crate::sharing::schema::SharingQuery,
    crate::role::schema::RoleQuery,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct Mutation(
    crate::organization::mutations::OrganizationMutation,
    crate::team::schema::TeamMutation,
    crate::workspace::schema::WorkspaceMutation,
    crate::project::schema::ProjectMutation,
    crate::project::schema::TransferMutation,
    crate::dataset::schema::DatasetMutation,
    crate::item::schema::ItemMutation,
    crate::membership::schema::MembershipMutation,
    crate::invitation::schema::InvitationMutation,
    crate::api_token::schema::ApiTokenMutation,
    crate::version::schema::VersionMutation,
    crate::trash::schema::TrashMutation,
    crate::sharing::schema::SharingMutation,
    crate::group::schema::GroupMutation,
    crate::capability::schema::CapabilityMutation,
    crate::training::schema::TrainingMutation,
    crate::role::schema::RoleMutation,
    crate::labeling::mutation::LabelingJobMutation,
);

/// The subscription root.
#[derive(async_graphql::MergedSubscription, Default)]
pub struct Subscription(crate::invitation::schema::InvitationSubscription, crate::labeling::mutation::LabelingJobSubscription);

pub type OrgraphSchema = Schema<Query, Mutation, Subscription>;

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    scalars::describe(Schema::build(Query::default(), Mutation::default(), Subscription::default()))
}

/// The executable schema. The limits of RULES.md §8 are enforced by `guard` before a
/// document reaches it (async-graphql's own depth and complexity walks expand fragments at
/// every spread); `dev` off also turns off introspection. There are no "Did you mean …"
/// suggestions: async-graphql compares an unknown name with every field of its type
/// (Levenshtein, |name| × Σ|fields| per name), which held a runtime worker for seconds on
/// a 250 KB anonymous document of unknown fields (a helper's fuzzing); GraphiQL suggests
/// from the schema it introspected.
/// Its extensions hook no field's resolution: the objects of a connection are resolved
/// without those hooks (`ordered`).
pub fn build(limits: &Limits, dev: bool) -> OrgraphSchema {
    let b = bounded(limits, dev)
        // First, so that it is the outermost: it sees errors once they have their codes.
        .extension(observe::Observe)
        .extension(limits::Coding { max_errors: limits.errors });
    b.finish()
}

/// `build` without extensions, for queries: async-graphql runs every extension's hook
/// chain around each field and list item once any extension is registered, a large part
/// of a nested read's time. What the extensions do happens around it instead:
/// `observe::started` before, `finish_executed` after; a document that fails before
/// execution (parse limits, validation, operation choice) runs again on `build`'s schema,
/// which codes it by phase.
pub fn build_plain(limits: &Limits, dev: bool) -> OrgraphSchema {
    bounded(limits, dev).finish()
}

fn bounded(limits: &Limits, dev: bool) -> SchemaBuilder<Query, Mutation, Subscription> {
    let b = builder().limit_recursive_depth(limits.nesting()).limit_directives(MAX_DIRECTIVES_PER_FIELD);
    let b = b.disable_suggestions();
    if dev { b } else { b.disable_introspection() }
}

/// Whether `response` (of the schema without extensions) comes from execution: it has
/// data, or an error raised at a path. A document refused before execution has neither.
pub fn executed(response: &Response) -> bool {
    !matches!(response.data, Value::Null) || response.errors.iter().any(|e| !e.path.is_empty())
}

/// `response` as JSON, byte for byte as serde_json writes a `Response` (data, then
/// extensions and errors when there are any), with its objects' JSON text written as
/// they were resolved (`async_graphql::JsonAnswers`, which marks the requests whose
/// answers are written here).
pub fn answer_json(response: &Response) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(async_graphql::json_size(&response.data) + 16);
    out.extend_from_slice(b"{\"data\":");
    async_graphql::write_json(&mut out, &response.data);
    if !response.extensions.is_empty() {
        out.extend_from_slice(b",\"extensions\":");
        serde_json::to_writer(&mut out, &response.extensions)?;
    }
    if !response.errors.is_empty() {
        out.extend_from_slice(b",\"errors\":");
        serde_json::to_writer(&mut out, &response.errors)?;
    }
    out.push(b'}');
    Ok(out)
}

/// Marks `request` for `answer_json` (`async_graphql::JsonAnswers`) when its document
/// selects no key twice in a selection set (nothing in its answer is merged from two).
pub fn answer_as_json(mut request: async_graphql::Request) -> async_graphql::Request {
    let once = request.parsed_query().is_ok_and(async_graphql::keys_selected_once);
    if once { request.data(async_graphql::JsonAnswers) } else { request }
}

/// What the extensions do to an executed query's answer (`limits::Coding`, then
/// `observe::Observe`, in their order).
pub fn finish_executed(response: Response, max_errors: usize) -> Response {
    observe::finished(limits::finish_executed(response, max_errors))
}

/// The answer to a query that selects nothing but `__typename` on the root (`{ __typename }`,
/// a client's liveness probe): exactly what execution answers, without running it. `None`
/// for anything else, which executes as usual.
pub fn typename_only(request: &mut async_graphql::Request) -> Option<Response> {
    use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
    let name = request.operation_name.clone();
    let doc = request.parsed_query().ok()?;
    if !doc.fragments.is_empty() {
        return None;
    }
    let op = match (&doc.operations, name) {
        (DocumentOperations::Single(op), None) => op,
        (DocumentOperations::Multiple(ops), name) if ops.len() == 1 => {
            let (op_name, op) = ops.iter().next()?;
            if name.is_some_and(|n| n != op_name.as_str()) {
                return None;
            }
            op
        }
        _ => return None,
    };
    let op = &op.node;
    if op.ty != OperationType::Query || !op.variable_definitions.is_empty() || !op.directives.is_empty() {
        return None;
    }
    let [item] = op.selection_set.node.items.as_slice() else { return None };
    let Selection::Field(field) = &item.node else { return None };
    let field = &field.node;
    if field.name.node != "__typename" || !field.arguments.is_empty() || !field.directives.is_empty() {
        return None;
    }
    if !field.selection_set.node.items.is_empty() {
        return None;
    }
    let key = field.response_key().node.clone();
    let mut data = async_graphql::indexmap::IndexMap::new();
    data.insert(key, Value::String("Query".into()));
    Some(Response::new(Value::Object(data)))
}

/// Directives on one field or fragment (`@include`, `@skip`: a handful is plenty).
pub const MAX_DIRECTIVES_PER_FIELD: usize = 16;

/// The admission guard for this schema.
pub fn guard(settings: &crate::config::Settings) -> Result<guard::Guard, String> {
    let caps = guard::model::CapSettings {
        max_dataset_depth: settings.max_dataset_depth.max(1) as u64,
        max_custom_roles: settings.max_custom_roles,
        max_item_batch: crate::item::service::MAX_BATCH as u64,
        max_detached_listed: crate::project::schema::MAX_DETACHED_LISTED as u64,
    };
    guard::Guard::new(&sdl(), &settings.limits, &caps, settings.dev)
}

/// The SDL printed by `orgraph schema` and checked in as `schema.graphql`; custom scalars
/// carry their `@specifiedBy` URL (`DateTime`: RFC 3339), as introspection does.
pub fn sdl() -> String {
    builder().finish().sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}
