//! The real `bbb-gateway` binary: admin commands run to completion, and `serve` processes
//! that tests start, probe, terminate and kill.

use std::{
    fs::File,
    io::Write,
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use store::TestDb;

pub const BINARY: &str = env!("CARGO_BIN_EXE_bbb-gateway");
/// HS256 key of the gateway processes.
pub const JWT_SECRET: &str = "jwt-secret-of-the-process-tests-0123456789";

/// An HTTP client for talking to gateway processes.
pub fn http() -> reqwest::Client {
    // reqwest is built without a crypto provider (the workspace picks ring); install it in
    // case no BBB client did so in this test process yet.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The environment that points the binary at `db` with its secret key.
pub fn database_env(db: &TestDb) -> Vec<(&'static str, String)> {
    vec![
        ("BBB_GATEWAY_DATABASE_URL", db.url().to_owned()),
        ("BBB_GATEWAY_SECRET_KEY", db.key().to_base64()),
        ("BBB_GATEWAY_JWT__SECRET", JWT_SECRET.to_owned()),
        // The tests' simulators run on 127.0.0.1; the default admits public addresses only.
        (
            "BBB_GATEWAY_OUTBOUND__ALLOW",
            r#"["127.0.0.0/8"]"#.to_owned(),
        ),
    ]
}

fn command(env: &[(&str, String)], args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command.args(args).env_remove("RUST_LOG");
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// Runs an admin command against `db` to completion, with `stdin` as its standard input.
pub async fn admin(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Finished {
    run_to_end(&database_env(db), args, stdin).await
}

/// Runs a command with the environment `env` to completion.
pub async fn run_to_end(env: &[(&str, String)], args: &[&str], stdin: Option<&str>) -> Finished {
    let mut command = command(env, args);
    let stdin = stdin.map(str::to_owned);
    let description = args.join(" ");
    let output = tokio::task::spawn_blocking(move || -> std::io::Result<Output> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut input = child.stdin.take().expect("piped stdin");
        if let Some(stdin) = stdin {
            input.write_all(stdin.as_bytes())?;
        }
        drop(input);
        child.wait_with_output()
    })
    .await
    .unwrap()
    .unwrap();
    Finished {
        description,
        success: output.status.success(),
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// What an admin command did.
#[derive(Debug)]
pub struct Finished {
    pub description: String,
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// Its standard output; panics (showing everything) when it failed.
    pub fn ok(self) -> String {
        assert!(
            self.success,
            "`bbb-gateway {}` failed: {self:#?}",
            self.description
        );
        self.stdout
    }

    /// Its error message; panics when it succeeded. Failures exit with status 1 and one line
    /// `bbb-gateway: …` (clap's own usage errors exit with 2).
    pub fn failed(self) -> String {
        assert!(
            !self.success,
            "`bbb-gateway {}` succeeded: {self:#?}",
            self.description
        );
        assert_eq!(self.code, Some(1), "{self:#?}");
        let message = self.stderr.trim();
        assert!(message.starts_with("bbb-gateway: "), "{self:#?}");
        message.to_owned()
    }
}

/// A free port on 127.0.0.1 (free when asked; the binary binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `bbb-gateway serve` process; killed when dropped.
pub struct Gateway {
    pub child: Child,
    pub address: String,
    /// Where its standard error (the log) goes.
    pub log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Gateway {
    /// Starts `serve` with the environment `env` and extra arguments, and waits until it
    /// answers `/healthz`.
    pub async fn start(env: &[(&str, String)], args: &[&str]) -> Gateway {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("stderr.log");
        let mut all_args = vec!["serve", "--listen", &listen];
        all_args.extend_from_slice(args);
        let child = command(env, &all_args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let gateway = Gateway {
            child,
            address: format!("http://{listen}"),
            log,
            _dir: dir,
        };
        gateway.wait_until_up().await;
        gateway
    }

    async fn wait_until_up(&self) {
        let client = http();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(response) = client.get(self.url("/healthz")).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the gateway did not come up; its log:\n{}", self.log_text());
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end by itself; panics after `limit`.
    pub async fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the gateway did not stop within {limit:?}; its log:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// The value of an unlabelled gauge on `/metrics`.
    pub async fn gauge(&self, name: &str) -> Option<i64> {
        let text = http()
            .get(self.url("/metrics"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|value| value.trim().parse().ok())
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
