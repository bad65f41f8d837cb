//! Loading a module directory (and its local child modules) into a [`Module`].

use crate::decode::{decode_file, Seen};
use crate::model::Module;
use crate::source::{normalize, DiskReader, MemoryReader, SourceReader};
use crate::syntax::{decode_utf8, parse_file};
use gitform_value::{Diagnostic, Diagnostics, Pos, SourceFile, SourceRange};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How deep local module calls may nest (a guard against symlink loops that
/// lexical cycle detection cannot see).
pub const MAX_MODULE_DEPTH: usize = 64;

/// Loads the module in directory `dir` from disk, with its local child modules.
/// Never stops at the first problem: returns what could be loaded and every diagnostic.
pub fn load_module(dir: &Path) -> (Module, Diagnostics) {
    load_module_with(&DiskReader, dir)
}

/// Loads a module from in-memory files. `files` are `(path, content)` with
/// paths relative to `dir` (`main.tf`, `modules/net/main.tf` for a child
/// module called with `source = "./modules/net"`).
pub fn load_module_from_sources(
    dir: &Path,
    files: Vec<(String, Vec<u8>)>,
) -> (Module, Diagnostics) {
    let reader = MemoryReader::new(
        files
            .into_iter()
            .map(|(name, bytes)| (dir.join(name), bytes)),
    );
    load_module_with(&reader, dir)
}

/// Loads the module in `dir` through `reader` (disk, memory, a Git commit...).
pub fn load_module_with(reader: &dyn SourceReader, dir: &Path) -> (Module, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut stack = vec![normalize(dir)];
    let module =
        load_dir(reader, dir, Path::new(""), &mut stack, None, &mut diags).unwrap_or_else(|| {
            Module {
                dir: dir.to_path_buf(),
                ..Module::default()
            }
        });
    (module, diags)
}

/// Whether the loader reads a file name as HCL configuration.
fn is_config_file(name: &str) -> bool {
    name.ends_with(".tf") && !name.starts_with('.') && !name.starts_with('#')
}

fn is_override_file(name: &str) -> bool {
    name == "override.tf" || name.ends_with("_override.tf")
}

/// Loads one module directory. `display` is the directory relative to the
/// root module (file names in diagnostics are `display/name`). `call` is the
/// range of the module call's `source`, for errors about the directory.
/// Parses files on up to as many threads as the machine has cores, when
/// there is enough text for it to pay off.
fn parse_files(files: &[Arc<SourceFile>]) -> Vec<(hcl_edit::structure::Body, Diagnostics)> {
    const PARALLEL_BYTES: usize = 256 * 1024;
    let total: usize = files.iter().map(|f| f.text.len()).sum();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len());
    if threads < 2 || total < PARALLEL_BYTES {
        return files.iter().map(parse_file).collect();
    }
    let mut out: Vec<Option<(hcl_edit::structure::Body, Diagnostics)>> = Vec::new();
    out.resize_with(files.len(), || None);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    files
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % threads == t)
                        .map(|(i, f)| (i, parse_file(f)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            // A parser panic is a bug; surface it rather than lose a file.
            let parsed = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            for (i, r) in parsed {
                out[i] = Some(r);
            }
        }
    });
    out.into_iter()
        .zip(files)
        .map(|(r, f)| r.unwrap_or_else(|| parse_file(f)))
        .collect()
}

fn load_dir(
    reader: &dyn SourceReader,
    dir: &Path,
    display: &Path,
    stack: &mut Vec<PathBuf>,
    call: Option<&SourceRange>,
    diags: &mut Diagnostics,
) -> Option<Module> {
    let mut module = Module {
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    let mut names = match reader.list_files(dir) {
        Ok(n) => n,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "Unreadable module directory",
                    format!("The directory {} could not be read: {e}. Check that it exists and that the module's source path is right.", dir.display()),
                )
                .with_range(call.cloned()),
            );
            return None;
        }
    };
    names.sort();
    let mut seen = Seen::default();
    let mut any = false;
    let mut files: Vec<Arc<SourceFile>> = Vec::new();
    for name in names {
        let display_name = normalize(&display.join(&name))
            .to_string_lossy()
            .into_owned();
        let file_start = Some(SourceRange {
            filename: display_name.as_str().into(),
            start: START,
            end: START,
        });
        if name.ends_with(".tf.json") {
            diags.push(
                Diagnostic::warning(
                    "JSON configuration is not supported yet",
                    format!("gitform does not read JSON configuration files yet, so {display_name} is ignored. Convert it to HCL (.tf)."),
                )
                .with_range(file_start),
            );
            continue;
        }
        if !is_config_file(&name) {
            continue;
        }
        any = true;
        if is_override_file(&name) {
            diags.push(
                Diagnostic::error(
                    "Override files are not supported yet",
                    format!("gitform does not merge override files yet, so {display_name} is ignored. Move its settings into the blocks it overrides."),
                )
                .with_range(file_start),
            );
            continue;
        }
        let bytes = match reader.read_file(&dir.join(&name)) {
            Ok(b) => b,
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        "Unreadable configuration file",
                        format!("{display_name} could not be read: {e}. Check its permissions."),
                    )
                    .with_range(call.cloned()),
                );
                continue;
            }
        };
        let text = match decode_utf8(&display_name, bytes) {
            Ok(t) => t,
            Err(d) => {
                diags.push(*d);
                continue;
            }
        };
        files.push(Arc::new(SourceFile::new(display_name, text)));
    }
    // Parsing is most of the cost of loading; files are parsed in parallel,
    // then decoded in name order.
    for (file, (body, parse_diags)) in files.iter().zip(parse_files(&files)) {
        diags.extend(parse_diags);
        decode_file(&mut module, &mut seen, file, body, diags);
    }
    module.files = files;
    if !any {
        diags.push(
            Diagnostic::error(
                "No configuration files",
                format!("The directory {} contains no .tf files. Add the configuration, or check the module's source path.", dir.display()),
            )
            .with_range(call.cloned()),
        );
    }
    module.reindex();

    let calls: Vec<(String, String, SourceRange)> = module
        .module_calls
        .iter()
        .map(|c| (c.name.clone(), c.source.clone(), c.source_range.clone()))
        .collect();
    for (name, source, range) in calls {
        let child_dir = normalize(&dir.join(&source));
        if let Some(pos) = stack.iter().position(|d| d == &child_dir) {
            let chain: Vec<String> = stack[pos..]
                .iter()
                .map(|d| d.display().to_string())
                .collect();
            diags.push(
                Diagnostic::error(
                    "Module cycle",
                    format!(
                        "Module \"{name}\" calls {}, which is already being loaded ({} -> {}). A module cannot call itself, directly or indirectly: remove the call.",
                        child_dir.display(),
                        chain.join(" -> "),
                        child_dir.display()
                    ),
                )
                .with_range(Some(range)),
            );
            continue;
        }
        if stack.len() >= MAX_MODULE_DEPTH {
            diags.push(
                Diagnostic::error(
                    "Modules nested too deeply",
                    format!("Module calls are nested more than {MAX_MODULE_DEPTH} levels deep here (a symlink loop?). Flatten the module tree."),
                )
                .with_range(Some(range)),
            );
            continue;
        }
        stack.push(child_dir.clone());
        let child_display = normalize(&display.join(&source));
        let child = load_dir(
            reader,
            &child_dir,
            &child_display,
            stack,
            Some(&range),
            diags,
        );
        stack.pop();
        if let Some(child) = child {
            module.children.insert(name, child);
        }
    }
    Some(module)
}

const START: Pos = Pos {
    line: 1,
    column: 1,
    byte: 0,
};
