//! What the guard knows of the schema, read once from its SDL: for every field, the type it
//! returns and how many of them a list can hold (its multiplier in the cost), plus the
//! shapes introspection answers with. Every list field is a page (`first`/`last`), a
//! connection's `nodes`/`edges`, or has a cap stated here (README, "Limits").

use async_graphql::parser::types::{BaseType, ServiceDocument, Type, TypeKind, TypeSystemDefinition};
use foldhash::HashMap;

/// How many items a field's value holds at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Multiplier {
    /// Not a list, or a connection's `nodes`/`edges` (the connection field counted them).
    One,
    /// A page: the `first` (or `last`) argument, else the field's default page size.
    Page { default: u64 },
    /// A stated cap.
    Cap(u64),
    /// As many as the list argument `ids` holds (`nodes(ids:)`).
    Ids,
}

/// Largest page a connection serves, and the page without `first` (RULES.md §4).
pub const MAX_PAGE: u64 = 100;
pub const DEFAULT_PAGE: u64 = 20;
/// Permission keys in the catalog are far fewer (a test checks); lists of keys cost this.
pub const MAX_PERMISSION_KEYS: u64 = 256;
/// Built-in roles of one preset are far fewer (a test checks); custom ones are added.
pub const MAX_BUILTIN_ROLES: u64 = 64;
/// Invitations listed by `User.pendingInvitations` (RULES.md §6).
pub const MAX_PENDING_INVITATIONS: u64 = 100;

/// The settings some caps follow.
#[derive(Clone, Copy, Debug)]
pub struct CapSettings {
    pub max_dataset_depth: u64,
    pub max_custom_roles: u64,
    pub max_item_batch: u64,
    pub max_detached_listed: u64,
}

/// The stated cap of a list field that is not a page, by owner type and field name.
pub fn stated_cap(owner: &str, field: &str, s: &CapSettings) -> Option<Multiplier> {
    Some(match (owner, field) {
        ("Query", "nodes") => Multiplier::Ids,
        ("Dataset", "ancestors") => Multiplier::Cap(s.max_dataset_depth),
        (_, "viewerPermissions") | ("Role", "permissions") | ("Query", "permissionCatalog") => {
            Multiplier::Cap(MAX_PERMISSION_KEYS)
        }
        ("Organization", "roles" | "assignableRoles") => Multiplier::Cap(MAX_BUILTIN_ROLES + s.max_custom_roles),
        ("User", "pendingInvitations") => Multiplier::Cap(MAX_PENDING_INVITATIONS),
        ("AddItemsPayload", "items") | ("RemoveItemsPayload", "removedItemIds") => Multiplier::Cap(s.max_item_batch),
        // The organization, then the team and the project where the scope has them.
        ("Membership" | "Invitation" | "LabelingJob", "scopePath") => Multiplier::Cap(3),
        ("TransferProjectPayload" | "RestoreFromTrashPayload", "detachedMemberships") => Multiplier::Cap(s.max_detached_listed),
        ("TransferProjectPayload", "detachedLabelingJobAssignments") => Multiplier::Cap(s.max_detached_listed),
        _ => return None,
    })
}

#[derive(Debug)]
pub struct FieldModel {
    /// The named type the field returns (lists and non-null unwrapped).
    pub of: String,
    pub multiplier: Multiplier,
    /// The declared type, for introspection (`__Field.type`).
    pub ty: Type,
    /// The declared types of the arguments, for introspection (`__Field.args`).
    pub args: Vec<Type>,
}

#[derive(Debug, Default)]
pub struct TypeModel {
    pub fields: HashMap<String, FieldModel>,
    /// Field order as declared (introspection lists them in this order; only counts matter).
    pub field_names: Vec<String>,
    pub input_fields: Vec<Type>,
    pub enum_values: u64,
    pub interfaces: Vec<String>,
    pub possible_types: Vec<String>,
    /// Whether `fields` answers a list here (objects and interfaces).
    pub has_fields: bool,
}

#[derive(Debug, Default)]
pub struct SchemaModel {
    pub types: HashMap<String, TypeModel>,
    pub type_names: Vec<String>,
    pub query: String,
    pub mutation: String,
    pub subscription: String,
    /// Each directive's argument types, by name.
    pub directives: HashMap<String, Vec<Type>>,
    /// List fields with neither a page argument nor a stated cap (a test keeps it empty).
    pub uncapped: Vec<String>,
}

fn named(ty: &Type) -> (&str, bool) {
    match &ty.base {
        BaseType::Named(n) => (n.as_str(), false),
        BaseType::List(inner) => (named(inner).0, true),
    }
}

/// The standard types every schema has, which the printed SDL leaves out.
const BUILT_IN: &str = r#"
scalar Int scalar Float scalar String scalar Boolean scalar ID
type __Schema { description: String types: [__Type!]! queryType: __Type! mutationType: __Type subscriptionType: __Type directives: [__Directive!]! }
type __Type { kind: __TypeKind! name: String description: String specifiedByURL: String fields(includeDeprecated: Boolean = false): [__Field!] interfaces: [__Type!] possibleTypes: [__Type!] enumValues(includeDeprecated: Boolean = false): [__EnumValue!] inputFields(includeDeprecated: Boolean = false): [__InputValue!] ofType: __Type isOneOf: Boolean }
type __Field { name: String! description: String args(includeDeprecated: Boolean = false): [__InputValue!]! type: __Type! isDeprecated: Boolean! deprecationReason: String }
type __InputValue { name: String! description: String type: __Type! defaultValue: String isDeprecated: Boolean! deprecationReason: String }
type __EnumValue { name: String! description: String isDeprecated: Boolean! deprecationReason: String }
type __Directive { name: String! description: String locations: [__DirectiveLocation!]! args(includeDeprecated: Boolean = false): [__InputValue!]! isRepeatable: Boolean! }
enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }
enum __DirectiveLocation { QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION SCHEMA SCALAR OBJECT FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT INPUT_FIELD_DEFINITION }
directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @deprecated(reason: String = "No longer supported") on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
directive @specifiedBy(url: String!) on SCALAR
directive @oneOf on INPUT_OBJECT
"#;

impl SchemaModel {
    /// Reads the schema's SDL (as `orgraph schema` prints it) and the standard types.
    pub fn from_sdl(sdl: &str, caps: &CapSettings) -> Result<Self, String> {
        let mut model = SchemaModel {
            query: "Query".into(),
            mutation: "Mutation".into(),
            subscription: "Subscription".into(),
            ..Default::default()
        };
        for text in [sdl, BUILT_IN] {
            let doc = async_graphql::parser::parse_schema(text).map_err(|e| format!("schema SDL: {e}"))?;
            model.add(doc, caps);
        }
        let names: Vec<(String, Vec<String>)> =
            model.types.iter().map(|(name, t)| (name.clone(), t.interfaces.clone())).collect();
        for (name, interfaces) in names {
            for i in interfaces {
                if let Some(t) = model.types.get_mut(&i) {
                    t.possible_types.push(name.clone());
                }
            }
        }
        model.type_names.sort();
        model.uncapped.sort();
        Ok(model)
    }

    fn add(&mut self, doc: ServiceDocument, caps: &CapSettings) {
        for def in doc.definitions {
            match def {
                TypeSystemDefinition::Schema(s) => {
                    let s = s.node;
                    for (slot, name) in
                        [(&mut self.query, s.query), (&mut self.mutation, s.mutation), (&mut self.subscription, s.subscription)]
                    {
                        if let Some(name) = name {
                            *slot = name.node.to_string();
                        }
                    }
                }
                TypeSystemDefinition::Directive(d) => {
                    let args = d.node.arguments.iter().map(|a| a.node.ty.node.clone()).collect();
                    self.directives.entry(d.node.name.node.to_string()).or_insert(args);
                }
                TypeSystemDefinition::Type(t) => {
                    let t = t.node;
                    let name = t.name.node.to_string();
                    let mut model = TypeModel::default();
                    let fields = match t.kind {
                        TypeKind::Object(o) => {
                            model.interfaces = o.implements.iter().map(|i| i.node.to_string()).collect();
                            o.fields
                        }
                        TypeKind::Interface(i) => {
                            model.interfaces = i.implements.iter().map(|i| i.node.to_string()).collect();
                            i.fields
                        }
                        TypeKind::Union(u) => {
                            model.possible_types = u.members.iter().map(|m| m.node.to_string()).collect();
                            Vec::new()
                        }
                        TypeKind::Enum(e) => {
                            model.enum_values = e.values.len() as u64;
                            Vec::new()
                        }
                        TypeKind::InputObject(i) => {
                            model.input_fields = i.fields.iter().map(|f| f.node.ty.node.clone()).collect();
                            Vec::new()
                        }
                        TypeKind::Scalar => Vec::new(),
                    };
                    model.has_fields = !fields.is_empty();
                    for f in fields {
                        let f = f.node;
                        let field = f.name.node.to_string();
                        let ty = f.ty.node;
                        let (of, is_list) = named(&ty);
                        let page = f.arguments.iter().find(|a| matches!(a.node.name.node.as_str(), "first" | "last"));
                        let multiplier = match page {
                            // Introspection is costed exactly elsewhere.
                            _ if name.starts_with("__") => Multiplier::One,
                            Some(page) if is_list || of.ends_with("Connection") => {
                                let default = page
                                    .node
                                    .default_value
                                    .as_ref()
                                    .and_then(|v| match &v.node {
                                        async_graphql::Value::Number(n) => n.as_u64(),
                                        _ => None,
                                    })
                                    .unwrap_or(DEFAULT_PAGE);
                                Multiplier::Page { default: default.clamp(1, MAX_PAGE) }
                            }
                            _ if !is_list => Multiplier::One,
                            _ if name.ends_with("Connection") && matches!(field.as_str(), "nodes" | "edges") => Multiplier::One,
                            _ => stated_cap(&name, &field, caps).unwrap_or_else(|| {
                                self.uncapped.push(format!("{name}.{field}"));
                                Multiplier::Cap(MAX_PAGE)
                            }),
                        };
                        let args = f.arguments.iter().map(|a| a.node.ty.node.clone()).collect();
                        model.field_names.push(field.clone());
                        model.fields.insert(field, FieldModel { of: of.to_string(), multiplier, ty, args });
                    }
                    if self.types.insert(name.clone(), model).is_none() {
                        self.type_names.push(name);
                    }
                }
            }
        }
    }
}
