//! Diagnostics: a severity, a summary, a detail and where in the source.

use crate::path::AttrPath;
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a source file. `line` and `column` are 1-based; `column`
/// counts characters, `byte` is the 0-based byte offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

/// A range of a source file, end exclusive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceRange {
    pub filename: Arc<str>,
    pub start: Pos,
    pub end: Pos,
}

impl fmt::Display for SourceRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.filename, self.start.line, self.start.column
        )
    }
}

/// Line starts of one source text, to turn byte offsets into positions.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(src: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The position of byte offset `byte` in `src` (the text this index was built from).
    pub fn pos(&self, src: &str, byte: usize) -> Pos {
        let byte = byte.min(src.len());
        let line = self.starts.partition_point(|&s| s <= byte) - 1;
        let start = self.starts[line];
        let mut b = byte;
        while b > start && !src.is_char_boundary(b) {
            b -= 1;
        }
        let column = src[start..b].chars().count() + 1;
        Pos {
            line: line + 1,
            column,
            byte,
        }
    }

    pub fn range(
        &self,
        filename: &Arc<str>,
        src: &str,
        bytes: std::ops::Range<usize>,
    ) -> SourceRange {
        SourceRange {
            filename: filename.clone(),
            start: self.pos(src, bytes.start),
            end: self.pos(src, bytes.end),
        }
    }
}

/// One source file: its name (as shown to users), its text and its line index.
/// Shared by the loader, the evaluator and the diagnostics renderer.
#[derive(Debug)]
pub struct SourceFile {
    pub name: Arc<str>,
    pub text: Arc<str>,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> SourceFile {
        let text = text.into();
        let lines = LineIndex::new(&text);
        SourceFile {
            name: name.into(),
            text,
            lines,
        }
    }

    /// The source range of a byte range of this file.
    pub fn range(&self, bytes: std::ops::Range<usize>) -> SourceRange {
        self.lines.range(&self.name, &self.text, bytes)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    /// Where the problem is in the configuration, when known.
    pub range: Option<SourceRange>,
    /// The resource instance or other object the problem is about, e.g. `aws_vpc.main`.
    pub address: Option<String>,
    /// The attribute inside that object, for provider diagnostics.
    pub attr_path: Option<AttrPath>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            range: None,
            address: None,
            attr_path: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary, detail)
        }
    }

    pub fn with_range(mut self, range: Option<SourceRange>) -> Diagnostic {
        if self.range.is_none() {
            self.range = range;
        }
        self
    }

    pub fn with_address(mut self, address: impl Into<String>) -> Diagnostic {
        self.address = Some(address.into());
        self
    }

    pub fn with_attr_path(mut self, path: AttrPath) -> Diagnostic {
        self.attr_path = Some(path);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        write!(f, "{sev}: {}", self.summary)?;
        if let Some(r) = &self.range {
            write!(f, " ({r})")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// A list of diagnostics. Loading and evaluation collect many at once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let src = "a = 1\nbé = \"x\"\n";
        let idx = LineIndex::new(src);
        let p = idx.pos(src, src.find('=').unwrap());
        assert_eq!((p.line, p.column), (1, 3));
        let p = idx.pos(src, src.rfind('=').unwrap());
        assert_eq!((p.line, p.column), (2, 4));
    }
}
