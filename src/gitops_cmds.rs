//! The GitOps commands: `drift`, `rollback` and `history`.

use crate::ui::Ui;
use clap::Args;
use std::process::ExitCode;

/// `gitform drift`.
#[derive(Args, Debug, Clone, Default)]
pub struct DriftArgs {}

/// `gitform rollback --to REV`.
#[derive(Args, Debug, Clone, Default)]
pub struct RollbackArgs {}

/// `gitform history`.
#[derive(Args, Debug, Clone, Default)]
pub struct HistoryArgs {}

pub fn drift(_args: &DriftArgs, _ui: &Ui) -> anyhow::Result<ExitCode> {
    anyhow::bail!("gitform drift is not built yet")
}

pub fn rollback(_args: &RollbackArgs, _ui: &Ui) -> anyhow::Result<ExitCode> {
    anyhow::bail!("gitform rollback is not built yet")
}

pub fn history(_args: &HistoryArgs, _ui: &Ui) -> anyhow::Result<ExitCode> {
    anyhow::bail!("gitform history is not built yet")
}
