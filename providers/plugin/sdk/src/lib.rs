//! Write a gitform provider plugin in Rust.
//!
//! Implement [`gitform_provider::Provider`] (re-exported as [`provider`]),
//! then serve it from `main`:
//!
//! ```no_run
//! # use gitform_plugin_sdk::provider::*;
//! # use gitform_plugin_sdk::value::Value;
//! # struct MyProvider;
//! # #[gitform_plugin_sdk::async_trait]
//! # impl Provider for MyProvider {
//! #     fn schema(&self) -> ProviderSchema { ProviderSchema::default() }
//! #     async fn apply_change(&self, r: ApplyChangeRequest) -> ApplyChangeResponse { ApplyChangeResponse::default() }
//! #     async fn read(&self, r: ReadRequest) -> ReadResponse { ReadResponse::default() }
//! # }
//! fn main() -> std::process::ExitCode {
//!     // Reports this crate's name and version in the handshake.
//!     gitform_plugin_sdk::serve!(MyProvider)
//! }
//! ```
//!
//! or `gitform_plugin_sdk::serve(MyProvider)`, which names the plugin after
//! its executable and reports version `0.0.0` (use [`serve!`] or
//! [`serve_with`] when configurations constrain the version).
//!
//! Build it as `gitform-provider-NAME` and put it where gitform looks (for
//! development: `GITFORM_PROVIDER_OVERRIDES=$PWD/target/debug`).
//!
//! # What `serve` does
//!
//! It speaks protocol version 1 (`docs/providers/protocol.md`) on stdin and
//! stdout: answers the handshake with the provider's schema, decodes each
//! request, calls the matching [`Provider`] method and writes the answer.
//! Every request runs in its own task on a multi-threaded tokio runtime, so
//! one process serves many calls at once; answers go out as they finish.
//! A panic in a method answers that request with a JSON-RPC error (and the
//! panic message goes to stderr); the plugin keeps serving. It exits on
//! `shutdown` or when stdin closes.
//!
//! **Never write to stdout yourself**: it is the protocol channel. Log with
//! `tracing` (set up by `serve` to write to stderr, filtered by
//! `GITFORM_LOG`/`TF_LOG` like gitform itself) or `eprintln!`: gitform puts
//! those lines in its log, prefixed with the plugin's name.

pub use async_trait::async_trait;
pub use gitform_plugin::wire;
pub use gitform_provider as provider;
pub use gitform_value as value;

use futures::FutureExt;
use gitform_plugin::wire::{
    codes, error_line, parse_request, result_line, ConfigureResult, Empty, HandshakeResponse,
    Method, Request, SchemaResponse, Wire, PROTOCOL_ENV, PROTOCOL_VERSION,
};
use gitform_provider::{
    ApplyChangeRequest, ConfigureRequest, ImportRequest, PlanChangeRequest, Provider,
    ReadBatchRequest, ReadDataRequest, ReadRequest, ValidateConfigRequest,
};
use serde_json::Value as Json;
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;
use std::sync::{mpsc, Arc};

/// The name and version a plugin reports in the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
}

impl PluginInfo {
    /// `name` may be the executable or crate name: a leading
    /// `gitform-provider-` is dropped.
    pub fn new(name: &str, version: &str) -> PluginInfo {
        PluginInfo {
            name: name
                .strip_prefix("gitform-provider-")
                .unwrap_or(name)
                .to_string(),
            version: version.to_string(),
        }
    }

    /// Named after the running executable, version `0.0.0`.
    pub fn from_executable() -> PluginInfo {
        let exe = std::env::args_os()
            .next()
            .and_then(|a| {
                std::path::Path::new(&a)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "plugin".to_string());
        PluginInfo::new(&exe, "0.0.0")
    }
}

/// Serves `provider` as a plugin named after the executable, reporting
/// version `0.0.0`. See the [crate documentation](crate).
pub fn serve<P: Provider + 'static>(provider: P) -> ExitCode {
    serve_with(provider, PluginInfo::from_executable())
}

/// Serves `provider`, reporting the calling crate's binary name and version.
#[macro_export]
macro_rules! serve {
    ($provider:expr) => {
        $crate::serve_with(
            $provider,
            $crate::PluginInfo::new(
                match option_env!("CARGO_BIN_NAME") {
                    Some(n) => n,
                    None => env!("CARGO_PKG_NAME"),
                },
                env!("CARGO_PKG_VERSION"),
            ),
        )
    };
}

/// Serves `provider` with the given name and version until gitform sends
/// `shutdown` or closes stdin. Returns the process exit code.
pub fn serve_with<P: Provider + 'static>(provider: P, info: PluginInfo) -> ExitCode {
    if std::env::var_os(PROTOCOL_ENV).is_none() {
        eprintln!(
            "This is gitform-provider-{}, a gitform provider plugin (version {}).\n\
             gitform starts it when a configuration uses the provider; it is not meant to be run by hand.\n\
             To use a development build, point GITFORM_PROVIDER_OVERRIDES at its directory.",
            info.name, info.version
        );
        return ExitCode::from(1);
    }
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ERROR could not start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let provider: Arc<dyn Provider> = Arc::new(provider);
    let info = Arc::new(info);
    let (tx, rx) = mpsc::channel::<String>();
    let writer = std::thread::spawn(move || write_lines(rx));
    let stdin = std::io::stdin();
    let mut reader = stdin.lock();
    let mut buf = String::new();
    loop {
        buf.clear();
        match reader.read_line(&mut buf) {
            Ok(0) => {
                tracing::debug!("stdin closed; exiting");
                break;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!("reading stdin: {e}");
                break;
            }
        }
        let line = buf.trim();
        if line.is_empty() {
            continue;
        }
        let req = match parse_request(line) {
            Ok(r) => r,
            Err((id, code, message)) => {
                let _ = tx.send(error_line(&id, code, &message));
                continue;
            }
        };
        tracing::debug!("received {} (id {})", req.method, req.id);
        if req.method == Method::Shutdown.as_str() {
            let _ = tx.send(result_line(&req.id, Empty.to_wire()));
            break;
        }
        let (p, i, tx) = (provider.clone(), info.clone(), tx.clone());
        runtime.spawn(async move {
            let _ = tx.send(answer(&*p, &i, &req).await);
        });
    }
    // Calls still running get a moment to answer; then the runtime goes.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    drop(tx);
    let _ = writer.join();
    ExitCode::SUCCESS
}

/// The response line to one request. A panic in the provider answers the
/// request with a JSON-RPC error; the plugin goes on serving.
pub async fn answer(p: &dyn Provider, info: &PluginInfo, req: &Request) -> String {
    let call = std::panic::AssertUnwindSafe(dispatch(p, info, &req.method, &req.params));
    match call.catch_unwind().await {
        Ok(Ok(result)) => result_line(&req.id, result),
        Ok(Err((code, message))) => error_line(&req.id, code, &message),
        Err(payload) => error_line(
            &req.id,
            codes::INTERNAL_ERROR,
            &format!("the provider panicked: {}", panic_message(payload)),
        ),
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

fn write_lines(rx: mpsc::Receiver<String>) {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    while let Ok(line) = rx.recv() {
        let mut ok = writeln!(out, "{line}");
        while ok.is_ok() {
            match rx.try_recv() {
                Ok(more) => ok = writeln!(out, "{more}"),
                Err(_) => break,
            }
        }
        if ok.and_then(|_| out.flush()).is_err() {
            return;
        }
    }
}

fn init_logging() {
    let filter = std::env::var("GITFORM_LOG")
        .or_else(|_| std::env::var("TF_LOG"))
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "warn".to_string());
    let filter = tracing_subscriber::EnvFilter::try_new(filter.to_lowercase())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .try_init();
}

fn decode<T: Wire>(params: &Json) -> Result<T, (i64, String)> {
    T::from_wire(params, "params").map_err(|e| (codes::INVALID_PARAMS, e.to_string()))
}

/// Answers one request: decode the params, call the provider, encode the
/// result (with the provider's `throttle_events` counter when non-zero).
pub async fn dispatch(
    p: &dyn Provider,
    info: &PluginInfo,
    method: &str,
    params: &Json,
) -> Result<Json, (i64, String)> {
    let Some(m) = Method::parse(method) else {
        return Err((
            codes::METHOD_NOT_FOUND,
            format!("method not found: {method}"),
        ));
    };
    let mut result = match m {
        Method::Handshake => HandshakeResponse {
            protocol_version: PROTOCOL_VERSION,
            name: info.name.clone(),
            version: info.version.clone(),
            schema: p.schema(),
            max_concurrency: p.max_concurrency(),
        }
        .to_wire(),
        Method::Schema => SchemaResponse { schema: p.schema() }.to_wire(),
        Method::Validate => p
            .validate_config(decode::<ValidateConfigRequest>(params)?)
            .await
            .to_wire(),
        Method::Configure => {
            let response = p.configure(decode::<ConfigureRequest>(params)?).await;
            ConfigureResult {
                response,
                max_concurrency: p.max_concurrency(),
            }
            .to_wire()
        }
        Method::Plan => p
            .plan_change(decode::<PlanChangeRequest>(params)?)
            .await
            .to_wire(),
        Method::Apply => p
            .apply_change(decode::<ApplyChangeRequest>(params)?)
            .await
            .to_wire(),
        Method::Read => p.read(decode::<ReadRequest>(params)?).await.to_wire(),
        Method::ReadBatch => p
            .read_batch(decode::<ReadBatchRequest>(params)?)
            .await
            .to_wire(),
        Method::ReadData => p
            .read_data(decode::<ReadDataRequest>(params)?)
            .await
            .to_wire(),
        Method::Import => p.import(decode::<ImportRequest>(params)?).await.to_wire(),
        Method::Stop => {
            p.stop().await;
            Empty.to_wire()
        }
        Method::Shutdown => Empty.to_wire(),
    };
    let throttled = p.throttle_events();
    if throttled > 0 {
        if let Json::Object(m) = &mut result {
            m.insert("throttle_events".into(), Json::from(throttled));
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gitform_plugin::wire::parse_response;
    use gitform_provider::{ApplyChangeResponse, ProviderSchema, ReadResponse};

    struct Panicky;

    #[async_trait]
    impl Provider for Panicky {
        fn schema(&self) -> ProviderSchema {
            ProviderSchema::default()
        }
        async fn apply_change(&self, _req: ApplyChangeRequest) -> ApplyChangeResponse {
            panic!("boom in apply")
        }
        async fn read(&self, _req: ReadRequest) -> ReadResponse {
            ReadResponse::default()
        }
    }

    async fn respond(line: &str) -> String {
        let req = parse_request(line).expect("request");
        answer(
            &Panicky,
            &PluginInfo::new("gitform-provider-panicky", "1.2.3"),
            &req,
        )
        .await
    }

    /// (request line, the response's id, its error message or "ok").
    #[tokio::test]
    async fn answers() {
        let table = [
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"apply","params":{"type_name":"x","prior_state":null,"planned_state":{},"config":{}}}"#,
                1,
                "the provider panicked: boom in apply",
            ),
            (
                r#"{"id":2,"method":"read","params":{"type_name":"x","current_state":{}}}"#,
                2,
                "ok",
            ),
            (
                r#"{"id":3,"method":"frobnicate"}"#,
                3,
                "method not found: frobnicate",
            ),
            (
                r#"{"id":4,"method":"read","params":{"current_state":{}}}"#,
                4,
                "params.type_name: missing",
            ),
            (
                r#"{"id":5,"method":"read","params":{"type_name":"x","current_state":{"$t":"nope"}}}"#,
                5,
                "params.current_state: unknown tag \"nope\"",
            ),
            (
                r#"{"id":6,"method":"handshake","params":{"protocol_version":1}}"#,
                6,
                "ok",
            ),
        ];
        for (line, id, want) in table {
            let resp = parse_response(&respond(line).await).expect("a response");
            assert_eq!(resp.id, id, "{line}");
            match resp.outcome {
                Ok(_) => assert_eq!(want, "ok", "{line}"),
                Err(e) => assert_eq!(e.message, want, "{line}"),
            }
        }
    }

    #[tokio::test]
    async fn handshake_names_the_plugin() {
        let line =
            respond(r#"{"id":0,"method":"handshake","params":{"protocol_version":1}}"#).await;
        let resp = parse_response(&line).unwrap();
        let hs = HandshakeResponse::from_wire(&resp.outcome.unwrap(), "result").unwrap();
        assert_eq!(
            (hs.name.as_str(), hs.version.as_str()),
            ("panicky", "1.2.3")
        );
        assert_eq!(hs.protocol_version, PROTOCOL_VERSION);
    }
}
