//! `gitform agent`: the pull-based GitOps agent.
//!
//! One long-running process watches one or more environments, each a
//! branch (and a directory) of a Git repository with its own state
//! database. For each environment a thread runs the reconcile loop
//! ([`reconcile`]): fetch, plan and apply new commits by policy, check for
//! drift on a schedule, back off after failures. A small HTTP server
//! ([`http`]) exposes health, metrics, status and a sync trigger; webhooks
//! ([`webhook`]) announce what happened.
//!
//! Shutdown (SIGTERM or SIGINT): every environment finishes the step it is
//! in (an apply stops starting new changes, lets running ones finish and
//! records them, then releases the state lock), queued webhooks are sent,
//! the server stops, and the process exits 0. A second signal exits at once.

pub mod config;
mod http;
mod journal;
mod metrics;
mod reconcile;
mod schedule;
mod status;
mod webhook;

use crate::diag_error::DiagnosticsError;
use crate::ui::Ui;
use clap::Args;
use config::{AgentConfig, LogFormat};
use status::{EnvStatus, Phase, Shared, Status};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// `gitform agent -config agent.hcl`.
#[derive(Args, Debug, Clone, Default)]
pub struct AgentArgs {
    /// The agent configuration file.
    #[arg(long = "config", value_name = "FILE", default_value = "agent.hcl")]
    pub config: PathBuf,

    /// Check the configuration file and exit without starting the agent.
    #[arg(long = "validate")]
    pub validate: bool,
}

pub fn run(args: &AgentArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    // The agent shuts down gracefully on SIGTERM itself (finishing the step
    // in progress); plugin cleanup must not pre-empt it.
    crate::registry::handle_sigterm_elsewhere();
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let loaded = config::load(&args.config, &env);
    let sources: Vec<_> = loaded.file.into_iter().collect();
    let Some(cfg) = loaded.config else {
        return Err(DiagnosticsError::new(loaded.diagnostics)
            .with_sources(sources)
            .into());
    };
    if !loaded.diagnostics.is_empty() {
        ui.diagnostics(&loaded.diagnostics, &sources);
    }
    if args.validate {
        let names: Vec<&str> = cfg.environments.iter().map(|e| e.name.as_str()).collect();
        ui.println(format!(
            "The agent configuration is valid: {} environment{} ({}), API on http://{}.",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            names.join(", "),
            cfg.agent.listen
        ));
        return Ok(ExitCode::SUCCESS);
    }
    init_logging(&cfg);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("gitform-agent")
        .build()?;
    runtime.block_on(supervise(cfg))
}

/// Logs to stderr, as text or one JSON object per line. `GITFORM_LOG`
/// overrides the configured level.
fn init_logging(cfg: &AgentConfig) {
    let level = std::env::var("GITFORM_LOG")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| cfg.agent.log_level.clone());
    let filter = tracing_subscriber::EnvFilter::try_new(&level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // `main` may have installed a subscriber already (GITFORM_LOG set);
    // then that one stays.
    let _ = match cfg.agent.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}

fn initial_status(cfg: &AgentConfig) -> Status {
    let envs = cfg
        .environments
        .iter()
        .map(|e| {
            (
                e.name.clone(),
                EnvStatus {
                    name: e.name.clone(),
                    repository: gitform_git::redact_url(&e.repository),
                    branch: e.branch.clone(),
                    path: e.path.clone(),
                    state: e.state.display().to_string(),
                    on_commit: e.on_commit.as_str(),
                    on_drift: e.on_drift.as_str(),
                    signatures_required: e.signatures.is_some(),
                    phase: Phase::Starting,
                    head: None,
                    current: None,
                    refused: None,
                    last_sync_at: None,
                    last_success_at: None,
                    last_error: None,
                    consecutive_failures: 0,
                    next_retry_at: None,
                    last_drift_check_at: None,
                    next_drift_check_at: None,
                    drifted_resources: 0,
                    ready: false,
                },
            )
        })
        .collect();
    Status {
        envs,
        counters: Default::default(),
        started_at: Some(jiff::Timestamp::now()),
        shutting_down: false,
    }
}

async fn supervise(cfg: AgentConfig) -> anyhow::Result<ExitCode> {
    let listener = std::net::TcpListener::bind(cfg.agent.listen).map_err(|e| {
        DiagnosticsError::error(
            "Cannot start the agent's HTTP server",
            format!(
                "Could not listen on {}: {}. Set `listen` in the agent block to a free address (port 0 picks one).",
                cfg.agent.listen,
                crate::io_error_text(&e)
            ),
        )
    })?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() && cfg.agent.sync_secret.is_none() {
        tracing::warn!(%addr, "the API listens beyond loopback without a sync_secret: only loopback clients may trigger syncs");
    }
    let auth = match &cfg.agent.sync_secret {
        Some(s) => Some(http::SyncAuth::new(&s.0).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let shared = Arc::new(Shared::new(initial_status(&cfg)));
    let (outbox, webhook_worker) = webhook::start(shared.clone());
    let stop = Arc::new(AtomicBool::new(false));

    let mut wakers = BTreeMap::new();
    let mut threads = Vec::new();
    for env in &cfg.environments {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        wakers.insert(env.name.clone(), tx);
        let ctx = reconcile::EnvContext {
            env: env.clone(),
            agent: cfg.agent.clone(),
            shared: shared.clone(),
            outbox: outbox.clone(),
            stop: stop.clone(),
        };
        let name = env.name.clone();
        let handle = std::thread::Builder::new()
            .name(format!("env-{name}"))
            .spawn(move || reconcile::run_environment(ctx, rx))?;
        threads.push((name, handle));
    }
    drop(outbox);

    let api = Arc::new(http::Api {
        shared: shared.clone(),
        sync: wakers.clone(),
        states: cfg
            .environments
            .iter()
            .map(|e| (e.name.clone(), e.state.clone()))
            .collect(),
        auth,
    });
    let (server_stop_tx, server_stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, api, async move {
        let _ = server_stop_rx.await;
    }));
    tracing::info!(
        %addr,
        environments = cfg.environments.len(),
        version = crate::VERSION,
        "gitform agent listening on {addr}"
    );

    wait_for_signal().await;
    tracing::info!("shutdown requested: finishing the steps in progress");
    shared.with(|s| s.shutting_down = true);
    stop.store(true, Ordering::SeqCst);
    for tx in wakers.values() {
        let _ = tx.try_send(reconcile::Wake::Stop);
    }
    drop(wakers);
    tokio::spawn(async {
        wait_for_signal().await;
        tracing::warn!(
            "second signal: exiting at once; changes in flight may be missing from the state"
        );
        crate::registry::stop_plugins();
        std::process::exit(130);
    });

    let joined = tokio::task::spawn_blocking(move || {
        for (name, handle) in threads {
            if handle.join().is_err() {
                tracing::error!(environment = %name, "the environment's thread panicked");
            }
        }
    })
    .await;
    if joined.is_err() {
        tracing::error!("waiting for the environments failed");
    }
    // Queued webhooks go out (bounded), then the server stops.
    if tokio::time::timeout(std::time::Duration::from_secs(15), webhook_worker)
        .await
        .is_err()
    {
        tracing::warn!("webhook deliveries still pending at exit were dropped");
    }
    let _ = server_stop_tx.send(());
    match server.await {
        Ok(Err(e)) => tracing::error!(error = %e, "the HTTP server failed"),
        Err(e) => tracing::error!(error = %e, "the HTTP server task failed"),
        Ok(Ok(())) => {}
    }
    tracing::info!("gitform agent stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or SIGINT.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
