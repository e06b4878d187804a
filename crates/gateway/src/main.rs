//! The `bbb-gateway` binary: see `bbb-gateway --help`.

use std::process::ExitCode;

use clap::Parser;
use gateway::cli::{Cli, run};

// A request's work beyond the database is mostly allocating and freeing small values (rows,
// strings, futures, JSON), spread over the HTTP workers and the database threads; mimalloc's
// per-thread free lists do that with less CPU and less fragmentation than glibc's arenas. Built
// without transparent huge pages (`no_thp`): with them, each thread's sparsely used arena came in
// 2 MiB pages, 73 MiB resident after a mixed load instead of 49.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
