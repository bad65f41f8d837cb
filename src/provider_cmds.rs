//! `gitform provider ...`: tools for provider plugin authors.

use crate::ui::Ui;
use clap::{Args, Subcommand};
use std::process::ExitCode;

/// `gitform provider SUBCOMMAND`.
#[derive(Subcommand, Debug, Clone)]
pub enum ProviderCommand {
    /// Run the provider contract tests against a plugin
    Test(ProviderTestArgs),
}

/// `gitform provider test`.
#[derive(Args, Debug, Clone, Default)]
pub struct ProviderTestArgs {}

pub fn run(_cmd: &ProviderCommand, _ui: &Ui) -> anyhow::Result<ExitCode> {
    anyhow::bail!("gitform provider test is not built yet")
}
