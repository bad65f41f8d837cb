//! The `test` provider: a TEST-ONLY provider for exercising the engine
//! (concurrency, latency, failures, tainting). It manages nothing real:
//! `test_resource` objects live only in state.
//!
//! Provider block:
//! - `delay_ms` (number, default 0): latency of every create, update and
//!   delete;
//! - `throttle_per_second` (number, default none): a rate limit on creates,
//!   updates and deletes. A call over the limit is throttled: it counts a
//!   throttle event (see `Provider::throttle_events`), backs off for
//!   `throttle_backoff_ms` (default 200) and goes through;
//! - `max_concurrency` (number, default none): the limit the provider
//!   declares through `Provider::max_concurrency`.
//!
//! `test_resource`:
//! - `value` (string): updated in place; mirrored to the computed `result`;
//! - `triggers` (map of string): any change replaces the resource;
//! - `delay_ms`: overrides the provider's latency for this resource;
//! - `read_delay_ms`: latency of reads (default 0). A batched read
//!   (`read_batch`) is one round trip: it takes the longest `read_delay_ms`
//!   of its objects, not their sum;
//! - `fail_on_read` (bool): reading it returns an error diagnostic;
//! - `fail_on_create`, `fail_on_update`, `fail_on_delete` (bool): that call
//!   returns an error diagnostic (with `fail_message` as its detail when
//!   set). A failed create still returns the new object with its `id`, so
//!   the engine records it as tainted; failed updates and deletes return the
//!   prior state;
//! - computed `id` (random) and `result`.
//!
//! `test_data` data source: `input` (string) -> `output`, `id`.
//!
//! Reads are counted process-wide ([`TestProvider::read_batch_calls`],
//! [`TestProvider::objects_read`]) so that tests can check how the engine batches them.
//!
//! Delays use `tokio::time::sleep`, so many concurrent calls overlap: 1,000
//! concurrent creates with `delay_ms = 100` take about 100 ms in total.

use crate::object::{attr, bool_attr, int_attr, str_attr, with_attrs};
use async_trait::async_trait;
use gitform_provider::{
    plan_resource, unsupported_type, ApplyChangeRequest, ApplyChangeResponse, Attribute, Block,
    ConfigKind, ConfigureRequest, ConfigureResponse, ImportRequest, ImportResponse, ImportedObject,
    PlanChangeRequest, PlanChangeResponse, Provider, ProviderSchema, ReadBatchRequest,
    ReadBatchResponse, ReadDataRequest, ReadDataResponse, ReadRequest, ReadResponse, Schema,
};
use gitform_value::{Diagnostic, Type, Value};
use rand::RngCore;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

const RESOURCE: &str = "test_resource";
const DATA: &str = "test_data";

/// The TEST provider (see the module documentation).
#[derive(Debug, Default)]
pub struct TestProvider {
    /// The provider block's `delay_ms`.
    delay_ms: AtomicU64,
    /// The rate limit, if any, and its backoff.
    throttle: std::sync::Mutex<Option<RateLimit>>,
    throttle_events: AtomicU64,
    max_concurrency: AtomicU64,
}

/// Throttle events of every test provider instance in this process, for
/// tests and benchmarks that compare concurrency strategies.
static THROTTLE_EVENTS_TOTAL: AtomicU64 = AtomicU64::new(0);

/// The throttle events counted so far by all test provider instances.
pub fn throttle_events_total() -> u64 {
    THROTTLE_EVENTS_TOTAL.load(Ordering::Relaxed)
}

/// `read_batch` calls, and objects read (by `read` or `read_batch`), by
/// every test provider instance in this process.
static READ_BATCH_CALLS: AtomicU64 = AtomicU64::new(0);
static OBJECTS_READ: AtomicU64 = AtomicU64::new(0);

impl TestProvider {
    /// The `read_batch` calls made so far to test providers in this process.
    pub fn read_batch_calls() -> u64 {
        READ_BATCH_CALLS.load(Ordering::SeqCst)
    }

    /// The objects test providers in this process have read so far.
    pub fn objects_read() -> u64 {
        OBJECTS_READ.load(Ordering::SeqCst)
    }
}

/// Creates, updates and deletes running now in this process, and the most
/// seen at once since [`reset_peak_in_flight`].
static IN_FLIGHT: AtomicU64 = AtomicU64::new(0);
static PEAK_IN_FLIGHT: AtomicU64 = AtomicU64::new(0);

/// The most creates, updates and deletes that ran at once.
pub fn peak_in_flight() -> u64 {
    PEAK_IN_FLIGHT.load(Ordering::SeqCst)
}

/// Starts a new measurement of [`peak_in_flight`].
pub fn reset_peak_in_flight() {
    PEAK_IN_FLIGHT.store(0, Ordering::SeqCst);
}

/// Counts one write call in flight while alive.
struct InFlight;

impl InFlight {
    fn enter() -> InFlight {
        let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
        PEAK_IN_FLIGHT.fetch_max(now, Ordering::SeqCst);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A token bucket: `rate` calls per second, bursts of up to a fifth of a
/// second's worth.
#[derive(Debug)]
struct RateLimit {
    rate: f64,
    backoff: Duration,
    tokens: f64,
    last: std::time::Instant,
}

impl RateLimit {
    fn burst(rate: f64) -> f64 {
        (rate / 5.0).max(1.0)
    }

    /// Takes a token; false when the bucket is empty (throttled).
    fn take(&mut self) -> bool {
        let now = std::time::Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(Self::burst(self.rate));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The resource's schema, built once (plan calls it per resource).
fn resource_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(build_resource_schema)
}

fn build_resource_schema() -> Schema {
    let flag = |desc: &str| Attribute::optional(Type::Bool).describe(desc);
    Schema::new(
        Block::new()
            .describe("A test-only resource that lives only in state.")
            .attr(
                "value",
                Attribute::optional(Type::String)
                    .describe("Any string; changes are made in place."),
            )
            .attr(
                "triggers",
                Attribute::optional(Type::map(Type::String))
                    .force_new()
                    .describe("Any change replaces the resource."),
            )
            .attr(
                "delay_ms",
                Attribute::optional(Type::Number)
                    .describe("Latency of create, update and delete, in milliseconds."),
            )
            .attr(
                "read_delay_ms",
                Attribute::optional(Type::Number).describe("Latency of reads, in milliseconds."),
            )
            .attr(
                "fail_on_create",
                flag("Make creation fail (the object is still recorded, tainted)."),
            )
            .attr("fail_on_update", flag("Make updates fail."))
            .attr("fail_on_read", flag("Make reads (refresh) fail."))
            .attr("fail_on_delete", flag("Make deletion fail."))
            .attr(
                "fail_message",
                Attribute::optional(Type::String)
                    .describe("The detail of the failure diagnostics."),
            )
            .attr(
                "id",
                Attribute::computed(Type::String).describe("A random id."),
            )
            .attr(
                "result",
                Attribute::computed(Type::String).describe("The value of `value`."),
            ),
    )
}

fn data_schema() -> Schema {
    Schema::new(
        Block::new()
            .describe("A test-only data source that echoes its input.")
            .attr("input", Attribute::optional(Type::String))
            .attr("output", Attribute::computed(Type::String))
            .attr("id", Attribute::computed(Type::String)),
    )
}

fn random_id() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

async fn sleep_ms(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// A non-negative whole number of milliseconds from an attribute.
fn millis(obj: &Value, name: &str) -> Option<u64> {
    int_attr(obj, name).and_then(|v| u64::try_from(v).ok())
}

/// The failure diagnostic for `flag` (e.g. `fail_on_create`).
fn failure(obj: &Value, flag: &str) -> Diagnostic {
    let detail = str_attr(obj, "fail_message")
        .map(str::to_string)
        .unwrap_or_else(|| format!("The test resource failed because {flag} is set."));
    Diagnostic::error("Test resource failure", detail)
}

/// The answer to a read of `state`: the object as recorded, or the
/// failure `fail_on_read` asks for.
fn read_object(state: Value, private: Option<gitform_provider::Private>) -> ReadResponse {
    OBJECTS_READ.fetch_add(1, Ordering::SeqCst);
    if bool_attr(&state, "fail_on_read") == Some(true) {
        return ReadResponse {
            diagnostics: vec![failure(&state, "fail_on_read")],
            new_state: Some(state),
            private,
        };
    }
    ReadResponse {
        new_state: Some(state),
        private,
        diagnostics: Vec::new(),
    }
}

impl TestProvider {
    /// Applies the rate limit: a throttled call counts an event and backs
    /// off, as a real client would after a rate-limit response.
    async fn rate_limit(&self) {
        loop {
            let backoff = {
                let mut guard = self.throttle.lock().unwrap_or_else(|e| e.into_inner());
                let Some(limit) = guard.as_mut() else { return };
                if limit.take() {
                    return;
                }
                limit.backoff
            };
            self.throttle_events.fetch_add(1, Ordering::Relaxed);
            THROTTLE_EVENTS_TOTAL.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(backoff).await;
        }
    }

    /// Sleeps for the resource's `delay_ms`, or the provider's.
    async fn write_delay(&self, obj: &Value) {
        let _counted = InFlight::enter();
        self.rate_limit().await;
        let ms = millis(obj, "delay_ms").unwrap_or_else(|| self.delay_ms.load(Ordering::Relaxed));
        sleep_ms(ms).await;
    }
}

#[async_trait]
impl Provider for TestProvider {
    fn max_concurrency(&self) -> Option<usize> {
        match self.max_concurrency.load(Ordering::Relaxed) {
            0 => None,
            n => usize::try_from(n).ok(),
        }
    }

    fn throttle_events(&self) -> u64 {
        self.throttle_events.load(Ordering::Relaxed)
    }

    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            provider: Schema::new(
                Block::new()
                    .attr(
                        "delay_ms",
                        Attribute::optional(Type::Number).describe(
                            "Latency of every create, update and delete, in milliseconds. Default 0.",
                        ),
                    )
                    .attr(
                        "throttle_per_second",
                        Attribute::optional(Type::Number).describe(
                            "Rate limit on creates, updates and deletes; calls over it are throttled.",
                        ),
                    )
                    .attr(
                        "throttle_backoff_ms",
                        Attribute::optional(Type::Number)
                            .describe("How long a throttled call backs off. Default 200."),
                    )
                    .attr(
                        "max_concurrency",
                        Attribute::optional(Type::Number)
                            .describe("The concurrency limit the provider declares."),
                    ),
            ),
            resources: BTreeMap::from([(RESOURCE.to_string(), resource_schema().clone())]),
            data_sources: BTreeMap::from([(DATA.to_string(), data_schema())]),
        }
    }

    async fn configure(&self, req: ConfigureRequest) -> ConfigureResponse {
        let v = attr(&req.config, "delay_ms");
        if !v.is_known() {
            return ConfigureResponse {
                diagnostics: vec![Diagnostic::error(
                    "Invalid provider configuration",
                    "delay_ms must be known before apply.",
                )],
            };
        }
        self.delay_ms.store(
            millis(&req.config, "delay_ms").unwrap_or(0),
            Ordering::Relaxed,
        );
        if let Some(rate) = millis(&req.config, "throttle_per_second").filter(|r| *r > 0) {
            let backoff = millis(&req.config, "throttle_backoff_ms").unwrap_or(200);
            *self.throttle.lock().unwrap_or_else(|e| e.into_inner()) = Some(RateLimit {
                rate: rate as f64,
                backoff: Duration::from_millis(backoff),
                tokens: RateLimit::burst(rate as f64),
                last: std::time::Instant::now(),
            });
        }
        self.max_concurrency.store(
            millis(&req.config, "max_concurrency").unwrap_or(0),
            Ordering::Relaxed,
        );
        ConfigureResponse::default()
    }

    async fn plan_change(&self, req: PlanChangeRequest) -> PlanChangeResponse {
        if req.type_name != RESOURCE {
            return PlanChangeResponse {
                diagnostics: vec![unsupported_type(ConfigKind::Resource, &req.type_name)],
                ..PlanChangeResponse::default()
            };
        }
        let Some(proposed) = req.proposed_new_state else {
            return PlanChangeResponse::default();
        };
        let (planned, requires_replace) =
            plan_resource(resource_schema(), req.prior_state.as_ref(), &proposed);
        // `result` follows `value`: known now when `value` is.
        let value = attr(&planned, "value").clone();
        let result = if value.is_known() {
            value
        } else {
            Value::Unknown(Type::String)
        };
        let planned = with_attrs(planned, [("result", result)]);
        PlanChangeResponse {
            planned_state: Some(planned),
            requires_replace,
            planned_private: None,
            diagnostics: Vec::new(),
        }
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        if req.type_name != RESOURCE {
            return ApplyChangeResponse {
                diagnostics: vec![unsupported_type(ConfigKind::Resource, &req.type_name)],
                ..ApplyChangeResponse::default()
            };
        }
        let prior = req.prior_state.filter(|p| !p.is_null());
        match (prior, req.planned_state) {
            (None, None) => ApplyChangeResponse::default(),
            (Some(prior), None) => {
                self.write_delay(&prior).await;
                if bool_attr(&prior, "fail_on_delete") == Some(true) {
                    let d = failure(&prior, "fail_on_delete");
                    return ApplyChangeResponse {
                        new_state: Some(prior),
                        private: None,
                        diagnostics: vec![d],
                    };
                }
                ApplyChangeResponse::default()
            }
            (None, Some(planned)) => {
                self.write_delay(&planned).await;
                let result = attr(&planned, "value").clone();
                let state = with_attrs(
                    planned,
                    [("id", Value::String(random_id())), ("result", result)],
                );
                let diagnostics = match bool_attr(&state, "fail_on_create") {
                    Some(true) => vec![failure(&state, "fail_on_create")],
                    _ => Vec::new(),
                };
                ApplyChangeResponse {
                    new_state: Some(state),
                    private: None,
                    diagnostics,
                }
            }
            (Some(prior), Some(planned)) => {
                self.write_delay(&planned).await;
                if bool_attr(&planned, "fail_on_update") == Some(true) {
                    let d = failure(&planned, "fail_on_update");
                    return ApplyChangeResponse {
                        new_state: Some(prior),
                        private: None,
                        diagnostics: vec![d],
                    };
                }
                let result = attr(&planned, "value").clone();
                let id = attr(&prior, "id").clone();
                let state = with_attrs(planned, [("id", id), ("result", result)]);
                ApplyChangeResponse {
                    new_state: Some(state),
                    ..ApplyChangeResponse::default()
                }
            }
        }
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        sleep_ms(millis(&req.current_state, "read_delay_ms").unwrap_or(0)).await;
        read_object(req.current_state, req.private)
    }

    async fn read_batch(&self, req: ReadBatchRequest) -> ReadBatchResponse {
        READ_BATCH_CALLS.fetch_add(1, Ordering::SeqCst);
        // One round trip: as long as the slowest object's read.
        let delay = req
            .items
            .iter()
            .filter_map(|i| millis(&i.current_state, "read_delay_ms"))
            .max()
            .unwrap_or(0);
        sleep_ms(delay).await;
        ReadBatchResponse {
            items: req
                .items
                .into_iter()
                .map(|i| read_object(i.current_state, i.private))
                .collect(),
        }
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        if req.type_name != DATA {
            return ReadDataResponse::failed(vec![unsupported_type(
                ConfigKind::DataSource,
                &req.type_name,
            )]);
        }
        let output = attr(&req.config, "input").clone();
        ReadDataResponse {
            state: with_attrs(
                req.config,
                [("output", output), ("id", Value::from("test"))],
            ),
            diagnostics: Vec::new(),
        }
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        if req.type_name != RESOURCE {
            return ImportResponse {
                imported: Vec::new(),
                diagnostics: vec![gitform_provider::import_not_supported(&req.type_name)],
            };
        }
        let state = with_attrs(
            resource_schema().block.null_object(),
            [("id", Value::String(req.id))],
        );
        ImportResponse {
            imported: vec![ImportedObject {
                type_name: req.type_name,
                state,
                private: None,
            }],
            diagnostics: Vec::new(),
        }
    }
}
