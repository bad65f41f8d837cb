//! Where configuration files come from: the disk, memory, or (later) a Git
//! commit. The loader only lists directories and reads files through
//! [`SourceReader`].

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Reads configuration files for the loader.
pub trait SourceReader {
    /// The names (not paths) of the regular files directly inside `dir`, in
    /// any order. An error when the directory does not exist.
    fn list_files(&self, dir: &Path) -> io::Result<Vec<String>>;

    /// The content of the file at `path`.
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>>;
}

/// Reads from the local file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiskReader;

impl SourceReader for DiskReader {
    fn list_files(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            // Follows symlinks, like Terraform.
            if std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
                out.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        Ok(out)
    }

    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// Files held in memory, keyed by (lexically normalized) path.
#[derive(Clone, Debug, Default)]
pub struct MemoryReader {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemoryReader {
    pub fn new(files: impl IntoIterator<Item = (PathBuf, Vec<u8>)>) -> MemoryReader {
        MemoryReader {
            files: files.into_iter().map(|(p, b)| (normalize(&p), b)).collect(),
        }
    }

    pub fn insert(&mut self, path: impl AsRef<Path>, bytes: Vec<u8>) {
        self.files.insert(normalize(path.as_ref()), bytes);
    }
}

impl SourceReader for MemoryReader {
    fn list_files(&self, dir: &Path) -> io::Result<Vec<String>> {
        let dir = normalize(dir);
        let names: Vec<String> = self
            .files
            .range(dir.clone()..)
            .take_while(|(p, _)| p.starts_with(&dir))
            .filter(|(p, _)| p.parent() == Some(dir.as_path()))
            .filter_map(|(p, _)| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        if names.is_empty()
            && !self
                .files
                .range(dir.clone()..)
                .next()
                .is_some_and(|(p, _)| p.starts_with(&dir) && p != &dir)
        {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no such directory: {}", dir.display()),
            ));
        }
        Ok(names)
    }

    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files.get(&normalize(path)).cloned().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no such file: {}", path.display()),
            )
        })
    }
}

/// Resolves `.` and `..` components without touching the file system.
/// `..` at the start of a relative path is kept.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            c => out.push(c),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        let cases = [
            ("./a/../b", "b"),
            ("a/./b/../../c", "c"),
            ("../x", "../x"),
            ("/a/../..", "/"),
            (".", ""),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(Path::new(input)), PathBuf::from(want), "{input}");
        }
    }

    #[test]
    fn memory_reader_lists_one_level() {
        let r = MemoryReader::new([
            (PathBuf::from("root/main.tf"), b"".to_vec()),
            (PathBuf::from("root/net/main.tf"), b"".to_vec()),
            (PathBuf::from("root2/x.tf"), b"".to_vec()),
        ]);
        assert_eq!(r.list_files(Path::new("root")).unwrap(), ["main.tf"]);
        assert_eq!(r.list_files(Path::new("./root/net")).unwrap(), ["main.tf"]);
        assert!(r.list_files(Path::new("nope")).is_err());
    }
}
