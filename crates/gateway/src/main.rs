//! The `bbb-gateway` binary: see `bbb-gateway --help`.

use std::process::ExitCode;

use clap::Parser;
use gateway::cli::{Cli, run};

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Every cause once, after the message (errors never repeat their sources).
            eprintln!("bbb-gateway: {}", service::ErrorChain(&error));
            ExitCode::FAILURE
        }
    }
}
