//! What can go wrong with a plugin, and the diagnostics users read.

use crate::wire::{Method, WireError, PROTOCOL_VERSION};
use gitform_value::Diagnostic;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Which plugin: the provider's local name and the executable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginIdentity {
    pub name: String,
    pub path: PathBuf,
}

impl fmt::Display for PluginIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\" ({})", self.name, self.path.display())
    }
}

/// Why a plugin process can take no more calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Broken {
    /// The process ended; the text is its exit status ("exit status 1",
    /// "signal 9").
    Exited(String),
    /// It wrote something that is not a protocol message; gitform killed it.
    Garbage { line: String, reason: String },
    /// gitform shut it down (end of run, or after a signal).
    ShutDown,
}

/// A failed plugin call (or start).
#[derive(Clone, Debug, thiserror::Error)]
pub enum PluginError {
    #[error("could not start plugin {plugin}: {message}")]
    Spawn {
        plugin: Arc<PluginIdentity>,
        message: String,
    },
    #[error("plugin {plugin} did not answer the handshake within {}", human(*after))]
    StartTimeout {
        plugin: Arc<PluginIdentity>,
        after: Duration,
    },
    #[error("plugin {plugin} speaks protocol version {plugin_version}, but this gitform speaks version {PROTOCOL_VERSION}")]
    ProtocolMismatch {
        plugin: Arc<PluginIdentity>,
        plugin_version: u64,
    },
    #[error("plugin {plugin} cannot take calls: {reason:?}")]
    Broken {
        plugin: Arc<PluginIdentity>,
        reason: Broken,
        /// The plugin's last lines on stderr.
        stderr: Vec<String>,
    },
    #[error("plugin {plugin} did not answer {} within {}", method.as_str(), human(*after))]
    Timeout {
        plugin: Arc<PluginIdentity>,
        method: Method,
        after: Duration,
    },
    #[error("plugin {plugin} failed {}: {message} (JSON-RPC error {code})", method.as_str())]
    Rpc {
        plugin: Arc<PluginIdentity>,
        method: Method,
        code: i64,
        message: String,
    },
    #[error("plugin {plugin} answered {} with an invalid result: {error}", method.as_str())]
    Decode {
        plugin: Arc<PluginIdentity>,
        method: Method,
        error: WireError,
    },
}

/// `1.5s`, `2m`, `300ms`.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// What gitform was doing when a call failed, in words: "applying a change
/// to example_file".
pub fn doing(method: Method, type_name: Option<&str>) -> String {
    let t = type_name.unwrap_or("?");
    match method {
        Method::Handshake => "starting".to_string(),
        Method::Schema => "reading its schema".to_string(),
        Method::Validate => format!("validating a configuration of {t}"),
        Method::Configure => "configuring the provider".to_string(),
        Method::Plan => format!("planning a change to {t}"),
        Method::Apply => format!("applying a change to {t}"),
        Method::Read | Method::ReadBatch => format!("reading {t}"),
        Method::ReadData => format!("reading data source {t}"),
        Method::Import => format!("importing {t}"),
        Method::Stop => "stopping calls in flight".to_string(),
        Method::Shutdown => "shutting down".to_string(),
    }
}

fn stderr_tail(lines: &[String]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n\nThe plugin's last lines on stderr:");
    for l in lines {
        out.push_str("\n  ");
        out.push_str(l);
    }
    out
}

impl PluginError {
    /// The error as a diagnostic for the user. `doing` says what gitform
    /// was doing (see [`doing`]); the engine adds the resource address.
    pub fn diagnostic(&self, doing: &str) -> Diagnostic {
        match self {
            PluginError::Spawn { plugin, message } => Diagnostic::error(
                "Could not start provider plugin",
                format!("gitform could not run the plugin {plugin}: {message}. Check that the file is an executable for this machine."),
            ),
            PluginError::StartTimeout { plugin, after } => Diagnostic::error(
                "Provider plugin did not start",
                format!(
                    "The plugin {plugin} did not answer gitform's handshake within {}, so gitform stopped it. A plugin must read JSON-RPC requests on stdin and answer on stdout (see docs/providers/protocol.md). Raise GITFORM_PLUGIN_START_TIMEOUT if it is just slow to start.",
                    human(*after)
                ),
            ),
            PluginError::ProtocolMismatch { plugin, plugin_version } => {
                let hint = if *plugin_version > PROTOCOL_VERSION {
                    "Upgrade gitform, or use a release of the plugin built for protocol version 1."
                } else {
                    "Upgrade the plugin to a release built for protocol version 1."
                };
                Diagnostic::error(
                    "Incompatible provider plugin",
                    format!(
                        "The plugin {plugin} speaks plugin protocol version {plugin_version}, but this gitform ({}) speaks protocol version {PROTOCOL_VERSION}. {hint}",
                        env!("CARGO_PKG_VERSION")
                    ),
                )
            }
            PluginError::Broken { plugin, reason, stderr } => match reason {
                Broken::Exited(status) => Diagnostic::error(
                    "Provider plugin exited unexpectedly",
                    format!(
                        "The plugin {plugin} {status} while {doing}. If it was changing an object, the change may or may not have been made: check the object, then run gitform again (what was recorded before stays in the state).{}",
                        stderr_tail(stderr)
                    ),
                ),
                Broken::Garbage { line, reason } => Diagnostic::error(
                    "Provider plugin sent invalid data",
                    format!(
                        "The plugin {plugin} wrote a line to its standard output that is not a protocol message ({reason}), while {doing}:\n  {line}\ngitform stopped the plugin. A plugin must write only JSON-RPC responses to stdout, one per line, and its logs to stderr.{}",
                        stderr_tail(stderr)
                    ),
                ),
                Broken::ShutDown => Diagnostic::error(
                    "Provider plugin already stopped",
                    format!("The plugin {plugin} was shut down before {doing}."),
                ),
            },
            PluginError::Timeout { plugin, after, .. } => Diagnostic::error(
                "Provider plugin did not respond",
                format!(
                    "The plugin {plugin} did not answer within {} while {doing}; gitform stopped waiting. If it was changing an object, the change may or may not have been made. Raise GITFORM_PLUGIN_TIMEOUT if the operation is legitimately slow.",
                    human(*after)
                ),
            ),
            PluginError::Rpc { plugin, code, message, .. } => Diagnostic::error(
                "Provider plugin error",
                format!("The plugin {plugin} failed while {doing}: {message} (JSON-RPC error {code})."),
            ),
            PluginError::Decode { plugin, error, .. } => Diagnostic::error(
                "Provider plugin sent an invalid response",
                format!("The plugin {plugin} answered with a result gitform cannot read, while {doing}: {error}."),
            ),
        }
    }
}
