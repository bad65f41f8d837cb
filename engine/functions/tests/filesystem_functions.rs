//! Filesystem functions, run in `tests/fixtures/files`. Rows marked
//! `=`/`!` in the first table were answered by Terraform 1.11
//! (`terraform console` run in a copy of that directory).

mod table;

use gitform_functions::{call, FuncContext, FuncError};
use gitform_value::Value;
use std::path::PathBuf;
use std::sync::Arc;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/files")
}

/// Every test here works from the fixture directory, as Terraform resolves
/// relative paths against the working directory of the root module.
fn in_fixtures() -> FuncContext {
    std::env::set_current_dir(fixtures()).unwrap();
    FuncContext::new(".")
}

#[test]
fn filesystem_against_terraform() {
    let ctx = in_fixtures();
    table::run(
        &[
            // file
            ("file", r##"["a.txt"]"##, r##"="hello""##),
            ("file", r##"["lines.txt"]"##, r##"="line1\nline2\n""##),
            ("file", r##"["utf8.txt"]"##, r##"="é日本\n""##),
            ("file", r##"["./sub/b.txt"]"##, r##"="x""##),
            ("file", r##"["sub/../a.txt"]"##, r##"="hello""##),
            (
                "file",
                r##"["nope.txt"]"##,
                r##"!Invalid value for "path" parameter: no file exists at "nope.txt"; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."##,
            ),
            (
                "file",
                r##"["bin.dat"]"##,
                r##"!contents of "bin.dat" are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead."##,
            ),
            (
                "file",
                r##"["sub"]"##,
                r##"!Invalid value for "path" parameter: failed to read file: read sub: is a directory."##,
            ),
            (
                "file",
                r##"["~/gitform-no-such-file"]"##,
                r##"!Invalid value for "path" parameter: no file exists at "~/gitform-no-such-file"; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."##,
            ),
            // fileexists
            ("fileexists", r##"["a.txt"]"##, r##"=true"##),
            ("fileexists", r##"["nope"]"##, r##"=false"##),
            (
                "fileexists",
                r##"["sub"]"##,
                r##"!"sub" is a directory, not a file."##,
            ),
            ("fileexists", r##"["sub/deep/c.md"]"##, r##"=true"##),
            ("fileexists", r##"[".hidden"]"##, r##"=true"##),
            (
                "fileexists",
                r##"["bin.dat/x"]"##,
                r##"!failed to stat "bin.dat/x"."##,
            ),
            // fileset
            (
                "fileset",
                r##"[".", "*.txt"]"##,
                r##"=["a.txt","lines.txt","utf8.txt"]"##,
            ),
            (
                "fileset",
                r##"[".", "sub/**/*.md"]"##,
                r##"=["sub/deep/c.md"]"##,
            ),
            ("fileset", r##"["sub", "*"]"##, r##"=["b.txt"]"##),
            (
                "fileset",
                r##"["sub", "**"]"##,
                r##"=["b.txt","deep/c.md"]"##,
            ),
            ("fileset", r##"["nope", "*"]"##, r##"=[]"##),
            (
                "fileset",
                r##"[".", "["]"##,
                r##"!failed to glob pattern "[": syntax error in pattern."##,
            ),
            (
                "fileset",
                r##"[".", "{a,bin}.*"]"##,
                r##"=["a.txt","bin.dat"]"##,
            ),
            ("fileset", r##"[".", "?.txt"]"##, r##"=["a.txt"]"##),
            (
                "fileset",
                r##"[".", "**/*.txt"]"##,
                r##"=["a.txt","lines.txt","sub/b.txt","utf8.txt"]"##,
            ),
            ("fileset", r##"[".", "sub/*"]"##, r##"=["sub/b.txt"]"##),
            ("fileset", r##"[".", "/a.txt"]"##, r##"=["a.txt"]"##),
            ("fileset", r##"[".", "*.{md,dat}"]"##, r##"=["bin.dat"]"##),
            (
                "fileset",
                r##"[".", "[ab]*"]"##,
                r##"=["a.txt","bad.tpl","bin.dat"]"##,
            ),
            ("fileset", r##"[".", "[!a]*.txt"]"##, r##"=["a.txt"]"##),
            ("fileset", r##"[".", "sub/deep"]"##, r##"=[]"##),
            ("fileset", r##"["sub/deep", "*.md"]"##, r##"=["c.md"]"##),
            // hashes of files
            ("filebase64", r##"["bin.dat"]"##, r##"="//4=""##),
            ("filebase64", r##"["a.txt"]"##, r##"="aGVsbG8=""##),
            (
                "filebase64",
                r##"["nope"]"##,
                r##"!Invalid value for "path" parameter: no file exists at "nope"; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."##,
            ),
            (
                "filemd5",
                r##"["a.txt"]"##,
                r##"="5d41402abc4b2a76b9719d911017c592""##,
            ),
            (
                "filesha1",
                r##"["a.txt"]"##,
                r##"="aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d""##,
            ),
            (
                "filesha256",
                r##"["a.txt"]"##,
                r##"="2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824""##,
            ),
            (
                "filesha512",
                r##"["a.txt"]"##,
                r##"="9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043""##,
            ),
            (
                "filebase64sha256",
                r##"["a.txt"]"##,
                r##"="LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=""##,
            ),
            (
                "filebase64sha512",
                r##"["a.txt"]"##,
                r##"="m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw==""##,
            ),
            (
                "filesha256",
                r##"["bin.dat"]"##,
                r##"="b3d510ef04275ca8e698e5b3cbb0ece3949ef9252f0cdc839e9ee347409a2209""##,
            ),
            // paths
            ("basename", r##"["foo/bar/baz.txt"]"##, r##"="baz.txt""##),
            ("basename", r##"[""]"##, r##"=".""##),
            ("basename", r##"["/"]"##, r##"="/""##),
            ("basename", r##"["a/b/"]"##, r##"="b""##),
            ("basename", r##"["a//"]"##, r##"="a""##),
            ("dirname", r##"["foo/bar/baz.txt"]"##, r##"="foo/bar""##),
            ("dirname", r##"[""]"##, r##"=".""##),
            ("dirname", r##"["/"]"##, r##"="/""##),
            ("dirname", r##"["a"]"##, r##"=".""##),
            ("dirname", r##"["a/b/"]"##, r##"="a/b""##),
            ("dirname", r##"["/a//b"]"##, r##"="/a""##),
            ("dirname", r##"["../x/./y"]"##, r##"="../x""##),
            ("abspath", r##"["/x/../y/./z/"]"##, r##"="/y/z""##),
            ("abspath", r##"["/"]"##, r##"="/""##),
            (
                "pathexpand",
                r##"["/etc/resolv.conf"]"##,
                r##"="/etc/resolv.conf""##,
            ),
            (
                "pathexpand",
                r##"["~x"]"##,
                r##"!cannot expand user-specific home dir."##,
            ),
            ("pathexpand", r##"["relative/~"]"##, r##"="relative/~""##),
            ("pathexpand", r##"[""]"##, r##"="""##),
            // templatefile errors (rendering needs the evaluator)
            (
                "templatefile",
                r##"["nope", {}]"##,
                r##"!Invalid value for "path" parameter: no file exists at "nope"; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."##,
            ),
            (
                "templatefile",
                r##"["t.tpl", "x"]"##,
                r##"!Invalid value for "vars" parameter: invalid vars value: must be a map."##,
            ),
            (
                "templatefile",
                r##"["t.tpl", ["x"]]"##,
                r##"!Invalid value for "vars" parameter: invalid vars value: must be a map."##,
            ),
            (
                "templatefile",
                r##"["bad.tpl", {}]"##,
                r##"!contents of "bad.tpl" are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead."##,
            ),
            (
                "templatefile",
                r##"["t.tpl", null]"##,
                r##"!Invalid value for "vars" parameter: argument must not be null."##,
            ),
            (
                "filemd5",
                r##"["nope"]"##,
                r##"!open nope: no such file or directory."##,
            ),
            ("fileset", r##"[".", ".*"]"##, r##"=[".hidden"]"##),
        ],
        &ctx,
    );
}

#[test]
fn filesystem_marks_unknowns_and_base_dir() {
    in_fixtures();
    // A module directory below the working directory.
    let module = FuncContext::new("sub");
    table::run(
        &[
            ("file", r##"["b.txt"]"##, r##"="x""##),
            ("fileexists", r##"["deep/c.md"]"##, r##"=true"##),
            (
                "fileset",
                r##"[".", "**"]"##,
                r##"#{"$t":"set","v":["b.txt","deep/c.md"]}"##,
            ),
            (
                "filemd5",
                r##"["nope"]"##,
                r##"!open sub/nope: no such file or directory."##,
            ),
            (
                "file",
                r##"[{"$t":"sensitive","v":"b.txt"}]"##,
                r##"#{"$t":"sensitive","v":"x"}"##,
            ),
            (
                "file",
                r##"[{"$t":"unknown","type":"string"}]"##,
                r##"#{"$t":"unknown","type":"string"}"##,
            ),
            (
                "fileset",
                r##"[".", {"$t":"unknown","type":"string"}]"##,
                r##"#{"$t":"unknown","type":["set","string"]}"##,
            ),
        ],
        &module,
    );
    // An absolute base directory.
    let abs = FuncContext::new(fixtures());
    table::run(&[("file", r##"["sub/deep/c.md"]"##, r##"="y""##)], &abs);
}

#[test]
fn paths_relative_to_the_process() {
    let ctx = in_fixtures();
    let cwd = std::env::current_dir().unwrap();
    let abs = call("abspath", vec!["a.txt".into()], &ctx).unwrap();
    assert_eq!(abs, Value::String(format!("{}/a.txt", cwd.display())));
    let home = std::env::var("HOME").unwrap();
    let expanded = call("pathexpand", vec!["~/x/../y".into()], &ctx).unwrap();
    assert_eq!(expanded, Value::String(format!("{home}/y")));
    let expanded = call("pathexpand", vec!["~".into()], &ctx).unwrap();
    assert_eq!(expanded, Value::String(home));
}

#[test]
fn templatefile_renders_through_the_context() {
    let mut ctx = in_fixtures();
    let err = call(
        "templatefile",
        vec!["t.tpl".into(), Value::object([("name", "x".into())])],
        &ctx,
    )
    .unwrap_err();
    assert_eq!(
        err,
        FuncError::call("templatefile is not available in this context")
    );
    ctx.template = Some(Arc::new(|text: &str, file: &str, vars: &Value| {
        let name = vars
            .get_attr("name")
            .and_then(Value::as_str)
            .ok_or("vars map does not contain key \"name\"")?;
        Ok(Value::String(format!(
            "{file}: {}",
            text.replace("${name}", name)
        )))
    }));
    let out = call(
        "templatefile",
        vec!["t.tpl".into(), Value::object([("name", "x".into())])],
        &ctx,
    )
    .unwrap();
    assert_eq!(out, Value::from("t.tpl: Hi x!"));
    let err = call(
        "templatefile",
        vec!["t.tpl".into(), Value::object::<&str>([])],
        &ctx,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "vars map does not contain key \"name\"");
    let sensitive = Value::object([("name", Value::from("x").sensitive())]);
    let out = call("templatefile", vec!["t.tpl".into(), sensitive], &ctx).unwrap();
    assert!(out.is_sensitive());
}

#[test]
fn templatefile_with_unknown_vars_is_unknown() {
    let mut ctx = in_fixtures();
    ctx.template = Some(Arc::new(|_: &str, _: &str, _: &Value| {
        Err("not called".to_string())
    }));
    table::run(
        &[
            (
                "templatefile",
                r##"["t.tpl", {"$t":"unknown","type":"dynamic"}]"##,
                r##"#{"$t":"unknown","type":"dynamic"}"##,
            ),
            (
                "templatefile",
                r##"["nope", {"$t":"unknown","type":"dynamic"}]"##,
                r##"!Invalid value for "path" parameter: no file exists at "nope"; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."##,
            ),
        ],
        &ctx,
    );
}
