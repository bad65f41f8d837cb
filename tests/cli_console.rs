//! `gitform console`: values, errors and exit codes, compared with
//! `terraform console` (Terraform 1.11.4) on the same configuration.

mod cli_support;

use cli_support::{fixture_copy, gitform};

/// `(expression, what terraform console prints)`, in `tests/fixtures/console-config`
/// (its terraform.tfvars sets `zones`).
const TERRAFORM_OUTPUTS: &[(&str, &str)] = &[
    ("var.region", "\"eu-west-1\"\n"),
    ("var.instance_count", "2\n"),
    ("var.zones", "tolist([\n  \"x\",\n  \"y\",\n  \"z\",\n])\n"),
    ("var.db_password", "(sensitive value)\n"),
    ("var.required", "(known after apply)\n"),
    ("local.name", "\"web-eu-west-1\"\n"),
    ("local.doubled", "4\n"),
    (
        "local.azs",
        "[\n  \"eu-west-1x\",\n  \"eu-west-1y\",\n  \"eu-west-1z\",\n]\n",
    ),
    ("local.vpc_id", "(known after apply)\n"),
    (
        "local.tags_json",
        "\"{\\\"Count\\\":4,\\\"Name\\\":\\\"web-eu-west-1\\\"}\"\n",
    ),
    ("terraform_data.main.id", "(known after apply)\n"),
    (
        "file(\"greeting.txt\")",
        "<<EOT\nhello from a file\n\nEOT\n",
    ),
    ("type(var.zones)", "list(string)\n"),
    ("upper(var.region)", "\"EU-WEST-1\"\n"),
    ("path.root", "\".\"\n"),
    (
        "tomap({a=1, b=null})",
        "tomap({\n  \"a\" = 1\n  \"b\" = tonumber(null)\n})\n",
    ),
    ("[for i in range(3): i*i]", "[\n  0,\n  1,\n  4,\n]\n"),
    (
        "jsonencode({a=1,b=[true,null],c=\"<&>\"})",
        "\"{\\\"a\\\":1,\\\"b\\\":[true,null],\\\"c\\\":\\\"\\\\u003c\\\\u0026\\\\u003e\\\"}\"\n",
    ),
    ("cidrsubnet(\"10.0.0.0/16\", 8, 2)", "\"10.0.2.0/24\"\n"),
    (
        "{a=1,b=[1,2]}",
        "{\n  \"a\" = 1\n  \"b\" = [\n    1,\n    2,\n  ]\n}\n",
    ),
    ("sensitive(\"x\")", "(sensitive value)\n"),
    ("\"a\\nb\\n\"", "<<EOT\na\nb\n\nEOT\n"),
    ("1.5e3", "1500\n"),
    ("null", "null\n"),
];

#[test]
fn values_match_terraform() {
    let dir = fixture_copy("console-config");
    for (expr, want) in TERRAFORM_OUTPUTS {
        let run = gitform(dir.path(), &["console"], &format!("{expr}\n"));
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, *want),
            "{expr}: {}",
            run.stderr
        );
        assert_eq!(run.stderr, "", "{expr}");
    }
}

#[test]
fn piped_input_prints_the_last_result_and_stops_at_the_first_error() {
    let dir = fixture_copy("console-config");
    // (stdin, exit code, stdout)
    let cases: &[(&str, i32, &str)] = &[
        ("1\n2\n3\n", 0, "3\n"),
        ("2\n\n", 0, "\n"),
        ("", 0, "\n"),
        ("exit\n", 0, ""),
        ("1\nexit\n2\n", 0, ""),
        ("1\nnonsense(1)\n3\n", 1, ""),
        ("var.region\nlocal.name", 0, "\"web-eu-west-1\"\n"),
    ];
    for (stdin, code, stdout) in cases {
        let run = gitform(dir.path(), &["console"], stdin);
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (*code, *stdout),
            "{stdin:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn error_diagnostics() {
    let dir = fixture_copy("console-config");
    let run = gitform(dir.path(), &["console"], "local.nope\n");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("console_error_boxed", run.stderr);
    let run = gitform(dir.path(), &["console", "-no-color"], "nonsense(1)\n");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("console_error_plain", run.stderr);
}

#[test]
fn variables_from_the_command_line() {
    let dir = fixture_copy("console-config");
    let cases: &[(&[&str], &str, i32, &str)] = &[
        (
            &["console", "-var", "region=us-east-1"],
            "var.region\n",
            0,
            "\"us-east-1\"\n",
        ),
        (
            &["console", "-var=instance_count=5"],
            "local.doubled\n",
            0,
            "10\n",
        ),
        (
            &["console", "--var", "zones=[\"q\"]"],
            "var.zones\n",
            0,
            "tolist([\n  \"q\",\n])\n",
        ),
        (
            &["console", "-var", "required=set"],
            "var.required\n",
            0,
            "\"set\"\n",
        ),
        (&["console", "-var", "instance_count=many"], "1\n", 1, ""),
        (&["console", "-var", "undeclared=1"], "1\n", 1, ""),
        (&["console", "-var", "novalue"], "1\n", 1, ""),
    ];
    for (args, stdin, code, stdout) in cases {
        let run = gitform(dir.path(), args, stdin);
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (*code, *stdout),
            "{args:?}: {}",
            run.stderr
        );
    }
    std::fs::write(
        dir.path().join("override.tfvars"),
        "region = \"ap-south-1\"\n",
    )
    .unwrap();
    let run = gitform(
        dir.path(),
        &["console", "-var=region=x", "-var-file=override.tfvars"],
        "var.region\n",
    );
    assert_eq!(
        run.stdout, "\"ap-south-1\"\n",
        "later -var-file wins: {}",
        run.stderr
    );
    let run = gitform(
        dir.path(),
        &["console", "-var-file=override.tfvars", "-var=region=x"],
        "var.region\n",
    );
    assert_eq!(run.stdout, "\"x\"\n", "later -var wins");

    let run = gitform(
        dir.path(),
        &["console", "-no-color", "-var", "instance_count=many"],
        "1\n",
    );
    insta::assert_snapshot!("console_bad_var", run.stderr);
}

#[test]
fn without_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let run = gitform(dir.path(), &["console"], "max(1, 5, 3)\n");
    assert_eq!((run.code, run.stdout.as_str()), (0, "5\n"));
    let run = gitform(dir.path(), &["console"], "path.cwd\n");
    let cwd = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(run.stdout, format!("{:?}\n", cwd.to_str().unwrap()));
    let run = gitform(dir.path(), &["console"], "var.x\n");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("Reference to undeclared input variable"),
        "{}",
        run.stderr
    );
}

#[test]
fn chdir_selects_the_configuration() {
    let dir = fixture_copy("console-config");
    let elsewhere = tempfile::tempdir().unwrap();
    let chdir = format!("-chdir={}", dir.path().display());
    let run = gitform(elsewhere.path(), &[&chdir, "console"], "local.name\n");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "\"web-eu-west-1\"\n"),
        "{}",
        run.stderr
    );
}
