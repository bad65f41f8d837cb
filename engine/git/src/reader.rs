//! [`CommitReader`]: the loader's [`SourceReader`] over one commit's tree,
//! read straight from the object database (no checkout, no working copy).

use crate::error::GitError;
use gitform_config::source::normalize;
use gitform_config::SourceReader;
use gitform_functions::{DiskFiles, FileKind, FileSource};
use std::io;
use std::path::{Component, Path, PathBuf};

/// How many symbolic links one lookup follows before giving up (a loop).
const MAX_LINKS: usize = 16;

/// Reads files of one commit. Paths given to [`SourceReader`] are relative
/// to `base` (the module directory inside the repository); `..` may leave
/// `base` but never the repository root. Symbolic links stored in the
/// commit are followed inside the commit.
pub struct CommitReader {
    git: git2::Repository,
    commit: git2::Oid,
    tree: git2::Oid,
    base: PathBuf,
    /// A directory path that stands for `base` (see [`CommitReader::mounted_at`]).
    mount: Option<PathBuf>,
}

impl std::fmt::Debug for CommitReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitReader")
            .field("commit", &self.commit)
            .field("base", &self.base)
            .finish()
    }
}

enum Found {
    Dir(git2::Oid),
    File(git2::Oid),
}

impl CommitReader {
    pub(crate) fn new(
        git: git2::Repository,
        commit: git2::Oid,
        tree: git2::Oid,
        base: &Path,
    ) -> Result<CommitReader, GitError> {
        let base = normalize(base);
        let reader = CommitReader {
            git,
            commit,
            tree,
            base: base.clone(),
            mount: None,
        };
        match reader.lookup(&base) {
            Ok(Found::Dir(_)) => Ok(reader),
            Ok(Found::File(_)) | Err(_) => Err(GitError::PathNotFound {
                sha: commit.to_string(),
                path: base,
            }),
        }
    }

    /// The commit's full SHA.
    pub fn sha(&self) -> String {
        self.commit.to_string()
    }

    /// The module directory inside the repository.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// Makes `dir` stand for the base directory: the loader can then be
    /// given `dir` (say the directory that `path.module` should name, like
    /// `/var/lib/gitform/prod`) and the paths under it are read from the
    /// commit. Relative paths keep meaning "relative to the base".
    pub fn mounted_at(mut self, dir: &Path) -> CommitReader {
        self.mount = Some(normalize(dir));
        self
    }

    /// The path inside the repository that `path` (relative to the base) names.
    fn in_repo(&self, path: &Path) -> io::Result<PathBuf> {
        let normal = normalize(path);
        let relative = match &self.mount {
            Some(mount) if !mount.as_os_str().is_empty() => relative_to(&normal, mount),
            _ => normal,
        };
        let joined = if relative.is_absolute() {
            relative
        } else {
            normalize(&self.base.join(relative))
        };
        if joined.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        }) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{} is outside the repository (commit {})",
                    path.display(),
                    self.commit
                ),
            ));
        }
        Ok(joined)
    }

    /// Walks `path` (inside the repository) from the root tree, following
    /// symbolic links.
    fn lookup(&self, path: &Path) -> io::Result<Found> {
        let mut pending: Vec<PathBuf> = vec![path.to_path_buf()];
        let mut hops = 0;
        'restart: while let Some(path) = pending.pop() {
            let mut current = Found::Dir(self.tree);
            let mut walked = PathBuf::new();
            let parts: Vec<_> = path.components().collect();
            for (i, part) in parts.iter().enumerate() {
                let Component::Normal(name) = part else {
                    return Err(not_found(&path, self.commit));
                };
                let Found::Dir(tree_id) = current else {
                    return Err(not_found(&path, self.commit));
                };
                let tree = self.git.find_tree(tree_id).map_err(to_io)?;
                let Some(entry) = tree.get_name(&name.to_string_lossy()) else {
                    return Err(not_found(&path, self.commit));
                };
                match entry.kind() {
                    Some(git2::ObjectType::Tree) => current = Found::Dir(entry.id()),
                    Some(git2::ObjectType::Blob) if entry.filemode() == 0o120000 => {
                        hops += 1;
                        if hops > MAX_LINKS {
                            return Err(io::Error::other(format!(
                                "too many levels of symbolic links at {}",
                                path.display()
                            )));
                        }
                        let blob = self.git.find_blob(entry.id()).map_err(to_io)?;
                        let target =
                            PathBuf::from(String::from_utf8_lossy(blob.content()).as_ref());
                        let rest: PathBuf = parts[i + 1..].iter().collect();
                        let resolved = if target.is_absolute() {
                            return Err(io::Error::new(
                                io::ErrorKind::NotFound,
                                format!(
                                    "{} is a symbolic link to an absolute path, which a commit cannot hold",
                                    path.display()
                                ),
                            ));
                        } else {
                            normalize(&walked.join(target).join(rest))
                        };
                        if resolved
                            .components()
                            .any(|c| matches!(c, Component::ParentDir))
                        {
                            return Err(not_found(&path, self.commit));
                        }
                        pending.push(resolved);
                        continue 'restart;
                    }
                    Some(git2::ObjectType::Blob) => current = Found::File(entry.id()),
                    _ => return Err(not_found(&path, self.commit)),
                }
                walked.push(name);
            }
            return Ok(current);
        }
        Err(not_found(path, self.commit))
    }
}

/// `path` relative to `base` (both lexically normalized), with `..` where
/// `path` leaves `base`: `/srv/envs/shared/x` from `/srv/envs/prod` is
/// `../shared/x`. A path of the other kind (relative vs absolute) is
/// returned as it is.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    if path.is_absolute() != base.is_absolute() {
        return path.to_path_buf();
    }
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    out
}

fn not_found(path: &Path, commit: git2::Oid) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} does not exist in commit {commit}", path.display()),
    )
}

fn to_io(e: git2::Error) -> io::Error {
    io::Error::other(e.message().to_string())
}

impl SourceReader for CommitReader {
    fn list_files(&self, dir: &Path) -> io::Result<Vec<String>> {
        let dir = self.in_repo(dir)?;
        let Found::Dir(tree_id) = self.lookup(&dir)? else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{} is not a directory in commit {}",
                    dir.display(),
                    self.commit
                ),
            ));
        };
        let tree = self.git.find_tree(tree_id).map_err(to_io)?;
        let mut out = Vec::new();
        for entry in tree.iter() {
            let Ok(name) = entry.name() else { continue };
            let is_file = match entry.kind() {
                Some(git2::ObjectType::Blob) if entry.filemode() == 0o120000 => {
                    matches!(self.lookup(&dir.join(name)), Ok(Found::File(_)))
                }
                Some(git2::ObjectType::Blob) => true,
                _ => false,
            };
            if is_file {
                out.push(name.to_string());
            }
        }
        Ok(out)
    }

    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        let path = self.in_repo(path)?;
        match self.lookup(&path)? {
            Found::File(id) => Ok(self.git.find_blob(id).map_err(to_io)?.content().to_vec()),
            Found::Dir(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is a directory in commit {}",
                    path.display(),
                    self.commit
                ),
            )),
        }
    }
}

/// A [`CommitReader`] as the file functions' source (`file`,
/// `templatefile`, `fileset`, ...), so that a configuration loaded from a
/// commit reads the commit's files, not the working tree's. Paths inside
/// the repository come from the commit; paths outside it (an absolute
/// path elsewhere on the machine, or `..` above the repository root) are
/// read from the disk, as they would be in a checkout.
#[derive(Debug)]
pub struct CommitFiles {
    // git2's repository handle may move between threads but not be shared.
    reader: std::sync::Mutex<CommitReader>,
}

impl CommitFiles {
    pub fn new(reader: CommitReader) -> CommitFiles {
        CommitFiles {
            reader: std::sync::Mutex::new(reader),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&CommitReader) -> T) -> T {
        let guard = match self.reader.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&guard)
    }
}

impl FileSource for CommitFiles {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.with(|r| match r.in_repo(path) {
            Ok(_) => r.read_file(path),
            Err(_) => DiskFiles.read(path),
        })
    }

    fn kind(&self, path: &Path) -> io::Result<FileKind> {
        self.with(|r| match r.in_repo(path) {
            Ok(inside) => Ok(match r.lookup(&inside)? {
                Found::File(_) => FileKind::File,
                Found::Dir(_) => FileKind::Dir,
            }),
            Err(_) => DiskFiles.kind(path),
        })
    }

    fn entries(&self, dir: &Path) -> io::Result<Vec<(String, FileKind)>> {
        self.with(|r| {
            let inside = match r.in_repo(dir) {
                Ok(inside) => inside,
                Err(_) => return DiskFiles.entries(dir),
            };
            let Found::Dir(tree_id) = r.lookup(&inside)? else {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "{} is not a directory in commit {}",
                        dir.display(),
                        r.commit
                    ),
                ));
            };
            let tree = r.git.find_tree(tree_id).map_err(to_io)?;
            let mut out = Vec::new();
            for entry in tree.iter() {
                let Ok(name) = entry.name() else { continue };
                let kind = match entry.kind() {
                    // Like the disk: a link to a file is a file, a link to
                    // a directory is not entered.
                    Some(git2::ObjectType::Blob) if entry.filemode() == 0o120000 => {
                        match r.lookup(&inside.join(name)) {
                            Ok(Found::File(_)) => FileKind::File,
                            _ => FileKind::Other,
                        }
                    }
                    Some(git2::ObjectType::Blob) => FileKind::File,
                    Some(git2::ObjectType::Tree) => FileKind::Dir,
                    _ => FileKind::Other,
                };
                out.push((name.to_string(), kind));
            }
            Ok(out)
        })
    }
}
