//! Terraform's "attributes as blocks" (`lang/blocktoattr`): a list-or-set-of-
//! object attribute written as an argument, as blocks, as `dynamic` blocks,
//! as `= []`, or not at all, decoded by `body::decode_body` against a small
//! schema, and the effective schema `validate` checks by.
//!
//! Data-driven: each `tests/fixtures/attributes_as_blocks/NAME.tf` holds one
//! `resource "thing" "x"` block; `NAME.out` is the expected decoded value,
//! effective block types and diagnostics. `BLESS=1 cargo test -p
//! gitform-engine --test attributes_as_blocks` rewrites the `.out` files.

use gitform_engine::body::{block_for_attribute_type, decode_body, effective_schema};
use gitform_lang::EvalContext;
use gitform_provider::{Attribute, Block, NestedBlock, Nesting};
use gitform_value::display::format_console;
use gitform_value::{Type, Value};
use std::path::{Path, PathBuf};

const DIR: &str = "/fixture";

fn object(fields: &[(&str, Type)]) -> Type {
    Type::object(fields.iter().map(|(k, t)| (k.to_string(), t.clone())))
}

/// `rule`: an optional set of objects (like `aws_security_group.ingress`);
/// `item`: an optional list of objects with a list-of-object field;
/// `observed`: a computed-only list of objects; `setting`: a real block.
fn schema() -> Block {
    let rule = object(&[
        ("port", Type::Number),
        ("proto", Type::String),
        ("cidrs", Type::list(Type::String)),
    ]);
    let item = object(&[
        ("name", Type::String),
        ("subs", Type::list(object(&[("key", Type::String)]))),
    ]);
    Block::new()
        .attr("name", Attribute::optional(Type::String))
        .attr("rule", Attribute::optional_computed(Type::set(rule)))
        .attr("item", Attribute::optional(Type::list(item)))
        .attr(
            "observed",
            Attribute::computed(Type::list(object(&[("port", Type::Number)]))),
        )
        .block(
            "setting",
            NestedBlock::list(Block::new().attr("key", Attribute::required(Type::String))),
        )
}

fn context() -> EvalContext {
    let mut ctx = EvalContext::new();
    ctx.roots.insert(
        "var".to_string(),
        Value::object([
            ("ports", Value::List(vec![Value::int(22), Value::int(80)])),
            ("unknown_ports", Value::Unknown(Type::list(Type::Number))),
        ]),
    );
    ctx
}

/// The decoded value, the effective schema's block types, and every
/// diagnostic of decoding one fixture.
fn run_case(path: &Path) -> String {
    let text = std::fs::read(path).unwrap();
    let (module, diags) = gitform_config::load_module_from_sources(
        Path::new(DIR),
        vec![("main.tf".to_string(), text)],
    );
    assert!(!diags.has_errors(), "{}: {diags}", path.display());
    let res = module.managed_resources.first().expect("one resource");
    let schema = schema();
    let (effective, _) = effective_schema(&res.body, &schema);
    let mut out = String::new();
    let blocks: Vec<String> = effective
        .blocks
        .iter()
        .map(|(k, b)| format!("{k} ({:?})", b.nesting))
        .collect();
    out.push_str(&format!("block types: {}\n", blocks.join(", ")));
    let (v, diags) = decode_body(&res.body, &schema, &mut context(), &res.decl_range);
    out.push_str(&format!("value: {}\n", format_console(&v)));
    for d in &diags.0 {
        out.push_str(&format!("{d}\n"));
    }
    out.replace(&format!("{DIR}/"), "")
}

#[test]
fn fixtures() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/attributes_as_blocks");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "fixtures missing in {}", dir.display());
    let bless = std::env::var_os("BLESS").is_some();
    let mut failed = Vec::new();
    for case in &cases {
        let got = run_case(case);
        let expected_path = case.with_extension("out");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failed.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{got}",
                case.display()
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// Which types take blocks: lists and sets of objects only, as in Terraform.
#[test]
fn types_that_take_blocks() {
    let obj = object(&[("a", Type::String)]);
    let cases = [
        (Type::list(obj.clone()), Some(Nesting::List)),
        (Type::set(obj.clone()), Some(Nesting::Set)),
        (Type::map(obj.clone()), None),
        (obj.clone(), None),
        (Type::list(Type::String), None),
        (Type::list(Type::list(obj)), None),
        (Type::Dynamic, None),
    ];
    for (ty, want) in cases {
        let got = block_for_attribute_type(&ty);
        assert_eq!(got.as_ref().map(|b| b.nesting), want, "{ty:?}");
        if let Some(b) = got {
            let a = &b.block.attributes["a"];
            assert!(a.optional && !a.required && !a.computed, "{ty:?}");
            assert_eq!(a.ty, Type::String);
        }
    }
}
