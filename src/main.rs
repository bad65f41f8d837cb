//! The `gitform` command-line binary.

/// The engine makes many small, short-lived allocations (values, maps,
/// strings); mimalloc serves them faster than glibc's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod agent;
mod args;
mod argv;
mod console;
mod diag_error;
mod engine_cmds;
mod fmt_cmd;
mod gitops_cmds;
mod output_cmd;
mod provider_cmds;
mod registry;
mod runs;
mod state_access;
mod state_cmds;
mod state_render;
mod ui;

use args::{Cli, Command, StateCommand, VersionArgs};
use diag_error::DiagnosticsError;
use gitform_value::Diagnostic;
use std::process::ExitCode;
use ui::Ui;

/// gitform's version, as `gitform version` prints it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

const ROOT_HELP: &str = "Usage: gitform [global options] <subcommand> [args]

The available commands for execution are listed below.
The primary workflow commands are given first, followed by
less common or more advanced commands.

Main commands:
  validate      Check whether the configuration is valid
  plan          Show changes required by the current configuration
  apply         Create or update infrastructure
  destroy       Destroy previously-created infrastructure

All other commands:
  console       Try gitform expressions at an interactive command prompt
  fmt           Reformat your configuration in the standard style
  force-unlock  Release a stuck lock on the current state
  graph         Generate a Graphviz graph of the steps in an operation
  import        Associate existing infrastructure with a gitform resource
  output        Show output values from your root module
  refresh       Update the state to match remote systems
  show          Show the current state or a saved plan
  state         Advanced state management
  taint         Mark a resource instance as not fully functional
  untaint       Remove the 'tainted' state from a resource instance
  version       Show the current gitform version

Global options (use these before the subcommand, if any):
  -chdir=DIR    Switch to a different working directory before executing the
                given subcommand.
  -help         Show this help output, or the help for a specified subcommand.
  -version      An alias for the \"version\" subcommand.
";

fn main() -> ExitCode {
    install_panic_hook();
    let argv = argv::normalize(std::env::args_os());
    let no_color = argv::wants_no_color(&argv);
    let cli = match args::parse(argv.clone()) {
        Ok(cli) => cli,
        Err(err) => return report_clap_error(&err, &argv, &Ui::from_env(no_color)),
    };
    let ui = Ui::from_env(cli.global.no_color);
    if let Some(dir) = &cli.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            ui.eprintln(format!(
                "Error handling -chdir option: chdir {}: {}",
                dir.display(),
                io_error_text(&e)
            ));
            return ExitCode::from(1);
        }
    }
    // The agent installs its own subscriber (text or JSON, from agent.hcl).
    if !matches!(cli.command, Some(Command::Agent(_))) {
        init_tracing();
    }
    // Terraform's older commands print a blank line after error diagnostics.
    let legacy = matches!(
        cli.command,
        Some(
            Command::Console(_)
                | Command::Fmt(_)
                | Command::ForceUnlock(_)
                | Command::Taint(_)
                | Command::Untaint(_)
                | Command::State(_)
        )
    );
    match run(cli, &ui) {
        Ok(code) => code,
        Err(err) => {
            let code = report_error(&err, &ui);
            if legacy {
                ui.eprint("\n");
            }
            code
        }
    }
}

fn run(cli: Cli, ui: &Ui) -> anyhow::Result<ExitCode> {
    if cli.version {
        return version(&VersionArgs::default(), ui);
    }
    let Some(command) = cli.command else {
        ui.print(ROOT_HELP);
        return Ok(ExitCode::from(127));
    };
    match &command {
        Command::Validate(a) => engine_cmds::validate(a, ui),
        Command::Plan(a) => engine_cmds::plan(a, ui),
        Command::Apply(a) => engine_cmds::apply(a, ui),
        Command::Destroy(a) => engine_cmds::destroy(a, ui),
        Command::Refresh(a) => engine_cmds::refresh(a, ui),
        Command::Show(a) => engine_cmds::show(a, ui),
        Command::Graph(a) => engine_cmds::graph(a, ui),
        Command::Import(a) => engine_cmds::import(a, ui),
        Command::Console(a) => console::run(a, ui),
        Command::Fmt(a) => fmt_cmd::run(a, ui),
        Command::Output(a) => output_cmd::run(a, ui),
        Command::ForceUnlock(a) => state_cmds::force_unlock(a, ui),
        Command::Taint(a) => state_cmds::taint(a, true, ui),
        Command::Untaint(a) => state_cmds::taint(a, false, ui),
        Command::State(s) => match s {
            StateCommand::List(a) => state_cmds::list(a, ui),
            StateCommand::Show(a) => state_cmds::show(a, ui),
            StateCommand::Rm(a) => state_cmds::rm(a, ui),
            StateCommand::Mv(a) => state_cmds::mv(a, ui),
            StateCommand::History(a) => state_cmds::history(a, ui),
        },
        Command::Version(a) => version(a, ui),
        Command::Drift(a) => gitops_cmds::drift(a, ui),
        Command::Rollback(a) => gitops_cmds::rollback(a, ui),
        Command::History(a) => gitops_cmds::history(a, ui),
        Command::Agent(a) => agent::run(a, ui),
        Command::Provider(c) => provider_cmds::run(c, ui),
    }
}

/// `linux_amd64`, as Terraform names platforms.
fn platform() -> String {
    let os = std::env::consts::OS;
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        other => other,
    };
    format!("{os}_{arch}")
}

fn version(args: &VersionArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    if args.json {
        let doc = serde_json::json!({
            "gitform_version": VERSION,
            "platform": platform(),
        });
        ui.println(serde_json::to_string_pretty(&doc)?);
    } else {
        ui.println(format!("gitform v{VERSION}\non {}", platform()));
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a command's error: its diagnostics, or the error chain as one
/// diagnostic. Exit code 1 unless the error says otherwise.
fn report_error(err: &anyhow::Error, ui: &Ui) -> ExitCode {
    if let Some(d) = err.downcast_ref::<DiagnosticsError>() {
        ui.diagnostics(&d.diags, &d.sources);
        return ExitCode::from(d.exit_code);
    }
    let detail: Vec<String> = err.chain().skip(1).map(ToString::to_string).collect();
    ui.diagnostic(Diagnostic::error(err.to_string(), detail.join("\n")), &());
    ExitCode::from(1)
}

/// Help and version requests print normally; other parse errors become
/// Terraform's "Failed to parse command-line flags" diagnostic.
fn report_clap_error(err: &clap::Error, argv: &[std::ffi::OsString], ui: &Ui) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp if subcommand_words(argv).is_empty() => {
            ui.print(ROOT_HELP);
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            ui.print(err.render().to_string());
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            ui.print(err.render().to_string());
            return ExitCode::from(127);
        }
        _ => {}
    }
    let rendered = match (err.kind(), err.get(clap::error::ContextKind::InvalidArg)) {
        (ErrorKind::UnknownArgument, Some(arg)) => {
            let arg = arg.to_string();
            let flag = arg.split('=').next().unwrap_or_default();
            format!(
                "flag provided but not defined: {}",
                flag.strip_prefix('-').unwrap_or(flag)
            )
        }
        (ErrorKind::InvalidValue | ErrorKind::ValueValidation, Some(arg)) => {
            let arg = arg.to_string();
            let flag = arg
                .trim_start_matches('-')
                .split(['[', ' ', '='])
                .next()
                .unwrap_or_default()
                .to_string();
            let value = err
                .get(clap::error::ContextKind::InvalidValue)
                .map(|v| v.to_string())
                .unwrap_or_default();
            if arg.contains("<BOOL>") {
                format!("invalid boolean value {value:?} for -{flag}: parse error")
            } else {
                format!("invalid value {value:?} for flag -{flag}: parse error")
            }
        }
        _ => err.render().to_string().replace("'--", "'-"),
    };
    let message: Vec<&str> = rendered
        .lines()
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.trim().is_empty())
        .collect();
    let is_subcommand_error = matches!(err.kind(), ErrorKind::InvalidSubcommand);
    ui.error(
        if is_subcommand_error {
            "Unknown command"
        } else {
            "Failed to parse command-line flags"
        },
        message.join("\n"),
    );
    let subcommand = subcommand_words(argv);
    if subcommand.is_empty() || is_subcommand_error {
        ui.eprintln("\nTo see all of gitform's top-level commands, run:\n  gitform -help");
    } else {
        ui.eprintln(format!(
            "\nFor more help on using this command, run:\n  gitform {subcommand} -help"
        ));
    }
    ExitCode::from(1)
}

/// The subcommand words of a command line (`state mv`), for help hints.
fn subcommand_words(argv: &[std::ffi::OsString]) -> String {
    let mut words = argv
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .filter(|a| !a.starts_with('-'));
    match words.next() {
        Some("state") => match words.next() {
            Some(w) => format!("state {w}"),
            None => "state".to_string(),
        },
        Some(w) => w.to_string(),
        None => String::new(),
    }
}

/// An io error as Go prints it (`no such file or directory`).
pub fn io_error_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_lowercase(),
                None => text,
            }
        }
    }
}

/// Logging to stderr when `GITFORM_LOG` (or `TF_LOG`) is set, e.g. `GITFORM_LOG=debug`.
fn init_tracing() {
    let filter = std::env::var("GITFORM_LOG")
        .or_else(|_| std::env::var("TF_LOG"))
        .ok()
        .filter(|v| !v.is_empty());
    if let Some(filter) = filter {
        let filter = tracing_subscriber::EnvFilter::try_new(filter.to_lowercase())
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
    }
}

/// A bug report instead of Rust's panic message and backtrace.
fn install_panic_hook() {
    if std::env::var_os("RUST_BACKTRACE").is_some() {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!! GITFORM CRASH !!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n\
             gitform crashed! This is always indicative of a bug within gitform.\n\
             Please report it, with the command you ran and this message:\n\n  \
             {message}{location}\n\n\
             Set RUST_BACKTRACE=1 for a backtrace.\n"
        );
    }));
}
