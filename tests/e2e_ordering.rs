//! End-to-end: the order and concurrency of apply and destroy as seen in
//! the progress lines, data sources, and sensitive values kept out of the
//! human-readable output.

#[path = "fixtures/e2e/support.rs"]
mod support;

use support::{action_list, expect_actions, Work};

/// The position of the first stdout line with `addr: what`.
#[track_caller]
fn pos(lines: &[&str], addr: &str, what: &str) -> usize {
    let needle = format!("{addr}: {what}");
    lines
        .iter()
        .position(|l| l.starts_with(&needle))
        .unwrap_or_else(|| panic!("no line {needle:?} in\n{}", lines.join("\n")))
}

/// The most operations ever in flight at once, from the progress lines.
fn max_in_flight(lines: &[&str], start: &str, end: &str) -> usize {
    let (mut now, mut max) = (0usize, 0usize);
    for l in lines {
        if l.contains(start) {
            now += 1;
            max = max.max(now);
        } else if l.contains(end) {
            now = now.saturating_sub(1);
        }
    }
    max
}

/// (dependency, dependent): the dependent starts after the dependency ends.
const EDGES: &[(&str, &str)] = &[
    ("test_resource.a", "test_resource.b"),
    ("test_resource.b", "test_resource.c"),
    ("test_resource.c", "test_resource.d"),
];

#[test]
fn apply_and_destroy_follow_dependencies() {
    let w = Work::fixture("ordering/chain");
    let r = w.apply(&[]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    for (dep, user) in EDGES {
        assert!(
            pos(&lines, user, "Creating...") > pos(&lines, dep, "Creation complete"),
            "{user} started before {dep} was created:\n{}",
            r.stdout
        );
    }
    // The free resource does not wait for the chain.
    assert!(
        pos(&lines, "test_resource.free", "Creating...")
            < pos(&lines, "test_resource.b", "Creating...")
    );

    let r = w.run(&["destroy", "-auto-approve"]).ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    for (dep, user) in EDGES {
        assert!(
            pos(&lines, dep, "Destroying...") > pos(&lines, user, "Destruction complete"),
            "{dep} destroyed before its dependent {user}:\n{}",
            r.stdout
        );
    }
    assert!(w.state_list().is_empty());
}

#[test]
fn replacement_of_a_dependency_updates_dependents_in_order() {
    let w = Work::fixture("ordering/chain");
    w.apply(&[]);
    let plan = w.plan_json(&["-replace", "test_resource.a"]);
    // b's value embeds a's id: it changes in place once a is replaced.
    assert_eq!(
        action_list(&plan),
        expect_actions(&[
            ("test_resource.a", "delete,create"),
            ("test_resource.b", "update"),
        ])
    );
    let r = w.apply(&["-replace", "test_resource.a"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        pos(&lines, "test_resource.b", "Modifying...")
            > pos(&lines, "test_resource.a", "Creation complete")
    );
    let res = w.state_resources();
    assert_eq!(
        res["test_resource.b"]["values"]["value"],
        format!(
            "b after {}",
            res["test_resource.a"]["values"]["id"].as_str().unwrap()
        )
    );
    w.plan_code(&[]).code(0);
}

#[test]
fn parallelism_bounds_concurrent_operations() {
    for (p, bound) in [("1", 1), ("3", 3), ("12", 12)] {
        let w = Work::fixture("ordering/wide");
        let r = w.apply(&["-parallelism", p]);
        let lines: Vec<&str> = r.stdout.lines().collect();
        let max = max_in_flight(&lines, ": Creating...", ": Creation complete");
        assert!(
            max <= bound,
            "-parallelism {p}: {max} creates at once\n{}",
            r.stdout
        );
        // Independent creates do overlap when allowed to.
        assert!(
            max == bound || (bound > 1 && max > 1),
            "-parallelism {p}: at most {max} at once"
        );
        let r = w.run(&["destroy", "-auto-approve", "-parallelism", p]).ok();
        let lines: Vec<&str> = r.stdout.lines().collect();
        let max = max_in_flight(&lines, ": Destroying...", ": Destruction complete");
        assert!(
            max <= bound,
            "-parallelism {p}: {max} destroys at once\n{}",
            r.stdout
        );
    }
}

#[test]
fn data_sources_are_read_and_recorded() {
    let w = Work::fixture("ordering/data");
    let plan = w.plan_json(&[]);
    assert_eq!(
        action_list(&plan),
        expect_actions(&[("test_resource.a", "create"), ("test_resource.s", "create")])
    );
    w.apply(&[]);
    assert_eq!(
        w.state_list(),
        ["data.test_data.d", "test_resource.a", "test_resource.s"]
    );
    assert_eq!(w.output_raw("a"), "from-data");
    w.plan_code(&[]).code(0);
    w.run(&["destroy", "-auto-approve"]).ok();
    assert!(
        w.state_list().is_empty(),
        "data sources leave with the rest"
    );
}

#[test]
fn sensitive_values_stay_out_of_human_output() {
    const SECRET: &str = "hunter2-secret";
    let w = Work::fixture("ordering/data");
    let plan = w.plan_code(&[]).code(2);
    let apply = w.apply(&[]);
    let show = w.run(&["show"]).ok();
    let state_show = w.run(&["state", "show", "test_resource.s"]).ok();
    let output = w.run(&["output"]).ok();
    for (what, r) in [
        ("plan", &plan),
        ("apply", &apply),
        ("show", &show),
        ("state show", &state_show),
        ("output", &output),
    ] {
        assert!(
            !r.stdout.contains(SECRET) && !r.stderr.contains(SECRET),
            "{what} leaks the secret:\n{}",
            r.stdout
        );
    }
    assert!(
        plan.stdout.contains("value  = (sensitive value)"),
        "{}",
        plan.stdout
    );
    // Asked for explicitly, it is given.
    assert_eq!(w.output_raw("s"), SECRET);
    let json = w.run(&["output", "-json"]).ok().json();
    assert_eq!(json["s"]["value"], SECRET);
    assert_eq!(json["s"]["sensitive"], true);
}

#[test]
fn lock_false_skips_the_lock() {
    let w = Work::fixture("ordering/data");
    w.apply(&["-lock=false"]);
    w.plan_code(&["-lock=false"]).code(0);
    assert_eq!(w.state_list().len(), 3);
}
