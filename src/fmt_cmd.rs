//! `gitform fmt`: rewrites configuration files in the canonical style.
//!
//! As `terraform fmt`: formats `.tf`, `.tfvars`, `.tftest.hcl` and
//! `.tfmock.hcl` files of the given directories (default: the current one;
//! subdirectories with `-recursive`, hidden entries skipped) or files, lists
//! the files it changed, `-diff` prints unified diffs, `-check` exits 3 when
//! something is not formatted, `-` formats stdin to stdout. Syntax errors exit 2.

use crate::args::FmtArgs;
use crate::ui::Ui;
use gitform_value::{Diagnostic, Diagnostics, SourceFile};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

const EXTENSIONS: &[&str] = &[".tf", ".tfvars", ".tftest.hcl", ".tfmock.hcl"];

struct Run<'a> {
    args: &'a FmtArgs,
    ui: &'a Ui,
    cwd: PathBuf,
    changed: bool,
    diags: Diagnostics,
    sources: Vec<Arc<SourceFile>>,
}

pub fn run(args: &FmtArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let mut run = Run {
        args,
        ui,
        cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        changed: false,
        diags: Diagnostics::new(),
        sources: Vec::new(),
    };
    let targets: Vec<String> = if args.targets.is_empty() {
        vec![".".to_string()]
    } else {
        args.targets.clone()
    };
    for target in &targets {
        if target == "-" {
            run.stdin()?;
            continue;
        }
        let path = Path::new(target);
        match std::fs::metadata(path) {
            Err(_) => run.diags.push(Diagnostic::error(
                format!("No file or directory at {target}"),
                "",
            )),
            Ok(meta) if meta.is_dir() => run.dir(path),
            Ok(_) => {
                if is_supported(target) {
                    run.file(path);
                } else {
                    run.diags.push(Diagnostic::error(
                        "Only .tf, .tfvars, and .tftest.hcl files can be processed with gitform fmt",
                        "",
                    ));
                }
            }
        }
    }
    if !run.diags.is_empty() {
        ui.diagnostics(&run.diags, &run.sources);
        if run.diags.has_errors() {
            ui.eprint("\n");
        }
    }
    if run.diags.has_errors() {
        return Ok(ExitCode::from(2));
    }
    if args.check && run.changed {
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

fn is_supported(name: &str) -> bool {
    EXTENSIONS.iter().any(|ext| name.ends_with(ext))
}

impl Run<'_> {
    fn stdin(&mut self) -> anyhow::Result<()> {
        let mut text = String::new();
        while let Some(line) = self.ui.read_line()? {
            text.push_str(&line);
            text.push('\n');
        }
        match gitform_config::fmt::format_source(&text) {
            Ok(formatted) => {
                let changed = formatted != text;
                self.changed |= changed;
                if self.args.diff {
                    if changed {
                        self.ui.print(gitform_config::fmt::format_diff(
                            "<stdin>", &text, &formatted,
                        ));
                    }
                } else if !self.args.check {
                    let mut out = formatted;
                    if !out.is_empty() && !out.ends_with('\n') {
                        out.push('\n');
                    }
                    self.ui.print(out);
                }
            }
            Err(d) => {
                self.sources.push(Arc::new(SourceFile::new(
                    gitform_config::fmt::STDIN_NAME,
                    text,
                )));
                self.diags.extend(d);
            }
        }
        Ok(())
    }

    fn dir(&mut self, dir: &Path) {
        let mut entries: Vec<(String, bool)> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| {
                    let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                    (e.file_name().to_string_lossy().into_owned(), is_dir)
                })
                .collect(),
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    "Failed to read directory",
                    format!("{}: {e}", dir.display()),
                ));
                return;
            }
        };
        entries.sort();
        for (name, is_dir) in entries {
            if name.starts_with('.') {
                continue;
            }
            let path = dir.join(&name);
            if is_dir {
                if self.args.recursive {
                    self.dir(&path);
                }
            } else if is_supported(&name) {
                self.file(&path);
            }
        }
    }

    fn file(&mut self, path: &Path) {
        let display = display_path(&self.cwd, path);
        let text = match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    self.diags.push(Diagnostic::error(
                        "Invalid file encoding",
                        format!("{display} is not valid UTF-8."),
                    ));
                    return;
                }
            },
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    "Failed to read file",
                    format!("{display}: {e}"),
                ));
                return;
            }
        };
        let formatted = match gitform_config::fmt::format_file(&display, &text) {
            Ok(f) => f,
            Err(d) => {
                self.sources
                    .push(Arc::new(SourceFile::new(display.as_str(), text)));
                self.diags.extend(d);
                return;
            }
        };
        if formatted == text {
            return;
        }
        self.changed = true;
        if self.args.list {
            self.ui.println(&display);
        }
        if self.args.write && !self.args.check {
            if let Err(e) = std::fs::write(path, &formatted) {
                self.diags.push(Diagnostic::error(
                    "Failed to write file",
                    format!("{display}: {e}"),
                ));
            }
        }
        if self.args.diff {
            self.ui.print(gitform_config::fmt::format_diff(
                &display, &text, &formatted,
            ));
        }
    }
}

/// The path printed for a file: relative to the working directory when it
/// is inside it (as Terraform prints them), cleaned of `.` and `..`.
fn display_path(cwd: &Path, path: &Path) -> String {
    let absolute = clean(&cwd.join(path));
    let cwd = clean(cwd);
    let shown = relative_to(&absolute, &cwd).unwrap_or(absolute);
    shown.to_string_lossy().into_owned()
}

fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` relative to `base` (both absolute and clean), with `..` steps.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in p.iter().skip(common) {
        out.push(c.as_os_str());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths() {
        let cwd = Path::new("/w/a");
        for (path, want) in [
            ("main.tf", "main.tf"),
            ("./main.tf", "main.tf"),
            ("sub/./x.tf", "sub/x.tf"),
            ("../b/y.tf", "../b/y.tf"),
            ("/w/a/z.tf", "z.tf"),
            ("../a/z.tf", "z.tf"),
        ] {
            assert_eq!(display_path(cwd, Path::new(path)), want, "{path}");
        }
    }
}
