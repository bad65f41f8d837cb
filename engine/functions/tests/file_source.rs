//! The file functions read through `FuncContext::files`: with an
//! in-memory source standing for a Git commit, nothing comes from the disk.

use gitform_functions::{call, FileKind, FileSource, FuncContext};
use gitform_value::Value;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files by absolute path; directories are implied by the paths.
#[derive(Debug)]
struct Memory(BTreeMap<PathBuf, Vec<u8>>);

impl FileSource for Memory {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn kind(&self, path: &Path) -> io::Result<FileKind> {
        if self.0.contains_key(path) {
            Ok(FileKind::File)
        } else if self.0.keys().any(|k| k.starts_with(path)) {
            Ok(FileKind::Dir)
        } else {
            Err(io::Error::new(io::ErrorKind::NotFound, "no such file"))
        }
    }

    fn entries(&self, dir: &Path) -> io::Result<Vec<(String, FileKind)>> {
        let mut out: BTreeMap<String, FileKind> = BTreeMap::new();
        for k in self.0.keys() {
            let Ok(rest) = k.strip_prefix(dir) else {
                continue;
            };
            let mut parts = rest.components();
            let Some(first) = parts.next() else { continue };
            let name = first.as_os_str().to_string_lossy().into_owned();
            let kind = if parts.next().is_some() {
                FileKind::Dir
            } else {
                FileKind::File
            };
            out.insert(name, kind);
        }
        Ok(out.into_iter().collect())
    }
}

fn ctx() -> FuncContext {
    // A base directory that does not exist on disk: every answer below
    // must come from the source.
    let base = PathBuf::from("/nonexistent/gitform-commit");
    let files: BTreeMap<PathBuf, Vec<u8>> = [
        ("x.txt", "from the commit"),
        ("conf/a.json", "{}"),
        ("conf/b.json", "[]"),
        ("conf/deep/c.json", "1"),
        ("t.tpl", "Hi ${name}!"),
    ]
    .into_iter()
    .map(|(p, t)| (base.join(p), t.as_bytes().to_vec()))
    .collect();
    let mut ctx = FuncContext::new(&base);
    ctx.files = Some(Arc::new(Memory(files)));
    ctx.template = Some(Arc::new(|text: &str, _: &str, vars: &Value| {
        let name = vars.get_attr("name").and_then(Value::as_str).unwrap_or("");
        Ok(Value::String(text.replace("${name}", name)))
    }));
    ctx
}

#[test]
fn file_functions_read_the_source() {
    let ctx = ctx();
    let cases: Vec<(&str, Vec<Value>, Value)> = vec![
        ("file", vec!["x.txt".into()], "from the commit".into()),
        (
            "filebase64",
            vec!["x.txt".into()],
            "ZnJvbSB0aGUgY29tbWl0".into(),
        ),
        (
            "filemd5",
            vec!["x.txt".into()],
            // printf 'from the commit' | md5sum
            "bba948c784e4fed6fee19ea3756e6cbc".into(),
        ),
        ("fileexists", vec!["x.txt".into()], Value::Bool(true)),
        ("fileexists", vec!["missing.txt".into()], Value::Bool(false)),
        (
            "fileset",
            vec!["conf".into(), "*.json".into()],
            Value::set(vec!["a.json".into(), "b.json".into()]),
        ),
        (
            "fileset",
            vec!["conf".into(), "**/*.json".into()],
            Value::set(vec!["a.json".into(), "b.json".into(), "deep/c.json".into()]),
        ),
        (
            "templatefile",
            vec!["t.tpl".into(), Value::object([("name", "Ann".into())])],
            "Hi Ann!".into(),
        ),
    ];
    for (name, args, want) in cases {
        let got = call(name, args.clone(), &ctx).unwrap_or_else(|e| panic!("{name}{args:?}: {e}"));
        assert_eq!(got, want, "{name}{args:?}");
    }
    let err = call("fileexists", vec!["conf".into()], &ctx).unwrap_err();
    assert!(err.to_string().contains("is a directory"), "{err}");
    let err = call("file", vec!["missing.txt".into()], &ctx).unwrap_err();
    assert!(err.to_string().contains("no file exists"), "{err}");
}
