//! End-to-end: provider plugins that misbehave, through the real binary.
//!
//! The plugin is `tests/fixtures/plugins/faulty/gitform-provider-faulty`,
//! a small Python script speaking the protocol, told by the configuration
//! how to break while creating `faulty_thing.c` (after `a` and `b`, before
//! `d`): crash, exit, hang in a plan, write garbage or an over-long line,
//! answer with an error or with a result that does not decode. Each case
//! must end with a clear error that names the plugin and the resource, the
//! state holding exactly `a` and `b`, no plugin process left, and a next
//! apply that finishes the job.
//! Also: a plugin of another protocol version, discovery failures, version
//! constraints, the versioned directory layout, an apply slower than the
//! call timeout, SIGTERM and Ctrl-C (with and without plugins).

#[path = "fixtures/e2e/support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::Work;

fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plugins/faulty")
}

fn faults_config() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plugins/faults/main.tf"),
    )
    .unwrap()
}

/// A working directory with the faults configuration, the faulty plugin
/// as a development override, and a directory where each plugin process
/// writes its pid.
struct Faulty {
    work: Work,
}

impl Faulty {
    fn new() -> Faulty {
        let work = Work::main(&faults_config());
        std::fs::create_dir_all(work.path().join("pids")).unwrap();
        std::fs::create_dir_all(work.path().join("marks")).unwrap();
        Faulty { work }
    }

    fn env(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "GITFORM_PROVIDER_OVERRIDES".to_string(),
                plugin_dir().display().to_string(),
            ),
            (
                "FAULTY_PID_DIR".to_string(),
                self.work.path().join("pids").display().to_string(),
            ),
            (
                "FAULTY_MARK_DIR".to_string(),
                self.work.path().join("marks").display().to_string(),
            ),
            ("GITFORM_PLUGIN_TIMEOUT".to_string(), "2s".to_string()),
            (
                "GITFORM_PLUGIN_SHUTDOWN_GRACE".to_string(),
                "1s".to_string(),
            ),
        ];
        for (k, v) in extra {
            env.retain(|(name, _)| name != k);
            env.push((k.to_string(), v.to_string()));
        }
        env
    }

    fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> support::Run {
        let env = self.env(extra);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.work.run_env(args, &env)
    }

    /// The pids of every plugin process started so far.
    fn pids(&self) -> Vec<u32> {
        std::fs::read_dir(self.work.path().join("pids"))
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect()
    }

    /// Waits until the plugin has created the mark `name` (`apply-c`: the
    /// apply of `c` reached the plugin).
    #[track_caller]
    fn wait_for_mark(&self, name: &str) {
        let path = self.work.path().join("marks").join(name);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !path.exists() {
            assert!(Instant::now() < deadline, "the plugin never wrote {name}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every plugin process this directory saw is gone (not running, not a
    /// zombie).
    #[track_caller]
    fn assert_no_plugin_left(&self) {
        let pids = self.pids();
        assert!(!pids.is_empty(), "no plugin process was started");
        for pid in pids {
            assert!(
                !alive(pid),
                "plugin process {pid} is still there: {:?}",
                std::fs::read_to_string(format!("/proc/{pid}/stat"))
            );
        }
    }
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok()
}

/// The text with every run of whitespace made one space (the terminal
/// wraps diagnostics).
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[track_caller]
fn assert_has(text: &str, needle: &str) {
    assert!(
        flat(text).contains(&flat(needle)),
        "missing {needle:?} in:\n{text}"
    );
}

/// (behavior, the error's summary, what its detail must say).
const FAULTS: &[(&str, &str, &[&str])] = &[
    (
        "crash",
        "Error: Provider plugin exited unexpectedly",
        &[
            "exited with status 3 while applying a change to faulty_thing",
            "The plugin's last lines on stderr:",
            "RuntimeError: deliberate crash while creating c",
        ],
    ),
    (
        "exit",
        "Error: Provider plugin exited unexpectedly",
        &["exited with status 0 while applying a change to faulty_thing"],
    ),
    (
        "hang_plan",
        "Error: Provider plugin did not respond",
        &[
            "did not answer within 2s while planning a change to faulty_thing",
            "GITFORM_PLUGIN_TIMEOUT",
        ],
    ),
    (
        "huge",
        "Error: Provider plugin sent invalid data",
        &["it sent a response line longer than 64 MiB, the most gitform reads"],
    ),
    (
        "garbage",
        "Error: Provider plugin sent invalid data",
        &[
            "not a protocol message (not JSON",
            "this is not JSON, it is a stray print()",
        ],
    ),
    (
        "rpc_error",
        "Error: Provider plugin error",
        &["deliberate failure of c (JSON-RPC error -32603)"],
    ),
    (
        "bad_result",
        "Error: Provider plugin sent an invalid response",
        &["result.new_state: list needs an array"],
    ),
];

#[test]
fn a_plugin_failing_mid_apply_loses_nothing_and_leaves_no_process() {
    for (behavior, summary, details) in FAULTS {
        let f = Faulty::new();
        let var = format!("behavior={behavior}");
        let r = f.run(&["apply", "-auto-approve", "-var", &var], &[]);
        assert_eq!(r.code, 1, "{behavior}: {}\n{}", r.stdout, r.stderr);
        assert_has(&r.stderr, summary);
        assert_has(&r.stderr, "with faulty_thing.c,");
        assert_has(
            &r.stderr,
            &format!(
                "The plugin \"faulty\" ({}",
                plugin_dir().join("gitform-provider-faulty").display()
            ),
        );
        for d in *details {
            assert_has(&r.stderr, d);
        }
        // What was applied before the failure is recorded; nothing else.
        assert_eq!(
            f.work.state_list(),
            ["faulty_thing.a", "faulty_thing.b"],
            "{behavior}"
        );
        assert!(
            !r.stdout.contains("faulty_thing.d: Creating"),
            "{behavior}: {}",
            r.stdout
        );
        f.assert_no_plugin_left();
        // The next apply with a working plugin finishes the job.
        let again = f.run(&["apply", "-auto-approve"], &[]);
        assert_eq!(
            again.code, 0,
            "{behavior}: {}\n{}",
            again.stdout, again.stderr
        );
        assert_has(
            &again.stdout,
            "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.",
        );
        assert_eq!(
            f.work.state_list(),
            [
                "faulty_thing.a",
                "faulty_thing.b",
                "faulty_thing.c",
                "faulty_thing.d"
            ]
        );
        f.assert_no_plugin_left();
    }
}

#[test]
fn a_plugin_of_another_protocol_version_is_refused_naming_both_versions() {
    let f = Faulty::new();
    let r = f.run(&["apply", "-auto-approve"], &[("FAULTY_PROTOCOL", "99")]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_has(&r.stderr, "Error: Incompatible provider plugin");
    assert_has(
        &r.stderr,
        &format!(
            "The plugin \"faulty\" ({}) speaks plugin protocol version 99, but this gitform ({}) speaks protocol version 1.",
            plugin_dir().join("gitform-provider-faulty").display(),
            env!("CARGO_PKG_VERSION")
        ),
    );
    assert_has(&r.stderr, "Upgrade gitform");
    assert!(f.work.state_list().is_empty());
    f.assert_no_plugin_left();
}

#[test]
fn a_plugin_that_never_answers_the_handshake_is_stopped() {
    let w = Work::main("resource \"mute_thing\" \"x\" {}\n");
    let dir = w.path().join("plugins");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("gitform-provider-mute");
    std::fs::write(&exe, "#!/bin/sh\necho $$ > \"$PID_FILE\"\nexec sleep 600\n").unwrap();
    make_executable(&exe);
    let pid_file = w.path().join("mute.pid");
    let r = w.run_env(
        &["plan"],
        &[
            ("GITFORM_PROVIDER_OVERRIDES", dir.to_str().unwrap()),
            ("GITFORM_PLUGIN_START_TIMEOUT", "1s"),
            ("PID_FILE", pid_file.to_str().unwrap()),
        ],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_has(&r.stderr, "Error: Provider plugin did not start");
    assert_has(&r.stderr, "did not answer gitform's handshake within 1s");
    assert_has(&r.stderr, &exe.display().to_string());
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!alive(pid), "the mute plugin {pid} is still running");
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn install(w: &Work, rel: &str, script: &str) {
    let p = w.path().join(".gitform/plugins").join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, script).unwrap();
    make_executable(&p);
}

fn faulty_script() -> String {
    std::fs::read_to_string(plugin_dir().join("gitform-provider-faulty")).unwrap()
}

fn with_requirement(version: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    faulty = {{\n      source  = \"acme/faulty\"\n      version = \"{version}\"\n    }}\n  }}\n}}\n\n{}",
        faults_config()
    )
}

#[test]
fn installed_plugins_are_found_and_their_versions_checked() {
    // The versioned layout: the newest version that meets the constraint.
    // 2.0.0 would fail at once if it were chosen.
    let w = Work::main(&with_requirement("~> 1.0"));
    install(
        &w,
        "registry.terraform.io/acme/faulty/1.0.0/gitform-provider-faulty",
        &faulty_script(),
    );
    install(
        &w,
        "registry.terraform.io/acme/faulty/2.0.0/gitform-provider-faulty",
        "#!/bin/sh\nexit 1\n",
    );
    let r = w.run(&["apply", "-auto-approve"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "Apply complete! Resources: 4 added");

    // A flat install whose handshake version does not meet the constraint.
    let w = Work::main(&with_requirement("~> 2.0"));
    install(&w, "gitform-provider-faulty", &faulty_script());
    let r = w.run(&["plan"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_has(
        &r.stderr,
        "Error: Provider version does not match the configuration",
    );
    assert_has(
        &r.stderr,
        &format!(
            "The plugin \"faulty\" ({}) is version 1.0.0, but the configuration requires version \"~> 2.0\".",
            w.path().join(".gitform/plugins/gitform-provider-faulty").display()
        ),
    );
    // The diagnostic points at the required_providers entry.
    assert_has(&r.stderr, "on main.tf line 3");
}

#[test]
fn a_required_plugin_found_nowhere_says_where_gitform_looked() {
    let w = Work::main(
        "terraform {\n  required_providers {\n    ghost = {\n      source = \"acme/ghost\"\n    }\n  }\n}\n\nresource \"ghost_thing\" \"x\" {}\n",
    );
    let r = w.run(&["plan"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_has(&r.stderr, "Error: Provider not found");
    assert_has(&r.stderr, "no executable gitform-provider-ghost was found");
    assert_has(
        &r.stderr,
        "override directories: none (GITFORM_PROVIDER_OVERRIDES is not set)",
    );
    assert_has(
        &r.stderr,
        &format!(
            "{}/.gitform/plugins/registry.terraform.io/acme/ghost/VERSION/",
            w.path().display()
        ),
    );
    assert_has(
        &r.stderr,
        &format!(
            "{}/.gitform/plugins/gitform-provider-ghost",
            w.path().display()
        ),
    );
    assert_has(&r.stderr, "on main.tf line 3");
}

/// A running `gitform apply` and the lines of its stdout.
struct Running {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    /// Waits until stdout shows a line containing `needle`.
    #[track_caller]
    fn wait_for_line(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = line.contains(needle);
                    self.seen.push(line);
                    if done {
                        return;
                    }
                }
                Err(_) => panic!("gitform never printed {needle:?}: {:#?}", self.seen),
            }
        }
    }

    /// Waits for the exit (failing after a minute, so a hang shows).
    #[track_caller]
    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                self.seen.extend(self.lines.try_iter());
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("gitform did not exit: {:#?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

/// Starts `gitform -no-color apply -auto-approve ARGS` in its own process
/// group, as a shell does, with `env` over a bare environment, and waits
/// until its stdout shows `until`.
fn start_apply(work: &Work, env: &[(String, String)], args: &[&str], until: &str) -> Running {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(support::bin());
    c.env_clear();
    for k in ["PATH", "HOME", "TMPDIR"] {
        if let Ok(v) = std::env::var(k) {
            c.env(k, v);
        }
    }
    c.env("USER", "e2e");
    for (k, v) in env {
        c.env(k, v);
    }
    c.current_dir(work.path())
        .args(["-no-color", "apply", "-auto-approve"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0);
    let mut child = c.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Keeps draining stdout so gitform never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut running = Running {
        child,
        lines: rx,
        seen: Vec::new(),
    };
    running.wait_for_line(until);
    running
}

fn start_faulty_apply(f: &Faulty, args: &[&str], extra: &[(&str, &str)], until: &str) -> Running {
    start_apply(&f.work, &f.env(extra), args, until)
}

fn signal(target: &str, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, "--", target])
        .status()
        .unwrap();
    assert!(ok.success(), "kill {sig} {target}");
}

/// SIGTERM is handled like Ctrl-C (as Terraform does): the change in
/// flight finishes and is recorded, nothing new starts, and the plugin is
/// stopped cleanly.
#[test]
fn sigterm_lets_the_plugin_finish_the_change_in_flight() {
    let f = Faulty::new();
    let mut run = start_faulty_apply(
        &f,
        &["-var", "behavior=slow"],
        &[("FAULTY_SLOW_SECONDS", "3")],
        "faulty_thing.c: Creating...",
    );
    f.wait_for_mark("apply-c");
    signal(&run.pid(), "-TERM");
    let status = run.wait_exit();
    assert_eq!(status.code(), Some(1), "{:#?}", run.seen);
    assert!(
        run.seen
            .iter()
            .any(|l| l.contains("Termination signal received")),
        "{:#?}",
        run.seen
    );
    assert_eq!(
        f.work.state_list(),
        ["faulty_thing.a", "faulty_thing.b", "faulty_thing.c"],
        "the change in flight finished and was recorded; d never started"
    );
    f.assert_no_plugin_left();
}

/// A second signal (here SIGTERM after SIGTERM, with a plugin that never
/// answers) exits at once with 143, after killing the plugins; what was
/// applied before stays in the state.
#[test]
fn a_second_sigterm_kills_the_plugins_and_exits_at_once() {
    let f = Faulty::new();
    let mut run = start_faulty_apply(
        &f,
        &["-var", "behavior=hang"],
        &[],
        "faulty_thing.c: Creating...",
    );
    f.wait_for_mark("apply-c");
    signal(&run.pid(), "-TERM");
    run.wait_for_line("Gracefully shutting down");
    signal(&run.pid(), "-TERM");
    let status = run.wait_exit();
    assert_eq!(status.code(), Some(143), "{status:?}: {:#?}", run.seen);
    assert!(
        run.seen
            .iter()
            .any(|l| l.contains("Two interrupts received")),
        "{:#?}",
        run.seen
    );
    assert_eq!(f.work.state_list(), ["faulty_thing.a", "faulty_thing.b"]);
    f.assert_no_plugin_left();
}

/// An apply gets no host-side timeout (as in Terraform): a plugin slower
/// than GITFORM_PLUGIN_TIMEOUT still gets the object it created recorded.
#[test]
fn a_slow_apply_is_not_timed_out_and_its_object_is_recorded() {
    let f = Faulty::new();
    let r = f.run(
        &["apply", "-auto-approve", "-var", "behavior=slow"],
        &[
            ("FAULTY_SLOW_SECONDS", "3"),
            ("GITFORM_PLUGIN_TIMEOUT", "1s"),
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        f.work.state_list(),
        [
            "faulty_thing.a",
            "faulty_thing.b",
            "faulty_thing.c",
            "faulty_thing.d"
        ]
    );
    f.assert_no_plugin_left();
}

/// Ctrl-C in a terminal signals the whole foreground process group. The
/// plugin runs in a group of its own, so it finishes the change it is
/// making and gitform records it, as with in-process providers.
#[test]
fn ctrl_c_lets_the_plugin_finish_the_change_in_flight() {
    let f = Faulty::new();
    let mut run = start_faulty_apply(
        &f,
        &["-var", "behavior=slow"],
        &[("FAULTY_SLOW_SECONDS", "3")],
        "faulty_thing.c: Creating...",
    );
    f.wait_for_mark("apply-c");
    signal(&format!("-{}", run.pid()), "-INT");
    let status = run.wait_exit();
    assert_ne!(
        status.code(),
        Some(0),
        "an interrupted apply is not a success"
    );
    assert_eq!(
        f.work.state_list(),
        ["faulty_thing.a", "faulty_thing.b", "faulty_thing.c"],
        "the change in flight finished and was recorded; d never started"
    );
    f.assert_no_plugin_left();
}

/// SIGTERM during an apply with in-process providers only (no plugin):
/// the same graceful path. `b` is in flight (the `test` provider sleeps
/// `delay_ms`); it finishes and is recorded, `c` never starts, and gitform
/// exits as soon as `b` is done rather than being killed outright or
/// running to the end.
#[test]
fn sigterm_without_plugins_finishes_the_change_in_flight() {
    let w = Work::main(
        "resource \"test_resource\" \"a\" {\n  value = \"a\"\n}\n\nresource \"test_resource\" \"b\" {\n  value    = test_resource.a.value\n  delay_ms = 2000\n}\n\nresource \"test_resource\" \"c\" {\n  value    = test_resource.b.value\n  delay_ms = 600000\n}\n",
    );
    let mut run = start_apply(&w, &[], &[], "test_resource.b: Creating...");
    signal(&run.pid(), "-TERM");
    let status = run.wait_exit();
    assert_eq!(status.code(), Some(1), "{status:?}: {:#?}", run.seen);
    assert!(
        run.seen
            .iter()
            .any(|l| l.contains("test_resource.b: Creation complete")),
        "{:#?}",
        run.seen
    );
    assert!(
        !run.seen
            .iter()
            .any(|l| l.contains("test_resource.c: Creating")),
        "{:#?}",
        run.seen
    );
    assert_eq!(w.state_list(), ["test_resource.a", "test_resource.b"]);
}

/// A plugin's stderr lines are gitform log events, prefixed with its name,
/// shown when GITFORM_LOG asks for them (and not otherwise).
#[test]
fn plugin_stderr_goes_to_the_log_prefixed_with_its_name() {
    let f = Faulty::new();
    let quiet = f.run(&["plan"], &[]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(
        !quiet.stderr.contains("faulty plugin started"),
        "{}",
        quiet.stderr
    );
    let r = f.run(&["plan"], &[("GITFORM_LOG", "gitform::plugin=info")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_has(&r.stderr, "faulty: INFO faulty plugin started, pid");
    assert_has(&r.stderr, "faulty: INFO shutting down");
}
