//! [`DiagnosticsError`]: diagnostics carried out of a command as an error.

use gitform_value::{Diagnostic, Diagnostics, SourceFile};
use std::fmt;
use std::sync::Arc;

/// Diagnostics a command failed with. `main` renders them (Terraform's boxed
/// layout) to stderr and exits with `exit_code`.
///
/// `return Err(DiagnosticsError::new(diags).with_sources(module.files.clone()).into())`
#[derive(Debug)]
pub struct DiagnosticsError {
    pub diags: Diagnostics,
    /// Source files for the snippets.
    pub sources: Vec<Arc<SourceFile>>,
    pub exit_code: u8,
}

impl DiagnosticsError {
    pub fn new(diags: impl Into<Diagnostics>) -> DiagnosticsError {
        DiagnosticsError {
            diags: diags.into(),
            sources: Vec::new(),
            exit_code: 1,
        }
    }

    /// An error diagnostic without source location.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> DiagnosticsError {
        DiagnosticsError::new(Diagnostic::error(summary, detail))
    }

    pub fn with_sources(mut self, sources: Vec<Arc<SourceFile>>) -> DiagnosticsError {
        self.sources = sources;
        self
    }

    #[allow(dead_code)] // for the engine commands
    pub fn with_exit_code(mut self, code: u8) -> DiagnosticsError {
        self.exit_code = code;
        self
    }
}

impl fmt::Display for DiagnosticsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.diags.iter().find(|d| d.is_error()) {
            Some(d) => write!(f, "{}", d.summary),
            None => write!(f, "command failed"),
        }
    }
}

impl std::error::Error for DiagnosticsError {}
