//! Logs of the real binary: `ORGRAPH_LOG_FORMAT=json` writes one JSON object a line,
//! the access line names the request id, the operation, the status and the user; the
//! text format has no colours when stdout is not a terminal; an unknown format is refused.

use super::*;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

struct Served {
    child: Child,
    base: String,
    dir: PathBuf,
}

impl Served {
    async fn start(env: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join("orgraph-log-tests").join(uuid::Uuid::now_v7().simple().to_string());
        std::fs::create_dir_all(&dir).expect("dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_orgraph"));
        cmd.arg("serve").current_dir(&dir).env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("DATABASE_URL", format!("sqlite://{}/x.db?mode=rwc", dir.display()))
            .env("ORGRAPH_LISTEN", format!("127.0.0.1:{port}"))
            .env("ORGRAPH_JWT_SECRET", SECRET)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout")).expect("stdout"))
            .stderr(std::fs::File::create(dir.join("stderr")).expect("stderr"));
        let mut served = Self { child: cmd.spawn().expect("spawn"), base: format!("http://127.0.0.1:{port}"), dir };
        let deadline = Instant::now() + Duration::from_secs(60);
        let healthy =
            async |base: &str| reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status() == StatusCode::OK);
        while !healthy(&served.base).await {
            assert!(served.child.try_wait().expect("wait").is_none(), "exited early: {}", served.output());
            assert!(Instant::now() < deadline, "not healthy: {}", served.output());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        served
    }

    fn output(&self) -> String {
        std::fs::read_to_string(self.dir.join("stdout")).unwrap_or_default()
    }

    /// SIGTERM, wait, and the whole stdout.
    fn stop(mut self) -> String {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().expect("wait").is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.output()
    }

    async fn viewer(&self, request_id: &str) {
        let res = reqwest::Client::new()
            .post(format!("{}/graphql", self.base))
            .header("x-request-id", request_id)
            .bearer_auth(token("lena", "lena@example.com", Some("Lena")))
            .json(&json!({ "query": "query Viewer { viewer { id } }" }))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::OK);
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn json_logs_are_one_object_a_line_and_the_access_line_names_the_request() {
    let served = Served::start(&[("ORGRAPH_LOG_FORMAT", "json")]).await;
    served.viewer("json-log-1").await;
    let out = served.stop();
    let lines: Vec<Value> = out
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() >= 3, "{out}");
    assert!(lines.iter().all(|l| l["timestamp"].is_string() && l["level"].is_string()), "{out}");
    let access = lines
        .iter()
        .find(|l| l["message"] == "request" && l["span"]["request_id"] == "json-log-1")
        .unwrap_or_else(|| panic!("no access line for the request: {out}"));
    assert_eq!(access["level"], "INFO");
    assert_eq!(access["status"], 200);
    assert_eq!(access["operation_type"], "query");
    assert_eq!(access["operation_name"], "Viewer");
    assert_eq!(access["span"]["method"], "POST");
    assert_eq!(access["span"]["path"], "/graphql");
    assert!(uuid::Uuid::parse_str(access["user"].as_str().unwrap_or("")).is_ok(), "{access}");
    assert!(access["latency_ms"].is_number(), "{access}");
    assert!(!out.contains('\u{1b}'), "no escape codes in JSON");
}

#[tokio::test]
async fn text_logs_have_no_colours_when_stdout_is_not_a_terminal() {
    let served = Served::start(&[]).await;
    served.viewer("text-log-1").await;
    let out = served.stop();
    assert!(!out.contains('\u{1b}'), "escape codes in a file: {out:?}");
    assert!(out.lines().any(|l| l.contains("request_id=text-log-1") && l.contains("status=200")), "{out}");
}

#[test]
fn an_unknown_log_format_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_orgraph"))
        .arg("serve")
        .env_clear()
        .env("ORGRAPH_LOG_FORMAT", "xml")
        .env("DATABASE_URL", "sqlite::memory:")
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ORGRAPH_LOG_FORMAT"), "{err}");
}
