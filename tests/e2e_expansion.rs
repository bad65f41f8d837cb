//! End-to-end: count, for_each and local child modules (with count),
//! growing and shrinking, and the errors for unknown expansion values.

#[path = "fixtures/e2e/support.rs"]
mod support;

use support::{action_list, expect_actions, Work};

/// `(address, actions)` pairs a plan must hold.
type Actions = &'static [(&'static str, &'static str)];

/// (variables, expected actions from the applied default state)
const COUNT_EACH_STEPS: &[(&[&str], Actions)] = &[
    (
        &["-var", "n=5"],
        &[
            ("test_resource.c[3]", "create"),
            ("test_resource.c[4]", "create"),
        ],
    ),
    (
        &["-var", "n=1"],
        &[
            ("test_resource.c[1]", "delete"),
            ("test_resource.c[2]", "delete"),
        ],
    ),
    (
        &["-var", "items={a=\"alpha\",b=\"BETA\"}"],
        &[("terraform_data.e[\"b\"]", "update")],
    ),
    (
        &["-var", "items={a=\"alpha\",b=\"beta\",c=\"gamma\"}"],
        &[
            ("terraform_data.e[\"c\"]", "create"),
            ("terraform_data.s[\"c\"]", "create"),
        ],
    ),
    (
        &["-var", "items={b=\"beta\"}"],
        &[
            ("terraform_data.e[\"a\"]", "delete"),
            ("terraform_data.s[\"a\"]", "delete"),
        ],
    ),
];

#[test]
fn count_and_for_each_plan_only_the_difference() {
    let w = Work::fixture("expansion/count_each");
    w.apply(&[]);
    w.plan_code(&[]).code(0);
    for (args, expected) in COUNT_EACH_STEPS {
        let plan = w.plan_json(args);
        assert_eq!(action_list(&plan), expect_actions(expected), "{args:?}");
    }
}

#[test]
fn instance_values_use_count_index_and_each() {
    let w = Work::fixture("expansion/count_each");
    w.apply(&[]);
    let res = w.state_resources();
    for i in 0..3 {
        assert_eq!(
            res[&format!("test_resource.c[{i}]")]["values"]["value"],
            format!("item-{i}")
        );
    }
    assert_eq!(res["terraform_data.e[\"a\"]"]["values"]["input"], "a=alpha");
    assert_eq!(res["terraform_data.e[\"b\"]"]["values"]["input"], "b=beta");
    assert_eq!(res["terraform_data.s[\"b\"]"]["values"]["input"], "B");
    let outs = w.run(&["output", "-json"]).ok().json();
    assert_eq!(
        outs["c_values"]["value"],
        serde_json::json!(["item-0", "item-1", "item-2"])
    );
    assert_eq!(
        outs["e_inputs"]["value"],
        serde_json::json!({"a": "a=alpha", "b": "b=beta"})
    );
}

#[test]
fn growing_and_shrinking_is_applied() {
    let w = Work::fixture("expansion/count_each");
    w.apply(&[]);
    let ids_before = w.state_resources();
    w.apply(&["-var", "n=5", "-var", "items={a=\"alpha\",c=\"gamma\"}"])
        .stdout_has("Resources: 4 added, 0 changed, 2 destroyed.");
    let list = w.state_list();
    for addr in [
        "test_resource.c[4]",
        "terraform_data.e[\"c\"]",
        "terraform_data.s[\"c\"]",
    ] {
        assert!(list.iter().any(|a| a == addr), "{addr} in {list:?}");
    }
    assert!(!list.iter().any(|a| a.contains("[\"b\"]")), "{list:?}");
    // Untouched instances keep their objects.
    let after = w.state_resources();
    assert_eq!(
        after["test_resource.c[0]"]["values"]["id"],
        ids_before["test_resource.c[0]"]["values"]["id"]
    );
    w.apply(&["-var", "n=0", "-var", "items={}"])
        .stdout_has("Resources: 0 added, 0 changed, 9 destroyed.");
    assert!(w.state_list().is_empty());
}

#[test]
fn unknown_for_each_key_is_an_error_naming_the_value() {
    let w = Work::fixture("expansion/unknown_for_each");
    let r = w.run(&["plan"]).code(1);
    r.clone()
        .stderr_has("Error: Invalid for_each argument")
        .stderr_has("for_each = toset([test_resource.a.id, \"static\"])")
        .stderr_has("test_resource.a");
    w.run(&["apply", "-auto-approve"])
        .code(1)
        .stderr_has("Error: Invalid for_each argument");
    assert!(w.state_list().is_empty());
}

/// The error's own advice: "use the -target argument to first apply only
/// the resources that the for_each value depends on". Terraform does not
/// evaluate the for_each of resources outside the targets.
#[test]
fn unknown_for_each_is_resolved_by_a_targeted_apply() {
    let w = Work::fixture("expansion/unknown_for_each");
    w.apply(&["-target", "test_resource.a"]);
    assert_eq!(w.state_list(), ["test_resource.a"]);
    w.apply(&[]).stdout_has("Resources: 2 added");
    assert_eq!(w.state_list().len(), 3);
}

#[test]
fn unknown_count_is_an_error() {
    let w = Work::fixture("expansion/unknown_count");
    w.run(&["plan"])
        .code(1)
        .stderr_has("Error: Invalid count argument")
        .stderr_has("count = terraform_data.a.output")
        .stderr_has("terraform_data.a");
}

#[test]
fn invalid_for_each_types() {
    let cases = [
        ("[\"a\", \"b\"]", "must be a map, or set of strings"),
        ("null", "is null"),
        ("toset([1, 2])", "Invalid for_each"),
    ];
    for (expr, msg) in cases {
        let w = Work::main(&format!(
            "resource \"terraform_data\" \"x\" {{\n  for_each = {expr}\n  input    = each.key\n}}\n"
        ));
        let r = w.run(&["plan"]).code(1);
        assert!(r.stderr.contains(msg), "for_each = {expr}: {}", r.stderr);
    }
}

#[test]
fn local_modules_with_inputs_outputs_and_count() {
    let w = Work::fixture("expansion/modules");
    w.apply(&[])
        .stdout_has("Resources: 6 added, 0 changed, 0 destroyed.");
    let mut list = w.state_list();
    list.sort();
    assert_eq!(
        list,
        [
            "module.net[0].terraform_data.subnet[0]",
            "module.net[0].terraform_data.subnet[1]",
            "module.net[1].terraform_data.subnet[0]",
            "module.net[1].terraform_data.subnet[1]",
            "module.single.terraform_data.subnet[0]",
            "terraform_data.consumer",
        ]
    );
    let outs = w.run(&["output", "-json"]).ok().json();
    assert_eq!(
        outs["all"]["value"],
        serde_json::json!([["net0-0", "net0-1"], ["net1-0", "net1-1"]])
    );
    assert_eq!(outs["consumed"]["value"], serde_json::json!(["single-0"]));
    w.plan_code(&[]).code(0);

    // Fewer module instances: only the dropped instance's resources go.
    assert_eq!(
        action_list(&w.plan_json(&["-var", "nets=1"])),
        expect_actions(&[
            ("module.net[1].terraform_data.subnet[0]", "delete"),
            ("module.net[1].terraform_data.subnet[1]", "delete"),
        ])
    );
    w.apply(&["-var", "nets=3"])
        .stdout_has("Resources: 2 added");
    assert_eq!(
        w.run(&["output", "-json"]).ok().json()["all"]["value"][2],
        serde_json::json!(["net2-0", "net2-1"])
    );
    // A target of one module instance.
    w.apply(&[
        "-var",
        "nets=3",
        "-replace",
        "module.net[2].terraform_data.subnet[1]",
    ])
    .stdout_has("Resources: 1 added, 0 changed, 1 destroyed.");
    w.run(&[
        "destroy",
        "-auto-approve",
        "-var",
        "nets=3",
        "-target",
        "module.net[0]",
    ])
    .ok()
    .stdout_has("Resources: 2 destroyed.");
    assert!(!w
        .state_list()
        .iter()
        .any(|a| a.starts_with("module.net[0]")));
    w.run(&["destroy", "-auto-approve", "-var", "nets=3"]).ok();
    assert!(w.state_list().is_empty());
}

#[test]
fn module_errors() {
    // A missing required input of the child module.
    let w = Work::fixture("expansion/modules");
    w.edit("main.tf", "  name   = \"single\"\n", "");
    w.run(&["plan"]).code(1).stderr_has("\"name\"");
    // A module source directory that does not exist.
    let w = Work::main("module \"gone\" {\n  source = \"./nowhere\"\n}\n");
    let r = w.run(&["plan"]).code(1);
    assert!(r.stderr.contains("nowhere"), "{}", r.stderr);
}

/// Terraform reports a module call without a required input as a missing
/// argument of the `module` block, not as a root variable to pass with -var.
#[test]
fn module_call_missing_a_required_input() {
    let w = Work::fixture("expansion/modules");
    w.edit("main.tf", "  name   = \"single\"\n", "");
    w.run(&["plan"])
        .code(1)
        .stderr_has("Error: Missing required argument")
        .stderr_has("in module \"single\"")
        .stderr_has("The argument \"name\" is required, but no definition was found.");
}

/// Terraform explains a dropped module instance with
/// `# (because module.net[1] is not in configuration)`.
#[test]
fn dropped_module_instance_reason() {
    let w = Work::fixture("expansion/modules");
    w.apply(&[]);
    w.plan_code(&["-var", "nets=1"])
        .code(2)
        .stdout_has("# (because module.net[1] is not in configuration)");
}
