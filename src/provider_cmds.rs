//! `gitform provider ...`: tools for provider plugin authors.
//!
//! `gitform provider test` runs the provider contract kit
//! (`gitform-provider-contract`) against a plugin executable: it starts the
//! plugin in a fresh scratch directory, decodes the test cases of a
//! `contract.hcl` by the schema the plugin reports, drives every case
//! through the lifecycle, prints a `terraform test` style report and exits
//! 1 when a check failed.

use crate::diag_error::DiagnosticsError;
use crate::ui::Ui;
use clap::{Args, Subcommand};
use gitform_plugin::discovery::{find_installed, find_override};
use gitform_plugin::{Plugin, PluginSettings, SearchPaths};
use gitform_provider::Provider;
use gitform_provider_contract::{load_suite, run_suite, Report};
use gitform_value::SourceFile;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// `gitform provider SUBCOMMAND`.
#[derive(Subcommand, Debug, Clone)]
pub enum ProviderCommand {
    /// Run the provider contract tests against a plugin
    Test(ProviderTestArgs),
}

/// `gitform provider test [options] [NAME]`.
#[derive(Args, Debug, Clone, Default)]
pub struct ProviderTestArgs {
    /// The plugin executable to test (gitform-provider-NAME).
    #[arg(long, value_name = "PATH")]
    pub plugin: Option<PathBuf>,
    /// The contract file with the test cases.
    #[arg(long, value_name = "FILE", default_value = "contract.hcl")]
    pub contract: PathBuf,
    /// Keep the scratch directory the plugin ran in (its path is printed).
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          default_missing_value = "true", action = clap::ArgAction::Set)]
    pub keep: bool,
    /// A provider name: test the plugin gitform would use for it (override
    /// directories, .gitform/plugins/, the user's plugin directory).
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}

pub fn run(cmd: &ProviderCommand, ui: &Ui) -> anyhow::Result<ExitCode> {
    match cmd {
        ProviderCommand::Test(args) => test(args, ui),
    }
}

/// The plugin to test: `-plugin=PATH`, or the one discovery finds for NAME.
fn plugin_path(args: &ProviderTestArgs, cwd: &Path) -> Result<(String, PathBuf), DiagnosticsError> {
    if let Some(p) = &args.plugin {
        let path = cwd.join(p);
        if !gitform_plugin::process::is_executable(&path) {
            return Err(DiagnosticsError::error(
                "Plugin not found",
                format!(
                    "{} is not an executable file. Build the plugin first, and pass its path with -plugin=PATH.",
                    path.display()
                ),
            ));
        }
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = args.name.clone().unwrap_or_else(|| {
            file.strip_prefix("gitform-provider-")
                .unwrap_or(&file)
                .to_string()
        });
        return Ok((name, path));
    }
    let Some(name) = &args.name else {
        return Err(DiagnosticsError::error(
            "No plugin to test",
            "Name the plugin: gitform provider test -plugin=PATH, or gitform provider test NAME to test the plugin gitform finds for the provider NAME.",
        ));
    };
    let paths = SearchPaths::from_env(cwd);
    if let Some(p) = find_override(&paths, name, None) {
        return Ok((name.clone(), p));
    }
    let search = find_installed(&paths, name, None).map_err(|d| DiagnosticsError::new(*d))?;
    match search.found {
        Some(p) => Ok((name.clone(), p)),
        None => Err(DiagnosticsError::new(gitform_plugin::discovery::not_found(
            name,
            None,
            &paths,
            &search.looked,
        ))),
    }
}

fn test(args: &ProviderTestArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let (name, path) = plugin_path(args, &cwd)?;
    let contract = cwd.join(&args.contract);
    let settings = PluginSettings::from_env()
        .map_err(|e| DiagnosticsError::error("Invalid plugin setting", e.to_string()))?;

    // The plugin runs in a scratch directory of its own, so what it writes
    // (relative paths, `path.root` in the contract) goes away afterwards.
    let work = scratch_dir()?;
    std::env::set_current_dir(&work)?;
    let outcome = run_in(ui, &name, &path, &contract, &work, settings);
    let _ = std::env::set_current_dir(&cwd);
    if args.keep {
        ui.println(format!("Scratch directory kept: {}", work.display()));
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    let report = outcome?;
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_in(
    ui: &Ui,
    name: &str,
    path: &Path,
    contract: &Path,
    work: &Path,
    settings: PluginSettings,
) -> anyhow::Result<Report> {
    let plugin = Plugin::start(name, path, settings).map_err(|e| {
        DiagnosticsError::new(
            e.diagnostic("starting the plugin")
                .with_address(format!("provider \"{name}\"")),
        )
    })?;
    let mut suite = load_suite(contract, plugin.schema(), work).map_err(|d| {
        let sources = std::fs::read_to_string(contract)
            .map(|text| {
                vec![Arc::new(SourceFile::new(
                    contract.display().to_string(),
                    text,
                ))]
            })
            .unwrap_or_default();
        DiagnosticsError::new(d).with_sources(sources)
    })?;
    suite.source = contract.display().to_string();
    ui.println(format!(
        "Testing {name} {} ({})\n",
        plugin.version(),
        path.display()
    ));
    let provider = Arc::new(plugin.provider());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let dyn_provider: Arc<dyn Provider> = provider.clone();
    let report = runtime.block_on(run_suite(dyn_provider, &suite));
    provider.shutdown();
    print_report(ui, &report);
    Ok(report)
}

/// The report, with pass and fail in colour when colour is on.
fn print_report(ui: &Ui, report: &Report) {
    for line in report.render().lines() {
        let colored = [
            ("... pass", "[green]pass[reset]"),
            ("... fail", "[red]fail[reset]"),
        ]
        .iter()
        .find_map(|(suffix, markup)| {
            line.strip_suffix(suffix)
                .map(|head| format!("{head}... {}", ui.colorize(markup)))
        });
        let colored = colored.or_else(|| {
            [
                ("Success!", "[bold][green]Success![reset]"),
                ("Failure!", "[bold][red]Failure![reset]"),
            ]
            .iter()
            .find_map(|(word, markup)| {
                line.strip_prefix(word)
                    .map(|rest| format!("{}{rest}", ui.colorize(markup)))
            })
        });
        ui.println(colored.unwrap_or_else(|| line.to_string()));
    }
}

fn scratch_dir() -> std::io::Result<PathBuf> {
    let base = std::env::temp_dir();
    for n in 0..1000u32 {
        let dir = base.join(format!("gitform-provider-test-{}-{n}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free scratch directory name"))
}
