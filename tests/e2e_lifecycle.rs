//! End-to-end: the lifecycle meta-arguments — create_before_destroy,
//! prevent_destroy (literal and from a variable), ignore_changes,
//! replace_triggered_by — and tainted objects.

#[path = "fixtures/e2e/support.rs"]
mod support;

use support::{action_list, expect_actions, insta_settings, Work};

fn id_of(w: &Work, addr: &str) -> String {
    w.state_resources()[addr]["values"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// (variable changed, the actions the plan must hold and nothing else)
const CHANGES: &[(&str, &[(&str, &str)])] = &[
    (
        "cbd=2",
        &[
            ("terraform_data.cbd", "create,delete"),
            ("terraform_data.plain", "delete,create"),
        ],
    ),
    ("ign=2", &[("test_resource.watched", "update")]),
    (
        "src=2",
        &[
            ("terraform_data.rtb", "delete,create"),
            ("terraform_data.src", "update"),
        ],
    ),
    ("protect=false", &[]),
];

#[test]
fn each_lifecycle_argument_plans_its_own_actions() {
    let w = Work::fixture("lifecycle/all");
    w.apply(&[]);
    w.plan_code(&[]).code(0);
    for (var, expected) in CHANGES {
        let plan = w.plan_json(&["-var", var]);
        assert_eq!(action_list(&plan), expect_actions(expected), "-var {var}");
    }
}

#[test]
fn lifecycle_plan_rendering() {
    let w = Work::fixture("lifecycle/all");
    w.apply(&[]);
    let r = w
        .plan_code(&["-var", "cbd=2", "-var", "src=2", "-var", "ign=2"])
        .code(2);
    assert!(r.stdout.contains("+/- resource \"terraform_data\" \"cbd\""));
    assert!(r
        .stdout
        .contains("-/+ resource \"terraform_data\" \"plain\""));
    assert!(r
        .stdout
        .contains("# terraform_data.rtb will be replaced due to changes in replace_triggered_by"));
    assert!(
        !r.stable_stdout().contains("test_resource.ignored"),
        "{}",
        r.stdout
    );
    insta_settings().bind(|| insta::assert_snapshot!("combined_plan", r.stable_stdout()));
}

#[test]
fn create_before_destroy_replaces_with_a_new_object() {
    let w = Work::fixture("lifecycle/all");
    w.apply(&[]);
    let (cbd, plain) = (
        id_of(&w, "terraform_data.cbd"),
        id_of(&w, "terraform_data.plain"),
    );
    w.apply(&["-var", "cbd=2"])
        .stdout_has("Resources: 2 added, 0 changed, 2 destroyed.");
    assert_ne!(id_of(&w, "terraform_data.cbd"), cbd);
    assert_ne!(id_of(&w, "terraform_data.plain"), plain);
    let list = w.state_list();
    assert_eq!(
        list.iter().filter(|a| *a == "terraform_data.cbd").count(),
        1
    );
    assert_eq!(list.len(), 8, "{list:?}");
    w.plan_code(&["-var", "cbd=2"]).code(0);
}

#[test]
fn ignore_changes_keeps_the_recorded_value() {
    let w = Work::fixture("lifecycle/all");
    w.apply(&[]);
    w.apply(&["-var", "ign=2"])
        .stdout_has("Resources: 0 added, 1 changed, 0 destroyed.");
    let res = w.state_resources();
    assert_eq!(res["test_resource.watched"]["values"]["value"], "v2");
    assert_eq!(res["test_resource.ignored"]["values"]["value"], "v1");
    assert_eq!(res["test_resource.ignored_all"]["values"]["value"], "v1");
    w.plan_code(&["-var", "ign=2"]).code(0);
}

#[test]
fn replace_triggered_by_replaces_the_dependent() {
    let w = Work::fixture("lifecycle/all");
    w.apply(&[]);
    let before = id_of(&w, "terraform_data.rtb");
    w.apply(&["-var", "src=2"])
        .stdout_has("Resources: 1 added, 1 changed, 1 destroyed.");
    assert_ne!(id_of(&w, "terraform_data.rtb"), before);
    // Once applied, nothing triggers it again.
    w.plan_code(&["-var", "src=2"]).code(0);
}

#[test]
fn prevent_destroy_from_a_variable() {
    let w = Work::fixture("lifecycle/all");
    w.apply(&[]);
    let r = w.run(&["destroy", "-auto-approve"]).code(1);
    let r = r
        .stderr_has("Error: Instance cannot be destroyed")
        .stderr_has("terraform_data.prot");
    assert!(
        r.stderr.contains("prevent_destroy = var.protect"),
        "{}",
        r.stderr
    );
    assert_eq!(w.state_list().len(), 8, "nothing was destroyed");
    w.run(&["destroy", "-auto-approve", "-var", "protect=false"])
        .ok()
        .stdout_has("Destroy complete! Resources: 8 destroyed.");
    assert!(w.state_list().is_empty());
}

#[test]
fn prevent_destroy_blocks_destroy_and_replace() {
    let w = Work::fixture("lifecycle/prevent_literal");
    w.apply(&[]);
    // destroy, -destroy and a replacement (planned or requested) all fail.
    let attempts: &[&[&str]] = &[
        &["destroy", "-auto-approve"],
        &["plan", "-destroy"],
        &["plan", "-var", "v=2"],
        &["apply", "-auto-approve", "-replace", "terraform_data.keep"],
    ];
    for args in attempts {
        let r = w.run(args).code(1);
        assert!(
            r.stderr.contains("Error: Instance cannot be destroyed")
                && r.stderr.contains("terraform_data.keep"),
            "{args:?}: {}",
            r.stderr
        );
    }
    let text = w.read("main.tf");
    let cut = text.find("resource \"terraform_data\" \"other\"").unwrap();
    let start = text.find("resource \"terraform_data\" \"keep\"").unwrap();
    w.write("main.tf", &format!("{}{}", &text[..start], &text[cut..]));
    // As in Terraform, removing the block removes its protection too.
    assert_eq!(
        action_list(&w.plan_json(&[])),
        expect_actions(&[("terraform_data.keep", "delete")])
    );
    // Targeting something else still works.
    w.write("main.tf", &text);
    w.run(&[
        "destroy",
        "-auto-approve",
        "-target",
        "terraform_data.other",
    ])
    .ok()
    .stdout_has("Resources: 1 destroyed.");
    assert_eq!(w.state_list(), ["terraform_data.keep"]);
}
