//! `gitform agent`: the pull-based GitOps agent.

use crate::ui::Ui;
use clap::Args;
use std::process::ExitCode;

/// `gitform agent --config agent.hcl`.
#[derive(Args, Debug, Clone, Default)]
pub struct AgentArgs {}

pub fn run(_args: &AgentArgs, _ui: &Ui) -> anyhow::Result<ExitCode> {
    anyhow::bail!("gitform agent is not built yet")
}
