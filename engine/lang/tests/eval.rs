//! Evaluation tables: contexts with variables, unknowns and sensitive
//! values; error messages with their ranges.

mod common;

use common::{check_table, run};
use gitform_lang::EvalContext;
use gitform_value::{Type, Value};

fn ctx() -> EvalContext {
    EvalContext::new()
        .with_var("foo", Value::from("x"))
        .with_var("num", Value::int(5))
        .with_var("secret", Value::from("s3cr3t").sensitive())
        .with_var(
            "list",
            Value::List(vec![Value::from("a"), Value::from("b")]),
        )
        .with_var(
            "obj",
            Value::object([
                ("name", Value::from("n")),
                (
                    "tags",
                    Value::Map([("env".to_string(), Value::from("prod"))].into()),
                ),
            ]),
        )
        .with_var("unk", Value::Unknown(Type::String))
        .with_var("unk_num", Value::Unknown(Type::Number))
        .with_var("unk_bool", Value::Unknown(Type::Bool))
        .with_var("unk_list", Value::Unknown(Type::list(Type::String)))
        .with_var("unk_any", Value::unknown())
        .with_var(
            "unk_obj",
            Value::Unknown(Type::object([("id", Type::String)])),
        )
        .with_var("nothing", Value::Null)
        .with_local("bar", Value::int(1))
        .with_local(
            "sl",
            Value::Tuple(vec![Value::from("a"), Value::from("b")]).sensitive(),
        )
        .with_local("so", Value::object([("a", Value::int(1))]).sensitive())
        .with_local(
            "mixed",
            Value::Tuple(vec![Value::Unknown(Type::Number), Value::int(1)]),
        )
        .with_local(
            "with_secret",
            Value::object([("a", Value::from("s").sensitive()), ("b", Value::from("x"))]),
        )
        .with_resource(
            "aws_instance",
            "web",
            Value::object([
                ("id", Value::from("i-1")),
                ("arn", Value::Unknown(Type::String)),
            ]),
        )
        .with_resource(
            "aws_instance",
            "many",
            Value::Tuple(vec![
                Value::object([("id", Value::from("i-a"))]),
                Value::object([("id", Value::from("i-b"))]),
            ]),
        )
        .with_data(
            "aws_ami",
            "ubuntu",
            Value::object([("id", Value::from("ami-1"))]),
        )
        .with_module("net", Value::object([("vpc_id", Value::from("vpc-1"))]))
        .with_path("./mod", ".", "/work")
        .with_workspace("dev")
}

#[test]
fn references_resolve() {
    check_table(
        &ctx(),
        &[
            ("var.foo", r#""x""#),
            ("var.obj.tags.env", r#""prod""#),
            ("var.obj[\"name\"]", r#""n""#),
            ("local.bar + var.num", "6"),
            ("aws_instance.web.id", r#""i-1""#),
            ("aws_instance.many[1].id", r#""i-b""#),
            ("aws_instance.many[*].id", r#"["i-a", "i-b"]"#),
            ("data.aws_ami.ubuntu.id", r#""ami-1""#),
            ("module.net.vpc_id", r#""vpc-1""#),
            ("path.module", r#""./mod""#),
            ("path.root", r#"".""#),
            ("terraform.workspace", r#""dev""#),
            (
                "[for x in var.list : \"${x}-${var.foo}\"]",
                r#"["a-x", "b-x"]"#,
            ),
            ("{for k, v in var.obj.tags : k => v}", r#"{env = "prod"}"#),
        ],
    );
}

#[test]
fn counted_and_each_contexts() {
    let c = ctx()
        .with_count_index(2)
        .with_each(Value::from("k"), Value::int(7))
        .with_self(Value::object([("ip", Value::from("1.2.3.4"))]));
    check_table(
        &c,
        &[
            ("count.index * 10", "20"),
            ("\"${each.key}=${each.value}\"", r#""k=7""#),
            ("self.ip", r#""1.2.3.4""#),
            // A `for` iterator shadows a root name.
            ("[for var in [1, 2] : var + 1]", "[2, 3]"),
        ],
    );
}

#[test]
fn reference_errors() {
    check_table(
        &ctx(),
        &[
            ("var.fo", "ERR Reference to undeclared input variable | An input variable with the name \"fo\" has not been declared. Did you mean \"foo\"? @1:1-1:7"),
            ("var.zzz", "ERR Reference to undeclared input variable | An input variable with the name \"zzz\" has not been declared. This variable can be declared with a variable \"zzz\" {} block. @1:1-1:8"),
            ("var", "ERR Invalid reference | The \"var\" object cannot be accessed directly. Instead, access one of its attributes. @1:1-1:4"),
            ("local.ba", "ERR Reference to undeclared local value | A local value with the name \"ba\" has not been declared. Did you mean \"bar\"? @1:1-1:9"),
            ("local.zzzzz", "ERR Reference to undeclared local value | A local value with the name \"zzzzz\" has not been declared. @1:1-1:12"),
            ("aws_instance.wb", "ERR Reference to undeclared resource | A managed resource \"aws_instance\" \"wb\" has not been declared in the root module. @1:1-1:16"),
            ("google_thing.x", "ERR Reference to undeclared resource | A managed resource \"google_thing\" \"x\" has not been declared in the root module. @1:1-1:15"),
            ("aws_instance", "ERR Invalid reference | A reference to a resource type must be followed by at least one attribute access, specifying the resource name. @1:1-1:13"),
            ("data.aws_ami.x", "ERR Reference to undeclared resource | A data resource \"aws_ami\" \"x\" has not been declared in the root module. @1:1-1:15"),
            ("data.aws_ami", "ERR Invalid reference | The \"data\" object must be followed by two attribute names: the data source type and the resource name. @1:1-1:13"),
            ("module.nett.x", "ERR Reference to undeclared module | No module call named \"nett\" is declared in the root module. Did you mean \"net\"? @1:1-1:12"),
            ("module", "ERR Invalid reference | The \"module\" object cannot be accessed directly. Instead, access one of its attributes. @1:1-1:7"),
            ("count.index", "ERR Reference to \"count\" in non-counted context | The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set. @1:1-1:12"),
            ("count.foo", "ERR Invalid \"count\" attribute | The \"count\" object does not have an attribute named \"foo\". The only supported attribute is count.index, which is the index of each instance of a resource block that has the \"count\" argument set. @1:1-1:10"),
            ("each.key", "ERR Reference to \"each\" in context without for_each | The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set. @1:1-1:9"),
            ("each.foo", "ERR Invalid \"each\" attribute | The \"each\" object does not have an attribute named \"foo\". The supported attributes are each.key and each.value, the current key and value pair of the \"for_each\" attribute set. @1:1-1:9"),
            ("self.x", "ERR Invalid \"self\" reference | The \"self\" object is not available in this context. This object can be used only in resource provisioner, connection, and postcondition blocks. @1:1-1:5"),
            ("path.foo", "ERR Invalid \"path\" attribute | The \"path\" object does not have an attribute named \"foo\". Did you mean \"root\"? @1:1-1:9"),
            ("terraform.foo", "ERR Invalid \"terraform\" attribute | The \"terraform\" object does not have an attribute named \"foo\". The only supported attributes are terraform.workspace, the name of the currently-selected workspace, and terraform.applying, a boolean which is true only during apply. @1:1-1:14"),
            ("var.obj.nam", "ERR Unsupported attribute | This object does not have an attribute named \"nam\". Did you mean \"name\"? @1:8-1:12"),
            ("var.obj.tags.nope", "ERR Missing map element | This map does not have an element with the key \"nope\". @1:13-1:18"),
            // Errors in several operands are all reported.
            ("[var.zzz, local.zzz]", "ERR Reference to undeclared input variable | An input variable with the name \"zzz\" has not been declared. This variable can be declared with a variable \"zzz\" {} block. @1:2-1:9\nERR Reference to undeclared local value | A local value with the name \"zzz\" has not been declared. @1:11-1:20"),
        ],
    );
}

#[test]
fn error_ranges_span_lines() {
    let c = ctx();
    let got = run("[\n  1,\n  var.nope,\n]", &c);
    assert!(got.ends_with("@3:3-3:11"), "{got}");
    let got = run("<<EOT\nline ${null}\nEOT", &c);
    assert_eq!(got, "ERR Invalid template interpolation value | The expression result is null. Cannot include a null value in a string template. @2:8-2:12");
}

#[test]
fn unknown_propagation() {
    check_table(
        &ctx(),
        &[
            ("var.unk", "unknown(string)"),
            ("var.unk_num + 1", "unknown(number)"),
            ("var.unk + 1", "unknown(number)"),
            ("-var.unk_num", "unknown(number)"),
            ("!var.unk_bool", "unknown(bool)"),
            ("var.unk_num > 1", "unknown(bool)"),
            ("var.unk == \"a\"", "unknown(bool)"),
            ("var.unk_bool && true", "unknown(bool)"),
            ("var.unk_bool && false", "false"),
            ("false && var.unk_bool", "false"),
            ("var.unk_bool || true", "true"),
            ("var.unk_bool || false", "unknown(bool)"),
            ("[var.unk, 1]", "[unknown(string), 1]"),
            ("{a = var.unk}", "{a = unknown(string)}"),
            ("{(var.unk) = 1}", "unknown(dynamic)"),
            ("\"x${var.unk}y\"", "unknown(string)"),
            ("\"${var.unk}\"", "unknown(string)"),
            ("\"%{if var.unk_bool}a%{endif}\"", "unknown(string)"),
            (
                "\"%{for x in var.unk_list}${x}%{endfor}\"",
                "unknown(string)",
            ),
            ("var.unk_bool ? 1 : 2", "unknown(number)"),
            ("var.unk_bool ? \"a\" : 1", "unknown(string)"),
            ("true ? var.unk : \"b\"", "unknown(string)"),
            ("false ? var.unk : \"b\"", r#""b""#),
            ("var.unk_obj.id", "unknown(string)"),
            ("var.unk_any.foo.bar", "unknown(dynamic)"),
            ("var.unk_list[0]", "unknown(string)"),
            ("[\"a\", \"b\"][var.unk_num]", "unknown(dynamic)"),
            ("var.unk_any[*].id", "unknown(dynamic)"),
            ("local.mixed[*]", "[unknown(number), 1]"),
            ("local.mixed[1]", "1"),
            ("[for x in var.unk_list : x]", "unknown(dynamic)"),
            ("[for x in [1, 2] : x if var.unk_bool]", "unknown(dynamic)"),
            ("{for x in [1] : var.unk => x}", "unknown(dynamic)"),
            ("[for x in local.mixed : x]", "[unknown(number), 1]"),
            ("aws_instance.web.arn", "unknown(string)"),
            ("can(var.unk)", "unknown(bool)"),
            ("can(var.obj.name)", "true"),
            ("try(var.unk_any, 1)", "unknown(dynamic)"),
            ("try(local.mixed, 1)", "unknown(dynamic)"),
        ],
    );
}

#[test]
fn sensitive_propagation() {
    check_table(
        &ctx(),
        &[
            ("var.secret", r#"sensitive("s3cr3t")"#),
            ("\"${var.secret}x\"", r#"sensitive("s3cr3tx")"#),
            ("[var.secret, \"a\"]", r#"[sensitive("s3cr3t"), "a"]"#),
            ("{a = var.secret}.a", r#"sensitive("s3cr3t")"#),
            ("var.secret == \"a\"", "sensitive(false)"),
            ("[var.secret] == [\"s3cr3t\"]", "sensitive(true)"),
            ("true ? var.secret : \"b\"", r#"sensitive("s3cr3t")"#),
            ("false ? var.secret : \"b\"", r#"sensitive("b")"#),
            ("false ? [var.secret] : [\"b\"]", r#"["b"]"#),
            ("local.sl[0]", r#"sensitive("a")"#),
            ("local.sl[*]", r#"sensitive(["a", "b"])"#),
            ("local.so.a", "sensitive(1)"),
            ("local.with_secret.b", r#""x""#),
            ("local.with_secret.a", r#"sensitive("s")"#),
            ("[\"a\", var.secret][0]", r#""a""#),
            ("[\"a\", \"b\"][local.so.a]", r#"sensitive("b")"#),
            ("[for x in local.sl : x]", r#"sensitive(["a", "b"])"#),
            ("[for x in [var.secret] : x]", r#"[sensitive("s3cr3t")]"#),
            ("[for x in [1] : x if var.secret == \"a\"]", "sensitive([])"),
            (
                "{for x in [var.secret] : x => 1}",
                "sensitive({s3cr3t = 1})",
            ),
            ("{(var.secret) = 1}", "sensitive({s3cr3t = 1})"),
            (
                "\"%{if var.secret == \"x\"}a%{endif}b\"",
                r#"sensitive("b")"#,
            ),
            (
                "\"%{for x in local.sl}${x}%{endfor}\"",
                r#"sensitive("ab")"#,
            ),
            ("local.so.a + 1", "sensitive(2)"),
            ("-local.so.a", "sensitive(-1)"),
        ],
    );
}

#[test]
fn try_and_can() {
    check_table(
        &ctx(),
        &[
            ("try(var.obj.nam, \"fallback\")", r#""fallback""#),
            ("try(var.obj.name, \"fallback\")", r#""n""#),
            ("try(var.list[5], var.list[1])", r#""b""#),
            ("can(var.obj.nam)", "false"),
            ("can(var.obj.name)", "true"),
            ("can(var.nothing.x)", "false"),
            ("try(var.nothing.x, null)", "null"),
            // Static reference errors are not caught.
            ("try(var.zzz, 1)", "ERR Reference to undeclared input variable | An input variable with the name \"zzz\" has not been declared. This variable can be declared with a variable \"zzz\" {} block. @1:5-1:12"),
            ("try()", "ERR Error in function call | Call to function \"try\" failed: at least one argument is required. @1:1-1:6"),
            ("try({}.a)", "ERR Error in function call | Call to function \"try\" failed: no expression succeeded:\n- Unsupported attribute (at <console-input>:1,7-9)\n  This object does not have an attribute named \"a\".\n\nAt least one expression must produce a successful result. @1:1-1:10"),
            ("can()", "ERR Not enough function arguments | Function \"can\" expects 1 argument, but 0 were given. @1:1-1:6"),
        ],
    );
}

#[test]
fn function_calls() {
    check_table(
        &ctx(),
        &[
            ("nosuchfunction(1)", "ERR Call to unknown function | There is no function named \"nosuchfunction\". @1:1-1:15"),
            ("tryy(1)", "ERR Call to unknown function | There is no function named \"tryy\". Did you mean \"try\"? @1:1-1:5"),
            ("provider::aws::foo(1)", "ERR Call to unknown function | There is no function named \"provider::aws::foo\". @1:16-1:19"),
            ("max(null...)", "ERR Invalid expanding argument value | The expanding argument (indicated by ...) must not be null. @1:5-1:9"),
            ("max(\"a\"...)", "ERR Invalid expanding argument value | The expanding argument (indicated by ...) must be of a tuple, list, or set type. @1:5-1:8"),
            ("max(var.unk_list...)", "unknown(dynamic)"),
            ("nosuchfn(var.zzz)", "ERR Call to unknown function | There is no function named \"nosuchfn\". @1:1-1:9"),
            ("length(1)", "ERR Error in function call | Call to function \"length\" failed: argument must be a string, a collection type, or a structural type. @1:1-1:10"),
            ("length()", "ERR Not enough function arguments | Function \"length\" expects 1 argument(s). Missing value for \"value\". @1:1-1:9"),
            ("length(1, 2)", "ERR Too many function arguments | Function \"length\" expects only 1 argument(s). @1:1-1:13"),
            ("upper([1])", "ERR Invalid function argument | Invalid value for \"str\" parameter: string required. @1:7-1:10"),
            ("lenght([1])", "ERR Call to unknown function | There is no function named \"lenght\". Did you mean \"length\"? @1:1-1:7"),
            ("max([1, 5]...)", "5"),
            ("max(1, [7, 3]...)", "7"),
            ("length([var.unk])", "1"),
            ("length(var.unk_list)", "unknown(number)"),
            ("upper(var.secret)", r#"sensitive("S3CR3T")"#),
            ("tolist([var.secret, \"a\"])", r#"list[sensitive("s3cr3t"), "a"]"#),
            ("tolist([1])[*]", "list[1]"),
            ("toset([{a = 1}, {a = 2}])[*].a", "list[1, 2]"),
            ("tomap({x = {a = 1}})[*].a", "ERR Missing map element | This map does not have an element with the key \"a\". @1:24-1:26"),
            ("try(tonumber(\"x\"), 0)", "0"),
        ],
    );
}

#[test]
fn console_type_function() {
    let c = ctx().with_console_type_function();
    check_table(
        &c,
        &[
            ("type(1)", r#""number""#),
            ("type(null)", r#""dynamic""#),
            ("type(var.list)", r#""list(string)""#),
            ("type(var.secret)", r#""string""#),
            (
                "type({a = 1, b = [1, \"x\"]})",
                r#""object({\n    a: number,\n    b: tuple([\n        number,\n        string,\n    ]),\n})""#,
            ),
        ],
    );
    // Without the flag `type` is an ordinary (unknown) function.
    assert!(run("type(1)", &ctx()).starts_with("ERR Call to unknown function"));
}

#[test]
fn literal_only_context() {
    let c = EvalContext::literal_only();
    check_table(
        &c,
        &[
            ("[for x in [1, 2] : x * 2]", "[2, 4]"),
            ("\"${1 + 1}\"", "2"),
            (
                "upper(\"x\")",
                "ERR Function calls not allowed | Functions may not be called here. @1:1-1:11",
            ),
            (
                "local.bar",
                "ERR Variables not allowed | Variables may not be used here. @1:1-1:6",
            ),
        ],
    );
}

#[test]
fn operators_and_precedence() {
    check_table(
        &EvalContext::new(),
        &[
            ("1 + 2 * 3", "7"),
            ("(1 + 2) * 3", "9"),
            ("10 - 4 - 3", "3"),
            ("2 * 3 % 4", "2"),
            ("1 + 2 < 4 == true", "true"),
            ("true || false && false", "true"),
            ("!false == true", "true"),
            ("-2 * -3", "6"),
            ("- 2 + 5", "3"),
            ("1 / 4", "0.25"),
            ("1 / 0", "ERR Operation failed | Error during operation: can't divide by zero. @1:1-1:6"),
            ("0 / 0", "ERR Operation failed | Error during operation: can't divide zero by zero. @1:1-1:6"),
            ("\"a\" < \"b\"", "ERR Invalid operand | Unsuitable value for left operand: a number is required. @1:1-1:4\nERR Invalid operand | Unsuitable value for right operand: a number is required. @1:7-1:10"),
            ("1 + null", "ERR Operation failed | Error during operation: argument must not be null. @1:1-1:9"),
            ("!null", "ERR Operation failed | Error during operation: argument must not be null. @1:1-1:6"),
            ("[1] + 1", "ERR Invalid operand | Unsuitable value for left operand: number required. @1:1-1:4"),
            ("null == null", "true"),
            ("1 != 2", "true"),
        ],
    );
}

#[test]
fn collections_and_splats() {
    check_table(
        &EvalContext::new(),
        &[
            ("[]", "[]"),
            ("{}", "{}"),
            ("{a = 1, b = {c = [true]}}", "{a = 1, b = {c = [true]}}"),
            ("{\"x y\" = 1}[\"x y\"]", "1"),
            ("[[1, 2], [3]][*][0]", "[1, 3]"),
            (
                "[{a = [{b = 1}, {b = 2}]}, {a = [{b = 3}]}][*].a[*].b",
                "[[1, 2], [3]]",
            ),
            ("[{a = [1]}, {a = [2]}].*.a[0]", "[1]"),
            ("null[*]", "[]"),
            ("\"x\"[*]", r#"["x"]"#),
            (
                "{for k, v in {a = 1, b = 2, c = 1} : v => k...}",
                r#"{1 = ["a", "c"], 2 = ["b"]}"#,
            ),
            ("[for k, v in {b = 2, a = 1} : k]", r#"["a", "b"]"#),
        ],
    );
}

#[test]
fn templates() {
    check_table(
        &EvalContext::new(),
        &[
            ("\"plain\"", r#""plain""#),
            ("\"a\\nb\"", r#""a\nb""#),
            ("\"$${x}\"", r#""${x}""#),
            ("\"${true}\"", "true"),
            ("\"%{ for i, x in [\"a\", \"b\"] }${i}${x} %{ endfor }\"", r#""0a 1b ""#),
            ("\"%{if 1 == 1}one%{else}other%{endif}\"", r#""one""#),
            ("\"  ${~ \"x\" ~}  \"", r#""x""#),
            ("\"${[1]}x\"", "ERR Invalid template interpolation value | Cannot include the given value in a string template: string required. @1:4-1:7"),
            ("\"%{if null}x%{endif}\"", "ERR Null condition | The condition value is null. Conditions must either be true or false. @1:7-1:11"),
            ("\"%{for x in null}x%{endfor}\"", "ERR Iteration over null value | A null value cannot be used as the collection in a 'for' expression. @1:13-1:17"),
            ("<<EOT\n  a\n    b\nEOT", r#""  a\n    b\n""#),
            ("<<-EOT\n  a\n    b\n  EOT", r#""a\n  b\n""#),
            ("<<-EOT\n    %{~ for x in [1, 2] }\n    - ${x}\n    %{~ endfor }\n  EOT", r#""\n    - 1\n\n    - 2\n\n""#),
            ("<<EOT\nEOT", r#""""#),
        ],
    );
}

#[test]
fn conditionals() {
    check_table(
        &ctx(),
        &[
            ("true ? 1 : \"a\"", r#""1""#),
            ("true ? {a = 1} : {b = 2}", "map{a = 1}"),
            ("false ? null : \"x\"", r#""x""#),
            ("true ? null : \"x\"", "null"),
            // Only the selected branch's errors count ...
            ("false ? var.nothing.x : 2", "2"),
            ("true ? 1 : var.nothing.x", "1"),
            // ... but static reference errors always do.
            ("true ? 1 : var.nope", "ERR Reference to undeclared input variable | An input variable with the name \"nope\" has not been declared. This variable can be declared with a variable \"nope\" {} block. @1:12-1:20"),
            ("true ? \"a\" : [1]", "ERR Inconsistent conditional result types | The true and false result expressions must have consistent types. The 'true' value is string, but the 'false' value is tuple. @1:1-1:17"),
            ("null ? 1 : 2", "ERR Null condition | The condition value is null. Conditions must either be true or false. @1:1-1:5"),
            ("\"x\" ? 1 : 2", "ERR Incorrect condition type | The condition expression must be of type bool. @1:1-1:4"),
        ],
    );
}
