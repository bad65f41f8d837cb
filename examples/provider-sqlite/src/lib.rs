//! `sqlite`: an example gitform provider that manages rows of small tables
//! in a local SQLite database.
//!
//! ```hcl
//! provider "sqlite" {
//!   path = "inventory.db"          # default: gitform.sqlite, in the working directory
//! }
//!
//! resource "sqlite_item" "motd" {
//!   table = "settings"              # default: items; a change replaces the row
//!   key   = "motd"                  # a change replaces the row
//!   value = "Hello"                 # updated in place
//!   tags  = { owner = "ops" }       # updated in place
//! }
//!
//! data "sqlite_item" "motd" {
//!   table = "settings"
//!   key   = "motd"
//! }
//! ```
//!
//! Computed attributes: `id` (`TABLE/KEY`, known at plan time), `row_id`
//! (SQLite's rowid, known after apply), `created_at` and `updated_at`
//! (RFC 3339, known after apply) and `version` (1 on create, one more on
//! every update; planned exactly). Import by `TABLE/KEY` or by `KEY` alone
//! (table `items`).
//!
//! Each table is `CREATE TABLE IF NOT EXISTS TABLE (key TEXT PRIMARY KEY,
//! value TEXT NOT NULL, tags TEXT NOT NULL, created_at TEXT NOT NULL,
//! updated_at TEXT NOT NULL, version INTEGER NOT NULL)`, created on the
//! first row written. Calls are served concurrently; SQLite work is short
//! and runs under one connection lock, off the async threads.

use async_trait::async_trait;
use gitform_provider::{
    plan_resource, ApplyChangeRequest, ApplyChangeResponse, Attribute, Block, ConfigKind,
    ConfigureRequest, ConfigureResponse, ImportRequest, ImportResponse, ImportedObject,
    PlanChangeRequest, PlanChangeResponse, Provider, ProviderSchema, ReadBatchRequest,
    ReadBatchResponse, ReadDataRequest, ReadDataResponse, ReadRequest, ReadResponse, Schema,
    ValidateConfigRequest, ValidateConfigResponse,
};
use gitform_value::{AttrPath, Diagnostic, Type, Value};
use rusqlite::{params_from_iter, Connection, OptionalExtension};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The resource type and data source this provider offers.
pub const ITEM: &str = "sqlite_item";
/// The table used when the configuration names none.
pub const DEFAULT_TABLE: &str = "items";
/// The database file used when the provider block names none.
pub const DEFAULT_PATH: &str = "gitform.sqlite";

/// The provider. Open the database with `configure`.
#[derive(Default)]
pub struct SqliteProvider {
    db: Arc<Mutex<Option<Connection>>>,
}

/// One row, as stored.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    table: String,
    key: String,
    row_id: i64,
    value: String,
    /// `None`: the configuration left `tags` null.
    tags: Option<BTreeMap<String, String>>,
    created_at: String,
    updated_at: String,
    version: i64,
}

impl Row {
    fn id(&self) -> String {
        format!("{}/{}", self.table, self.key)
    }

    /// The state of the resource (and of the data source: same attributes).
    fn to_state(&self) -> Value {
        let tags = match &self.tags {
            None => Value::Null,
            Some(tags) => Value::Map(
                tags.iter()
                    .map(|(k, v)| (k.clone(), Value::string(v)))
                    .collect(),
            ),
        };
        Value::object([
            ("table", Value::string(&self.table)),
            ("key", Value::string(&self.key)),
            ("value", Value::string(&self.value)),
            ("tags", tags),
            ("id", Value::string(self.id())),
            ("row_id", Value::int(self.row_id)),
            ("created_at", Value::string(&self.created_at)),
            ("updated_at", Value::string(&self.updated_at)),
            ("version", Value::int(self.version)),
        ])
    }
}

fn item_block(data_source: bool) -> Block {
    let table = if data_source {
        Attribute::optional_computed(Type::String)
    } else {
        Attribute::optional(Type::String)
            .with_default(Value::string(DEFAULT_TABLE))
            .force_new()
    };
    let key = Attribute::required(Type::String);
    let key = if data_source { key } else { key.force_new() };
    let input = |a: Attribute| {
        if data_source {
            Attribute::computed(a.ty)
        } else {
            a
        }
    };
    Block::new()
        .describe(if data_source {
            "Reads one row of a table."
        } else {
            "One row of a table: a key, a value and tags."
        })
        .attr(
            "table",
            table.describe(format!(
                "The table holding the row: letters, digits and underscores. Default `{DEFAULT_TABLE}`."
            )),
        )
        .attr("key", key.describe("The row's key, unique in its table."))
        .attr(
            "value",
            input(Attribute::required(Type::String)).describe("The row's value."),
        )
        .attr(
            "tags",
            input(Attribute::optional(Type::map(Type::String))).describe("Labels of the row."),
        )
        .attr(
            "id",
            Attribute::computed(Type::String).describe("`TABLE/KEY`."),
        )
        .attr(
            "row_id",
            Attribute::computed(Type::Number).describe("SQLite's rowid of the row."),
        )
        .attr(
            "created_at",
            Attribute::computed(Type::String).describe("When the row was written first (RFC 3339)."),
        )
        .attr(
            "updated_at",
            Attribute::computed(Type::String).describe("When the row was written last (RFC 3339)."),
        )
        .attr(
            "version",
            Attribute::computed(Type::Number).describe("1 when created, one more on every update."),
        )
}

fn provider_schema() -> ProviderSchema {
    ProviderSchema {
        provider: Schema::new(Block::new().attr(
            "path",
            Attribute::optional(Type::String).describe(format!(
                "The database file, created if missing. Default `{DEFAULT_PATH}` in the working directory."
            )),
        )),
        resources: [(ITEM.to_string(), Schema::new(item_block(false)))].into(),
        data_sources: [(ITEM.to_string(), Schema::new(item_block(true)))].into(),
    }
}

fn str_attr<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get_attr(name).and_then(Value::as_str)
}

fn attr_error(name: &str, summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, detail).with_attr_path(AttrPath::attr(name))
}

/// A table name is safe to put in SQL: an identifier of at most 64 characters.
fn valid_table(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 64
        && !name.to_ascii_lowercase().starts_with("sqlite_")
}

fn validate_item(config: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(t) = str_attr(config, "table") {
        if !valid_table(t) {
            out.push(attr_error(
                "table",
                "Invalid table name",
                format!("\"{t}\" is not a table name: use letters, digits and underscores (at most 64, not starting with a digit or \"sqlite_\"), such as \"items\"."),
            ));
        }
    }
    if let Some(k) = str_attr(config, "key") {
        if k.is_empty() || k.chars().any(char::is_control) || k.len() > 256 {
            out.push(attr_error(
                "key",
                "Invalid key",
                format!(
                    "The key {k:?} must be 1 to 256 characters long, without control characters."
                ),
            ));
        }
    }
    if let Some(tags) = config.get_attr("tags").and_then(Value::as_entries) {
        if tags.keys().any(String::is_empty) {
            out.push(attr_error(
                "tags",
                "Invalid tag",
                "Tag names must not be empty.".to_string(),
            ));
        }
    }
    out
}

fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn tags_of(v: &Value) -> Option<BTreeMap<String, String>> {
    v.get_attr("tags").and_then(Value::as_entries).map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()
    })
}

/// `table` and `key` of a state or configuration (table defaulted).
fn row_key(v: &Value) -> Option<(String, String)> {
    let table = str_attr(v, "table").unwrap_or(DEFAULT_TABLE).to_string();
    let key = str_attr(v, "key")?.to_string();
    Some((table, key))
}

fn db_error(what: &str, e: impl std::fmt::Display) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(
        format!("Could not {what}"),
        e.to_string(),
    ))
}

fn is_missing_table(e: &rusqlite::Error) -> bool {
    e.to_string().contains("no such table")
}

const COLUMNS: &str = "rowid, key, value, tags, created_at, updated_at, version";

fn row_from(table: &str, r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let tags: String = r.get(3)?;
    Ok(Row {
        table: table.to_string(),
        row_id: r.get(0)?,
        key: r.get(1)?,
        value: r.get(2)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        version: r.get(6)?,
    })
}

/// The SQL work, on a connection.
mod store {
    use super::*;

    pub(super) fn ensure_table(c: &Connection, table: &str) -> rusqlite::Result<()> {
        c.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS \"{table}\" (key TEXT PRIMARY KEY, value TEXT NOT NULL, \
             tags TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL)"
        ))
    }

    pub(super) fn get(c: &Connection, table: &str, key: &str) -> rusqlite::Result<Option<Row>> {
        let sql = format!("SELECT {COLUMNS} FROM \"{table}\" WHERE key = ?1");
        match c.query_row(&sql, [key], |r| row_from(table, r)).optional() {
            Err(e) if is_missing_table(&e) => Ok(None),
            other => other,
        }
    }

    /// Every row of `table` among `keys`, in one query.
    pub(super) fn get_many(
        c: &Connection,
        table: &str,
        keys: &[&str],
    ) -> rusqlite::Result<BTreeMap<String, Row>> {
        let marks = vec!["?"; keys.len()].join(",");
        let sql = format!("SELECT {COLUMNS} FROM \"{table}\" WHERE key IN ({marks})");
        let mut stmt = match c.prepare(&sql) {
            Err(e) if is_missing_table(&e) => return Ok(BTreeMap::new()),
            other => other?,
        };
        let rows = stmt.query_map(params_from_iter(keys), |r| row_from(table, r))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let row = row?;
            out.insert(row.key.clone(), row);
        }
        Ok(out)
    }

    pub(super) fn insert(c: &Connection, row: &Row) -> rusqlite::Result<i64> {
        ensure_table(c, &row.table)?;
        let tags = serde_json::to_string(&row.tags).unwrap_or_else(|_| "{}".into());
        c.execute(
            &format!(
                "INSERT INTO \"{}\" (key, value, tags, created_at, updated_at, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                row.table
            ),
            rusqlite::params![row.key, row.value, tags, row.created_at, row.updated_at, row.version],
        )?;
        Ok(c.last_insert_rowid())
    }

    /// Returns false when the row is gone.
    pub(super) fn update(c: &Connection, row: &Row) -> rusqlite::Result<bool> {
        let tags = serde_json::to_string(&row.tags).unwrap_or_else(|_| "{}".into());
        let n = c.execute(
            &format!(
                "UPDATE \"{}\" SET value = ?2, tags = ?3, updated_at = ?4, version = ?5 WHERE key = ?1",
                row.table
            ),
            rusqlite::params![row.key, row.value, tags, row.updated_at, row.version],
        );
        match n {
            Err(e) if is_missing_table(&e) => Ok(false),
            other => other.map(|n| n > 0),
        }
    }

    pub(super) fn delete(c: &Connection, table: &str, key: &str) -> rusqlite::Result<()> {
        match c.execute(&format!("DELETE FROM \"{table}\" WHERE key = ?1"), [key]) {
            Err(e) if is_missing_table(&e) => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

impl SqliteProvider {
    /// Runs `f` on the open connection, off the async threads.
    async fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, Box<Diagnostic>> + Send + 'static,
    ) -> Result<T, Box<Diagnostic>> {
        let db = self.db.clone();
        let run = move || {
            let guard = db.lock().map_err(|_| {
                Box::new(Diagnostic::error(
                    "Database lock poisoned",
                    "An earlier call panicked.",
                ))
            })?;
            match guard.as_ref() {
                Some(c) => f(c),
                None => Err(Box::new(Diagnostic::error(
                    "Provider not configured",
                    "The sqlite provider was called before configure.",
                ))),
            }
        };
        match tokio::task::spawn_blocking(run).await {
            Ok(r) => r,
            Err(e) => Err(Box::new(Diagnostic::error(
                "Database call failed",
                e.to_string(),
            ))),
        }
    }

    async fn read_one(&self, state: &Value) -> ReadResponse {
        let Some((table, key)) = row_key(state) else {
            return ReadResponse {
                diagnostics: vec![Diagnostic::error(
                    "Invalid state",
                    "The recorded state has no key.",
                )],
                ..ReadResponse::default()
            };
        };
        let got = self
            .with_db(move |c| store::get(c, &table, &key).map_err(|e| db_error("read the row", e)))
            .await;
        match got {
            Ok(row) => ReadResponse {
                new_state: row.map(|r| r.to_state()),
                private: None,
                diagnostics: Vec::new(),
            },
            Err(d) => ReadResponse {
                new_state: Some(state.clone()),
                private: None,
                diagnostics: vec![*d],
            },
        }
    }
}

#[async_trait]
impl Provider for SqliteProvider {
    fn schema(&self) -> ProviderSchema {
        provider_schema()
    }

    async fn validate_config(&self, req: ValidateConfigRequest) -> ValidateConfigResponse {
        let schema = provider_schema();
        let block = match req.kind {
            ConfigKind::Resource => schema.resource(&req.type_name),
            ConfigKind::DataSource => schema.data_source(&req.type_name),
        };
        let Some(block) = block else {
            return ValidateConfigResponse {
                diagnostics: vec![gitform_provider::unsupported_type(req.kind, &req.type_name)],
            };
        };
        let mut diagnostics =
            gitform_provider::validate_config_against_schema(&block.block, &req.config);
        diagnostics.extend(validate_item(&req.config));
        ValidateConfigResponse { diagnostics }
    }

    async fn configure(&self, req: ConfigureRequest) -> ConfigureResponse {
        let path = match req.config.get_attr("path") {
            Some(v) if !v.is_known() => {
                return ConfigureResponse {
                    diagnostics: vec![attr_error(
                        "path",
                        "Database path not known",
                        "The provider's path depends on a value not known before apply; use a value known at plan time.".into(),
                    )],
                }
            }
            Some(v) => v.as_str().unwrap_or(DEFAULT_PATH).to_string(),
            None => DEFAULT_PATH.to_string(),
        };
        let opened = Connection::open(&path).and_then(|c| {
            c.busy_timeout(std::time::Duration::from_secs(10))?;
            c.execute_batch("PRAGMA journal_mode = WAL;")?;
            Ok(c)
        });
        match opened {
            Ok(c) => {
                if let Ok(mut g) = self.db.lock() {
                    *g = Some(c);
                }
                ConfigureResponse::default()
            }
            Err(e) => ConfigureResponse {
                diagnostics: vec![attr_error(
                    "path",
                    "Could not open the database",
                    format!("Opening {path}: {e}"),
                )],
            },
        }
    }

    async fn plan_change(&self, req: PlanChangeRequest) -> PlanChangeResponse {
        let Some(proposed) = req.proposed_new_state else {
            return PlanChangeResponse::default();
        };
        let schema = Schema::new(item_block(false));
        let prior = req.prior_state.as_ref().filter(|p| !p.is_null());
        let (planned, requires_replace) = plan_resource(&schema, prior, &proposed);
        let Value::Object(mut attrs) = planned else {
            return PlanChangeResponse::default();
        };
        match prior {
            // A create, or the new row of a replacement.
            None => {
                if let Some((table, key)) = row_key(&proposed) {
                    if proposed.get_attr("table").is_some_and(Value::is_known) {
                        attrs.insert("id".into(), Value::string(format!("{table}/{key}")));
                    }
                }
                attrs.insert("version".into(), Value::int(1));
            }
            Some(prior) if requires_replace.is_empty() => {
                let changed = ["value", "tags"].iter().any(|a| {
                    !gitform_provider::values_equal(
                        prior.get_attr(a).unwrap_or(&Value::Null),
                        proposed.get_attr(a).unwrap_or(&Value::Null),
                    )
                });
                if changed {
                    let version = prior
                        .get_attr("version")
                        .and_then(Value::as_number)
                        .and_then(|n| n.to_i64())
                        .unwrap_or(0);
                    attrs.insert("version".into(), Value::int(version + 1));
                    attrs.insert("updated_at".into(), Value::Unknown(Type::String));
                }
            }
            Some(_) => {}
        }
        PlanChangeResponse {
            planned_state: Some(Value::Object(attrs)),
            requires_replace,
            planned_private: None,
            diagnostics: Vec::new(),
        }
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        let prior = req.prior_state.clone().filter(|p| !p.is_null());
        let Some(planned) = req.planned_state.clone() else {
            // Delete: gone already is fine.
            let Some((table, key)) = prior.as_ref().and_then(row_key) else {
                return ApplyChangeResponse::default();
            };
            return match self
                .with_db(move |c| {
                    store::delete(c, &table, &key).map_err(|e| db_error("delete the row", e))
                })
                .await
            {
                Ok(()) => ApplyChangeResponse::default(),
                Err(d) => ApplyChangeResponse {
                    new_state: prior,
                    private: None,
                    diagnostics: vec![*d],
                },
            };
        };
        let Some((table, key)) = row_key(&planned) else {
            return ApplyChangeResponse {
                diagnostics: vec![Diagnostic::error(
                    "Invalid plan",
                    "The planned row has no key.",
                )],
                ..ApplyChangeResponse::default()
            };
        };
        let value = str_attr(&planned, "value").unwrap_or_default().to_string();
        let tags = tags_of(&planned);
        let stamp = now();
        match prior {
            None => {
                let mut row = Row {
                    table,
                    key,
                    row_id: 0,
                    value,
                    tags,
                    created_at: stamp.clone(),
                    updated_at: stamp,
                    version: 1,
                };
                let r = row.clone();
                let inserted = self
                    .with_db(move |c| {
                        store::insert(c, &r).map_err(|e| {
                            if e.to_string().contains("UNIQUE") {
                                Box::new(Diagnostic::error(
                                    "Row already exists",
                                    format!("Table \"{}\" already has a row with key \"{}\". Import it (gitform import ADDR {}/{}) or choose another key.", r.table, r.key, r.table, r.key),
                                ))
                            } else {
                                db_error("insert the row", e)
                            }
                        })
                    })
                    .await;
                match inserted {
                    Ok(rowid) => {
                        row.row_id = rowid;
                        ApplyChangeResponse {
                            new_state: Some(row.to_state()),
                            private: None,
                            diagnostics: Vec::new(),
                        }
                    }
                    Err(d) => ApplyChangeResponse {
                        new_state: None,
                        private: None,
                        diagnostics: vec![*d],
                    },
                }
            }
            Some(prior) => {
                let version = planned
                    .get_attr("version")
                    .and_then(Value::as_number)
                    .and_then(|n| n.to_i64())
                    .unwrap_or(1);
                let updated_at = str_attr(&planned, "updated_at")
                    .map(str::to_string)
                    .unwrap_or(stamp);
                let (t, k) = (table.clone(), key.clone());
                let result = self
                    .with_db(move |c| {
                        let Some(mut row) =
                            store::get(c, &t, &k).map_err(|e| db_error("read the row", e))?
                        else {
                            return Err(Box::new(Diagnostic::error(
                                "Row not found",
                                format!("The row \"{t}/{k}\" was deleted while gitform updated it; plan again to re-create it."),
                            )));
                        };
                        row.value = value;
                        row.tags = tags;
                        row.updated_at = updated_at;
                        row.version = version;
                        if !store::update(c, &row).map_err(|e| db_error("update the row", e))? {
                            return Err(Box::new(Diagnostic::error("Row not found", format!("The row \"{t}/{k}\" is gone."))));
                        }
                        Ok(row)
                    })
                    .await;
                match result {
                    Ok(row) => ApplyChangeResponse {
                        new_state: Some(row.to_state()),
                        private: None,
                        diagnostics: Vec::new(),
                    },
                    Err(d) => ApplyChangeResponse {
                        new_state: Some(prior),
                        private: None,
                        diagnostics: vec![*d],
                    },
                }
            }
        }
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        self.read_one(&req.current_state).await
    }

    /// One query per table for the whole batch.
    async fn read_batch(&self, req: ReadBatchRequest) -> ReadBatchResponse {
        let wanted: Vec<Option<(String, String)>> = req
            .items
            .iter()
            .map(|i| row_key(&i.current_state))
            .collect();
        let lookups = wanted.clone();
        let found = self
            .with_db(move |c| {
                let mut by_table: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
                for (t, k) in lookups.iter().flatten() {
                    by_table.entry(t).or_default().push(k);
                }
                let mut rows = BTreeMap::new();
                for (table, keys) in by_table {
                    let got = store::get_many(c, table, &keys)
                        .map_err(|e| db_error("read the rows", e))?;
                    for (k, row) in got {
                        rows.insert((table.to_string(), k), row);
                    }
                }
                Ok(rows)
            })
            .await;
        let items = match found {
            Ok(rows) => wanted
                .iter()
                .map(|w| ReadResponse {
                    new_state: w.as_ref().and_then(|k| rows.get(k)).map(Row::to_state),
                    private: None,
                    diagnostics: match w {
                        Some(_) => Vec::new(),
                        None => vec![Diagnostic::error(
                            "Invalid state",
                            "The recorded state has no key.",
                        )],
                    },
                })
                .collect(),
            Err(d) => req
                .items
                .into_iter()
                .map(|i| ReadResponse {
                    new_state: Some(i.current_state),
                    private: None,
                    diagnostics: vec![(*d).clone()],
                })
                .collect(),
        };
        ReadBatchResponse { items }
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        let Some((table, key)) = row_key(&req.config) else {
            return ReadDataResponse::failed(vec![attr_error(
                "key",
                "Missing key",
                "Set key.".into(),
            )]);
        };
        let (t, k) = (table.clone(), key.clone());
        match self
            .with_db(move |c| store::get(c, &t, &k).map_err(|e| db_error("read the row", e)))
            .await
        {
            Ok(Some(row)) => ReadDataResponse {
                state: row.to_state(),
                diagnostics: Vec::new(),
            },
            Ok(None) => ReadDataResponse::failed(vec![attr_error(
                "key",
                "Row not found",
                format!("Table \"{table}\" has no row with key \"{key}\"."),
            )]),
            Err(d) => ReadDataResponse::failed(vec![*d]),
        }
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        let (table, key) = match req.id.split_once('/') {
            Some((t, k)) => (t.to_string(), k.to_string()),
            None => (DEFAULT_TABLE.to_string(), req.id.clone()),
        };
        if !valid_table(&table) || key.is_empty() {
            return ImportResponse {
                imported: Vec::new(),
                diagnostics: vec![Diagnostic::error(
                    "Invalid import id",
                    format!("\"{}\" is not an import id: use TABLE/KEY (or KEY, in table \"{DEFAULT_TABLE}\").", req.id),
                )],
            };
        }
        let (t, k) = (table.clone(), key.clone());
        match self
            .with_db(move |c| store::get(c, &t, &k).map_err(|e| db_error("read the row", e)))
            .await
        {
            Ok(Some(row)) => ImportResponse {
                imported: vec![ImportedObject {
                    type_name: req.type_name,
                    state: row.to_state(),
                    private: None,
                }],
                diagnostics: Vec::new(),
            },
            Ok(None) => ImportResponse {
                imported: Vec::new(),
                diagnostics: vec![Diagnostic::error(
                    "Cannot import non-existent remote object",
                    format!("Table \"{table}\" has no row with key \"{key}\"."),
                )],
            },
            Err(d) => ImportResponse {
                imported: Vec::new(),
                diagnostics: vec![*d],
            },
        }
    }
}
