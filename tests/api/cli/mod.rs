//! The `orgraph` binary (RULES.md §1): `schema` (the schema drift test), `migrate`,
//! `token` with the generated secret shared with `serve`, the refusal to serve a
//! non-loopback address without a configured key, and graceful shutdown on SIGTERM.
//! Each test runs the real binary in its own temporary working directory with a clean
//! environment (SQLite only).

mod serve;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// A temporary working directory, removed on drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new() -> Self {
        let dir = std::env::temp_dir().join("orgraph-cli-tests").join(uuid::Uuid::now_v7().simple().to_string());
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
    /// `sqlite://<dir>/x.db?mode=rwc`
    pub(crate) fn database_url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("x.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `orgraph` in `dir`, with nothing of the test environment's configuration.
pub(crate) fn orgraph(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orgraph"));
    cmd.current_dir(dir);
    for (name, _) in std::env::vars_os() {
        let leaks = name.to_str().is_some_and(|n| n.starts_with("ORGRAPH_") || n == "DATABASE_URL" || n == "RUST_LOG");
        if leaks {
            cmd.env_remove(&name);
        }
    }
    cmd.stdin(Stdio::null());
    cmd
}

pub(crate) fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run orgraph")
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub(crate) fn assert_success(out: &Output, what: &str) {
    assert!(out.status.success(), "{what}: {}\nstdout: {}\nstderr: {}", out.status, stdout(out), stderr(out));
}

/// `orgraph token …` in `dir` with `env`; the printed token.
pub(crate) fn mint(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let out = run(orgraph(dir).arg("token").args(args).envs(env.iter().copied()));
    assert_success(&out, "orgraph token");
    let token = stdout(&out).trim().to_string();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    token
}

pub(crate) fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64")).expect("json")
}

/// Verifies an HS256 token with `secret`.
pub(crate) fn verifies_with(token: &str, secret: &[u8]) -> bool {
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_aud = false;
    jsonwebtoken::decode::<Value>(token, &DecodingKey::from_secret(secret), &v).is_ok()
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Waits for `child` to exit, up to `timeout`.
pub(crate) fn wait_exit(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A running `orgraph serve`; killed on drop if still running.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `orgraph serve` on `127.0.0.1:<free port>` (or `listen`) and waits for `/healthz`.
    pub(crate) async fn start(dir: &Path, env: &[(&str, &str)], listen: Option<String>) -> Self {
        let port = free_port();
        let listen = listen.unwrap_or_else(|| format!("127.0.0.1:{port}"));
        let port = listen.rsplit(':').next().expect("port").to_string();
        let log = dir.join(format!("serve-{port}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let child = orgraph(dir)
            .arg("serve")
            .env("ORGRAPH_LISTEN", &listen)
            .envs(env.iter().copied())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .expect("spawn orgraph serve");
        let mut server = Self { child, base: format!("http://127.0.0.1:{port}"), log };
        server.wait_healthy().await;
        server
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn wait_healthy(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!("orgraph serve exited early with {status}:\n{}", self.log());
            }
            if let Ok(res) = http.get(format!("{}/healthz", self.base)).send().await
                && res.status() == reqwest::StatusCode::OK
            {
                return;
            }
            assert!(Instant::now() < deadline, "orgraph serve did not become healthy:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn post(&self, token: Option<&str>, query: &str) -> (reqwest::StatusCode, Value) {
        let mut req = reqwest::Client::new().post(format!("{}/graphql", self.base)).json(&json!({ "query": query }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Sends SIGTERM (via the `kill` command) and waits for the exit status.
    pub(crate) fn terminate(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(sent.success(), "kill -TERM {pid}");
        let status = wait_exit(&mut self.child, Duration::from_secs(30));
        let log = self.log();
        let status = status.unwrap_or_else(|| panic!("orgraph serve did not stop on SIGTERM:\n{log}"));
        (status, log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn schema_prints_the_checked_in_sdl_without_a_database() {
    let dir = TempDir::new();
    // An unreachable database: `schema` must not need one.
    let out = run(orgraph(dir.path()).arg("schema").env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"));
    assert_success(&out, "orgraph schema");
    let checked_in = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).expect("schema.graphql");
    let printed = stdout(&out);
    if printed != checked_in {
        let line = printed.lines().zip(checked_in.lines()).position(|(a, b)| a != b);
        panic!(
            "schema drift: `orgraph schema` differs from schema.graphql (first differing line: {line:?}); \
             regenerate it with `cargo run -q -- schema > schema.graphql` and review the diff"
        );
    }
    assert!(!dir.path().join("orgraph.db").exists(), "schema created a database");
    assert!(!dir.path().join("orgraph-secret").exists(), "schema created a secret");
}

#[test]
fn migrate_creates_the_sqlite_file_and_is_idempotent() {
    let dir = TempDir::new();
    let url = dir.database_url();
    for round in 1..=2 {
        let out = run(orgraph(dir.path()).arg("migrate").env("DATABASE_URL", &url));
        assert_success(&out, &format!("orgraph migrate #{round}"));
        assert!(dir.path().join("x.db").is_file(), "x.db created");
    }
}

#[test]
fn migrate_defaults_to_orgraph_db_in_the_working_directory() {
    let dir = TempDir::new();
    let out = run(orgraph(dir.path()).arg("migrate"));
    assert_success(&out, "orgraph migrate");
    assert!(dir.path().join("orgraph.db").is_file(), "orgraph.db in the working directory");
}

#[test]
fn token_generates_a_private_secret_beside_the_database_and_reuses_it() {
    let dir = TempDir::new();
    let url = dir.database_url();
    let env = [("DATABASE_URL", url.as_str())];
    let first = mint(dir.path(), &env, &["--sub", "s", "--email", "e@x.org", "--name", "N", "--ttl", "1h", "--create-secret"]);
    let secret_path = dir.path().join("orgraph-secret");
    assert!(secret_path.is_file(), "orgraph-secret beside x.db");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret_path).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "orgraph-secret must be private, is {mode:o}");
    }
    let secret = std::fs::read(&secret_path).expect("secret");
    assert!(secret.len() >= 32, "a secret of at least 32 bytes");
    let second = mint(dir.path(), &env, &["--sub", "t", "--email", "t@x.org"]);
    assert_eq!(std::fs::read(&secret_path).expect("secret"), secret, "the second call reuses the secret");
    assert!(verifies_with(&first, &secret) && verifies_with(&second, &secret), "both tokens use the kept secret");

    let p = payload(&first);
    assert_eq!((p["sub"].as_str(), p["email"].as_str(), p["name"].as_str()), (Some("s"), Some("e@x.org"), Some("N")));
    let ttl = p["exp"].as_u64().expect("exp") - p["iat"].as_u64().expect("iat");
    assert_eq!(ttl, 3600, "--ttl 1h");
    let p = payload(&second);
    assert_eq!(p["exp"].as_u64().expect("exp") - p["iat"].as_u64().expect("iat"), 3600, "the default ttl is 1h");
    assert!(p.get("name").is_none_or(Value::is_null));
}

#[test]
fn concurrent_token_calls_agree_on_one_generated_secret() {
    let dir = TempDir::new();
    let url = dir.database_url();
    let children: Vec<Child> = (0..8)
        .map(|i| {
            orgraph(dir.path())
                .args(["token", "--sub", &format!("s{i}"), "--email", "e@x.org", "--create-secret"])
                .env("DATABASE_URL", &url)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("wait");
            assert_success(&out, "orgraph token");
            stdout(&out).trim().to_string()
        })
        .collect();
    let secret = std::fs::read(dir.path().join("orgraph-secret")).expect("secret");
    for t in &tokens {
        assert!(verifies_with(t, &secret), "every token is signed with the secret kept on disk");
    }
}

#[test]
fn token_uses_a_configured_secret_and_refuses_a_short_one() {
    let dir = TempDir::new();
    let secret = "a-configured-secret-of-more-than-32-bytes";
    let t = mint(dir.path(), &[("ORGRAPH_JWT_SECRET", secret)], &["--sub", "s", "--email", "e@x.org", "--ttl", "30m"]);
    assert!(verifies_with(&t, secret.as_bytes()));
    let p = payload(&t);
    assert_eq!(p["exp"].as_u64().expect("exp") - p["iat"].as_u64().expect("iat"), 1800);
    assert!(!dir.path().join("orgraph-secret").exists(), "no secret generated when one is configured");

    let out = run(orgraph(dir.path()).args(["token", "--sub", "s", "--email", "e@x.org"]).env("ORGRAPH_JWT_SECRET", "too-short"));
    assert!(!out.status.success(), "a short secret is refused");
    assert!(stderr(&out).contains("ORGRAPH_JWT_SECRET") && stderr(&out).contains("32"), "clear message: {}", stderr(&out));
    assert!(stdout(&out).trim().is_empty(), "no token printed");

    for ttl in ["soon", "1y", "99999999999999999d"] {
        let out = run(orgraph(dir.path())
            .args(["token", "--sub", "s", "--email", "e@x.org", "--ttl", ttl])
            .env("ORGRAPH_JWT_SECRET", secret));
        assert!(!out.status.success(), "--ttl {ttl} is refused");
        assert!(stderr(&out).contains("--ttl"), "{}", stderr(&out));
    }
}

#[test]
fn token_keeps_the_secret_beside_a_database_named_with_four_slashes() {
    // sqlx reads `sqlite:////abs/x.db` as the absolute path `//abs/x.db`.
    let dir = TempDir::new();
    let url = format!("sqlite:///{}?mode=rwc", dir.path().join("x.db").display());
    let work = TempDir::new();
    mint(work.path(), &[("DATABASE_URL", url.as_str())], &["--sub", "s", "--email", "e@x.org", "--create-secret"]);
    assert!(dir.path().join("orgraph-secret").is_file(), "beside the database, not relative to the working directory");
}
