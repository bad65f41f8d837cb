//! End-to-end: exit codes and flags of plan, apply, destroy, show, output,
//! graph, validate and import, with the real binary.

#[path = "fixtures/e2e/support.rs"]
mod support;

use support::{action_list, actions, expect_actions, insta_settings, Work};

fn ids(w: &Work) -> std::collections::BTreeMap<String, String> {
    w.state_resources()
        .into_iter()
        .map(|(a, r)| (a, r["values"]["id"].as_str().unwrap_or("").to_string()))
        .collect()
}

#[test]
fn detailed_exitcode_is_0_2_or_1() {
    let w = Work::fixture("cli/basic");
    w.plan_code(&[]).code(2);
    w.apply(&[]);
    w.plan_code(&[]).code(0).stdout_has("No changes.");
    // Without -detailed-exitcode a plan with changes still exits 0.
    w.run(&["plan", "-var", "x=other"]).ok();
    w.plan_code(&["-var", "x=other"]).code(2);
    // A configuration error is 1.
    w.write(
        "broken.tf",
        "resource \"terraform_data\" \"z\" {\n  input = nope.x\n}\n",
    );
    w.plan_code(&[]).code(1).stderr_has("Error: ");
    std::fs::remove_file(w.path().join("broken.tf")).unwrap();
    w.plan_code(&[]).code(0);
    // An undeclared -var is an error too.
    w.plan_code(&["-var", "nope=1"])
        .code(1)
        .stderr_has("Value for undeclared variable");
}

#[test]
fn saved_plan_applies_exactly_that_plan() {
    let w = Work::fixture("cli/basic");
    w.run(&["plan", "-var", "x=saved", "-out", "p.plan"])
        .ok()
        .stdout_has("Saved the plan to: p.plan");
    // show reads a saved plan, as text and as JSON.
    w.run(&["show", "p.plan"])
        .ok()
        .stdout_has("# terraform_data.a will be created")
        .stdout_has("Plan: 3 to add, 0 to change, 0 to destroy.");
    let shown = w.run(&["show", "-json", "p.plan"]).ok().json();
    assert_eq!(
        action_list(&shown),
        expect_actions(&[
            ("terraform_data.a", "create"),
            ("terraform_data.b", "create"),
            ("terraform_data.c", "create"),
        ])
    );
    assert_eq!(shown["variables"]["x"]["value"], "saved");
    // No -var here: the value comes from the plan.
    w.run(&["apply", "p.plan"])
        .ok()
        .stdout_has("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.");
    assert_eq!(w.output_raw("x"), "saved");
    w.plan_code(&["-var", "x=saved"]).code(0);
    // A plan file is single use: the state moved on.
    w.run(&["apply", "p.plan"])
        .code(1)
        .stderr_has("Saved plan is stale");
}

#[test]
fn saved_plan_is_stale_after_another_apply() {
    let w = Work::fixture("cli/basic");
    w.run(&["plan", "-out", "p.plan"]).ok();
    w.apply(&["-target", "terraform_data.b"]);
    w.run(&["apply", "p.plan"])
        .code(1)
        .stderr_has("Saved plan is stale");
    assert_eq!(w.state_list(), ["terraform_data.b"]);
}

#[test]
fn saved_plan_rejects_a_changed_configuration() {
    let w = Work::fixture("cli/basic");
    w.run(&["plan", "-out", "p.plan"]).ok();
    w.edit("main.tf", "input = \"b\"", "input = \"b2\"");
    w.run(&["apply", "p.plan"])
        .code(1)
        .stderr_has("Saved plan does not match the configuration");
    assert!(w.state_list().is_empty());
}

#[test]
fn apply_asks_for_confirmation() {
    let w = Work::fixture("cli/basic");
    let out = w
        .cmd()
        .args(["-no-color", "apply"])
        .write_stdin("no\n")
        .output()
        .unwrap();
    let r = support::finish(&["apply"], out).code(1);
    assert!(r.stderr.contains("Apply cancelled."), "{}", r.stderr);
    assert!(w.state_list().is_empty());
    let out = w
        .cmd()
        .args(["-no-color", "apply"])
        .write_stdin("yes\n")
        .output()
        .unwrap();
    support::finish(&["apply"], out)
        .ok()
        .stdout_has("Do you want to perform these actions?")
        .stdout_has("Resources: 3 added");
    assert_eq!(w.state_list().len(), 3);
}

#[test]
fn target_limits_plan_and_apply() {
    let w = Work::fixture("cli/basic");
    w.apply(&["-target", "terraform_data.b"]);
    assert_eq!(w.state_list(), ["terraform_data.b"]);
    w.apply(&[]);
    assert_eq!(w.state_list().len(), 3);
    // An instance of a counted resource.
    let w = Work::fixture("cli/counted");
    w.apply(&["-target", "test_resource.r[3]"]);
    assert_eq!(w.state_list(), ["test_resource.r[3]"]);
    w.run(&["plan", "-target", "not an address"])
        .code(1)
        .stderr_has("Invalid target address");
}

#[test]
fn replace_forces_one_replacement() {
    let w = Work::fixture("cli/counted");
    w.apply(&[]);
    let before = ids(&w);
    let plan = w.plan_json(&["-replace", "test_resource.r[2]"]);
    assert_eq!(
        action_list(&plan),
        expect_actions(&[("test_resource.r[2]", "delete,create")])
    );
    w.apply(&["-replace", "test_resource.r[2]"])
        .stdout_has("Resources: 1 added, 0 changed, 1 destroyed.");
    let after = ids(&w);
    for (addr, id) in &before {
        if addr == "test_resource.r[2]" {
            assert_ne!(&after[addr], id, "{addr} was replaced");
        } else {
            assert_eq!(&after[addr], id, "{addr} was kept");
        }
    }
}

#[test]
fn refresh_false_and_refresh_only() {
    let w = Work::fixture("cli/refresh");
    w.apply(&[]);
    std::fs::remove_file(w.path().join("f.txt")).unwrap();
    // Without a refresh the deletion goes unseen.
    w.plan_code(&["-refresh=false"])
        .code(0)
        .stdout_has("No changes.");
    // A refresh-only plan reports the drift and proposes no action.
    let r = w.plan_code(&["-refresh-only"]).code(2);
    let r = r
        .stdout_has("Objects have changed outside of gitform")
        .stdout_has("# local_file.f has been deleted")
        .stdout_has("This is a refresh-only plan");
    assert!(r.plan_line().is_none(), "{}", r.stdout);
    let json = w.plan_json(&["-refresh-only"]);
    assert_eq!(json["plan_mode"], "refresh-only");
    assert!(actions(&json).is_empty(), "{json:#}");
    assert_eq!(w.state_list(), ["local_file.f", "terraform_data.t"]);
    // Applying it forgets the file; the next plan creates it again.
    w.apply(&["-refresh-only"]);
    assert_eq!(w.state_list(), ["terraform_data.t"]);
    assert_eq!(
        action_list(&w.plan_json(&[])),
        expect_actions(&[("local_file.f", "create")])
    );
    w.apply(&[]);
    assert_eq!(w.read("f.txt"), "hello");
    w.plan_code(&[]).code(0);
    // `refresh` is the same as apply -refresh-only.
    std::fs::remove_file(w.path().join("f.txt")).unwrap();
    w.run(&["refresh"]).ok();
    assert_eq!(w.state_list(), ["terraform_data.t"]);
}

#[test]
fn destroy_in_every_spelling() {
    let w = Work::fixture("cli/basic");
    w.apply(&[]);
    let plan = w.plan_json(&["-destroy"]);
    assert_eq!(plan["plan_mode"], "destroy");
    assert_eq!(
        action_list(&plan),
        expect_actions(&[
            ("terraform_data.a", "delete"),
            ("terraform_data.b", "delete"),
            ("terraform_data.c", "delete"),
        ])
    );
    w.plan_code(&["-destroy"])
        .code(2)
        .stdout_has("Plan: 0 to add, 0 to change, 3 to destroy.");
    w.run(&["destroy", "-auto-approve"])
        .ok()
        .stdout_has("Destroy complete! Resources: 3 destroyed.");
    assert!(w.state_list().is_empty());
    w.apply(&[]);
    w.apply(&["-destroy"])
        .stdout_has("Destroy complete! Resources: 3 destroyed.");
    assert!(w.state_list().is_empty());
    // Outputs go with the resources.
    w.run(&["output", "-json"]).ok().stdout_has("{}");
}

/// One step of the variable precedence table: files present, environment,
/// arguments, and the value `var.x` must end with.
struct VarCase {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    env: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    x: &'static str,
}

const VAR_CASES: &[VarCase] = &[
    VarCase {
        name: "default",
        files: &[],
        env: &[],
        args: &[],
        x: "default",
    },
    VarCase {
        name: "env",
        files: &[],
        env: &[("TF_VAR_x", "env")],
        args: &[],
        x: "env",
    },
    VarCase {
        name: "terraform.tfvars beats env",
        files: &[("terraform.tfvars", "x = \"tfvars\"\n")],
        env: &[("TF_VAR_x", "env")],
        args: &[],
        x: "tfvars",
    },
    VarCase {
        name: "auto.tfvars beats terraform.tfvars",
        files: &[
            ("terraform.tfvars", "x = \"tfvars\"\n"),
            ("a.auto.tfvars", "x = \"auto\"\n"),
        ],
        env: &[],
        args: &[],
        x: "auto",
    },
    VarCase {
        name: "auto files in lexical order",
        files: &[
            ("b.auto.tfvars", "x = \"auto-b\"\n"),
            ("a.auto.tfvars", "x = \"auto-a\"\n"),
        ],
        env: &[],
        args: &[],
        x: "auto-b",
    },
    VarCase {
        name: "-var-file beats auto",
        files: &[
            ("a.auto.tfvars", "x = \"auto\"\n"),
            ("my.tfvars", "x = \"file\"\n"),
        ],
        env: &[("TF_VAR_x", "env")],
        args: &["-var-file=my.tfvars"],
        x: "file",
    },
    VarCase {
        name: "-var after -var-file wins",
        files: &[("my.tfvars", "x = \"file\"\n")],
        env: &[],
        args: &["-var-file=my.tfvars", "-var", "x=cli"],
        x: "cli",
    },
    VarCase {
        name: "-var-file after -var wins",
        files: &[("my.tfvars", "x = \"file\"\n")],
        env: &[],
        args: &["-var", "x=cli", "-var-file", "my.tfvars"],
        x: "file",
    },
    VarCase {
        name: "last -var wins",
        files: &[],
        env: &[],
        args: &["-var", "x=one", "-var=x=two"],
        x: "two",
    },
    VarCase {
        name: "env for an undeclared variable is ignored",
        files: &[],
        env: &[("TF_VAR_x", "env"), ("TF_VAR_undeclared", "1")],
        args: &[],
        x: "env",
    },
];

#[test]
fn variable_precedence() {
    for case in VAR_CASES {
        let w = Work::fixture("cli/vars");
        for (f, text) in case.files {
            w.write(f, text);
        }
        let mut args = vec!["plan", "-json"];
        args.extend_from_slice(case.args);
        let r = w.run_env(&args, case.env);
        assert_eq!(r.code, 0, "case {}: {}", case.name, r.stderr);
        let plan = r.json();
        assert_eq!(
            plan["variables"]["x"]["value"], case.x,
            "case {}",
            case.name
        );
    }
}

#[test]
fn variable_values_are_converted_to_the_declared_type() {
    let w = Work::fixture("cli/vars");
    let plan = w
        .run_env(&["plan", "-json"], &[("TF_VAR_n", "5")])
        .ok()
        .json();
    assert_eq!(plan["variables"]["n"]["value"], 5);
    let plan = w.plan_json(&["-var", "n=7"]);
    assert_eq!(plan["variables"]["n"]["value"], 7);
    w.run(&["plan", "-var", "n=seven"])
        .code(1)
        .stderr_has("Error: ");
    w.run(&["plan", "-var-file", "missing.tfvars"])
        .code(1)
        .stderr_has("missing.tfvars");
}

/// JSON variable files: Terraform reads `terraform.tfvars.json`,
/// `*.auto.tfvars.json` and `-var-file=*.tfvars.json` as JSON.
#[test]
fn json_variable_files() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("terraform.tfvars.json", &[], "tf-json"),
        ("a.auto.tfvars.json", &[], "tf-json"),
        (
            "vals.tfvars.json",
            &["-var-file=vals.tfvars.json"],
            "tf-json",
        ),
    ];
    for (file, args, x) in cases {
        let w = Work::fixture("cli/vars");
        w.write(file, "{\"x\": \"tf-json\"}\n");
        let mut all = vec!["plan", "-json"];
        all.extend_from_slice(args);
        let r = w.run(&all);
        assert_eq!(r.code, 0, "{file}: {}", r.stderr);
        assert_eq!(r.json()["variables"]["x"]["value"], *x, "{file}");
    }
}

#[test]
fn json_plan_has_actions_for_every_change() {
    let w = Work::fixture("cli/basic");
    w.apply(&[]);
    let plan = w.plan_json(&["-var", "x=changed"]);
    assert_eq!(plan["format_version"], "1.2");
    assert_eq!(plan["plan_mode"], "normal");
    let rcs = plan["resource_changes"].as_array().unwrap();
    assert_eq!(rcs.len(), 3);
    for rc in rcs {
        let acts = rc["change"]["actions"].as_array().unwrap();
        assert!(!acts.is_empty(), "{rc}");
        assert_eq!(rc["mode"], "managed");
        assert_eq!(rc["type"], "terraform_data");
    }
    assert_eq!(
        action_list(&plan),
        expect_actions(&[
            ("terraform_data.a", "update"),
            ("terraform_data.c", "update")
        ])
    );
    let a = rcs
        .iter()
        .find(|r| r["address"] == "terraform_data.a")
        .unwrap();
    assert_eq!(a["change"]["before"]["input"], "default");
    assert_eq!(a["change"]["after"]["input"], "changed");
    assert_eq!(a["change"]["after_unknown"]["output"], true);
    assert_eq!(plan["summary"]["change"], 2);
    assert_eq!(plan["output_changes"]["x"]["actions"][0], "update");
}

#[test]
fn parallelism_flag() {
    let w = Work::fixture("cli/counted");
    w.apply(&["-parallelism", "1"])
        .stdout_has("Resources: 5 added");
    assert_eq!(w.state_list().len(), 5);
    w.run(&["plan", "-parallelism=0"])
        .code(1)
        .stderr_has("Invalid parallelism");
}

/// A plan reports each data source it reads, as Terraform does; its id
/// is the file's SHA-1 for `local_file`.
#[test]
fn plan_reports_data_source_reads() {
    let w = Work::main(
        "data \"local_file\" \"greeting\" {\n  filename = \"${path.module}/greeting.txt\"\n}\n",
    );
    w.write("greeting.txt", "hello\n");
    let run = w.run(&["plan"]).ok();
    let run = run.stdout_has("data.local_file.greeting: Reading...\n");
    run.stdout_has(
        "data.local_file.greeting: Read complete after 0s [id=f572d396fae9206628714fb2ce00f72e94f2258f]",
    );
}

#[test]
fn show_state_and_outputs() {
    let w = Work::fixture("cli/basic");
    w.run(&["show"]).ok().stdout_has("No state.");
    w.apply(&["-var", "x=shown"])
        .stdout_has("x = \"shown\"")
        .stdout_has("secret = <sensitive>");
    let shown = w.run(&["show"]).ok();
    let shown = shown
        .stdout_has("# terraform_data.a:")
        .stdout_has("resource \"terraform_data\" \"a\" {")
        .stdout_has("input  = \"shown\"")
        .stdout_has("Outputs:");
    assert!(!shown.stdout.contains("s3cr3t"), "{}", shown.stdout);
    let doc = w.state_json();
    assert_eq!(doc["values"]["outputs"]["x"]["value"], "shown");
    assert_eq!(doc["values"]["outputs"]["secret"]["sensitive"], true);
    let res = w.state_resources();
    assert_eq!(res.len(), 3);
    assert_eq!(res["terraform_data.c"]["values"]["input"], "shown");
    assert_eq!(res["terraform_data.c"]["depends_on"][0], "terraform_data.a");

    w.run(&["output"])
        .ok()
        .stdout_has("x = \"shown\"")
        .stdout_has("secret = <sensitive>");
    let outs = w.run(&["output", "-json"]).ok().json();
    assert_eq!(outs["x"]["value"], "shown");
    assert_eq!(outs["x"]["sensitive"], false);
    assert_eq!(outs["secret"]["sensitive"], true);
    assert_eq!(w.output_raw("x"), "shown");
    w.run(&["output", "nope"]).code(1).stderr_has("nope");
}

#[test]
fn graph_prints_dot() {
    let w = Work::fixture("cli/basic");
    let dot = w.run(&["graph"]).ok().stdout;
    assert!(dot.trim_start().starts_with("digraph"), "{dot}");
    for needle in [
        "\"terraform_data.a\"",
        "\"terraform_data.b\"",
        "\"terraform_data.c\"",
        "\"terraform_data.c\" -> \"terraform_data.a\"",
        "\"terraform_data.a\" -> \"var.x\"",
    ] {
        assert!(dot.contains(needle), "graph lacks {needle}:\n{dot}");
    }
    assert_eq!(dot.matches('{').count(), dot.matches('}').count(), "{dot}");
}

#[test]
fn validate_success_and_failure() {
    let w = Work::fixture("cli/basic");
    w.run(&["validate"])
        .ok()
        .stdout_has("Success! The configuration is valid.");
    let v = w.run(&["validate", "-json"]).ok().json();
    assert_eq!(v["valid"], true);
    assert_eq!(v["error_count"], 0);

    w.edit("main.tf", "input = \"b\"", "inptu = \"b\"");
    let r = w.run(&["validate"]).code(1);
    insta_settings().bind(|| insta::assert_snapshot!("validate_unknown_argument", r.stderr));
    let v = w.run(&["validate", "-json"]).code(1).json();
    assert_eq!(v["valid"], false);
    assert_eq!(v["error_count"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["summary"], "Unsupported argument");
    assert!(
        d["detail"]
            .as_str()
            .unwrap()
            .contains("Did you mean \"input\"?"),
        "{d}"
    );
    assert_eq!(d["range"]["filename"], "main.tf");
    assert_eq!(d["range"]["start"]["line"], 12);
    assert_eq!(d["range"]["start"]["column"], 3);
}

#[test]
fn import_into_a_declared_resource() {
    let w = Work::fixture("cli/basic");
    w.run(&["import", "terraform_data.b", "any-id-at-all"])
        .ok()
        .stdout_has("Import successful!");
    let res = w.state_resources();
    assert_eq!(res["terraform_data.b"]["values"]["id"], "any-id-at-all");
    // The imported object is not created again: at most updated.
    let acts = actions(&w.plan_json(&[]));
    assert_eq!(
        acts.get("terraform_data.b").map(|a| a.join(",")).as_deref(),
        Some("update")
    );
    assert_eq!(acts["terraform_data.a"], ["create"]);
    w.apply(&[])
        .stdout_has("Resources: 2 added, 1 changed, 0 destroyed.");
    assert_eq!(
        w.state_resources()["terraform_data.b"]["values"]["id"],
        "any-id-at-all"
    );
    // Importing twice, or into an undeclared resource, fails.
    w.run(&["import", "terraform_data.b", "again"])
        .code(1)
        .stderr_has("Resource already managed by gitform");
    w.run(&["import", "terraform_data.nope", "x"])
        .code(1)
        .stderr_has("Configuration for import target does not exist");
}

#[test]
fn state_commands_after_apply() {
    let w = Work::fixture("cli/counted");
    w.apply(&[]);
    w.run(&["state", "show", "test_resource.r[1]"])
        .ok()
        .stdout_has("value  = \"v1\"");
    w.run(&["state", "rm", "test_resource.r[4]"]).ok();
    assert_eq!(w.state_list().len(), 4);
    assert_eq!(
        action_list(&w.plan_json(&[])),
        expect_actions(&[("test_resource.r[4]", "create")])
    );
    w.run(&["taint", "test_resource.r[0]"]).ok();
    assert_eq!(
        action_list(&w.plan_json(&[])),
        expect_actions(&[
            ("test_resource.r[0]", "delete,create"),
            ("test_resource.r[4]", "create"),
        ])
    );
    w.run(&["untaint", "test_resource.r[0]"]).ok();
    w.apply(&[])
        .stdout_has("Resources: 1 added, 0 changed, 0 destroyed.");
    w.plan_code(&[]).code(0);
}

/// Terraform's -target includes everything the target depends on.
#[test]
fn target_includes_dependencies() {
    let w = Work::fixture("cli/basic");
    let plan = w.plan_json(&["-target", "terraform_data.c"]);
    assert_eq!(
        action_list(&plan),
        expect_actions(&[
            ("terraform_data.a", "create"),
            ("terraform_data.c", "create"),
        ])
    );
    w.apply(&["-target", "terraform_data.c"]);
    assert_eq!(w.state_list(), ["terraform_data.a", "terraform_data.c"]);
    let res = w.state_resources();
    assert_eq!(res["terraform_data.c"]["values"]["input"], "default");
}

/// Destroying when the state holds nothing (or misses objects that others
/// reference) is a no-op in Terraform: "Resources: 0 destroyed."
#[test]
fn destroy_with_an_empty_state_is_a_no_op() {
    let w = Work::fixture("cli/basic");
    w.plan_code(&["-destroy"]).code(0);
    w.run(&["destroy", "-auto-approve"])
        .ok()
        .stdout_has("Resources: 0 destroyed.");
    w.apply(&[]);
    w.run(&["destroy", "-auto-approve"]).ok();
    w.run(&["destroy", "-auto-approve"])
        .ok()
        .stdout_has("Resources: 0 destroyed.");
}

/// With -target only the targeted part is evaluated; an output whose value
/// is still unknown must not be printed as "(known after apply)" after the
/// apply (Terraform prints only the outputs it could compute).
#[test]
fn targeted_apply_prints_no_unknown_outputs() {
    let w = Work::fixture("cli/basic");
    let r = w.apply(&["-target", "terraform_data.b"]);
    let after = r.stdout.split("Apply complete!").nth(1).unwrap_or("");
    assert!(!after.contains("(known after apply)"), "{}", r.stdout);
}
