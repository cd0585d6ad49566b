//! The guard against the real schema: measures with fragments expanded, caps, refusals.

use super::*;
use crate::config::Settings;

fn guard_with(configure: impl FnOnce(&mut Settings)) -> Guard {
    let mut settings = Settings::with_database("sqlite::memory:");
    configure(&mut settings);
    crate::graphql::guard(&settings).expect("guard")
}

fn guard() -> Guard {
    guard_with(|_| {})
}

fn check(g: &Guard, query: &str) -> AppResult<Admitted> {
    g.check(query, None, &Variables::default())
}

fn limit_of(err: AppError) -> Option<&'static str> {
    match err {
        AppError::Invalid { limit, .. } | AppError::ParseFailed { limit, .. } => limit,
        other => panic!("expected a document refusal, got {other:?}"),
    }
}

/// `k` fragments, each spreading the next twice: 2^k expansions in a few hundred bytes.
fn exploding(k: usize, leaf: &str) -> String {
    let mut doc = String::from("query { ...F0 }\n");
    for i in 0..k {
        doc.push_str(&format!("fragment F{i} on Query {{ ...F{n} ...F{n} }}\n", n = i + 1));
    }
    doc.push_str(&format!("fragment F{k} on Query {{ {leaf} }}\n"));
    doc
}

#[test]
fn every_list_field_is_a_page_or_has_a_stated_cap() {
    assert!(guard().uncapped_lists().is_empty(), "lists without a cap: {:?}", guard().uncapped_lists());
}

#[test]
fn deep_brackets_are_refused_before_parsing() {
    let g = guard();
    for doc in [
        format!("{{ __typename(x: {}1{}) }}", "[".repeat(2000), "]".repeat(2000)),
        format!("{{ __typename(x: {}1{}) }}", "{a:".repeat(2000), "}".repeat(2000)),
        format!("query($v: Int = {}1{}) {{ __typename }}", "[".repeat(2000), "]".repeat(2000)),
        format!("{{ __typename @include(if: {}true{}) }}", "[".repeat(2000), "]".repeat(2000)),
        format!("{}{}", "{a".repeat(5000), "}".repeat(5000)),
    ] {
        let err = check(&g, &doc).expect_err("refused");
        assert_eq!(err.code(), "GRAPHQL_PARSE_FAILED");
        assert_eq!(limit_of(err), Some("nesting"));
    }
}

#[test]
fn fragment_explosions_are_measured_without_expanding_them() {
    let g = guard();
    // 2^60 `__typename` selections: measured instantly, refused by count and cost.
    let err = check(&g, &exploding(60, "__typename")).expect_err("refused");
    assert_eq!(limit_of(err), Some("selections"));
    // Aliases inside a fragment count at every spread.
    let err = check(&g, &exploding(7, "a: __typename")).expect_err("refused");
    assert_eq!(limit_of(err), Some("aliases"));
}

#[test]
fn typename_is_charged() {
    let g = guard_with(|s| s.limits.complexity = 10);
    let many = format!("{{ {} }}", "__typename ".repeat(11));
    let err = check(&g, &many).expect_err("refused");
    assert_eq!(limit_of(err), Some("complexity"));
    assert!(check(&g, &format!("{{ {} }}", "__typename ".repeat(10))).is_ok());
}

#[test]
fn lists_cost_their_page_times_their_items() {
    let g = guard();
    let a = check(&g, "{ viewer { organizations(first: 10) { nodes { id name } } } }").expect("admitted");
    // viewer 1 + organizations (1 + 10 × (nodes 1 + id 1 + name 1)).
    assert_eq!(a.cost, 1 + 1 + 10 * 3);
    let b = check(&g, "{ viewer { organizations { nodes { id name } } } }").expect("admitted");
    assert_eq!(b.cost, 1 + 1 + 20 * 3, "without `first`, the default page");
    let vars = Variables::from_json(serde_json::json!({ "n": 7 }));
    let c = g.check("query($n: Int) { viewer { organizations(first: $n) { nodes { id } } } }", None, &vars).expect("admitted");
    assert_eq!(c.cost, 1 + 1 + 7 * 2);
}

#[test]
fn a_document_seen_before_is_measured_again_with_its_variables() {
    let g = guard();
    let query = "query($n: Int) { viewer { organizations(first: $n) { nodes { id } } } }";
    let mut documents = Vec::new();
    for n in [7, 3, 7] {
        let vars = Variables::from_json(serde_json::json!({ "n": n }));
        let a = g.check(query, None, &vars).expect("admitted");
        assert_eq!(a.cost, 1 + 1 + n * 2, "the cost of first: {n}");
        assert_eq!(a.document.operations.iter().count(), 1);
        documents.push(a.document);
    }
    assert!(g.parsed.get(query).is_some(), "kept");
    // One copy, shared by every request of the text (a subscription holds it).
    assert!(documents.iter().all(|d| std::sync::Arc::ptr_eq(d, &documents[0])));
    // A refused document is not kept, and is refused again.
    let deep = format!("{{ __typename(x: {}1{}) }}", "[".repeat(2000), "]".repeat(2000));
    for _ in 0..2 {
        assert_eq!(g.check(&deep, None, &Variables::default()).err().and_then(limit_of), Some("nesting"));
    }
    assert!(g.parsed.get(&deep).is_none());
}

#[test]
fn the_largest_legitimate_tree_fits_and_one_level_more_does_not() {
    let g = guard();
    let tree = "{ viewer { organizations(first: 20) { nodes { id slug name
        teams(first: 5) { nodes { id name workspaces(first: 2) { nodes { id name
        projects(first: 5) { nodes { id name datasets(first: 10) { nodes { id name
        children(first: 10) { nodes { id name } } } } } } } } } } } } } }";
    let a = check(&g, tree).expect("the benchmark's 41,320-object tree is admitted");
    assert!(a.cost > 41_320 && a.cost <= 500_000, "cost {}", a.cost);
    let bigger = tree.replace("teams(first: 5)", "teams(first: 50)");
    let err = check(&g, &bigger).expect_err("refused");
    assert!(err.message().contains("exceeds the limit of 500000"), "{}", err.message());
}

const INTROSPECTION: &str = r#"query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}"#;

#[test]
fn introspection_costs_what_it_returns() {
    let g = guard();
    let a = check(&g, INTROSPECTION).expect("GraphiQL's introspection query is admitted");
    assert!(a.cost < 100_000, "cost {}", a.cost);
    // Recursing through an interface's implementations multiplies by their number (the
    // `Node` interface has more than a dozen) at each level.
    let recursive = "{ __schema { types { possibleTypes { interfaces { possibleTypes { interfaces {
        possibleTypes { interfaces { possibleTypes { interfaces { possibleTypes { interfaces {
        possibleTypes { name } } } } } } } } } } } } } }";
    let err = check(&g, recursive).expect_err("refused");
    assert_eq!(limit_of(err), Some("complexity"));
    // `__type(name:)` costs the type it names, whether the name is written, sent as a
    // variable or a variable's default.
    let one = "possibleTypes { fields { name args { name } } interfaces { possibleTypes { fields { name args { name } }
        interfaces { possibleTypes { fields { name args { name type { name } } } } } } } }";
    let shape = format!("a: {one} b: {one} c: {one}");
    let literal = check(&g, &format!("{{ __type(name: \"Node\") {{ {shape} }} }}")).expect_err("refused");
    assert_eq!(limit_of(literal), Some("complexity"));
    let default = check(&g, &format!("query($n: String = \"Node\") {{ __type(name: $n) {{ {shape} }} }}"));
    assert_eq!(limit_of(default.expect_err("refused")), Some("complexity"));
    let vars = Variables::from_json(serde_json::json!({ "n": "Node" }));
    let query = format!("query($n: String) {{ __type(name: $n) {{ {shape} }} }}");
    let sent = g.check(&query, None, &vars).map(|_| ()).expect_err("refused");
    assert_eq!(limit_of(sent), Some("complexity"));
}

#[test]
fn introspection_is_refused_when_disabled() {
    let g = guard_with(|s| s.dev = false);
    let err = check(&g, "{ __type(name: \"Query\") { name } }").expect_err("refused");
    assert_eq!(limit_of(err), Some("introspection"));
    assert!(check(&g, "{ __typename }").is_ok());
}

#[test]
fn fragment_cycles_and_unknown_operations_are_invalid() {
    let g = guard();
    let err = check(&g, "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }").expect_err("cycle");
    assert_eq!(err.code(), "GRAPHQL_VALIDATION_FAILED");
    let err = g.check("query A { __typename }", Some("B"), &Variables::default()).map(|_| ()).expect_err("unknown");
    assert_eq!(err.code(), "GRAPHQL_VALIDATION_FAILED");
}

#[test]
fn nodes_cost_one_per_id() {
    let g = guard();
    let ids: Vec<String> = (0..50).map(|i| format!("\"x{i}\"")).collect();
    let a = check(&g, &format!("{{ nodes(ids: [{}]) {{ id }} }}", ids.join(","))).expect("admitted");
    assert_eq!(a.cost, 1 + 50);
}
