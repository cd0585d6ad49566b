//! The command line of RULES.md §1: `serve` (default), `migrate`, `schema`, `token`, and
//! `bench-authz` (issue 5).

use crate::config::{Settings, parse_duration};
use crate::http::auth::mint_hs256_named;
use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "orgraph", version, about = "GraphQL access-control gateway for data-annotation platforms")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run migrations, then serve (the default).
    Serve,
    /// Run migrations only.
    Migrate,
    /// Print the SDL of the compiled schema.
    Schema,
    /// Mint an HS256 token with the configured (or generated) secret.
    Token(TokenArgs),
    /// Measure permission decisions (cold: one grants statement; cached: in memory) for a
    /// user with 50 memberships, 10 groups, custom roles and capability grants.
    BenchAuthz(BenchArgs),
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
}

pub async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Token(args) => {
            let settings = Settings::from_env().map_err(|e| e.to_string())?;
            let secret = settings.hs256_secret_or_generate().map_err(|e| e.to_string())?;
            let ttl = parse_duration(&args.ttl).map_err(|e| format!("--ttl: {e}"))?;
            if ttl > settings.jwt_max_lifetime {
                return Err(format!(
                    "--ttl: the server accepts tokens living at most {}s (ORGRAPH_JWT_MAX_LIFETIME)",
                    settings.jwt_max_lifetime.as_secs()
                ));
            }
            let (claims, name) = (&settings.idp.claims, args.name.as_deref());
            let token = mint_hs256_named(&secret, claims, &args.sub, &args.email, name, ttl).map_err(|e| e.to_string())?;
            println!("{token}");
            Ok(())
        }
        Command::BenchAuthz(args) => {
            crate::authz::bench::run(args.database_url, args.iterations).await.map_err(|e| format!("bench-authz: {e:?}"))
        }
        Command::Migrate => {
            let settings = Settings::from_env().map_err(|e| e.to_string())?;
            let db = crate::db::connect(&settings).await.map_err(|e| format!("database: {e}"))?;
            crate::db::migrate(&db).await.map_err(|e| format!("migrations: {e}"))?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Serve => {
            let settings = Settings::from_env().map_err(|e| e.to_string())?;
            let app = crate::startup::Application::build(settings).await.map_err(|e| e.to_string())?;
            app.run_until_stopped(crate::startup::shutdown_signal()).await.map_err(|e| e.to_string())
        }
    }
}
