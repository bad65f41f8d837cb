//! Filesystem functions: `abspath`, `basename`, `dirname`, `pathexpand`,
//! `file`, `fileexists`, `fileset`, `filebase64`, the file hash functions
//! and `templatefile`.
//!
//! Relative paths resolve against [`FuncContext::base_dir`], except in
//! `abspath`, which (as in Terraform) resolves against the process's working
//! directory. Paths are handled as Go's `path/filepath` does on Unix.

use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use base64::Engine as _;
use gitform_value::display::go_quote;
use gitform_value::{Type, Value};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use std::io;
use std::path::{Path, PathBuf};

/// What a path names, for `fileexists` and `fileset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    /// Anything else (a device, a socket, a dangling link).
    Other,
}

/// Where the file functions read from. Paths come resolved: absolute, or
/// relative to the process's working directory when the base directory is
/// relative.
pub trait FileSource: Send + Sync + std::fmt::Debug {
    /// The content of the file at `path`.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// What `path` names, following symbolic links.
    fn kind(&self, path: &Path) -> io::Result<FileKind>;
    /// The entries directly inside `dir`, by name: `Dir` for a real
    /// directory (not a link to one, which `fileset` does not enter),
    /// `File` for a file or a link to one, `Other` for anything else.
    fn entries(&self, dir: &Path) -> io::Result<Vec<(String, FileKind)>>;
}

/// The local file system, the default [`FileSource`].
#[derive(Clone, Copy, Debug, Default)]
pub struct DiskFiles;

impl FileSource for DiskFiles {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn kind(&self, path: &Path) -> io::Result<FileKind> {
        let md = std::fs::metadata(path)?;
        Ok(if md.is_file() {
            FileKind::File
        } else if md.is_dir() {
            FileKind::Dir
        } else {
            FileKind::Other
        })
    }

    fn entries(&self, dir: &Path) -> io::Result<Vec<(String, FileKind)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let Ok(entry) = entry else { continue };
            let Ok(ft) = entry.file_type() else { continue };
            let kind = if ft.is_dir() {
                FileKind::Dir
            } else if std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
                FileKind::File
            } else {
                FileKind::Other
            };
            out.push((entry.file_name().to_string_lossy().into_owned(), kind));
        }
        Ok(out)
    }
}

pub(crate) fn functions() -> Vec<FuncSpec> {
    let path = || vec![Param::new("path", Type::String)];
    vec![
        FuncSpec::new("abspath", path(), Type::String, abspath),
        FuncSpec::new("basename", path(), Type::String, |a, _| {
            Ok(Value::String(go_base(arg(a, 0))))
        }),
        FuncSpec::new("dirname", path(), Type::String, |a, _| {
            Ok(Value::String(go_dir(arg(a, 0))))
        }),
        FuncSpec::new("pathexpand", path(), Type::String, pathexpand),
        FuncSpec::new("file", path(), Type::String, file),
        FuncSpec::new("fileexists", path(), Type::Bool, fileexists),
        FuncSpec::new(
            "fileset",
            vec![
                Param::new("path", Type::String),
                Param::new("pattern", Type::String),
            ],
            Type::set(Type::String),
            fileset,
        ),
        FuncSpec::new("filebase64", path(), Type::String, filebase64),
        FuncSpec::new("filemd5", path(), Type::String, |a, c| {
            file_hash(a, c, |b| hex::encode(Md5::digest(b)))
        }),
        FuncSpec::new("filesha1", path(), Type::String, |a, c| {
            file_hash(a, c, |b| hex::encode(Sha1::digest(b)))
        }),
        FuncSpec::new("filesha256", path(), Type::String, |a, c| {
            file_hash(a, c, |b| hex::encode(Sha256::digest(b)))
        }),
        FuncSpec::new("filesha512", path(), Type::String, |a, c| {
            file_hash(a, c, |b| hex::encode(Sha512::digest(b)))
        }),
        FuncSpec::new("filebase64sha256", path(), Type::String, |a, c| {
            file_hash(a, c, |b| b64(&Sha256::digest(b)))
        }),
        FuncSpec::new("filebase64sha512", path(), Type::String, |a, c| {
            file_hash(a, c, |b| b64(&Sha512::digest(b)))
        }),
        FuncSpec::new(
            "templatefile",
            vec![
                Param::new("path", Type::String),
                Param::new("vars", Type::Dynamic).allow_unknown(),
            ],
            Type::Dynamic,
            templatefile,
        ),
    ]
}

fn arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or_default()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Go's `path.Clean` for slash-separated paths.
pub(crate) fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

/// Go's `filepath.Base`.
fn go_base(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[i + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

/// Go's `filepath.Dir`.
fn go_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => go_clean(&path[..=i]),
        None => ".".to_string(),
    }
}

/// Go's `filepath.Join` of two parts (empty parts are skipped).
fn go_join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (true, false) => go_clean(b),
        (false, true) => go_clean(a),
        (false, false) => go_clean(&format!("{a}/{b}")),
    }
}

fn home_dir() -> Option<String> {
    match std::env::var("HOME") {
        Ok(h) if !h.is_empty() => Some(h),
        _ => std::env::home_dir().map(|p| p.to_string_lossy().into_owned()),
    }
}

/// `~` expansion as the go-homedir package does it.
fn expand_home(path: &str) -> Result<String, String> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path.to_string());
    };
    if !rest.is_empty() && !rest.starts_with('/') && !rest.starts_with('\\') {
        return Err("cannot expand user-specific home dir".to_string());
    }
    let home = home_dir().ok_or_else(|| "HOME environment variable is not set".to_string())?;
    Ok(go_join(&home, rest))
}

/// The path as Terraform opens it: `~` expanded, relative paths joined to
/// the base directory, cleaned.
fn resolve(ctx: &FuncContext, path: &str) -> Result<String, FuncError> {
    let expanded =
        expand_home(path).map_err(|e| FuncError::call(format!("failed to expand ~: {e}")))?;
    if expanded.starts_with('/') {
        return Ok(go_clean(&expanded));
    }
    Ok(go_join(&ctx.base_dir.to_string_lossy(), &expanded))
}

fn abspath(args: &[Value], _: &FuncContext) -> FuncResult {
    let path = arg(args, 0);
    if path.starts_with('/') {
        return Ok(Value::String(go_clean(path)));
    }
    let cwd = std::env::current_dir().map_err(|e| FuncError::call(e.to_string()))?;
    Ok(Value::String(go_join(&cwd.to_string_lossy(), path)))
}

fn pathexpand(args: &[Value], _: &FuncContext) -> FuncResult {
    expand_home(arg(args, 0))
        .map(Value::String)
        .map_err(FuncError::call)
}

/// Reads a file for `file`, `filebase64` and `templatefile`, with their messages.
fn read_file_bytes(ctx: &FuncContext, path: &str) -> Result<Vec<u8>, FuncError> {
    let full = resolve(ctx, path)?;
    ctx.files().read(Path::new(&full)).map_err(|e| {
        let message = if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "no file exists at {}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource",
                go_quote(path)
            )
        } else {
            format!("failed to read file: read {path}: {}", io_message(&e))
        };
        FuncError::Arg { arg: 0, param: "path".into(), message }
    })
}

/// The OS error text without Rust's " (os error N)" suffix, lower-cased as Go prints it.
fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => s,
    }
}

fn not_utf8(path: &str) -> FuncError {
    FuncError::call(format!(
        "contents of {} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead",
        go_quote(path)
    ))
}

fn file(args: &[Value], ctx: &FuncContext) -> FuncResult {
    let path = arg(args, 0);
    let bytes = read_file_bytes(ctx, path)?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| not_utf8(path))
}

fn filebase64(args: &[Value], ctx: &FuncContext) -> FuncResult {
    let bytes = read_file_bytes(ctx, arg(args, 0))?;
    Ok(Value::String(b64(&bytes)))
}

fn file_hash(args: &[Value], ctx: &FuncContext, hash: fn(&[u8]) -> String) -> FuncResult {
    let full = resolve(ctx, arg(args, 0))?;
    let bytes = ctx
        .files()
        .read(Path::new(&full))
        .map_err(|e| FuncError::call(format!("open {full}: {}", io_message(&e))))?;
    Ok(Value::String(hash(&bytes)))
}

fn fileexists(args: &[Value], ctx: &FuncContext) -> FuncResult {
    let path = arg(args, 0);
    let full = resolve(ctx, path)?;
    match ctx.files().kind(Path::new(&full)) {
        Ok(FileKind::File) => Ok(Value::Bool(true)),
        Ok(kind) => {
            let name = go_quote(&go_base(&full));
            if kind == FileKind::Dir {
                Err(FuncError::call(format!(
                    "{name} is a directory, not a file"
                )))
            } else {
                Err(FuncError::call(format!("{name} is not a regular file")))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
        Err(_) => Err(FuncError::call(format!(
            "failed to stat {}",
            go_quote(&full)
        ))),
    }
}

fn fileset(args: &[Value], ctx: &FuncContext) -> FuncResult {
    let path = arg(args, 0);
    let pattern = go_clean(&format!("./{}", arg(args, 1)));
    let glob_error = || {
        FuncError::call(format!(
            "failed to glob pattern {}: syntax error in pattern",
            go_quote(&go_join(path, arg(args, 1)))
        ))
    };
    let matcher = globset::GlobBuilder::new(&doublestar_classes(&pattern))
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|_| glob_error())?
        .compile_matcher();
    let root = PathBuf::from(resolve(ctx, path)?);
    let max_depth = if pattern.contains("**") {
        usize::MAX
    } else {
        pattern.split('/').count()
    };
    let mut found = Vec::new();
    walk(ctx.files(), &root, "", max_depth, &mut |rel| {
        if matcher.is_match(rel) {
            found.push(Value::String(rel.to_string()));
        }
    });
    Ok(Value::set(found))
}

/// Terraform's glob library negates a character class only with `^`; a
/// leading `!` is an ordinary member. Rewrites such classes for `globset`,
/// which would read `[!...]` as a negation.
fn doublestar_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '[' if chars.peek() == Some(&'!') => {
                chars.next();
                match chars.peek().copied() {
                    Some(m) if !matches!(m, ']' | '^' | '-' | '\\') => {
                        chars.next();
                        out.push(m);
                        out.push('!');
                    }
                    _ => out.push('!'),
                }
            }
            _ => {}
        }
    }
    out
}

/// Visits every regular file under `dir` (following symlinks to files but
/// not to directories), passing its slash-separated path relative to the root.
fn walk(
    files: &dyn FileSource,
    dir: &Path,
    prefix: &str,
    depth: usize,
    visit: &mut dyn FnMut(&str),
) {
    if depth == 0 {
        return;
    }
    let Ok(mut entries) = files.entries(dir) else {
        return;
    };
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in entries {
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        match kind {
            FileKind::Dir => walk(files, &dir.join(&name), &rel, depth - 1, visit),
            FileKind::File => visit(&rel),
            FileKind::Other => {}
        }
    }
}

fn templatefile(args: &[Value], ctx: &FuncContext) -> FuncResult {
    let path = arg(args, 0);
    let vars = args.get(1).cloned().unwrap_or(Value::Null);
    if !matches!(
        vars.unmarked(),
        Value::Map(_) | Value::Object(_) | Value::Unknown(_)
    ) {
        return Err(FuncError::Arg {
            arg: 1,
            param: "vars".into(),
            message: "invalid vars value: must be a map".into(),
        });
    }
    let bytes = read_file_bytes(ctx, path)?;
    let text = String::from_utf8(bytes).map_err(|_| not_utf8(path))?;
    if !vars.is_known() {
        return Ok(Value::Unknown(Type::Dynamic));
    }
    let render = ctx
        .template
        .as_ref()
        .ok_or_else(|| FuncError::call("templatefile is not available in this context"))?;
    render(&text, path, &vars).map_err(FuncError::call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_path_semantics() {
        for (input, clean, base, dir) in [
            ("", ".", ".", "."),
            ("/", "/", "/", "/"),
            ("a/b/", "a/b", "b", "a/b"),
            ("/a//b", "/a/b", "b", "/a"),
            ("a", "a", "a", "."),
            ("../x/./y/..", "../x", "..", "../x/y"),
            ("/../a", "/a", "a", "/"),
        ] {
            assert_eq!(go_clean(input), clean, "clean {input}");
            assert_eq!(go_base(input), base, "base {input}");
            assert_eq!(go_dir(input), dir, "dir {input}");
        }
    }
}
