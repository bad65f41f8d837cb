//! End-to-end: the quickstart example through its whole life — create,
//! no-op, in-place update, replacement, drift — with the real binary.

#[path = "fixtures/e2e/support.rs"]
mod support;

use support::{action_list, expect_actions, insta_settings, Run, Work};

fn inventory(w: &Work) -> serde_json::Value {
    serde_json::from_str(&w.read("out/inventory.json")).expect("inventory.json is JSON")
}

fn service_id(w: &Work, key: &str) -> String {
    let addr = format!("terraform_data.service[\"{key}\"]");
    w.state_resources()[&addr]["values"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Counts the resource header lines of a rendered plan that start with `sym`.
fn count_symbol(r: &Run, sym: &str) -> usize {
    let prefix = format!("{sym} resource ");
    r.stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(&prefix))
        .count()
}

#[test]
fn quickstart_lifecycle() {
    let w = Work::repo_dir("examples/quickstart");

    // The first plan is fully deterministic: everything is created.
    let first = w.plan_code(&[]).code(2);
    insta_settings().bind(|| insta::assert_snapshot!("first_plan", first.stable_stdout()));

    // Apply from another directory with -chdir: state and files land in the config dir.
    let elsewhere = Work::empty();
    let chdir = format!("-chdir={}", w.path().display());
    let applied = elsewhere.run(&[&chdir, "apply", "-auto-approve"]).ok();
    assert!(
        applied
            .stdout
            .contains("Apply complete! Resources: 6 added, 0 changed, 0 destroyed."),
        "{}",
        applied.stdout
    );
    assert!(w.path().join(".gitform/state.db").is_file());
    assert!(!elsewhere.path().join(".gitform").exists());
    let inv = inventory(&w);
    assert_eq!(inv["services"]["api"]["port"], 8080);
    assert_eq!(inv["services"]["worker"]["replicas"], 1);
    let project = w.output_raw("project");
    assert!(project.contains('-'), "a two-word pet name: {project}");
    assert_eq!(inv["project"], project.as_str());
    assert_eq!(
        w.state_list(),
        [
            "local_file.inventory",
            "random_password.service[\"api\"]",
            "random_password.service[\"worker\"]",
            "random_pet.project",
            "terraform_data.service[\"api\"]",
            "terraform_data.service[\"worker\"]",
        ]
    );

    // Nothing to do right after the apply.
    w.plan_code(&[]).code(0).stdout_has("No changes.");

    // replicas is an in-place change of the service; the inventory file
    // depends on the service's output (unknown until apply) and local_file
    // replaces on any content change, exactly as with Terraform.
    w.edit(
        "main.tf",
        "api    = { port = 8080, replicas = 2 }",
        "api    = { port = 8080, replicas = 3 }",
    );
    let plan = w.plan_code(&[]).code(2);
    assert_eq!(count_symbol(&plan, "~"), 1, "{}", plan.stdout);
    assert!(plan
        .stdout
        .contains("# terraform_data.service[\"api\"] will be updated in-place"));
    assert!(
        plan.stdout.contains("~ replicas = 2 -> 3"),
        "{}",
        plan.stdout
    );
    assert_eq!(
        action_list(&w.plan_json(&[])),
        expect_actions(&[
            ("local_file.inventory", "delete,create"),
            ("terraform_data.service[\"api\"]", "update"),
        ])
    );
    let before = service_id(&w, "api");
    w.apply(&[])
        .stdout_has("Apply complete! Resources: 1 added, 1 changed, 1 destroyed.")
        .code(0);
    assert_eq!(service_id(&w, "api"), before, "an update keeps the id");
    assert_eq!(inventory(&w)["services"]["api"]["replicas"], 3);
    w.plan_code(&[]).code(0);

    // port is in triggers_replace: the service is replaced.
    w.edit(
        "main.tf",
        "api    = { port = 8080, replicas = 3 }",
        "api    = { port = 8081, replicas = 3 }",
    );
    let plan = w.plan_code(&[]).code(2);
    assert!(plan
        .stdout
        .contains("# terraform_data.service[\"api\"] must be replaced"));
    assert!(plan
        .stdout
        .contains("-/+ resource \"terraform_data\" \"service\""));
    assert!(plan.stdout.contains("# forces replacement"));
    assert_eq!(
        plan.plan_line().as_deref(),
        Some("Plan: 2 to add, 0 to change, 2 to destroy.")
    );
    assert_eq!(
        action_list(&w.plan_json(&[])),
        expect_actions(&[
            ("local_file.inventory", "delete,create"),
            ("terraform_data.service[\"api\"]", "delete,create"),
        ])
    );
    let before = service_id(&w, "api");
    w.apply(&[])
        .stdout_has("Resources: 2 added, 0 changed, 2 destroyed.");
    assert_ne!(service_id(&w, "api"), before, "a replacement has a new id");
    assert_eq!(inventory(&w)["services"]["api"]["port"], 8081);
    w.plan_code(&[]).code(0);

    // Drift: the file is deleted by hand.
    std::fs::remove_file(w.path().join("out/inventory.json")).unwrap();
    let plan = w.plan_code(&[]).code(2);
    plan.clone()
        .stdout_has("Objects have changed outside of gitform")
        .stdout_has("# local_file.inventory has been deleted")
        .stdout_has("# local_file.inventory will be created");
    assert_eq!(
        plan.plan_line().as_deref(),
        Some("Plan: 1 to add, 0 to change, 0 to destroy.")
    );
    w.apply(&[])
        .stdout_has("Resources: 1 added, 0 changed, 0 destroyed.");
    assert_eq!(inventory(&w)["services"]["api"]["port"], 8081);
    w.plan_code(&[]).code(0).stdout_has("No changes.");

    // The pet name was generated once and kept throughout.
    assert_eq!(w.output_raw("project"), project);
    assert_eq!(inventory(&w)["project"], project.as_str());
}

#[test]
fn quickstart_variable_validation_and_destroy() {
    let w = Work::repo_dir("examples/quickstart");
    // The environment's validation rule rejects upper case.
    w.run(&["plan", "-var", "environment=Prod"])
        .code(1)
        .stderr_has("The environment must be lowercase letters, digits and dashes.");
    w.apply(&["-var", "environment=staging"]);
    let inv = inventory(&w);
    let name = inv["services"]["api"]["name"].as_str().unwrap();
    assert!(name.starts_with("staging-"), "{name}");
    // The same variable must be given again, or the names change.
    w.plan_code(&["-var", "environment=staging"]).code(0);
    w.run(&["destroy", "-auto-approve", "-var", "environment=staging"])
        .ok()
        .stdout_has("Destroy complete! Resources: 6 destroyed.");
    assert!(w.state_list().is_empty());
    assert!(!w.path().join("out/inventory.json").exists());
}
