//! The host side: a [`Provider`] that forwards every call to a plugin
//! process.

use crate::error::{doing, PluginError, PluginIdentity};
use crate::process::{start, start_blocking, Connection, PluginSettings};
use crate::wire::{ConfigureResult, Empty, HandshakeResponse, Method, Wire};
use async_trait::async_trait;
use gitform_provider::{
    ApplyChangeRequest, ApplyChangeResponse, ConfigureRequest, ConfigureResponse, ImportRequest,
    ImportResponse, PlanChangeRequest, PlanChangeResponse, Provider, ProviderFactory,
    ProviderSchema, ReadBatchRequest, ReadBatchResponse, ReadDataRequest, ReadDataResponse,
    ReadRequest, ReadResponse, ValidateConfigRequest, ValidateConfigResponse,
};
use gitform_value::{Diagnostic, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A plugin executable that answered the handshake: its identity, what it
/// said, and its first process, kept for the first provider that needs one.
pub struct Plugin {
    identity: Arc<PluginIdentity>,
    handshake: HandshakeResponse,
    settings: PluginSettings,
    spare: Mutex<Option<Connection>>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("identity", &self.identity)
            .field("version", &self.handshake.version)
            .finish()
    }
}

impl Plugin {
    /// Starts the executable at `path` as the provider `name` and does the
    /// handshake (blocking the thread, at most the start timeout). The
    /// process stays up for the first provider made from this plugin.
    pub fn start(
        name: &str,
        path: &Path,
        settings: PluginSettings,
    ) -> Result<Arc<Plugin>, PluginError> {
        let identity = Arc::new(PluginIdentity {
            name: name.to_string(),
            path: path.to_path_buf(),
        });
        let (conn, handshake) = start_blocking(identity.clone(), settings)?;
        Ok(Arc::new(Plugin {
            identity,
            handshake,
            settings,
            spare: Mutex::new(Some(conn)),
        }))
    }

    pub fn name(&self) -> &str {
        &self.identity.name
    }

    pub fn path(&self) -> &PathBuf {
        &self.identity.path
    }

    /// The version the plugin reported.
    pub fn version(&self) -> &str {
        &self.handshake.version
    }

    /// The name the plugin gave itself in the handshake.
    pub fn reported_name(&self) -> &str {
        &self.handshake.name
    }

    pub fn schema(&self) -> &ProviderSchema {
        &self.handshake.schema
    }

    /// A provider talking to this plugin. Its process starts at its first
    /// call (the handshake's process for the first one).
    pub fn provider(self: &Arc<Self>) -> PluginProvider {
        PluginProvider {
            plugin: self.clone(),
            conn: tokio::sync::OnceCell::new(),
            max_concurrency: AtomicUsize::new(self.handshake.max_concurrency.unwrap_or(0)),
        }
    }

    /// A factory of [`provider`](Self::provider)s, for the engine's
    /// registry: one process per provider configuration.
    pub fn factory(self: &Arc<Self>) -> ProviderFactory {
        let plugin = self.clone();
        Arc::new(move || Arc::new(plugin.provider()) as Arc<dyn Provider>)
    }

    async fn connect(&self) -> Result<Arc<Connection>, PluginError> {
        let spare = self.spare.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(conn) = spare {
            return Ok(Arc::new(conn));
        }
        let (conn, _) = start(self.identity.clone(), self.settings).await?;
        Ok(Arc::new(conn))
    }
}

/// A [`Provider`] whose every call is a request to a plugin process.
///
/// Failures of the plugin (it crashed, hung, broke the protocol) become
/// error diagnostics naming the plugin and what gitform was doing; for
/// `apply` and `read` the prior state comes back with them, so nothing
/// already recorded is lost.
pub struct PluginProvider {
    plugin: Arc<Plugin>,
    conn: tokio::sync::OnceCell<Result<Arc<Connection>, PluginError>>,
    /// 0: no limit of its own.
    max_concurrency: AtomicUsize,
}

impl PluginProvider {
    pub fn plugin(&self) -> &Arc<Plugin> {
        &self.plugin
    }

    /// The plugin's process id, once it runs.
    pub fn pid(&self) -> Option<u32> {
        match self.conn.get() {
            Some(Ok(c)) => Some(c.pid()),
            _ => None,
        }
    }

    /// Stops the plugin process now (it would stop when the provider is
    /// dropped anyway): `shutdown`, then SIGKILL after the grace period.
    pub fn shutdown(&self) {
        if let Some(Ok(c)) = self.conn.get() {
            c.close();
        }
    }

    async fn conn(&self) -> Result<&Arc<Connection>, PluginError> {
        self.conn
            .get_or_init(|| self.plugin.connect())
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    async fn call<Req: Wire, Resp: Wire>(
        &self,
        method: Method,
        req: &Req,
    ) -> Result<Resp, PluginError> {
        self.conn().await?.call(method, req).await
    }
}

fn failed(e: &PluginError, method: Method, type_name: Option<&str>) -> Vec<Diagnostic> {
    vec![e.diagnostic(&doing(method, type_name))]
}

#[async_trait]
impl Provider for PluginProvider {
    fn schema(&self) -> ProviderSchema {
        self.plugin.handshake.schema.clone()
    }

    async fn validate_config(&self, req: ValidateConfigRequest) -> ValidateConfigResponse {
        match self.call(Method::Validate, &req).await {
            Ok(r) => r,
            Err(e) => ValidateConfigResponse {
                diagnostics: failed(&e, Method::Validate, Some(&req.type_name)),
            },
        }
    }

    async fn configure(&self, req: ConfigureRequest) -> ConfigureResponse {
        match self
            .call::<_, ConfigureResult>(Method::Configure, &req)
            .await
        {
            Ok(r) => {
                if let Some(n) = r.max_concurrency {
                    self.max_concurrency.store(n, Ordering::Relaxed);
                }
                r.response
            }
            Err(e) => ConfigureResponse {
                diagnostics: failed(&e, Method::Configure, None),
            },
        }
    }

    async fn plan_change(&self, req: PlanChangeRequest) -> PlanChangeResponse {
        match self.call(Method::Plan, &req).await {
            Ok(r) => r,
            Err(e) => PlanChangeResponse {
                planned_state: None,
                requires_replace: Vec::new(),
                planned_private: req.prior_private,
                diagnostics: failed(&e, Method::Plan, Some(&req.type_name)),
            },
        }
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        match self.call(Method::Apply, &req).await {
            Ok(r) => r,
            // What gitform knew before: the object as it was.
            Err(e) => ApplyChangeResponse {
                diagnostics: failed(&e, Method::Apply, Some(&req.type_name)),
                new_state: req.prior_state,
                private: req.planned_private,
            },
        }
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        match self.call(Method::Read, &req).await {
            Ok(r) => r,
            Err(e) => ReadResponse {
                diagnostics: failed(&e, Method::Read, Some(&req.type_name)),
                new_state: Some(req.current_state),
                private: req.private,
            },
        }
    }

    async fn read_batch(&self, req: ReadBatchRequest) -> ReadBatchResponse {
        let error = match self
            .call::<_, ReadBatchResponse>(Method::ReadBatch, &req)
            .await
        {
            Ok(r) if r.items.len() == req.items.len() => return r,
            Ok(r) => PluginError::Decode {
                plugin: self.plugin.identity.clone(),
                method: Method::ReadBatch,
                error: crate::wire::WireError {
                    at: "result.items".into(),
                    message: format!(
                        "{} items for {} objects; read_batch answers one item per object, in order",
                        r.items.len(),
                        req.items.len()
                    ),
                },
            },
            Err(e) => e,
        };
        let diagnostics = failed(&error, Method::ReadBatch, Some(&req.type_name));
        ReadBatchResponse {
            items: req
                .items
                .into_iter()
                .map(|item| ReadResponse {
                    new_state: Some(item.current_state),
                    private: item.private,
                    diagnostics: diagnostics.clone(),
                })
                .collect(),
        }
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        match self.call(Method::ReadData, &req).await {
            Ok(r) => r,
            Err(e) => ReadDataResponse {
                state: Value::Null,
                diagnostics: failed(&e, Method::ReadData, Some(&req.type_name)),
            },
        }
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        match self.call(Method::Import, &req).await {
            Ok(r) => r,
            Err(e) => ImportResponse {
                imported: Vec::new(),
                diagnostics: failed(&e, Method::Import, Some(&req.type_name)),
            },
        }
    }

    async fn stop(&self) {
        // Only a running plugin has anything to stop.
        if let Some(Ok(c)) = self
            .conn
            .get()
            .filter(|c| !matches!(c, Ok(c) if c.is_unresponsive()))
        {
            if let Err(e) = c.call::<_, Empty>(Method::Stop, &Empty).await {
                tracing::warn!(target: "gitform::plugin", plugin = %self.plugin.identity.name, "stop failed: {e}");
            }
        }
    }

    fn max_concurrency(&self) -> Option<usize> {
        Some(self.max_concurrency.load(Ordering::Relaxed)).filter(|n| *n > 0)
    }

    fn throttle_events(&self) -> u64 {
        match self.conn.get() {
            Some(Ok(c)) => c.throttle_events(),
            _ => 0,
        }
    }
}
