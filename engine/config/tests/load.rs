//! Loader tests built in code: in-memory sources, custom readers, pathological
//! inputs (deep nesting, 10 MB files) and a 10,000-resource config.

mod common;

use gitform_config::{load_module_from_sources, load_module_with, ResourceMode, SourceReader};
use std::io;
use std::path::Path;
use std::time::Instant;

fn load_one(text: &str) -> (gitform_config::Module, gitform_value::Diagnostics) {
    load_module_from_sources(
        Path::new("root"),
        vec![("main.tf".into(), text.as_bytes().to_vec())],
    )
}

fn summaries(d: &gitform_value::Diagnostics) -> Vec<String> {
    d.iter().map(|d| d.summary.clone()).collect()
}

#[test]
fn in_memory_module_with_child() {
    let files = vec![
        (
            "main.tf".to_string(),
            b"module \"net\" {\n  source = \"./modules/net\"\n  cidr = \"10.0.0.0/8\"\n}\n"
                .to_vec(),
        ),
        (
            "modules/net/main.tf".to_string(),
            b"variable \"cidr\" {\n}\nmodule \"deeper\" {\n  source = \"../leaf\"\n}\n".to_vec(),
        ),
        (
            "modules/leaf/x.tf".to_string(),
            b"output \"o\" {\n  value = 1\n}\n".to_vec(),
        ),
    ];
    let (m, diags) = load_module_from_sources(Path::new("/repo"), files);
    assert!(diags.is_empty(), "{diags}");
    let net = &m.children["net"];
    assert!(net.variable("cidr").is_some());
    assert_eq!(net.files[0].name.as_ref(), "modules/net/main.tf");
    let leaf = &net.children["deeper"];
    assert_eq!(leaf.files[0].name.as_ref(), "modules/leaf/x.tf");
    assert!(leaf.output("o").is_some());
    assert_eq!(
        m.module_call("net")
            .unwrap()
            .inputs
            .attribute("cidr")
            .unwrap()
            .expr
            .text(),
        "\"10.0.0.0/8\""
    );
}

/// A reader that is neither the disk nor memory, as a Git-backed one would be.
struct OneDirReader;

impl SourceReader for OneDirReader {
    fn list_files(&self, dir: &Path) -> io::Result<Vec<String>> {
        if dir == Path::new("commit") {
            Ok(vec!["b.tf".into(), "a.tf".into()])
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                "not in this commit",
            ))
        }
    }

    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        let name = path.file_name().unwrap().to_string_lossy();
        Ok(format!("variable \"{}\" {{\n}}\n", name.trim_end_matches(".tf")).into_bytes())
    }
}

#[test]
fn custom_reader_loads_files_sorted() {
    let (m, diags) = load_module_with(&OneDirReader, Path::new("commit"));
    assert!(diags.is_empty(), "{diags}");
    let names: Vec<&str> = m.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn lookups_by_name() {
    let (m, diags) = load_one(
        "resource \"a\" \"x\" {\n}\ndata \"a\" \"x\" {\n}\nprovider \"p\" {\n}\nprovider \"p\" {\n  alias = \"w\"\n}\nlocals {\n  l = 1\n}\n",
    );
    assert!(diags.is_empty(), "{diags}");
    assert_eq!(
        m.resource(ResourceMode::Managed, "a", "x")
            .unwrap()
            .address(),
        "a.x"
    );
    assert_eq!(
        m.resource(ResourceMode::Data, "a", "x").unwrap().address(),
        "data.a.x"
    );
    assert!(m.resource(ResourceMode::Managed, "a", "y").is_none());
    assert_eq!(m.provider("p", Some("w")).unwrap().address(), "p.w");
    assert!(m.provider("p", None).unwrap().alias.is_none());
    assert_eq!(m.local("l").unwrap().expr.text(), "1");
}

#[test]
fn byte_order_mark_is_accepted() {
    let (m, diags) = load_one("\u{feff}variable \"a\" {\n}\n");
    assert!(diags.is_empty(), "{diags}");
    assert_eq!(m.variables[0].decl_range.start.column, 2);
}

/// Every way to nest 10,000 levels deep: an error, not a stack overflow.
#[test]
fn ten_thousand_levels_of_nesting() {
    let n = 10_000;
    let cases: Vec<(&str, String)> = vec![
        (
            "brackets",
            format!("locals {{\n  a = {}{}\n}}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "parens",
            format!("locals {{\n  a = {}1{}\n}}\n", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "objects",
            format!(
                "locals {{\n  a = {}{}\n}}\n",
                "{a = ".repeat(n),
                "}".repeat(n)
            ),
        ),
        (
            "blocks",
            format!("{}{}", "b {\n".repeat(n), "}\n".repeat(n)),
        ),
        ("unclosed blocks", "b {\n".repeat(n)),
        (
            "unclosed brackets",
            format!("locals {{\n  a = {}\n}}\n", "[".repeat(n)),
        ),
        (
            "templates",
            format!(
                "locals {{\n  a = {}x{}\n}}\n",
                "\"${".repeat(n),
                "}\"".repeat(n)
            ),
        ),
        (
            "operators",
            format!("locals {{\n  a = 1{}\n}}\n", " + 1".repeat(n)),
        ),
        (
            "unary",
            format!("locals {{\n  a = {}true\n}}\n", "!".repeat(n)),
        ),
    ];
    for (what, text) in cases {
        let (_, diags) = load_one(&text);
        assert!(diags.has_errors(), "{what}: expected an error");
        for d in diags.iter() {
            assert!(d.range.is_some(), "{what}: {d}");
        }
        println!("{what}: {:?}", summaries(&diags));
    }
}

fn resources(n: usize) -> String {
    let mut s = String::with_capacity(n * 220);
    for i in 0..n {
        s.push_str(&format!(
            "resource \"aws_instance\" \"web_{i}\" {{\n  count         = var.enabled ? 1 : 0\n  ami           = \"ami-{i:08}\"\n  instance_type = var.size\n  subnet_id     = aws_subnet.main[{i} % 3].id\n  tags = {{\n    Name  = \"web-${{count.index}}\"\n    Index = {i}\n  }}\n}}\n\n"
        ));
    }
    s
}

#[test]
fn ten_thousand_resources() {
    let text = resources(10_000);
    let start = Instant::now();
    let parsed = hcl_edit::parser::parse_body(&text);
    println!(
        "10,000 resources: hcl-edit parse alone {:?}",
        start.elapsed()
    );
    assert!(parsed.is_ok());
    let start = Instant::now();
    let (m, diags) = load_one(&text);
    let elapsed = start.elapsed();
    println!(
        "10,000 resources, {} bytes: loaded in {elapsed:?}",
        text.len()
    );
    assert!(diags.is_empty());
    assert_eq!(m.managed_resources.len(), 10_000);
    assert!(m
        .resource(ResourceMode::Managed, "aws_instance", "web_9999")
        .is_some());

    // The same with every resource declared twice: 10,000 duplicate errors.
    let start = Instant::now();
    let (m, diags) = load_module_from_sources(
        Path::new("root"),
        vec![
            ("a.tf".into(), text.clone().into_bytes()),
            ("b.tf".into(), text.into_bytes()),
        ],
    );
    println!(
        "20,000 resources with 10,000 duplicates: loaded in {:?}",
        start.elapsed()
    );
    assert_eq!(m.managed_resources.len(), 10_000);
    assert_eq!(diags.len(), 10_000);
}

#[test]
fn ten_megabyte_file() {
    // 2,000 resources with a 5 KB string each.
    let pad = "x".repeat(5_000);
    let mut text =
        resources(2_000).replace("tags = {", &format!("description = \"{pad}\"\n  tags = {{"));
    assert!(text.len() > 10_000_000, "{}", text.len());
    let start = Instant::now();
    let (m, diags) = load_one(&text);
    println!("{} bytes: loaded in {:?}", text.len(), start.elapsed());
    assert!(diags.is_empty());
    assert_eq!(m.managed_resources.len(), 2_000);

    // With syntax errors at the start and the end: recovery must stay linear.
    text.insert_str(0, "locals {\n  broken = \"x\n}\n");
    text.push_str("resource \"a\" \"b\" {\n  x = [1, 2\n}\n");
    let start = Instant::now();
    let (m, diags) = load_one(&text);
    println!(
        "{} bytes with 2 errors: loaded in {:?}",
        text.len(),
        start.elapsed()
    );
    assert_eq!(
        summaries(&diags),
        ["Invalid multi-line string", "Unclosed bracket"]
    );
    assert_eq!(m.managed_resources.len(), 2_000);
}

#[test]
fn every_diagnostic_has_a_range() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modules");
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let (_, diags) = gitform_config::load_module(&dir);
        for d in diags.iter() {
            // The root directory itself has no file to point at.
            let rootless = d.summary == "No configuration files" && d.range.is_none();
            assert!(d.range.is_some() || rootless, "{}: {d}", dir.display());
            assert!(!d.detail.is_empty(), "{}: {d}", dir.display());
        }
    }
}

/// Every prefix of a valid configuration (cut every few bytes) loads without
/// panicking, and any error has a range inside the file.
#[test]
fn truncated_files_never_panic() {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modules/valid_all_blocks");
    let text = std::fs::read_to_string(root.join("resources.tf")).unwrap();
    let mut cut = 0;
    let mut with_errors = 0;
    while cut < text.len() {
        if text.is_char_boundary(cut) {
            let prefix = &text[..cut];
            let (_, diags) = load_one(prefix);
            for d in diags.iter() {
                let r = d.range.as_ref().unwrap();
                assert!(r.end.byte <= prefix.len() + 1, "cut {cut}: {d}");
            }
            with_errors += usize::from(diags.has_errors());
        }
        cut += 5;
    }
    assert!(with_errors > 0);
}
