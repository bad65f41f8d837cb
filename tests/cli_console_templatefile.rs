//! `gitform console` renders `templatefile` with or without a
//! configuration in the directory, as `terraform console` (1.11.4) does;
//! the expected outputs are Terraform's.

mod cli_support;

use cli_support::gitform;

const TEMPLATES: &[(&str, &str)] = &[
    ("t.tpl", "Hello ${name}!"),
    (
        "list.tpl",
        "Hello ${name}!\n%{ for z in zones ~}\n- ${z}\n%{ endfor ~}\n",
    ),
    ("nested/inner.tpl", "${upper(x)}"),
];

/// `(expression, stdout)` as terraform console prints them.
const RENDERED: &[(&str, &str)] = &[
    ("templatefile(\"t.tpl\", {name = \"x\"})", "\"Hello x!\"\n"),
    (
        "templatefile(\"list.tpl\", {name = \"x\", zones = [\"a\", \"b\"]})",
        "<<EOT\nHello x!\n- a\n- b\n\nEOT\n",
    ),
    (
        "templatefile(\"${path.module}/nested/inner.tpl\", {x = \"quiet\"})",
        "\"QUIET\"\n",
    ),
];

/// `(expression, part of the error)`.
const FAILING: &[(&str, &str)] = &[
    (
        "templatefile(\"t.tpl\", {})",
        "vars map does not contain key \"name\"",
    ),
    ("templatefile(\"missing.tpl\", {})", "missing.tpl"),
];

fn dir_with(config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in TEMPLATES {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    if let Some(c) = config {
        std::fs::write(dir.path().join("main.tf"), c).unwrap();
    }
    dir
}

#[test]
fn templatefile_renders_with_and_without_a_configuration() {
    let config = "variable \"region\" {\n  default = \"eu-west-1\"\n}\n";
    for (label, dir) in [
        ("no configuration", dir_with(None)),
        ("a configuration", dir_with(Some(config))),
    ] {
        for (expr, want) in RENDERED {
            let run = gitform(dir.path(), &["console"], &format!("{expr}\n"));
            assert_eq!(
                (run.code, run.stdout.as_str()),
                (0, *want),
                "{label}: {expr}\n{}",
                run.stderr
            );
        }
        for (expr, error) in FAILING {
            let run = gitform(dir.path(), &["console", "-no-color"], &format!("{expr}\n"));
            assert_eq!(run.code, 1, "{label}: {expr}\n{}", run.stdout);
            let flat = run.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains(error), "{label}: {expr}\n{}", run.stderr);
        }
    }
}
