//! Reference extraction tables (no evaluation).

use gitform_lang::{
    parse_expression, references, references_excluding, traversal_references, PathAttr, Reference,
    Subject, TraversalStep,
};

fn show(r: &Reference, src: &str) -> String {
    let subject = match &r.subject {
        Subject::Var(n) => format!("var.{n}"),
        Subject::Local(n) => format!("local.{n}"),
        Subject::Resource { type_name, name } => format!("{type_name}.{name}"),
        Subject::Data { type_name, name } => format!("data.{type_name}.{name}"),
        Subject::Module {
            name,
            output: Some(o),
        } => format!("module.{name}.{o}"),
        Subject::Module { name, output: None } => format!("module.{name}"),
        Subject::CountIndex => "count.index".into(),
        Subject::EachKey => "each.key".into(),
        Subject::EachValue => "each.value".into(),
        Subject::SelfRef => "self".into(),
        Subject::Path(PathAttr::Module) => "path.module".into(),
        Subject::Path(PathAttr::Root) => "path.root".into(),
        Subject::Path(PathAttr::Cwd) => "path.cwd".into(),
        Subject::TerraformWorkspace => "terraform.workspace".into(),
        Subject::TerraformApplying => "terraform.applying".into(),
        Subject::Invalid(why) => format!("INVALID({why})"),
    };
    let mut rest = String::new();
    for s in &r.remaining {
        match s {
            TraversalStep::Attr(a) => rest.push_str(&format!(".{a}")),
            TraversalStep::Key(k) => rest.push_str(&format!("[{k:?}]")),
            TraversalStep::Index(i) => rest.push_str(&format!("[{i}]")),
            TraversalStep::Dynamic => rest.push_str("[?]"),
            TraversalStep::Splat => rest.push_str("[*]"),
        }
    }
    let text = src.get(r.span.clone()).unwrap_or("<bad span>");
    format!("{subject}{rest} @{text}")
}

fn refs_of(src: &str) -> Vec<String> {
    let (expr, _) = parse_expression(src, "t.tf").unwrap();
    references(&expr).iter().map(|r| show(r, src)).collect()
}

#[test]
fn extracts_references() {
    let rows: &[(&str, &[&str])] = &[
        ("1 + 2", &[]),
        ("var.x", &["var.x @var.x"]),
        ("var.x.y[0]", &["var.x.y[0] @var.x"]),
        ("local.a + local.b", &["local.a @local.a", "local.b @local.b"]),
        ("aws_instance.web.id", &["aws_instance.web.id @aws_instance.web"]),
        ("aws_instance.web[0].id", &["aws_instance.web[0].id @aws_instance.web"]),
        ("aws_instance.web[\"k\"].id", &["aws_instance.web[\"k\"].id @aws_instance.web"]),
        ("aws_instance.web[*].id", &["aws_instance.web[*].id @aws_instance.web"]),
        ("aws_instance.web.*.id", &["aws_instance.web[*].id @aws_instance.web"]),
        ("aws_instance.web[count.index].id", &["aws_instance.web[?].id @aws_instance.web", "count.index @count.index"]),
        ("data.aws_ami.ubuntu.id", &["data.aws_ami.ubuntu.id @data.aws_ami.ubuntu"]),
        ("module.net.vpc_id", &["module.net.vpc_id @module.net.vpc_id"]),
        ("module.net", &["module.net @module.net"]),
        ("each.key", &["each.key @each.key"]),
        ("each.value.name", &["each.value.name @each.value"]),
        ("self.ip", &["self.ip @self"]),
        ("path.module", &["path.module @path.module"]),
        ("terraform.workspace", &["terraform.workspace @terraform.workspace"]),
        ("\"${var.a}-%{for x in var.l}${x}${local.z}%{endfor}\"", &["var.a @var.a", "var.l @var.l", "local.z @local.z"]),
        ("[for x in var.list : x.id]", &["var.list @var.list"]),
        ("{for k, v in var.m : k => v.name if v.on && local.all}", &["var.m @var.m", "local.all @local.all"]),
        ("[for x in var.a : [for y in x.b : y + var.c]]", &["var.a @var.a", "var.c @var.c"]),
        // The iterator name is not in scope in the collection expression.
        ("[for x in x.items : x]", &["x.items @x.items"]),
        ("f(var.a, [local.b]...)", &["var.a @var.a", "local.b @local.b"]),
        ("try(var.a, can(local.b))", &["var.a @var.a", "local.b @local.b"]),
        ("var.c ? aws_instance.a.id : aws_instance.b.id", &["var.c @var.c", "aws_instance.a.id @aws_instance.a", "aws_instance.b.id @aws_instance.b"]),
        ("{(var.k) = -local.v}", &["var.k @var.k", "local.v @local.v"]),
        ("(var.x).y", &["var.x @var.x"]),
        ("<<EOT\n${var.h}\nEOT", &["var.h @var.h"]),
        ("var", &["INVALID(The \"var\" object cannot be accessed directly. Instead, access one of its attributes.) @var"]),
        ("data.x", &["INVALID(The \"data\" object must be followed by two attribute names: the data source type and the resource name.).x @data"]),
        ("count.foo", &["INVALID(The \"count\" object does not have an attribute named \"foo\". The only supported attribute is count.index, which is the index of each instance of a resource block that has the \"count\" argument set.).foo @count"]),
    ];
    let mut failures = Vec::new();
    for (src, want) in rows {
        let got = refs_of(src);
        if got != *want {
            failures.push(format!("  {src}\n    want: {want:?}\n    got:  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn excludes_extra_locals() {
    let src = "[for r in ingress.value.rules : r.port + var.base + ingress.key]";
    let (expr, _) = parse_expression(src, "t.tf").unwrap();
    let got: Vec<String> = references_excluding(&expr, &["ingress"])
        .iter()
        .map(|r| show(r, src))
        .collect();
    assert_eq!(got, ["var.base @var.base"]);
}

#[test]
fn static_traversals() {
    let src = "[aws_instance.web, module.net, aws_instance.x[0].id, tags[\"Name\"], f(x), aws_instance.y[var.i]]";
    let (expr, _) = parse_expression(src, "t.tf").unwrap();
    let got: Vec<String> = traversal_references(&expr)
        .into_iter()
        .map(|r| match r {
            Ok(t) => format!("{} {:?} -> {}", t.root, t.steps, show(&t.reference(), src)),
            Err(e) => format!("ERR {} @{}", e.summary, &src[e.span.clone()]),
        })
        .collect();
    assert_eq!(
        got,
        [
            "aws_instance [Attr(\"web\")] -> aws_instance.web @aws_instance.web",
            "module [Attr(\"net\")] -> module.net @module.net",
            "aws_instance [Attr(\"x\"), Index(0), Attr(\"id\")] -> aws_instance.x[0].id @aws_instance.x[0].id",
            "tags [Key(\"Name\")] -> INVALID(A reference to a resource type must be followed by at least one attribute access, specifying the resource name.)[\"Name\"] @tags[\"Name\"]",
            "ERR Invalid expression @f(x)",
            "ERR Invalid expression @aws_instance.y[var.i]",
        ]
    );
}

/// 10,000 resources (~2 MB of HCL): parsing every attribute expression and
/// extracting its references must stay linear. The 300 ms budget applies
/// to release builds; debug builds get a generous multiple.
#[test]
fn extraction_is_fast() {
    let mut exprs = Vec::new();
    for i in 0..10_000 {
        exprs.push(format!("aws_subnet.s{i}.id"));
        exprs.push(format!("\"${{var.prefix}}-{i}-${{local.env}}\""));
        exprs.push(format!(
            "{{ Name = \"web-{i}\", Env = var.env, Owner = local.owner }}"
        ));
        exprs.push(
            "[for r in var.rules : { port = r.port, cidr = aws_vpc.main.cidr_block } if r.enabled]"
                .to_string(),
        );
        exprs.push(format!(
            "var.enabled ? aws_instance.a{i}[count.index].private_ip : data.aws_ami.ubuntu.id"
        ));
    }
    let total: usize = exprs.iter().map(String::len).sum();
    let start = std::time::Instant::now();
    let parsed: Vec<_> = exprs
        .iter()
        .map(|e| parse_expression(e, "bench.tf").unwrap().0)
        .collect();
    let parse_time = start.elapsed();
    let start = std::time::Instant::now();
    let n: usize = parsed.iter().map(|e| references(e).len()).sum();
    let refs_time = start.elapsed();
    assert_eq!(n, 10_000 * 11);
    // Extraction itself must be a small part of the budget (parsing is hcl-edit's).
    let budget = if cfg!(debug_assertions) { 3000 } else { 60 };
    assert!(
        refs_time.as_millis() < budget,
        "references of {total} bytes took {refs_time:?}"
    );
    eprintln!("{total} bytes of expressions: parse {parse_time:?}, references {refs_time:?}");
}
