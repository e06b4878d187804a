//! A real third-party BBB client library drives a full scenario against the endpoint: the npm
//! package `bigbluebutton-js` (tests/third_party/bigbluebutton-js/scenario.js), as two
//! tenants, over three simulated servers.
//!
//! Needs `node` and the package installed (`npm ci --prefix tests/third_party/bigbluebutton-js`);
//! `.ci/run` does both and runs this test with `--run-ignored`.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Harness;
use store::TokenScope;

#[tokio::test]
#[ignore = "needs node and `npm ci` in tests/third_party/bigbluebutton-js (run by .ci/run)"]
async fn bigbluebutton_js_runs_a_full_scenario() {
    let h = Harness::start(3).await;
    let a = h.token("moodle", TokenScope::Token, None).await;
    let b = h.token("nextcloud", TokenScope::Token, None).await;
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/third_party/bigbluebutton-js");
    assert!(
        dir.join("node_modules/bigbluebutton-js").is_dir(),
        "run `npm ci --prefix {}` first",
        dir.display()
    );
    // bigbluebutton-js appends `/api/<call>` to the URL it is given.
    let base = |tok: &common::Tok| format!("{}/t/{}/bigbluebutton", h.base, tok.token.guid);
    let mut command = Command::new("node");
    command
        .arg("scenario.js")
        .current_dir(&dir)
        .env("BBB_A_URL", base(&a))
        .env("BBB_A_SECRET", &a.secret)
        .env("BBB_B_URL", base(&b))
        .env("BBB_B_SECRET", &b.secret);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "scenario failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("bigbluebutton-js scenario: all steps passed"));
    h.stop().await;
}
