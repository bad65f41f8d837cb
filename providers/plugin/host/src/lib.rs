//! gitform's provider plugin protocol, host side.
//!
//! A provider plugin is an executable `gitform-provider-NAME` that speaks
//! JSON-RPC 2.0, one message per line, on its stdin and stdout
//! (`docs/providers/protocol.md` is the reference). This crate holds:
//!
//! - [`wire`]: the encoding of every message of protocol version 1, used
//!   both by this host and by the Rust SDK (`gitform-plugin-sdk`);
//! - [`Plugin`] and [`PluginProvider`]: a [`Provider`](gitform_provider::Provider)
//!   whose calls go to a child process, with per-call timeouts, crash and
//!   garbage detection, and clean shutdown (see [`process`]);
//! - [`discovery`]: where plugins are found (override directories, the
//!   project's `.gitform/plugins/`, the user's directory), source
//!   addresses, and [`version`] constraints.
//!
//! The engine sees a plugin as just another provider: the binary's registry
//! turns a [`Plugin`] into a factory with [`Plugin::factory`].

pub mod discovery;
pub mod error;
pub mod process;
pub mod provider;
pub mod version;
pub mod wire;

pub use discovery::{Origin, Requirement, SearchPaths};
pub use error::{Broken, PluginError, PluginIdentity};
pub use process::{kill_all, live_pids, PluginSettings};
pub use provider::{Plugin, PluginProvider};
pub use wire::PROTOCOL_VERSION;
