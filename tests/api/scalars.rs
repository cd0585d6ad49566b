//! The custom scalars do what their descriptions in `schema.graphql` say
//! (`src/graphql/scalars.rs`): `DateTime` is written in UTC with `+00:00` and 0, 3 or 6
//! fractional digits, and read from any RFC 3339 date-time with an offset.

use crate::both;
use crate::helpers::*;
use serde_json::json;

const SCALARS: &str = r#"{
    dateTime: __type(name: "DateTime") { kind description specifiedByURL }
    json: __type(name: "JSON") { kind description } }"#;
const CREATE_JOB: &str = "mutation($p: ID!, $due: DateTime) {
    createLabelingJob(input: { projectId: $p, name: \"Due\", dueAt: $due }) { labelingJob { id dueAt createdAt } } }";
const DUE_AT: &str = "query($j: ID!) { node(id: $j) { ... on LabelingJob { dueAt createdAt } } }";

/// Whether `s` is written as the description says: RFC 3339, offset `+00:00`, and a
/// fraction of 3 or 6 digits when there is one.
fn written_as_described(s: &str) -> bool {
    let Some(local) = s.strip_suffix("+00:00") else { return false };
    let fraction = local.split_once('.').map_or("", |(_, f)| f);
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        && [0, 3, 6].contains(&fraction.len())
        && !fraction.ends_with("000")
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

both!(the_custom_scalars_have_their_own_descriptions, |app: TestApp| async move {
    let d = app.user("alice").await.ok(SCALARS, json!({})).await;
    let described = d["dateTime"]["description"].as_str().expect("DateTime description");
    assert!(described.starts_with("An instant, written in UTC") && described.contains("`+00:00`"), "{described}");
    assert!(!described.contains("Implement the"), "async-graphql's default description is gone: {described}");
    assert_eq!(d["dateTime"]["specifiedByURL"], "https://datatracker.ietf.org/doc/html/rfc3339");
    let json = d["json"]["description"].as_str().expect("JSON description");
    assert!(json.starts_with("Any JSON value"), "{json}");
});

both!(date_times_are_written_and_read_as_their_description_says, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let org = create_org(&alice, "acme").await;
    let project = create_project(&alice, &org.workspace, "Due dates").await;
    // (input, as written back); kept to the microsecond on both databases (PostgreSQL's
    // precision: SQLite kept nanoseconds), years 0000-9999.
    let cases = [
        ("2026-12-04T14:05:09.5+01:00", "2026-12-04T13:05:09.500+00:00"),
        ("2026-12-04T13:05:09Z", "2026-12-04T13:05:09+00:00"),
        ("2026-12-04T08:05:09.123456-05:00", "2026-12-04T13:05:09.123456+00:00"),
        ("2026-12-04T13:05:09.123456789Z", "2026-12-04T13:05:09.123456+00:00"),
        ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999+00:00"),
        ("0000-01-01T00:00:00Z", "0000-01-01T00:00:00+00:00"),
    ];
    for (input, written) in cases {
        let d = alice.ok(CREATE_JOB, json!({ "p": project, "due": input })).await;
        let job = &d["createLabelingJob"]["labelingJob"];
        let read = alice.ok(DUE_AT, json!({ "j": job["id"] })).await;
        assert_eq!(read["node"]["dueAt"], written, "{input} read back");
        let created = read["node"]["createdAt"].as_str().expect("createdAt");
        assert!(written_as_described(created), "createdAt {created}");
        // The mutation answered what the row says (PostgreSQL's microseconds, not the
        // nanoseconds of the instant it was made at).
        assert_eq!(job["createdAt"], read["node"]["createdAt"], "{input}");
        assert!(written_as_described(written));
    }
    // A date alone, a date-time without an offset, and a number are refused, naming the type
    // (as variables: BAD_USER_INPUT).
    for input in [json!("2026-12-04"), json!("2026-12-04T13:05:09"), json!(1764853509)] {
        let (_, body) = alice.post(CREATE_JOB, json!({ "p": project, "due": input })).await;
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(body["data"].is_null() && message.contains("DateTime"), "{input} was accepted: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    }
    // Years outside 0000-9999 (chrono reads them; PostgreSQL answered INTERNAL before 4713
    // BC, SQLite kept them): refused by name, on creation and on update.
    let job = alice.ok(CREATE_JOB, json!({ "p": project, "due": null })).await["createLabelingJob"]["labelingJob"]["id"].clone();
    // Leap seconds too (PostgreSQL rolled `23:59:60` of 9999-12-31 into year 10000).
    for input in [
        "-5000-01-01T00:00:00Z",
        "+10000-01-01T00:00:00Z",
        "-0001-12-31T23:59:59Z",
        "9999-12-31T23:59:60.5Z",
        "2016-06-30T12:00:60Z",
    ] {
        let (_, body) = alice.post(CREATE_JOB, json!({ "p": project, "due": input })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "dueAt", "{input}: {body}");
        let update = "mutation($j: ID!, $due: DateTime) { updateLabelingJob(input: { labelingJobId: $j, dueAt: $due }) { labelingJob { dueAt } } }";
        let (_, body) = alice.post(update, json!({ "j": job, "due": input })).await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "dueAt", "{input}: {body}");
    }
    let jobs = alice
        .ok(
            "query($p: ID!) { node(id: $p) { ... on Project { labelingJobs(first: 10) { totalCount } } } }",
            json!({ "p": project }),
        )
        .await;
    assert_eq!(jobs["node"]["labelingJobs"]["totalCount"], 7, "only the accepted inputs made jobs");
});
