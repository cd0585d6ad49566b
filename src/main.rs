//! The `orgraph` binary: telemetry → config → command.

use clap::Parser;
use orgraph::cli::{Cli, Command};

// Why mimalloc: see its line in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    // Held until main returns: flushes log lines and exported traces.
    let _telemetry = if matches!(command, Command::Schema | Command::Token(_)) {
        None
    } else {
        match orgraph::telemetry::init() {
            Ok(guard) => Some(guard),
            Err(err) => {
                eprintln!("orgraph: {err}");
                return std::process::ExitCode::FAILURE;
            }
        }
    };
    match orgraph::cli::run(command).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("orgraph: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
