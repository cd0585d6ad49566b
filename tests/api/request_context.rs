//! The request context: grants read once per request are forgotten whenever a write of
//! the request commits, so what resolves afterwards decides on the grants it left.

use crate::both;
use crate::helpers::*;
use serde_json::json;

both!(every_root_mutation_field_decides_on_the_grants_the_previous_commits_left, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let d = alice.ok("{ viewer { organizations(first: 1) { nodes { id } } } }", json!({})).await;
    let org = d["viewer"]["organizations"]["nodes"][0]["id"].clone();
    // `a`'s payload loads (and caches) the grants; `b` commits a new team membership
    // after that, so `b`'s payload sees its team only if the commit forgot the cache.
    let d = alice
        .ok(
            "mutation($o: ID!) {
               a: createTeam(input: { organizationId: $o, name: \"one\" }) { team { viewerRole { key } } }
               b: createTeam(input: { organizationId: $o, name: \"two\" }) { team { viewerRole { key } } } }",
            json!({ "o": org }),
        )
        .await;
    assert_eq!(d["a"]["team"]["viewerRole"]["key"], "admin");
    assert_eq!(d["b"]["team"]["viewerRole"]["key"], "admin");
});
