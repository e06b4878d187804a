//! Checksum cost per algorithm: the work the simulator (and the gateway) does to verify each
//! request. A plain timing loop, printing ns/op and MB/s; run with
//! `cargo bench -p bbb-sim --bench checksum`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bbb_client::checksum::{ChecksumAlgorithm, checksum, split_checksum, verify};

const SECRET: &str = "639259d4-9dd8-4b25-bf01-95f9567eaf4b";
const BUDGET: Duration = Duration::from_millis(700);

/// Runs `f` repeatedly for about [`BUDGET`] and returns nanoseconds per call.
fn time(mut f: impl FnMut()) -> f64 {
    for _ in 0..1_000 {
        f();
    }
    let mut iterations = 0u64;
    let started = Instant::now();
    while started.elapsed() < BUDGET {
        for _ in 0..1_000 {
            f();
        }
        iterations += 1_000;
    }
    started.elapsed().as_nanos() as f64 / iterations as f64
}

fn main() {
    let typical = "meetingID=f3b1c0de-room-42&fullName=Ada+Lovelace&role=MODERATOR&userID=u-1234&redirect=false";
    let create = format!(
        "name=Weekly+Sync&meetingID=f3b1c0de-room-42&record=true&{}",
        (0..20)
            .map(|i| format!("meta_bbb-context-{i}=some+value+{i}"))
            .collect::<Vec<_>>()
            .join("&")
    );
    println!(
        "{:<8} {:>7} {:>12} {:>10} {:>14}",
        "alg", "query", "op", "ns/op", "MB/s hashed"
    );
    for (label, query) in [("join", typical), ("create", create.as_str())] {
        let hashed_bytes = label.len() + query.len() + SECRET.len();
        for algorithm in ChecksumAlgorithm::ALL {
            let sum = checksum(algorithm, label, query, SECRET);
            let sign_ns = time(|| {
                black_box(checksum(
                    algorithm,
                    black_box(label),
                    black_box(query),
                    SECRET,
                ));
            });
            let verify_ns = time(|| {
                black_box(verify(
                    black_box(label),
                    black_box(query),
                    SECRET,
                    black_box(&sum),
                ));
            });
            let raw = format!("{query}&checksum={sum}");
            let gate_ns = time(|| {
                let split = split_checksum(black_box(&raw)).unwrap();
                black_box(verify(label, &split.signed, SECRET, split.checksum));
            });
            for (op, ns) in [
                ("sign", sign_ns),
                ("verify", verify_ns),
                ("split+verify", gate_ns),
            ] {
                let mb_per_s = hashed_bytes as f64 / ns * 1e9 / 1e6;
                println!(
                    "{:<8} {:>7} {:>12} {:>10.0} {:>14.1}",
                    algorithm.name(),
                    format!("{}B", query.len()),
                    op,
                    ns,
                    mb_per_s
                );
            }
        }
    }
}
