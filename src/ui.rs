//! [`Ui`]: the terminal, as every command sees it.
//!
//! Colour is used only when the stream is a terminal and neither `-no-color`
//! nor `NO_COLOR` is set. Diagnostics are drawn in Terraform's boxed layout,
//! or in its plain layout with `-no-color`. As in Terraform, error
//! diagnostics go to stderr and warnings to stdout.

use gitform_config::render::{render_diagnostics, RenderOptions, SourceLookup, Style};
use gitform_value::{Diagnostic, Diagnostics, Severity};
use std::io::{BufRead, IsTerminal, Write};
#[cfg(test)]
use std::sync::Arc;
use std::sync::{Mutex, PoisonError};

/// Width used to wrap diagnostics when the terminal's is unknown (Terraform's default).
pub const DEFAULT_WIDTH: usize = 78;

type Sink = Mutex<Box<dyn Write + Send>>;

/// The terminal: output streams, colour settings and user input.
///
/// Shared by reference (`&Ui`); it is `Sync`, so concurrent engine tasks may
/// print through it.
#[allow(dead_code)] // some fields are for the engine commands
pub struct Ui {
    /// ANSI colours on stdout.
    pub color: bool,
    /// ANSI colours on stderr.
    pub color_stderr: bool,
    /// `-no-color` was given: Terraform's plain (unboxed) diagnostics.
    pub no_color_flag: bool,
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
    pub stdin_is_terminal: bool,
    /// Columns for wrapping diagnostic details.
    pub width: usize,
    out: Sink,
    err: Sink,
    input: Mutex<Box<dyn BufRead + Send>>,
}

/// What a captured [`Ui`] printed (for tests).
#[cfg(test)]
#[derive(Clone, Default)]
pub struct Captured {
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

#[cfg(test)]
impl Captured {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }
}

#[cfg(test)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

#[cfg(test)]
impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Ui {
    /// The process's real streams. `no_color` is the `-no-color` flag.
    pub fn from_env(no_color: bool) -> Ui {
        let env_no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stdout_is_terminal = std::io::stdout().is_terminal();
        let stderr_is_terminal = std::io::stderr().is_terminal();
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|&w| w > 10 && stderr_is_terminal)
            .unwrap_or(DEFAULT_WIDTH);
        Ui {
            color: stdout_is_terminal && !no_color && !env_no_color,
            color_stderr: stderr_is_terminal && !no_color && !env_no_color,
            no_color_flag: no_color,
            stdout_is_terminal,
            stderr_is_terminal,
            stdin_is_terminal: std::io::stdin().is_terminal(),
            width,
            out: Mutex::new(Box::new(std::io::stdout())),
            err: Mutex::new(Box::new(std::io::stderr())),
            input: Mutex::new(Box::new(std::io::BufReader::new(std::io::stdin()))),
        }
    }

    #[cfg(test)]
    /// A Ui writing into memory and reading `input`, never a terminal.
    pub fn captured(color: bool, input: &str) -> (Ui, Captured) {
        let captured = Captured::default();
        let ui = Ui {
            color,
            color_stderr: color,
            no_color_flag: false,
            stdout_is_terminal: false,
            stderr_is_terminal: false,
            stdin_is_terminal: false,
            width: DEFAULT_WIDTH,
            out: Mutex::new(Box::new(SharedBuf(captured.out.clone()))),
            err: Mutex::new(Box::new(SharedBuf(captured.err.clone()))),
            input: Mutex::new(Box::new(std::io::Cursor::new(input.as_bytes().to_vec()))),
        };
        (ui, captured)
    }

    fn write(sink: &Sink, text: &str) {
        let mut w = sink.lock().unwrap_or_else(PoisonError::into_inner);
        // A closed pipe (`gitform state list | head`) is not an error worth reporting.
        let _ = w.write_all(text.as_bytes());
        let _ = w.flush();
    }

    /// Prints to stdout as is.
    pub fn print(&self, text: impl AsRef<str>) {
        Ui::write(&self.out, text.as_ref());
    }

    /// Prints a line to stdout.
    pub fn println(&self, text: impl AsRef<str>) {
        let mut s = text.as_ref().to_string();
        s.push('\n');
        Ui::write(&self.out, &s);
    }

    /// Prints to stderr as is.
    pub fn eprint(&self, text: impl AsRef<str>) {
        Ui::write(&self.err, text.as_ref());
    }

    /// Prints a line to stderr.
    pub fn eprintln(&self, text: impl AsRef<str>) {
        let mut s = text.as_ref().to_string();
        s.push('\n');
        Ui::write(&self.err, &s);
    }

    /// Terraform's colour markup (`[bold][green]Apply complete![reset]`)
    /// for stdout: ANSI codes when colour is on, removed otherwise.
    pub fn colorize(&self, markup: &str) -> String {
        colorize(markup, self.color)
    }

    /// [`Ui::colorize`] for stderr.
    #[allow(dead_code)] // for the engine commands
    pub fn colorize_err(&self, markup: &str) -> String {
        colorize(markup, self.color_stderr)
    }

    /// Options for rendering diagnostics on stdout (`false`) or stderr (`true`).
    pub fn render_options(&self, stderr: bool) -> RenderOptions {
        let color = if stderr {
            self.color_stderr
        } else {
            self.color
        };
        RenderOptions {
            color,
            width: Some(self.width),
            style: if self.no_color_flag {
                Style::Plain
            } else {
                Style::Boxed
            },
        }
    }

    /// Prints diagnostics: errors to stderr, warnings to stdout. `sources`
    /// gives the source text for the snippets (e.g. the loaded module's
    /// files; `&()` when there is none).
    pub fn diagnostics(&self, diags: &Diagnostics, sources: &dyn SourceLookup) {
        let (errors, warnings): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
            diags.iter().partition(|d| d.severity == Severity::Error);
        if !warnings.is_empty() {
            self.print(render_diagnostics(
                warnings,
                sources,
                &self.render_options(false),
            ));
        }
        if !errors.is_empty() {
            self.eprint(render_diagnostics(
                errors,
                sources,
                &self.render_options(true),
            ));
        }
    }

    /// Prints one diagnostic (see [`Ui::diagnostics`]).
    pub fn diagnostic(&self, d: Diagnostic, sources: &dyn SourceLookup) {
        self.diagnostics(&Diagnostics(vec![d]), sources);
    }

    /// Prints an error diagnostic without source location.
    pub fn error(&self, summary: impl Into<String>, detail: impl Into<String>) {
        self.diagnostic(Diagnostic::error(summary, detail), &());
    }

    /// Prints a warning diagnostic without source location.
    pub fn warning(&self, summary: impl Into<String>, detail: impl Into<String>) {
        self.diagnostic(Diagnostic::warning(summary, detail), &());
    }

    /// Reads one line of input (without its line ending); `None` at end of input.
    pub fn read_line(&self) -> std::io::Result<Option<String>> {
        let mut line = String::new();
        let n = self
            .input
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .read_line(&mut line)?;
        if n == 0 {
            return Ok(None);
        }
        let trimmed = line.strip_suffix('\n').unwrap_or(&line);
        let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
        Ok(Some(trimmed.to_string()))
    }

    /// Terraform's input prompt: the bold query, the indented description and
    /// `Enter a value: `; returns the trimmed answer (empty at end of input).
    pub fn ask(&self, query: &str, description: &str) -> std::io::Result<String> {
        let mut text = self.colorize(&format!("[reset][bold]{query}[reset]\n"));
        for line in description.lines() {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
        text.push_str(&self.colorize("\n  [bold]Enter a value:[reset] "));
        self.print(text);
        let answer = self.read_line()?.unwrap_or_default();
        self.println("");
        Ok(answer.trim().to_string())
    }
}

/// Replaces Terraform's colour markup (`[bold]`, `[red]`, `[reset]`, ...)
/// with ANSI codes, or removes it when `color` is false. Unknown bracketed
/// text is kept. With colour, a reset is appended as Terraform's colorizer does.
pub fn colorize(markup: &str, color: bool) -> String {
    let mut out = String::with_capacity(markup.len() + 16);
    let mut rest = markup;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(']').and_then(|close| {
            let name = &after[..close];
            ansi_code(name).map(|code| (close, code))
        }) {
            Some((close, code)) => {
                if color {
                    out.push_str("\x1b[");
                    out.push_str(code);
                    out.push('m');
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if color {
        out.push_str("\x1b[0m");
    }
    out
}

fn ansi_code(name: &str) -> Option<&'static str> {
    Some(match name {
        "reset" => "0",
        "bold" => "1",
        "dim" => "2",
        "underline" => "4",
        "default" => "39",
        "black" => "30",
        "red" => "31",
        "green" => "32",
        "yellow" => "33",
        "blue" => "34",
        "magenta" => "35",
        "cyan" => "36",
        "light_gray" => "37",
        "dark_gray" => "90",
        "light_red" => "91",
        "light_green" => "92",
        "light_yellow" => "93",
        "light_blue" => "94",
        "light_magenta" => "95",
        "light_cyan" => "96",
        "white" => "97",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colorize_markup() {
        for (markup, color, want) in [
            ("[bold]x[reset]", false, "x"),
            ("[bold]x[reset]", true, "\x1b[1mx\x1b[0m\x1b[0m"),
            ("list[0] [green]+", false, "list[0] +"),
            ("[unclosed", false, "[unclosed"),
        ] {
            assert_eq!(colorize(markup, color), want, "{markup}");
        }
    }

    #[test]
    fn errors_go_to_stderr_and_warnings_to_stdout() {
        let (ui, cap) = Ui::captured(false, "");
        ui.warning("W", "w detail");
        ui.error("E", "e detail");
        assert!(cap.stdout().contains("Warning: W"));
        assert!(cap.stderr().contains("Error: E"));
        assert!(!cap.stdout().contains("Error"));
    }
}
