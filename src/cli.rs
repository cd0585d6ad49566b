//! The command line of RULES.md §1: `serve` (default), `migrate`, `schema`, `token`,
//! `backup` (issue 13) and `bench-authz` (issue 5).

use crate::config::{Secret, Settings, parse_duration};
use crate::http::auth::{TokenVerifier, mint_hs256_named};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "orgraph", version, about = "GraphQL access-control gateway for data-annotation platforms")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run migrations, then serve (the default). Configured by environment variables.
    #[command(after_help = env_help())]
    Serve,
    /// Run migrations only.
    #[command(after_help = env_help())]
    Migrate,
    /// Write a consistent copy of the SQLite database to FILE while the server runs.
    Backup(BackupArgs),
    /// Print the SDL of the compiled schema.
    Schema,
    /// Mint an HS256 token with the configured (or generated) secret.
    Token(TokenArgs),
    /// Measure permission decisions (cold: one grants statement; cached: in memory) for a
    /// user with 50 memberships, 10 groups, custom roles and capability grants.
    BenchAuthz(BenchArgs),
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// Where to write the copy (must not exist).
    pub file: PathBuf,
}

/// The environment variables, for `serve --help` and `migrate --help`.
fn env_help() -> String {
    let mut text = String::from("Environment variables:\n");
    for (name, meaning) in crate::config::VARIABLES {
        text.push_str(&format!("  {name}\n          {meaning}\n"));
    }
    text.push_str("\nUnknown ORGRAPH_* variables are warned about at startup.");
    text
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Database to build the fixture in (default: a fresh SQLite file in the temp dir).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Samples per measurement.
    #[arg(long, default_value_t = 2000)]
    pub iterations: usize,
}

#[derive(Args, Debug)]
pub struct TokenArgs {
    /// Subject: the identity provider's stable user id.
    #[arg(long)]
    pub sub: String,
    /// E-mail address of the user.
    #[arg(long)]
    pub email: String,
    /// Display name.
    #[arg(long)]
    pub name: Option<String>,
    /// Lifetime, e.g. `30m`, `1h`, `7d` or seconds.
    #[arg(long, default_value = "1h")]
    pub ttl: String,
    /// Generate the secret file when there is none (`orgraph serve` generates it on its
    /// first start); without this flag a missing secret is an error.
    #[arg(long)]
    pub create_secret: bool,
}

pub async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Token(args) => token(args).await,
        Command::BenchAuthz(args) => {
            crate::bench::authz::run(args.database_url, args.iterations).await.map_err(|e| format!("bench-authz: {e:?}"))
        }
        Command::Migrate => {
            let settings = settings()?;
            let _lock = crate::db::lock_sqlite(&settings)?;
            let db = crate::db::open(&settings, crate::db::Checked::EveryUse).await?;
            let ran = crate::db::migrate(&db).await.map_err(|e| format!("migrations: {e}"))?;
            tracing::info!("{}: {}", crate::db::where_is(&settings), migrations_done(&ran));
            crate::db::checkpoint(&db).await.map_err(|e| e.to_string())?;
            db.close().await.map_err(|e| e.to_string())
        }
        Command::Backup(args) => {
            let settings = Settings::from_env().map_err(|e| e.to_string())?;
            if settings.sqlite_file().is_none_or(|f| !f.is_file()) {
                return Err(format!("backup: {} is not an existing SQLite file", crate::db::where_is(&settings)));
            }
            let db = crate::db::open(&settings, crate::db::Checked::EveryUse).await?;
            crate::db::backup(&db, &args.file).await?;
            db.close().await.ok();
            tracing::info!("backup of {} written to {}", crate::db::where_is(&settings), args.file.display());
            Ok(())
        }
        Command::Serve => {
            let settings = settings()?;
            let app = crate::startup::Application::build(settings).await.map_err(|e| e.to_string())?;
            app.run_until_stopped(crate::startup::shutdown_signal()).await.map_err(|e| e.to_string())
        }
    }
}

/// Settings from the environment, warning about `ORGRAPH_*` variables nobody reads.
fn settings() -> Result<Settings, String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    for warning in Settings::unknown_env_variables() {
        tracing::warn!("{warning}");
    }
    Ok(settings)
}

fn migrations_done(ran: &[String]) -> String {
    if ran.is_empty() { "no migration pending".into() } else { format!("ran {} migrations ({})", ran.len(), ran.join(", ")) }
}

/// `orgraph token`: signs with the secret the server uses, never a secret made up on the
/// spot, and checks the token with the server's own verifier before printing it.
async fn token(args: TokenArgs) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let (secret, source) = token_secret(&settings, args.create_secret)?;
    let ttl = parse_duration(&args.ttl).map_err(|e| format!("--ttl: {e}"))?;
    if ttl.is_zero() {
        return Err("--ttl: a token must live at least one second".into());
    }
    if ttl > settings.jwt_max_lifetime {
        return Err(format!(
            "--ttl: the server accepts tokens living at most {}s (ORGRAPH_JWT_MAX_LIFETIME)",
            settings.jwt_max_lifetime.as_secs()
        ));
    }
    let (claims, name) = (&settings.idp.claims, args.name.as_deref());
    let token = mint_hs256_named(&secret, claims, &args.sub, &args.email, name, ttl).map_err(|e| e.to_string())?;
    let verifier = TokenVerifier::from_settings(&settings)?;
    verifier.verify(&token).await.map_err(|e| format!("the server would refuse this token: {e}"))?;
    eprintln!("orgraph token: signed with {source}; valid for {}s", ttl.as_secs());
    println!("{token}");
    Ok(())
}

/// The HS256 secret `serve` would verify with, and where it comes from.
fn token_secret(settings: &Settings, create: bool) -> Result<(Secret, String), String> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok((secret.clone(), "ORGRAPH_JWT_SECRET".into()));
    }
    if settings.has_identity_provider() {
        return Err("the server accepts only the identity provider's tokens (ORGRAPH_JWT_PUBLIC_KEY or \
             ORGRAPH_JWT_JWKS_URL): set ORGRAPH_JWT_SECRET as well to accept tokens of `orgraph token`"
            .into());
    }
    let path = settings.secret_file();
    let shown = std::path::absolute(&path).unwrap_or(path.clone()).display().to_string();
    let existed = path.exists();
    if !existed && !create {
        return Err(format!(
            "no secret at {shown} (the file `orgraph serve` generates beside the database of DATABASE_URL on its \
             first start): start the server first, pass --create-secret, or set ORGRAPH_JWT_SECRET"
        ));
    }
    let secret = settings.hs256_secret_or_generate().map_err(|e| e.to_string())?;
    let how = if existed { "" } else { ", created now" };
    Ok((secret, format!("the secret in {shown}{how}")))
}
