//! Type constraint parsing, with Terraform's diagnostics.

mod common;

use gitform_lang::{parse_expression, parse_type_constraint};

fn parse(src: &str) -> String {
    let (expr, file) = parse_expression(src, "t.tf").unwrap();
    match parse_type_constraint(&expr, &file) {
        Ok(t) => {
            let mut s = t.to_string();
            if let gitform_value::Type::Object(o) = &t {
                for (k, d) in &o.optional {
                    s.push_str(&format!(
                        " [{k} default {}]",
                        d.as_ref().map_or("none".to_string(), common::show)
                    ));
                }
            }
            s
        }
        Err(d) => common::show_diags(&d),
    }
}

#[test]
fn type_constraints() {
    let rows: &[(&str, &str)] = &[
        ("string", "string"),
        ("number", "number"),
        ("bool", "bool"),
        ("any", "dynamic"),
        ("list(string)", "list(string)"),
        ("set(number)", "set(number)"),
        ("map(any)", "map(dynamic)"),
        ("list", "list(dynamic)"),
        ("map", "map(dynamic)"),
        ("list(map(list(bool)))", "list(map(list(bool)))"),
        ("tuple([string, number])", "tuple([string, number])"),
        ("tuple([])", "tuple([])"),
        ("object({})", "object({})"),
        ("object({name = string, ports = list(number)})", "object({name: string, ports: list(number)})"),
        (
            "object({a = optional(string, \"x\"), b = optional(number), c = bool})",
            "object({a: optional(string), b: optional(number), c: bool}) [a default \"x\"] [b default none]",
        ),
        ("object({n = optional(string, 1)})", "object({n: optional(string)}) [n default \"1\"]"),
        ("list(object({x = optional(list(string), [])}))", "list(object({x: optional(list(string))}))"),
        ("foo", "ERR Invalid type specification | The keyword \"foo\" is not a valid type specification. @1:1-1:4"),
        ("map(foo)", "ERR Invalid type specification | The keyword \"foo\" is not a valid type specification. @1:5-1:8"),
        ("list(string, number)", "ERR Invalid type specification | The list type constructor requires one argument specifying the element type. @1:1-1:21"),
        ("map()", "ERR Invalid type specification | The map type constructor requires one argument specifying the element type. @1:1-1:6"),
        ("set", "ERR Invalid type specification | The set type constructor requires one argument specifying the element type. @1:1-1:4"),
        ("optional(string)", "ERR Invalid type specification | Keyword \"optional\" is valid only as a modifier for object type attributes. @1:1-1:17"),
        ("optional", "ERR Invalid type specification | The keyword \"optional\" is not a valid type specification. @1:1-1:9"),
        ("object([string])", "ERR Invalid type specification | Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types. @1:1-1:17"),
        ("object({a = string}, 1)", "ERR Invalid type specification | The object type constructor requires one argument specifying the attribute types and values as a map. @1:1-1:24"),
        ("object({\"a\" = string})", "ERR Invalid type specification | Object constructor map keys must be attribute names. @1:9-1:12"),
        ("tuple({a = string})", "ERR Invalid type specification | Tuple type constructor requires a list of element types. @1:1-1:20"),
        ("object({a = optional(string, 1, 2)})", "ERR Invalid type specification | Optional attribute modifier expects at most two arguments: the attribute type, and a default value. @1:13-1:35"),
        ("object({a = optional(string, [])})", "ERR Invalid default value for optional attribute | This default value is not compatible with the attribute's type constraint: string required. @1:30-1:32"),
        ("object({a = optional(string, var.x)})", "ERR Variables not allowed | Variables may not be used here. @1:30-1:33"),
        ("upper(string)", "ERR Invalid type specification | Keyword \"upper\" is not a valid type constructor. @1:1-1:14"),
        ("any(string)", "ERR Invalid type specification | Type constraint keyword \"any\" does not expect arguments. @1:1-1:12"),
        ("string.x", "ERR Invalid type specification | A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string). @1:1-1:9"),
        ("\"string\"", "ERR Invalid quoted type constraints | Terraform 0.11 and earlier required type constraints to be given in quotes, but that form is now deprecated and will be removed in a future version of Terraform. Remove the quotes around \"string\". @1:1-1:9"),
    ];
    let mut failures = Vec::new();
    for (src, want) in rows {
        let got = parse(src);
        if got != *want {
            failures.push(format!("  {src}\n    want: {want}\n    got:  {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
