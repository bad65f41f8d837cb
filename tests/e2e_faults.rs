//! End-to-end: faults — a failing create among successes, failing updates
//! and deletes, two applies at once (the state lock), and an apply killed
//! with SIGKILL halfway through.

#[path = "fixtures/e2e/support.rs"]
mod support;

use gitform_state::{SqliteStore, StateStore};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use support::{action_list, actions, expect_actions, Work};

#[test]
fn partial_failure_keeps_the_successes_and_taints_the_failure() {
    let w = Work::fixture("faults/partial");
    let r = w.run(&["apply", "-auto-approve"]).code(1);
    let r = r
        .stderr_has("Error: Test resource failure")
        .stderr_has("boom from bad")
        .stderr_has("with test_resource.bad");
    assert!(!r.stdout.contains("Apply complete!"), "{}", r.stdout);
    // The independent successes and the failed object are recorded;
    // its dependents were never created.
    assert_eq!(
        w.state_list(),
        [
            "test_resource.bad",
            "test_resource.ok[0]",
            "test_resource.ok[1]",
            "test_resource.ok[2]",
        ]
    );
    let res = w.state_resources();
    assert_eq!(res["test_resource.bad"]["tainted"], true);
    for i in 0..3 {
        assert_eq!(res[&format!("test_resource.ok[{i}]")]["tainted"], false);
    }
    // The next plan replaces the tainted object and creates the dependents.
    let plan = w
        .plan_code(&["-var", "fail=false"])
        .code(2)
        .stdout_has("# test_resource.bad is tainted, so must be replaced");
    assert_eq!(
        plan.plan_line().as_deref(),
        Some("Plan: 3 to add, 0 to change, 1 to destroy.")
    );
    assert_eq!(
        action_list(&w.plan_json(&["-var", "fail=false"])),
        expect_actions(&[
            ("test_resource.bad", "delete,create"),
            ("test_resource.child", "create"),
            ("test_resource.grandchild", "create"),
        ])
    );
    let bad_id = res["test_resource.bad"]["values"]["id"].clone();
    w.apply(&["-var", "fail=false"])
        .stdout_has("Resources: 3 added, 0 changed, 1 destroyed.");
    let res = w.state_resources();
    assert_eq!(res.len(), 6);
    assert_eq!(res["test_resource.bad"]["tainted"], false);
    assert_ne!(res["test_resource.bad"]["values"]["id"], bad_id);
    let child = res["test_resource.child"]["values"]["value"]
        .as_str()
        .unwrap();
    assert_eq!(
        child,
        format!(
            "child of {}",
            res["test_resource.bad"]["values"]["id"].as_str().unwrap()
        )
    );
    assert_eq!(res["test_resource.grandchild"]["values"]["value"], child);
    w.plan_code(&["-var", "fail=false"]).code(0);
}

#[test]
fn a_failure_that_persists_is_retried_each_apply() {
    let w = Work::fixture("faults/partial");
    w.run(&["apply", "-auto-approve"]).code(1);
    let first = w.state_resources()["test_resource.bad"]["values"]["id"].clone();
    // Still failing: replaced again, still tainted, successes untouched.
    w.run(&["apply", "-auto-approve"])
        .code(1)
        .stderr_has("boom from bad");
    let res = w.state_resources();
    assert_eq!(res.len(), 4);
    assert_eq!(res["test_resource.bad"]["tainted"], true);
    assert_ne!(res["test_resource.bad"]["values"]["id"], first);
}

#[test]
fn failed_update_and_failed_delete_keep_the_prior_object() {
    let w = Work::fixture("faults/update_delete");
    w.apply(&[]);
    let id = w.state_resources()["test_resource.u"]["values"]["id"].clone();
    w.run(&[
        "apply",
        "-auto-approve",
        "-var",
        "value=two",
        "-var",
        "fail_update=true",
    ])
    .code(1)
    .stderr_has("Test resource failure")
    .stderr_has("fail_on_update");
    let u = &w.state_resources()["test_resource.u"];
    assert_eq!(u["values"]["value"], "one");
    assert_eq!(u["values"]["id"], id);
    assert_eq!(u["tainted"], false);
    // Deletion fails: the object stays, the bystander goes.
    w.apply(&["-var", "fail_delete=true"]);
    w.run(&["destroy", "-auto-approve", "-var", "fail_delete=true"])
        .code(1)
        .stderr_has("fail_on_delete");
    assert_eq!(w.state_list(), ["test_resource.u"]);
    // Once allowed, it goes.
    w.apply(&["-var", "fail_delete=false"]);
    w.run(&["destroy", "-auto-approve"]).ok();
    assert!(w.state_list().is_empty());
}

/// Collects a child's stdout lines on a thread.
struct Lines {
    lines: Arc<Mutex<Vec<String>>>,
    reader: JoinHandle<()>,
}

impl Lines {
    fn follow(child: &mut Child) -> Self {
        let out = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                sink.lock().unwrap().push(l);
            }
        });
        Lines { lines, reader }
    }

    fn count(&self, needle: &str) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Waits until `n` lines contain `needle`.
    #[track_caller]
    fn wait_for(&self, needle: &str, n: usize, child: &mut Child) {
        let t0 = Instant::now();
        while self.count(needle) < n {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the apply ended ({status}) before printing {n} x {needle:?}:\n{}",
                    self.lines.lock().unwrap().join("\n")
                );
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "timed out waiting for {needle:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn finish(self) -> Vec<String> {
        self.reader.join().unwrap();
        Arc::try_unwrap(self.lines).unwrap().into_inner().unwrap()
    }
}

fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut s);
    }
    s
}

#[test]
fn a_second_apply_fails_fast_on_the_lock() {
    let w = Work::fixture("faults/slow");
    let mut first = w.spawn(&["apply", "-auto-approve", "-parallelism", "50"]);
    let lines = Lines::follow(&mut first);
    // Creating... is printed after the lock is taken.
    lines.wait_for(": Creating...", 1, &mut first);
    let store = SqliteStore::open(&w.path().join(".gitform/state.db")).unwrap();
    let lock = store.current_lock().unwrap().expect("the lock row exists");
    assert_eq!(lock.pid, first.id());
    assert_eq!(lock.operation, "OperationTypeApply");
    drop(store);

    let t0 = Instant::now();
    let second = w.run(&["apply", "-auto-approve"]);
    let took = t0.elapsed();
    let second = second
        .code(1)
        .stderr_has("Error acquiring the state lock")
        .stderr_has("OperationTypeApply")
        .stderr_has("e2e@")
        .stderr_has(&first.id().to_string())
        .stderr_has(&lock.id);
    assert!(
        took < Duration::from_secs(3),
        "the second apply took {took:?}"
    );
    assert!(!second.stdout.contains("Creating..."), "{}", second.stdout);
    // Read-only commands still work; a plan needs the lock too.
    w.run(&["plan"])
        .code(1)
        .stderr_has("Error acquiring the state lock");
    w.run(&["state", "list"]).ok();

    let status = first.wait().unwrap();
    let err = stderr_of(&mut first);
    let out = lines.finish();
    assert!(
        status.success(),
        "first apply failed: {err}\n{}",
        out.join("\n")
    );
    assert!(
        out.iter()
            .any(|l| l.contains("Apply complete! Resources: 50 added, 0 changed, 0 destroyed.")),
        "{}",
        out.join("\n")
    );
    assert_eq!(w.state_list().len(), 50);
    // The lock was released.
    w.plan_code(&[]).code(0);
}

/// The addresses of `test_resource.r[i]`.
fn addr(i: usize) -> String {
    format!("test_resource.r[{i}]")
}

/// Kills an apply of 500 slow creates halfway, then checks that the
/// state is consistent and the next plan creates exactly the rest.
#[test]
fn sigkill_halfway_loses_nothing() {
    let w = Work::fixture("faults/many");
    let mut apply = w.spawn(&["apply", "-auto-approve", "-parallelism", "10"]);
    let lines = Lines::follow(&mut apply);
    lines.wait_for(": Creation complete after", 30, &mut apply);
    apply.kill().unwrap(); // SIGKILL
    apply.wait().unwrap();
    let out = lines.finish();
    let reported: BTreeSet<String> = out
        .iter()
        .filter(|l| l.contains(": Creation complete after"))
        .filter_map(|l| l.split(": ").next().map(str::to_string))
        .collect();

    // The dead holder's lock is taken over, with a warning.
    let r = w.run(&["plan"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("Took over a stale state lock")
            || r.stderr.contains("Took over a stale state lock"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );

    let list = w.state_list();
    let recorded: BTreeSet<String> = list.iter().cloned().collect();
    assert_eq!(recorded.len(), list.len(), "duplicates in the state");
    assert!(
        recorded.len() >= 30 && recorded.len() < 500,
        "{}",
        recorded.len()
    );
    let all: BTreeSet<String> = (0..500).map(addr).collect();
    assert!(recorded.is_subset(&all), "{recorded:?}");
    // What the killed apply reported as created is in the state (a kill can
    // land between the report and the write: allow at most one in-flight batch).
    let lost: Vec<&String> = reported.difference(&recorded).collect();
    assert!(
        lost.len() <= 10,
        "reported created but not recorded: {lost:?}"
    );
    for (a, r) in w.state_resources() {
        assert_eq!(r["tainted"], false, "{a}");
        let i: usize = a
            .trim_start_matches("test_resource.r[")
            .trim_end_matches(']')
            .parse()
            .unwrap();
        assert_eq!(r["values"]["value"], format!("v{i}"), "{a}");
    }

    // The plan creates exactly the instances the state lacks.
    let plan = w.plan_json(&[]);
    let acts = actions(&plan);
    let creates: BTreeSet<String> = acts
        .iter()
        .filter(|(_, a)| a.as_slice() == ["create"])
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(creates.len(), acts.len(), "only creates: {acts:?}");
    let missing: BTreeSet<String> = all.difference(&recorded).cloned().collect();
    assert_eq!(creates, missing);
    assert_eq!(plan["summary"]["add"], 500 - recorded.len());

    // Finish the job quickly.
    w.apply(&["-parallelism", "100"]).stdout_has(&format!(
        "Resources: {} added, 0 changed, 0 destroyed.",
        missing.len()
    ));
    let list = w.state_list();
    assert_eq!(list.len(), 500);
    assert_eq!(list.iter().cloned().collect::<BTreeSet<_>>(), all);
    w.plan_code(&[]).code(0);
}

/// Ctrl-C in the middle of an apply: nothing new starts, what is running
/// finishes and is recorded, and the next plan creates exactly the rest.
#[test]
fn interrupt_halfway_finishes_in_flight_work() {
    let w = Work::fixture("faults/many");
    let mut apply = w.spawn(&["apply", "-auto-approve", "-parallelism", "10"]);
    let lines = Lines::follow(&mut apply);
    lines.wait_for(": Creation complete after", 20, &mut apply);
    let sent = std::process::Command::new("kill")
        .args(["-INT", &apply.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = apply.wait().unwrap();
    let out = lines.finish();
    assert_eq!(status.code(), Some(1), "{out:?}");
    assert!(
        out.iter().any(|l| l.contains("Interrupt received")),
        "{out:?}"
    );
    let reported: BTreeSet<String> = out
        .iter()
        .filter(|l| l.contains(": Creation complete after"))
        .filter_map(|l| l.split(": ").next().map(str::to_string))
        .collect();

    // A graceful stop releases the lock: the next plan needs no takeover.
    let r = w.run(&["plan"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("stale state lock"), "{}", r.stderr);
    let recorded: BTreeSet<String> = w.state_list().into_iter().collect();
    // Everything reported as created is recorded, and nothing else.
    assert_eq!(recorded, reported);
    assert!(
        recorded.len() < 500,
        "the interrupt stopped the apply early"
    );
    let all: BTreeSet<String> = (0..500).map(addr).collect();
    let plan = w.plan_json(&[]);
    assert_eq!(plan["summary"]["add"], 500 - recorded.len());
    let creates: BTreeSet<String> = actions(&plan).into_keys().collect();
    assert_eq!(
        creates,
        all.difference(&recorded).cloned().collect::<BTreeSet<_>>()
    );
}

/// `plan -json` must print only JSON on stdout, even when it has to warn
/// (here: taking over the lock of a killed apply).
#[test]
fn plan_json_stays_json_after_a_lock_takeover() {
    let w = Work::main(
        "resource \"test_resource\" \"r\" {\n  count    = 20\n  value    = \"v\"\n  delay_ms = 5000\n}\n",
    );
    let mut apply = w.spawn(&["apply", "-auto-approve"]);
    let lines = Lines::follow(&mut apply);
    lines.wait_for(": Creating...", 1, &mut apply);
    apply.kill().unwrap();
    apply.wait().unwrap();
    lines.finish();
    let r = w.run(&["plan", "-json"]).ok();
    let plan = r.json();
    assert_eq!(plan["summary"]["add"], 20);
}
