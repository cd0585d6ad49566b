//! Every ```` ```graphql ```` example of README.md runs as printed, in README order, against
//! a fresh server: what a newcomer copying them into GraphiQL one after another meets.
//! The README states the convention above its first example:
//! - examples run as `alice` (the token the README mints: `--sub alice --email
//!   alice@example.com --name Alice`); a comment line `# as bob` at the top of a block runs
//!   it with bob's token (`--sub bob --email bob@example.com --name Bob`);
//! - a ```` ```json ```` block right after an example (only blank lines between) holds its
//!   variables; a string `"<createTeam.team.id>"` stands for that value (a dotted path, `0`
//!   the first element of a list) in the latest earlier answer that has it;
//! - a block with several operations runs each of them, in order (`operationName`);
//! - `# error: CODE` at the top: the example shows that error (its first error's code);
//! - `# not executed: why` at the top: the block is not run; any other block is, and the
//!   test fails if the two counts do not add up to the README's blocks;
//! - a subscription is started over WebSocket (`graphql-transport-ws`) and must be accepted:
//!   acknowledged, then neither an error nor a completion within a second. Nothing in the
//!   README triggers it, so delivery is not awaited (`subscriptions.rs` tests delivery).
//!
//! The same blocks are extracted for codegen by `tests/codegen/extract-operations.mjs`
//! (a fence line that is exactly ```` ```graphql ````), so both see the same examples.

use crate::both;
use crate::helpers::*;
use crate::subscriptions::{Event, connect};
use async_graphql::parser::parse_query;
use async_graphql::parser::types::OperationType;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// One ```` ```graphql ```` block of the README and the ```` ```json ```` block after it.
struct Example {
    /// README line of the block's first line (after the fence).
    line: usize,
    text: String,
    variables: Map<String, Value>,
    /// The value of a `# key: value` comment line at the top of the block.
    marks: Vec<(String, String)>,
}

impl Example {
    fn mark(&self, key: &str) -> Option<&str> {
        self.marks.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

/// The fenced block opening at `lines[open]` (the fence): its text and the index of the
/// closing fence.
fn fenced(lines: &[&str], open: usize) -> (String, usize) {
    let close = (open + 1..lines.len()).find(|&i| lines[i].trim() == "```").unwrap_or(lines.len());
    (lines[open + 1..close].join("\n"), close)
}

fn examples(readme: &str) -> Vec<Example> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim();
        // A fence the codegen extraction would not see is a mistake, not an illustration.
        assert!(
            fence == "```graphql" || !(fence.starts_with("```graphql") || fence.starts_with("```gql")),
            "README.md line {}: write the fence as exactly ```graphql",
            i + 1
        );
        if fence != "```graphql" {
            i += 1;
            continue;
        }
        let (text, close) = fenced(&lines, i);
        let line = i + 2;
        i = close + 1;
        let mut next = i;
        while next < lines.len() && lines[next].trim().is_empty() {
            next += 1;
        }
        let mut variables = Map::new();
        if next < lines.len() && lines[next].trim() == "```json" {
            let (json, close) = fenced(&lines, next);
            variables = match serde_json::from_str(&json) {
                Ok(Value::Object(map)) => map,
                other => {
                    panic!("README.md line {}: the variables of the example above are not a JSON object: {other:?}", next + 2)
                }
            };
            i = close + 1;
        }
        // The comment lines at the top: `# as bob`, `# error: CODE`, `# not executed: why`.
        let marks = text
            .lines()
            .map_while(|l| l.trim().strip_prefix('#').map(str::trim))
            .filter_map(|c| match c.strip_prefix("as ") {
                Some(user) => Some(("as", user)),
                None => c.split_once(':'),
            })
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        out.push(Example { line, text, variables, marks });
    }
    out
}

/// The value at `path` (`createTeam.team.workspaces.nodes.0.id`) in the latest answer that has it.
fn lookup(answers: &[Value], path: &str) -> Option<Value> {
    answers.iter().rev().find_map(|answer| {
        let found = path.split('.').try_fold(answer, |v, key| match key.parse::<usize>() {
            Ok(n) => v.get(n),
            Err(_) => v.get(key),
        })?;
        (!found.is_null()).then(|| found.clone())
    })
}

/// `variables` with every `"<path>"` string replaced by the value it names.
fn resolve(value: &Value, answers: &[Value], line: usize) -> Value {
    match value {
        Value::String(s) if s.starts_with('<') && s.ends_with('>') => {
            let path = &s[1..s.len() - 1];
            lookup(answers, path).unwrap_or_else(|| panic!("README.md line {line}: no earlier answer has `{path}`"))
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| resolve(v, answers, line)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), resolve(v, answers, line))).collect()),
        other => other.clone(),
    }
}

/// A client signed in as `sub` (`sub@example.com`, name `Sub`) whose first request is the
/// README's own, as for a newcomer (`TestApp::user` would send one first).
fn newcomer(app: &TestApp, sub: &str) -> Client {
    let name = sub[..1].to_uppercase() + &sub[1..];
    Client {
        addr: app.addr.clone(),
        http: app.http.clone(),
        token: Some(token(sub, &format!("{sub}@example.com"), Some(&name))),
        id: String::new(),
        sub: sub.into(),
    }
}

/// Starts a subscription on a new socket; it must be acknowledged and stay running.
async fn subscribe(app: &TestApp, as_user: &Client, payload: Value, line: usize) -> crate::subscriptions::Ws {
    let mut ws = connect(app, "graphql-transport-ws").await.expect("WebSocket upgrade");
    ws.init(as_user.token.as_deref().expect("token")).await;
    ws.send(json!({ "id": "1", "type": "subscribe", "payload": payload })).await;
    match ws.recv(Duration::from_secs(1)).await {
        Event::Silent => ws,
        other => panic!("README.md line {line}: the subscription was not accepted: {other:?}"),
    }
}

async fn run_readme(app: &TestApp) {
    let examples = examples(&readme());
    let fences = readme().lines().filter(|l| l.trim() == "```graphql").count();
    assert_eq!(examples.len(), fences, "every ```graphql block is an example");
    assert!(examples.len() >= 20, "README.md has {} examples; did the extraction break?", examples.len());

    let (mut answers, mut sockets) = (Vec::<Value>::new(), Vec::new());
    let (mut executed, mut not_executed) = (0, 0);
    for ex in &examples {
        if let Some(why) = ex.mark("not executed") {
            assert!(!why.is_empty(), "README.md line {}: say why the example is not executed", ex.line);
            not_executed += 1;
            continue;
        }
        let user = newcomer(app, ex.mark("as").unwrap_or("alice"));
        let doc = parse_query(&ex.text).unwrap_or_else(|e| panic!("README.md line {}: {e}", ex.line));
        let mut operations: Vec<_> = doc.operations.iter().collect();
        operations.sort_by_key(|(_, op)| (op.pos.line, op.pos.column));
        assert!(
            ex.mark("error").is_none() || operations.len() == 1,
            "README.md line {}: an example showing an error holds one operation",
            ex.line
        );
        let declared: Vec<String> = operations
            .iter()
            .flat_map(|(_, op)| op.node.variable_definitions.iter().map(|v| v.node.name.node.to_string()))
            .collect();
        for key in ex.variables.keys() {
            assert!(declared.contains(key), "README.md line {}: variable `{key}` is given but not declared", ex.line);
        }
        for (name, op) in operations {
            // Each operation gets the variables it declares, resolved when it runs.
            let variables: Map<String, Value> = op
                .node
                .variable_definitions
                .iter()
                .filter_map(|v| ex.variables.get_key_value(v.node.name.node.as_str()))
                .map(|(k, v)| (k.clone(), resolve(v, &answers, ex.line)))
                .collect();
            let payload = json!({ "query": ex.text, "variables": variables, "operationName": name.map(|n| n.to_string()) });
            if op.node.ty == OperationType::Subscription {
                sockets.push(subscribe(app, &user, payload, ex.line).await);
                continue;
            }
            let mut req = user.http.post(format!("{}/graphql", user.addr)).json(&payload);
            if let Some(t) = &user.token {
                req = req.bearer_auth(t);
            }
            let body: Value = req.send().await.expect("request").json().await.expect("JSON answer");
            match ex.mark("error") {
                Some(code) => assert_eq!(
                    body["errors"][0]["extensions"]["code"], code,
                    "README.md line {}: the example shows {code}, got {body}",
                    ex.line
                ),
                None => {
                    assert!(body.get("errors").is_none(), "README.md line {}: errors: {body}", ex.line);
                    assert!(body["data"].is_object(), "README.md line {}: no data: {body}", ex.line);
                    answers.push(body["data"].clone());
                }
            }
        }
        executed += 1;
    }
    assert_eq!(executed + not_executed, examples.len());
    // The subscriptions are still running after every later example.
    for (i, mut ws) in sockets.into_iter().enumerate() {
        assert_eq!(ws.recv(Duration::from_millis(100)).await, Event::Silent, "subscription {i} ended or failed");
    }
    eprintln!("README examples: {executed} executed, {not_executed} marked as not executed");
}

both!(every_readme_example_runs_in_order_as_printed, |app: TestApp| async move {
    run_readme(&app).await;
});
