//! Starting and stopping `moto_server` on a free loopback port.

use crate::wire::{self, Request};
use crate::{account, Error};
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How to start moto. `Options::default()` reads `MOTO_SERVER` (the
/// program, default `moto_server` on the `PATH`).
#[derive(Clone, Debug)]
pub struct Options {
    /// The `moto_server` executable.
    pub program: PathBuf,
    /// Extra environment for moto, e.g. `MOTO_ENABLE_AMI_VALIDATION=true`.
    pub env: Vec<(String, String)>,
    /// How long to wait for `/moto-api/` to answer.
    pub ready_timeout: Duration,
    /// Send one EC2 call before returning, so the first test does not pay
    /// moto's data loading (about 1.5 s).
    pub warm_up: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            program: std::env::var_os("MOTO_SERVER")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("moto_server")),
            env: Vec::new(),
            ready_timeout: Duration::from_secs(60),
            warm_up: true,
        }
    }
}

/// A running `moto_server` on 127.0.0.1.
///
/// The child is a small `sh` wrapper that starts `moto_server` and kills
/// it when its standard input closes: when this value is dropped, and also
/// when the test process exits without dropping it (a `static`), so no
/// moto outlives its test binary. Drop waits for the wrapper, so no zombie
/// is left either.
#[derive(Debug)]
pub struct Moto {
    addr: SocketAddr,
    pid: u32,
    log: PathBuf,
    wrapper: Option<Child>,
    stdin: Option<ChildStdin>,
}

/// The wrapper: `$0` is the program, `$1` the port, `$2` the log file. It
/// prints moto's pid, then waits for moto; a watcher reading the original
/// standard input (kept as fd 3) kills moto when that input ends.
const WRAPPER: &str = r#"exec 3<&0
"$0" -H 127.0.0.1 -p "$1" </dev/null >>"$2" 2>&1 3<&- &
m=$!
echo "$m"
( read -r _ <&3; kill "$m" 2>/dev/null ) &
wait "$m"
"#;

impl Moto {
    /// Starts moto with the default options.
    pub fn start() -> Result<Moto, Error> {
        Moto::start_with(&Options::default())
    }

    /// Starts moto on a free port (retrying on another port if the chosen
    /// one was taken in between) and waits until it answers.
    pub fn start_with(options: &Options) -> Result<Moto, Error> {
        let mut last = None;
        for _ in 0..3 {
            match start_once(options) {
                Ok(moto) => return Ok(moto),
                Err(e @ Error::Missing { .. }) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::NotReady {
            detail: "no attempt made".into(),
            log_tail: String::new(),
        }))
    }

    /// The moto process shared by this test binary, started on first use.
    /// Tests isolate themselves with their own account id
    /// ([`account::unique_id`], usually through a [`crate::Proxy`]).
    pub fn shared() -> Result<&'static Moto, Error> {
        static SHARED: OnceLock<Result<Moto, Error>> = OnceLock::new();
        SHARED
            .get_or_init(Moto::start)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The address moto listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The pid of the `moto_server` process itself.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The file moto's output goes to.
    pub fn log_path(&self) -> &std::path::Path {
        &self.log
    }

    /// `POST /moto-api/reset`: forgets every account's state.
    pub fn reset(&self) -> Result<(), Error> {
        let resp = wire::send(
            self.addr,
            &Request::new("POST", "/moto-api/reset", Vec::new()),
            Duration::from_secs(30),
        )
        .map_err(|e| Error::io("POST /moto-api/reset", e))?;
        if resp.status != 200 {
            return Err(Error::Http {
                request: "POST /moto-api/reset".into(),
                status: resp.status,
                body: resp.text(),
            });
        }
        Ok(())
    }

    /// Stops moto now and waits for it to exit.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        // Closing the wrapper's input makes it kill moto and exit.
        drop(self.stdin.take());
        if let Some(mut child) = self.wrapper.take() {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    Ok(None) => {
                        let _ = Command::new("kill")
                            .args(["-9", &self.pid.to_string()])
                            .status();
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A port nobody listens on right now.
fn free_port() -> Result<u16, Error> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| Error::io("bind 127.0.0.1:0", e))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::io("local_addr", e))?
        .port();
    Ok(port)
}

fn start_once(options: &Options) -> Result<Moto, Error> {
    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let log = std::env::temp_dir().join(format!("gitform-moto-{}-{port}.log", std::process::id()));
    let program = resolve_program(&options.program)?;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(WRAPPER)
        .arg(&program)
        .arg(port.to_string())
        .arg(&log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in &options.env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().map_err(|e| Error::io("spawn sh", e))?;
    let stdin = child.stdin.take();
    let pid = child
        .stdout
        .take()
        .and_then(|out| {
            let mut line = String::new();
            BufReader::new(out).read_line(&mut line).ok()?;
            line.trim().parse().ok()
        })
        .unwrap_or(0);
    let mut moto = Moto {
        addr,
        pid,
        log,
        wrapper: Some(child),
        stdin,
    };
    wait_ready(&mut moto, options.ready_timeout)?;
    if options.warm_up {
        // Loads moto's EC2 data (AMIs, instance types) for the default
        // account; other accounts share the loaded files.
        crate::query::Ec2::new(moto.addr, &account::unique_id())
            .call("DescribeAvailabilityZones", &[])
            .map_err(|e| Error::NotReady {
                detail: format!("warm-up call failed: {e}"),
                log_tail: log_tail(&moto.log),
            })?;
    }
    Ok(moto)
}

/// Finds the program on the `PATH` (or checks the given path) so that a
/// missing moto is reported as such rather than as a timeout.
fn resolve_program(program: &std::path::Path) -> Result<PathBuf, Error> {
    let missing = || Error::Missing {
        program: program.display().to_string(),
    };
    if program.components().count() > 1 {
        return if program.is_file() {
            Ok(program.to_path_buf())
        } else {
            Err(missing())
        };
    }
    let path = std::env::var_os("PATH").ok_or_else(missing)?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .ok_or_else(missing)
}

fn wait_ready(moto: &mut Moto, timeout: Duration) -> Result<(), Error> {
    let start = Instant::now();
    let probe = Request::new("GET", "/moto-api/", Vec::new());
    let mut last_error = String::from("no answer yet");
    while start.elapsed() < timeout {
        if let Some(child) = moto.wrapper.as_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(Error::NotReady {
                    detail: format!("moto_server exited ({status}) before it was ready"),
                    log_tail: log_tail(&moto.log),
                });
            }
        }
        match wire::send(moto.addr, &probe, Duration::from_secs(2)) {
            Ok(resp) if resp.status == 200 => return Ok(()),
            Ok(resp) => last_error = format!("GET /moto-api/ answered {}", resp.status),
            Err(e) => last_error = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(Error::NotReady {
        detail: format!(
            "moto_server did not answer on {} within {:?} ({last_error})",
            moto.addr, timeout
        ),
        log_tail: log_tail(&moto.log),
    })
}

/// The last lines of moto's log, for error messages.
fn log_tail(path: &std::path::Path) -> String {
    let mut text = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = f.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Whether the `CI` environment variable asks AWS tests to fail rather
/// than skip when moto is unavailable.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// The shared moto, or `None` after printing a clear skip message. When
/// `CI` is set, a moto that cannot start fails the test instead:
///
/// ```no_run
/// let Some(moto) = gitform_moto::shared_or_skip("my_test") else { return };
/// ```
pub fn shared_or_skip(test: &str) -> Option<&'static Moto> {
    match Moto::shared() {
        Ok(moto) => Some(moto),
        Err(e) if in_ci() => panic!(
            "{test}: moto is required when CI is set, and it could not start: {e}\n\
             Install it with: python3 -m pip install 'moto[server]'"
        ),
        Err(e) => {
            eprintln!(
                "SKIPPED {test}: {e}\n  (install moto with `python3 -m pip install 'moto[server]'`; \
                 with CI=true this is a failure)"
            );
            None
        }
    }
}
