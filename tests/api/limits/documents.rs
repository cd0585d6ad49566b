//! Limits on the document (RULES.md §8): depth, complexity and aliases refused with
//! `extensions.limit`, coded parse and validation errors, page sizes, cursors and ids.

use super::*;

/// `viewer { organizations { nodes { owner { organizations … } } } }`, `levels` times.
fn nested(levels: usize) -> String {
    let mut q = String::from("id");
    for _ in 0..levels {
        q = format!("organizations(first: 1) {{ nodes {{ owner {{ {q} }} }} }}");
    }
    format!("{{ viewer {{ {q} }} }}")
}

both!(depth_over_16_is_refused_but_introspection_works, |app: TestApp| async move {
    let alice = app.user("alice").await;
    // viewer + 3 per level + id: 5 levels are 17 deep, 4 levels 14.
    alice.ok(&nested(4), json!({})).await;
    let (status, res) = alice.post(&nested(5), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{res}");
    assert_eq!(limit(&res), "depth", "{res}");
    // Fragments do not hide depth.
    let q = format!("{{ ...F }} fragment F on Query {}", nested(5));
    let (_, res) = alice.post(&q, json!({})).await;
    assert_eq!(limit(&res), "depth", "{res}");

    let d = alice.ok(INTROSPECTION_QUERY, json!({})).await;
    assert_eq!(d["__schema"]["queryType"]["name"], "Query");
    assert!(d["__schema"]["types"].as_array().is_some_and(|t| t.len() > 20), "{d}");
    // Anonymous clients (GraphiQL before a token is pasted) introspect too.
    let (status, res) = app.anonymous().post(INTROSPECTION_QUERY, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(res.get("errors").is_none(), "{res}");
});

both!(complexity_is_costed_by_first_and_refused_past_500000_with_the_cost, |app: TestApp| async move {
    let alice = app.user("alice").await;
    // Lists without `first` cost their default page (20): a sidebar is fine.
    alice.ok("{ viewer { organizations { nodes { teams { nodes { workspaces { nodes { id name } } } } } } } }", json!({})).await;
    // A page of 100 members, and the README's first query.
    alice.ok("{ viewer { organizations(first: 100) { nodes { members(first: 100) { nodes { id role { key } user { id name } } } } } } }", json!({})).await;
    // 100 × 100 × 100 workspaces is two million objects.
    let huge = "{ viewer { organizations(first: 100) { nodes { teams(first: 100) { nodes { workspaces(first: 100) { nodes { id name } } } } } } } }";
    let (status, res) = alice.post(huge, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{res}");
    assert_eq!(limit(&res), "complexity", "{res}");
    let ext = &res["errors"][0]["extensions"];
    assert_eq!(ext["maxCost"], 500_000, "{res}");
    let cost = ext["cost"].as_u64().expect("the refusal states the cost");
    assert!(cost > 2_000_000, "{res}");
    let message = res["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(&cost.to_string()) && message.contains("500000"), "{message}");
});

both!(more_than_64_aliases_are_refused, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let aliases = |n: usize| format!("{{ {} }}", (0..n).map(|i| format!("a{i}: __typename")).collect::<Vec<_>>().join(" "));
    alice.ok(&aliases(64), json!({})).await;
    let (status, res) = alice.post(&aliases(65), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{res}");
    assert_eq!(limit(&res), "aliases", "{res}");
    // Aliases inside fragments count too.
    let q = format!("{{ ...F }} fragment F on Query {}", aliases(65));
    let (_, res) = alice.post(&q, json!({})).await;
    assert_eq!(limit(&res), "aliases", "{res}");
});

both!(what_validation_compares_pairwise_is_bounded, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let me = alice.ok("{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    let list = |n: usize, item: &dyn Fn(usize) -> String| (0..n).map(item).collect::<Vec<_>>().join(" ");
    // 100 variable definitions, each used: served.
    let q = format!(
        "query({}) {{ nodes(ids: [{}]) {{ id }} }}",
        list(100, &|i| format!("$v{i}: ID!")),
        list(100, &|i| format!("$v{i}"))
    );
    let vars: serde_json::Map<String, Value> = (0..100).map(|i| (format!("v{i}"), me.clone())).collect();
    let d = alice.ok(&q, Value::Object(vars)).await;
    assert_eq!(d["nodes"].as_array().map(Vec::len), Some(100), "{d}");
    // Past the bounds, refused before validation pairs them up (each of these held a
    // worker for seconds at full size).
    let refused = [
        ("variables", format!("query({}) {{ __typename }}", list(257, &|i| format!("$v{i}: ID")))),
        ("variables", format!("query($z: ID) {{ nodes(ids: [{}]) {{ id }} }}", list(513, &|_| "$z".into()))),
        (
            "fragments",
            format!(
                "{{ ...f0 }} {}",
                list(257, &|i| format!(
                    "fragment f{i} on Query {{ {} }}",
                    if i < 256 { format!("...f{}", i + 1) } else { "__typename".into() }
                ))
            ),
        ),
        (
            "variables",
            format!(
                "query({}) {{ nodes(ids: [{}]) {{ id }} }}",
                list(20_000, &|_| "$a:ID".into()),
                list(35_000, &|_| "$a".into())
            ),
        ),
        ("arguments", format!("{{ __typename({}) }}", list(33, &|i| format!("a{i}: 1")))),
        ("arguments", format!("{{ __typename({args}) __typename({args}) }}", args = list(12_000, &|i| format!("a{i}:1")))),
        ("directives", format!("{{ __typename {} }}", list(17, &|_| "@include(if: true)".into()))),
        ("operations", list(101, &|i| format!("query q{i} {{ __typename }}"))),
    ];
    for (key, q) in refused {
        let (status, res) = alice.post(&q, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{key}: {res}");
        assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{key}: {res}");
        assert_eq!(limit(&res), key, "{res}");
    }
    // Validation walks every fragment definition through what it spreads, used or not:
    // thousands of unused fragments spreading one of 12,000 fields cost as much as the
    // variables did. A fragment no operation uses is refused first (GraphQL's rule).
    let fields = list(9_000, &|_| "__typename".into());
    let unused = format!(
        "{{ __typename }} fragment big on Query {{ {fields} }} {}",
        list(200, &|i| format!("fragment u{i} on Query {{ ...big }}"))
    );
    let (_, res) = alice.post(&unused, json!({})).await;
    assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{res}");
    // Refused by admission (its words), before validation's walk (whose own message for
    // the rule starts with a capital).
    assert!(
        res["errors"][0]["message"].as_str().is_some_and(|m| m.starts_with("fragment \"") && m.ends_with("is never used")),
        "{res}"
    );
    // Used through a chain, a fragment is used.
    let chain = "{ ...a } fragment a on Query { ...b } fragment b on Query { __typename }";
    assert_eq!(alice.ok(chain, json!({})).await["__typename"], "Query");
});

both!(unparsable_and_invalid_documents_are_coded, |app: TestApp| async move {
    let alice = app.user("alice").await;
    for q in ["{ viewer { id }", "query {", "}{", "", "mutation { createOrganization(input: { slug: }) { organization { id } } }"]
    {
        let (status, res) = alice.post(q, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{q}: {res}");
        assert_eq!(code(&res), "GRAPHQL_PARSE_FAILED", "{q}: {res}");
    }
    for q in ["{ viewer { nope } }", "{ viewer }", "query($x: Int) { viewer { id } }", "{ nodes { id } }"] {
        let (_, res) = alice.post(q, json!({})).await;
        assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{q}: {res}");
    }
});

both!(page_sizes_cursors_and_ids_are_validated, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let orgs =
        "query($n: Int, $a: String) { viewer { organizations(first: $n, after: $a) { totalCount pageInfo { endCursor } } } }";
    for n in [0, -1, 101, 1000] {
        let (_, res) = alice.post(orgs, json!({ "n": n })).await;
        assert_eq!(code(&res), "BAD_USER_INPUT", "first: {n}: {res}");
        assert_eq!(res["errors"][0]["extensions"]["field"], "first", "{res}");
    }
    // The same as literals, on a nested connection.
    for n in [0, 101] {
        let q = format!("{{ viewer {{ organizations(first: 1) {{ nodes {{ teams(first: {n}) {{ totalCount }} }} }} }} }}");
        let (_, res) = alice.post(&q, json!({})).await;
        assert_eq!(code(&res), "BAD_USER_INPUT", "{q}: {res}");
        assert_eq!(res["errors"][0]["extensions"]["field"], "first", "{res}");
    }
    for n in [1, 100] {
        alice.ok(orgs, json!({ "n": n })).await;
    }
    let d = alice.ok(orgs, json!({ "n": 1 })).await;
    let cursor = d["viewer"]["organizations"]["pageInfo"]["endCursor"].as_str().expect("cursor").to_string();
    alice.ok(orgs, json!({ "n": 1, "a": cursor })).await;
    for bad in ["garbage!", "", "YWJj", "bm90LWEtY3Vyc29y", &alice.id] {
        let (_, res) = alice.post(orgs, json!({ "a": bad })).await;
        assert_eq!(code(&res), "BAD_USER_INPUT", "after: {bad}: {res}");
        assert_eq!(res["errors"][0]["extensions"]["field"], "after", "{res}");
        assert_no_leak(&res);
    }

    let node = "query($id: ID!) { node(id: $id) { id } }";
    for bad in ["x", "", "!!!", "VGVhbTp4eXo", "Tm9wZTowMTkzYjk5YS0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA"] {
        let (_, res) = alice.post(node, json!({ "id": bad })).await;
        assert_eq!(code(&res), "BAD_USER_INPUT", "node(id: {bad:?}): {res}");
        assert_no_leak(&res);
    }
    let d = alice.ok(node, json!({ "id": alice.id })).await;
    assert_eq!(d["node"]["id"], alice.id.as_str());

    let nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let ids: Vec<String> = (0..101).map(|_| alice.id.clone()).collect();
    let (_, res) = alice.post(nodes, json!({ "ids": ids })).await;
    assert_eq!(code(&res), "BAD_USER_INPUT", "{res}");
    assert_eq!(res["errors"][0]["extensions"]["field"], "ids", "{res}");
    let d = alice.ok(nodes, json!({ "ids": &ids[..100] })).await;
    assert_eq!(d["nodes"].as_array().map(Vec::len), Some(100));
    let (_, res) = alice.post(nodes, json!({ "ids": [alice.id, "broken"] })).await;
    assert_eq!(code(&res), "BAD_USER_INPUT", "{res}");
});

both!(a_well_formed_id_of_another_type_is_not_found, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let org = create_org(&alice, "acme").await;
    assert_eq!(alice.code(CREATE_TEAM, json!({ "o": org.team, "n": "X" })).await, "NOT_FOUND");
    assert_eq!(alice.code(CREATE_TEAM, json!({ "o": alice.id, "n": "X" })).await, "NOT_FOUND");
    assert_eq!(alice.code(CREATE_TEAM, json!({ "o": "not-an-id", "n": "X" })).await, "BAD_USER_INPUT");
    assert_eq!(alice.code(CREATE_WORKSPACE, json!({ "t": org.id, "n": "W" })).await, "NOT_FOUND");
    // `node` answers null for an id that names nothing.
    assert!(alice.node("VGVhbTowMTkzYjk5YTAwMDA3MDAwODAwMDAwMDAwMDAwMDAwMA").await.is_null());
});
