//! The lifecycle checks: each drives the provider the way the engine does
//! and compares what comes back with what the contract allows.

use crate::report::{Outcome, Report};
use crate::{DataCase, Expect, ResourceCase, Suite};
use gitform_provider::{
    proposed_new_state, values_equal, ApplyChangeRequest, ApplyChangeResponse, Block, ConfigKind,
    ConfigureRequest, ImportRequest, PlanChangeRequest, PlanChangeResponse, Provider,
    ProviderSchema, ReadBatchRequest, ReadDataRequest, ReadRequest, ReadRequestItem, ReadResponse,
    Schema, ValidateConfigRequest,
};
use gitform_value::convert::convert;
use gitform_value::display::format_console;
use gitform_value::{Diagnostic, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Runs every check of `suite` against `provider` and reports each one.
///
/// Never panics on what the provider returns: a malformed answer is a
/// failed check. Objects the suite creates are deleted at the end of their
/// case, even after a failure, when the provider lets it.
pub async fn run_suite(provider: Arc<dyn Provider>, suite: &Suite) -> Report {
    let mut report = Report {
        source: suite.source.clone(),
        results: Vec::new(),
    };
    let p: &dyn Provider = &*provider;
    let schema = p.schema();
    report.push("provider", "schema", check_schema(p, &schema, suite));
    let configure = check_configure(p, &schema, &suite.provider_config).await;
    let configured = configure == Outcome::Pass;
    report.push("provider", "configure", configure);
    for case in &suite.resources {
        let Some(rs) = schema.resource(&case.type_name) else {
            report.push(
                &case.name,
                "schema",
                Outcome::Fail(format!(
                    "The provider's schema has no resource type \"{}\".",
                    case.type_name
                )),
            );
            continue;
        };
        if !configured {
            report.push(
                &case.name,
                "lifecycle",
                Outcome::Skip("the provider could not be configured".into()),
            );
            continue;
        }
        let run = CaseRun {
            p,
            schema: &schema,
            rs,
            case,
        };
        run.run(&mut report).await;
    }
    for data in &suite.data_sources {
        let outcome = if configured {
            check_data(p, &schema, data, None).await
        } else {
            Outcome::Skip("the provider could not be configured".into())
        };
        report.push(&data.name, "read_data", outcome);
    }
    report
}

/// The schema is stable and offers every type the suite uses.
fn check_schema(p: &dyn Provider, schema: &ProviderSchema, suite: &Suite) -> Outcome {
    if p.schema() != *schema {
        return Outcome::Fail(
            "Two calls of schema() returned different schemas; the schema must not change during the provider's lifetime.".into(),
        );
    }
    let mut missing = Vec::new();
    for case in &suite.resources {
        if schema.resource(&case.type_name).is_none() {
            missing.push(format!("resource type \"{}\"", case.type_name));
        }
        for d in &case.data {
            if schema.data_source(&d.type_name).is_none() {
                missing.push(format!("data source \"{}\"", d.type_name));
            }
        }
    }
    for d in &suite.data_sources {
        if schema.data_source(&d.type_name).is_none() {
            missing.push(format!("data source \"{}\"", d.type_name));
        }
    }
    if missing.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "The schema does not offer: {}.",
            missing.join(", ")
        ))
    }
}

async fn check_configure(p: &dyn Provider, schema: &ProviderSchema, config: &Value) -> Outcome {
    let config = if config.is_null() {
        schema.provider.block.null_object()
    } else {
        config.clone()
    };
    let resp = p.configure(ConfigureRequest { config }).await;
    match errors(&resp.diagnostics) {
        Some(e) => Outcome::Fail(format!("configure returned errors:\n{e}")),
        None => Outcome::Pass,
    }
}

/// One resource case on its way through the lifecycle.
struct CaseRun<'a> {
    p: &'a dyn Provider,
    schema: &'a ProviderSchema,
    rs: &'a Schema,
    case: &'a ResourceCase,
}

/// What a failed check returns.
type Check<T> = Result<T, String>;

impl CaseRun<'_> {
    async fn run(&self, report: &mut Report) {
        let name = self.case.name.as_str();
        report.push(name, "validate", outcome(self.validate().await));
        report.push(
            name,
            "validate_unknown",
            outcome(self.validate_unknown().await),
        );
        let rejects = if self.case.invalid.is_empty() {
            Outcome::Skip("no invalid configurations given".into())
        } else {
            outcome(self.validate_rejects().await)
        };
        report.push(name, "validate_rejects", rejects);

        let planned = match self.plan_create().await {
            Ok(planned) => {
                report.push(name, "plan_create", Outcome::Pass);
                planned
            }
            Err(e) => {
                report.push(name, "plan_create", Outcome::Fail(e));
                self.skip_rest(report, "plan_create failed");
                return;
            }
        };
        let mut state = match self.apply_create(&planned).await {
            Ok(state) => {
                report.push(name, "apply_create", Outcome::Pass);
                state
            }
            Err((e, partial)) => {
                report.push(name, "apply_create", Outcome::Fail(e));
                self.skip_rest(report, "apply_create failed");
                if let Some(state) = partial {
                    // Clean up what was half-created.
                    let _ = self.apply_delete(&state).await;
                }
                return;
            }
        };
        let read = self.read_matches(&state, "apply").await;
        let read_ok = read.is_ok();
        report.push(name, "read_after_create", outcome(read));
        report.push(name, "read_batch", outcome(self.read_batch(&state).await));
        let noop = if read_ok {
            outcome(self.plan_noop(&state, &self.case.create).await)
        } else {
            Outcome::Skip("read_after_create failed".into())
        };
        report.push(name, "plan_noop", noop);

        for (i, step) in self.case.steps.iter().enumerate() {
            let check = match step.expect {
                Expect::Update => format!("update_{}", i + 1),
                Expect::Replace => format!("replace_{}", i + 1),
            };
            match self.update(&state, &step.config, step.expect).await {
                Ok(new_state) => {
                    report.push(name, &check, Outcome::Pass);
                    state = new_state;
                }
                Err((e, new_state)) => {
                    report.push(name, &check, Outcome::Fail(e));
                    if let Some(s) = new_state {
                        state = s;
                    }
                    // Later steps build on this one: skip them.
                    for (j, later) in self.case.steps.iter().enumerate().skip(i + 1) {
                        let what = match later.expect {
                            Expect::Update => "update",
                            Expect::Replace => "replace",
                        };
                        report.push(
                            name,
                            &format!("{what}_{}", j + 1),
                            Outcome::Skip(format!("{check} failed")),
                        );
                    }
                    break;
                }
            }
        }
        let import = match &self.case.import {
            None => Outcome::Skip("no import given".into()),
            Some(_) => outcome(self.import(&state).await),
        };
        report.push(name, "import", import);
        for d in &self.case.data {
            report.push(
                &d.name,
                "read_data",
                check_data(self.p, self.schema, d, Some((self.rs, &state))).await,
            );
        }

        report.push(name, "delete", outcome(self.delete(&state).await));
        report.push(
            name,
            "delete_idempotent",
            outcome(self.delete_again(&state).await),
        );
    }

    fn skip_rest(&self, report: &mut Report, why: &str) {
        let name = self.case.name.as_str();
        let mut rest: Vec<String> = [
            "apply_create",
            "read_after_create",
            "read_batch",
            "plan_noop",
        ]
        .iter()
        .filter(|c| report.get(name, c).is_none())
        .map(|c| c.to_string())
        .collect();
        for (i, step) in self.case.steps.iter().enumerate() {
            rest.push(match step.expect {
                Expect::Update => format!("update_{}", i + 1),
                Expect::Replace => format!("replace_{}", i + 1),
            });
        }
        rest.extend(["import", "delete", "delete_idempotent"].map(String::from));
        for check in rest {
            report.push(name, &check, Outcome::Skip(why.to_string()));
        }
    }

    async fn validate_one(&self, config: &Value) -> Option<String> {
        let resp = self
            .p
            .validate_config(ValidateConfigRequest {
                kind: ConfigKind::Resource,
                type_name: self.case.type_name.clone(),
                config: config.clone(),
            })
            .await;
        errors(&resp.diagnostics)
    }

    /// The case's own configurations are valid.
    async fn validate(&self) -> Check<()> {
        let configs = std::iter::once(("create", &self.case.create))
            .chain(self.case.steps.iter().map(|s| ("update", &s.config)));
        for (i, (what, config)) in configs.enumerate() {
            if let Some(e) = self.validate_one(config).await {
                let which = if i == 0 {
                    what.to_string()
                } else {
                    format!("{what} step {i}")
                };
                return Err(format!(
                    "validate_config rejected the {which} configuration:\n{e}"
                ));
            }
        }
        Ok(())
    }

    /// Validation runs before values are known: the create configuration
    /// with every set attribute unknown must not be rejected.
    async fn validate_unknown(&self) -> Check<()> {
        let config = unknown_attributes(&self.rs.block, &self.case.create);
        match self.validate_one(&config).await {
            None => Ok(()),
            Some(e) => Err(format!(
                "validate_config rejected the create configuration with its values unknown (as they are when they depend on other resources); validate what is known and skip unknowns:\n{e}"
            )),
        }
    }

    async fn validate_rejects(&self) -> Check<()> {
        let mut accepted = Vec::new();
        for (i, config) in self.case.invalid.iter().enumerate() {
            if self.validate_one(config).await.is_none() {
                accepted.push(format!("invalid #{}: {}", i + 1, format_console(config)));
            }
        }
        if accepted.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "validate_config accepted configurations it should reject:\n{}",
                accepted.join("\n")
            ))
        }
    }

    async fn plan(&self, prior: Option<&Value>, config: &Value) -> PlanChangeResponse {
        let proposed =
            (!config.is_null()).then(|| proposed_new_state(&self.rs.block, prior, config));
        self.p
            .plan_change(PlanChangeRequest {
                type_name: self.case.type_name.clone(),
                prior_state: prior.cloned(),
                proposed_new_state: proposed,
                config: config.clone(),
                prior_private: None,
            })
            .await
    }

    /// Plans a create and checks the planned state against configuration.
    async fn plan_create(&self) -> Check<Value> {
        let config = &self.case.create;
        let planned = self.planned(None, config).await?;
        check_planned(&self.rs.block, config, &planned)?;
        // A known value for a computed attribute the configuration leaves
        // unset must be one the provider really knows: planning again must
        // give the same value.
        let again = self.planned(None, config).await?;
        let invented = computed_unset(&self.rs.block, config)
            .into_iter()
            .filter(|name| {
                let (a, b) = (attr_of(&planned, name), attr_of(&again, name));
                a.is_wholly_known() && !values_equal(a, b)
            })
            .collect::<Vec<_>>();
        if !invented.is_empty() {
            return Err(format!(
                "Two plans of the same create disagree on computed attributes: {}. A value not known until apply must be planned unknown.",
                invented.join(", ")
            ));
        }
        Ok(planned)
    }

    async fn planned(&self, prior: Option<&Value>, config: &Value) -> Check<Value> {
        let resp = self.plan(prior, config).await;
        if let Some(e) = errors(&resp.diagnostics) {
            return Err(format!("plan_change returned errors:\n{e}"));
        }
        let planned = resp
            .planned_state
            .ok_or("plan_change planned no object for a create or update.")?;
        shape(&self.rs.block, &planned).map_err(|e| format!("The planned state {e}"))?;
        Ok(planned)
    }

    async fn apply(
        &self,
        prior: Option<&Value>,
        planned: Option<&Value>,
        config: &Value,
    ) -> ApplyChangeResponse {
        self.p
            .apply_change(ApplyChangeRequest {
                type_name: self.case.type_name.clone(),
                prior_state: prior.cloned(),
                planned_state: planned.cloned(),
                config: config.clone(),
                planned_private: None,
            })
            .await
    }

    /// Applies a planned create. On failure also returns the state the
    /// provider reported, if any, for clean-up.
    async fn apply_create(&self, planned: &Value) -> Result<Value, (String, Option<Value>)> {
        let resp = self.apply(None, Some(planned), &self.case.create).await;
        let state = resp.new_state.clone();
        match (self.check_applied(planned, resp), state) {
            (Ok(()), Some(state)) => Ok(state),
            (Ok(()), None) => Err(("apply_change returned no object.".into(), None)),
            (Err(e), state) => Err((e, state)),
        }
    }

    fn check_applied(&self, planned: &Value, resp: ApplyChangeResponse) -> Check<()> {
        if let Some(e) = errors(&resp.diagnostics) {
            return Err(format!("apply_change returned errors:\n{e}"));
        }
        let state = resp
            .new_state
            .ok_or("apply_change returned no object for a create or update.")?;
        shape(&self.rs.block, &state).map_err(|e| format!("The applied state {e}"))?;
        if !state.is_wholly_known() {
            return Err(format!(
                "The applied state still has unknown values ({}); apply must resolve every unknown.",
                unknown_attrs(&state).join(", ")
            ));
        }
        let mut broken = Vec::new();
        kept_plan(planned, &state, "", &mut broken);
        if broken.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "apply_change changed values the plan promised:\n{}",
                broken.join("\n")
            ))
        }
    }

    async fn read(&self, state: &Value) -> Check<Option<Value>> {
        let resp: ReadResponse = self
            .p
            .read(ReadRequest {
                type_name: self.case.type_name.clone(),
                current_state: state.clone(),
                private: None,
            })
            .await;
        if let Some(e) = errors(&resp.diagnostics) {
            return Err(format!("read returned errors:\n{e}"));
        }
        Ok(resp.new_state)
    }

    /// Reads the object and checks it equals `state` (what `after` returned).
    async fn read_matches(&self, state: &Value, after: &str) -> Check<Value> {
        let read = self
            .read(state)
            .await?
            .ok_or_else(|| format!("read found no object right after {after}."))?;
        shape(&self.rs.block, &read).map_err(|e| format!("The state read {e}"))?;
        let diff = differing_attrs(state, &read, &[]);
        if diff.is_empty() {
            Ok(read)
        } else {
            Err(format!(
                "read after {after} returned a different object:\n{}",
                diff.join("\n")
            ))
        }
    }

    /// A batched read of the object twice returns two items, each equal to
    /// a single read.
    async fn read_batch(&self, state: &Value) -> Check<()> {
        let single = self.read(state).await?;
        let item = ReadRequestItem {
            current_state: state.clone(),
            private: None,
        };
        let resp = self
            .p
            .read_batch(ReadBatchRequest {
                type_name: self.case.type_name.clone(),
                items: vec![item.clone(), item],
            })
            .await;
        if resp.items.len() != 2 {
            return Err(format!(
                "read_batch of 2 items returned {} items; it must return exactly one per request item, in order.",
                resp.items.len()
            ));
        }
        for (i, got) in resp.items.iter().enumerate() {
            if let Some(e) = errors(&got.diagnostics) {
                return Err(format!("read_batch item {i} returned errors:\n{e}"));
            }
            let same = match (&got.new_state, &single) {
                (Some(a), Some(b)) => values_equal(a, b),
                (None, None) => true,
                _ => false,
            };
            if !same {
                return Err(format!(
                    "read_batch item {i} differs from a single read:\n  read:       {}\n  read_batch: {}",
                    show_opt(single.as_ref()),
                    show_opt(got.new_state.as_ref())
                ));
            }
        }
        Ok(())
    }

    /// Planning the configuration against the refreshed state changes nothing.
    async fn plan_noop(&self, state: &Value, config: &Value) -> Check<()> {
        let planned = self.planned(Some(state), config).await?;
        let diff = differing_attrs(state, &planned, &[]);
        if diff.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "A plan of the unchanged configuration right after a read is not a no-op:\n{}",
                diff.join("\n")
            ))
        }
    }

    /// One update step, done the way the engine does it. On failure returns
    /// the state the object is in now, if the step got that far.
    async fn update(
        &self,
        prior: &Value,
        config: &Value,
        expect: Expect,
    ) -> Result<Value, (String, Option<Value>)> {
        let fail = |e: String| (e, None);
        if let Some(e) = self.validate_one(config).await {
            return Err(fail(format!(
                "validate_config rejected the configuration:\n{e}"
            )));
        }
        let resp = self.plan(Some(prior), config).await;
        if let Some(e) = errors(&resp.diagnostics) {
            return Err(fail(format!("plan_change returned errors:\n{e}")));
        }
        let planned = resp
            .planned_state
            .ok_or_else(|| fail("plan_change planned no object for an update.".into()))?;
        shape(&self.rs.block, &planned).map_err(|e| fail(format!("The planned state {e}")))?;
        if values_equal(prior, &planned) {
            return Err(fail(
                "The plan shows no change: this step's configuration must change the object."
                    .into(),
            ));
        }
        let replace = !resp.requires_replace.is_empty();
        match (expect, replace) {
            (Expect::Update, true) => {
                let paths: Vec<String> =
                    resp.requires_replace.iter().map(|p| p.to_string()).collect();
                return Err(fail(format!(
                    "Expected an update in place, but the plan replaces the object (forced by {}).",
                    paths.join(", ")
                )));
            }
            (Expect::Replace, false) => {
                return Err(fail(
                    "Expected a replacement, but the plan updates the object in place (requires_replace is empty).".into(),
                ))
            }
            _ => {}
        }
        check_planned(&self.rs.block, config, &planned).map_err(fail)?;
        let new_state = if replace {
            // The engine deletes, then plans the new object as a create.
            let deleted = self.apply(Some(prior), None, &Value::Null).await;
            if let Some(e) = errors(&deleted.diagnostics) {
                return Err(fail(format!(
                    "apply_change (delete half of the replacement) returned errors:\n{e}"
                )));
            }
            if deleted.new_state.is_some() {
                return Err(fail(
                    "apply_change (delete half of the replacement) returned an object; a successful delete returns none.".into(),
                ));
            }
            let planned = self.planned(None, config).await.map_err(fail)?;
            let resp = self.apply(None, Some(&planned), config).await;
            let state = resp.new_state.clone();
            self.check_applied(&planned, resp)
                .map_err(|e| (e, state.clone()))?;
            state
        } else {
            let resp = self.apply(Some(prior), Some(&planned), config).await;
            let state = resp.new_state.clone();
            self.check_applied(&planned, resp)
                .map_err(|e| (e, state.clone().or(Some(prior.clone()))))?;
            state
        };
        let Some(new_state) = new_state else {
            return Err(fail("apply_change returned no object.".into()));
        };
        let keep = |e: String| (e, Some(new_state.clone()));
        let read = self
            .read_matches(&new_state, "the update")
            .await
            .map_err(keep)?;
        self.plan_noop(&read, config).await.map_err(keep)?;
        Ok(new_state)
    }

    /// Import by the case's id, then read: equals the object's state.
    async fn import(&self, state: &Value) -> Check<()> {
        let Some(import) = &self.case.import else {
            return Ok(());
        };
        let id = (import.id)(state).map_err(|e| format!("Cannot compute the import id: {e}"))?;
        let resp = self
            .p
            .import(ImportRequest {
                type_name: self.case.type_name.clone(),
                id: id.clone(),
            })
            .await;
        if let Some(e) = errors(&resp.diagnostics) {
            return Err(format!("import of id \"{id}\" returned errors:\n{e}"));
        }
        let Some(obj) = resp
            .imported
            .iter()
            .find(|o| o.type_name == self.case.type_name)
        else {
            return Err(format!(
                "import of id \"{id}\" returned no object of type \"{}\".",
                self.case.type_name
            ));
        };
        let read: ReadResponse = self
            .p
            .read(ReadRequest {
                type_name: self.case.type_name.clone(),
                current_state: obj.state.clone(),
                private: obj.private.clone(),
            })
            .await;
        if let Some(e) = errors(&read.diagnostics) {
            return Err(format!("read of the imported object returned errors:\n{e}"));
        }
        let read = read
            .new_state
            .ok_or_else(|| format!("read found no object after importing id \"{id}\"."))?;
        shape(&self.rs.block, &read).map_err(|e| format!("The imported state {e}"))?;
        let diff = differing_attrs(state, &read, &import.ignore);
        if diff.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "import of id \"{id}\" plus read differs from the created object:\n{}",
                diff.join("\n")
            ))
        }
    }

    async fn apply_delete(&self, state: &Value) -> ApplyChangeResponse {
        self.apply(Some(state), None, &Value::Null).await
    }

    /// Plans and applies the delete; the object is gone afterwards.
    async fn delete(&self, state: &Value) -> Check<()> {
        let plan = self.plan(Some(state), &Value::Null).await;
        if let Some(e) = errors(&plan.diagnostics) {
            return Err(format!("plan_change of the delete returned errors:\n{e}"));
        }
        if let Some(p) = plan.planned_state {
            return Err(format!(
                "plan_change of a delete planned an object ({}); a delete plans none.",
                format_console(&p)
            ));
        }
        let resp = self.apply_delete(state).await;
        if let Some(e) = errors(&resp.diagnostics) {
            return Err(format!("apply_change (delete) returned errors:\n{e}"));
        }
        if let Some(s) = resp.new_state {
            return Err(format!(
                "apply_change (delete) returned an object ({}); a successful delete returns none.",
                format_console(&s)
            ));
        }
        if self.case.state_only {
            return Ok(());
        }
        if let Some(s) = self.read(state).await? {
            return Err(format!(
                "read still finds the object after delete: {}",
                format_console(&s)
            ));
        }
        let batch = self
            .p
            .read_batch(ReadBatchRequest {
                type_name: self.case.type_name.clone(),
                items: vec![ReadRequestItem {
                    current_state: state.clone(),
                    private: None,
                }],
            })
            .await;
        match batch.items.as_slice() {
            [one] if one.new_state.is_none() && errors(&one.diagnostics).is_none() => Ok(()),
            [one] => Err(format!(
                "read_batch still finds the object after delete: {}{}",
                show_opt(one.new_state.as_ref()),
                errors(&one.diagnostics)
                    .map(|e| format!("\n{e}"))
                    .unwrap_or_default()
            )),
            items => Err(format!(
                "read_batch of 1 item returned {} items after delete.",
                items.len()
            )),
        }
    }

    /// Deleting an object already gone succeeds and changes nothing.
    async fn delete_again(&self, state: &Value) -> Check<()> {
        let resp = self.apply_delete(state).await;
        if let Some(e) = errors(&resp.diagnostics) {
            return Err(format!(
                "A second delete of the same object returned errors; a delete of an object already gone must succeed:\n{e}"
            ));
        }
        if let Some(s) = resp.new_state {
            return Err(format!(
                "A second delete returned an object ({}).",
                format_console(&s)
            ));
        }
        Ok(())
    }
}

/// Reads one data source. With a resource (`owner`), the result must agree
/// with the resource's state on the attributes both schemas have.
async fn check_data(
    p: &dyn Provider,
    schema: &ProviderSchema,
    case: &DataCase,
    owner: Option<(&Schema, &Value)>,
) -> Outcome {
    let Some(ds) = schema.data_source(&case.type_name) else {
        return Outcome::Fail(format!(
            "The provider's schema has no data source \"{}\".",
            case.type_name
        ));
    };
    let state_in = owner.map_or(Value::Null, |(_, s)| s.clone());
    let config = match (case.config)(&state_in) {
        Ok(c) => c,
        Err(e) => return Outcome::Fail(format!("Cannot compute the configuration: {e}")),
    };
    let validated = p
        .validate_config(ValidateConfigRequest {
            kind: ConfigKind::DataSource,
            type_name: case.type_name.clone(),
            config: config.clone(),
        })
        .await;
    if let Some(e) = errors(&validated.diagnostics) {
        return Outcome::Fail(format!("validate_config rejected the configuration:\n{e}"));
    }
    let resp = p
        .read_data(ReadDataRequest {
            type_name: case.type_name.clone(),
            config: config.clone(),
        })
        .await;
    if let Some(e) = errors(&resp.diagnostics) {
        return Outcome::Fail(format!("read_data returned errors:\n{e}"));
    }
    let state = resp.state;
    if let Err(e) = shape(&ds.block, &state) {
        return Outcome::Fail(format!("The data source state {e}"));
    }
    if !state.is_wholly_known() {
        return Outcome::Fail(format!(
            "The data source state has unknown values ({}).",
            unknown_attrs(&state).join(", ")
        ));
    }
    let mut problems = Vec::new();
    for (name, _) in ds.block.attributes.iter().filter(|(_, a)| !a.computed) {
        let (c, s) = (attr_of(&config, name), attr_of(&state, name));
        if !c.is_null() && !values_equal(c, s) {
            problems.push(format!(
                "  {name}: configured {}, read_data returned {}",
                format_console(c),
                format_console(s)
            ));
        }
    }
    if let Some((rs, rstate)) = owner {
        for name in ds
            .block
            .attributes
            .keys()
            .filter(|n| rs.block.attributes.contains_key(*n))
        {
            let (d, r) = (attr_of(&state, name), attr_of(rstate, name));
            if !d.is_null() && !r.is_null() && !values_equal(d, r) {
                problems.push(format!(
                    "  {name}: the resource has {}, the data source read {}",
                    format_console(r),
                    format_console(d)
                ));
            }
        }
    }
    if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "read_data returned values that disagree:\n{}",
            problems.join("\n")
        ))
    }
}

fn outcome(r: Check<impl Sized>) -> Outcome {
    match r {
        Ok(_) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
}

/// The error diagnostics, one per line, or `None` when there are none.
fn errors(diags: &[Diagnostic]) -> Option<String> {
    let lines: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let at = d
                .attr_path
                .as_ref()
                .map(|p| format!(" (at {p})"))
                .unwrap_or_default();
            if d.detail.is_empty() {
                format!("  {}{at}", d.summary)
            } else {
                format!("  {}{at}: {}", d.summary, d.detail)
            }
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn attr_of<'v>(v: &'v Value, name: &str) -> &'v Value {
    v.get_attr(name).unwrap_or(&Value::Null)
}

fn show_opt(v: Option<&Value>) -> String {
    v.map_or_else(|| "(no object)".to_string(), format_console)
}

/// Checks that `v` is an object of `block`'s type: exactly its attributes
/// and blocks, each of the declared type (unknowns of any type allowed).
fn shape(block: &Block, v: &Value) -> Result<(), String> {
    let Some(attrs) = v.as_entries() else {
        return Err(format!("is not an object: {}", format_console(v)));
    };
    let mut problems = Vec::new();
    for (name, a) in &block.attributes {
        match attrs.get(name) {
            None => problems.push(format!("lacks attribute \"{name}\"")),
            Some(val) if !val.is_known() || val.is_null() => {}
            Some(val) => {
                let plain = val.clone().unmark_deep().0;
                match convert(plain.clone(), &a.ty) {
                    Ok(c) if values_equal(&c, &plain) => {}
                    _ => problems.push(format!(
                        "has attribute \"{name}\" of the wrong type: {} is not a {}",
                        format_console(val),
                        gitform_value::convert::constraint_name(&a.ty)
                    )),
                }
            }
        }
    }
    for name in block.blocks.keys() {
        if !attrs.contains_key(name) {
            problems.push(format!("lacks block \"{name}\""));
        }
    }
    for name in attrs.keys() {
        if !block.attributes.contains_key(name) && !block.blocks.contains_key(name) {
            problems.push(format!(
                "has attribute \"{name}\", which the schema does not declare"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// The plan agrees with configuration: every attribute set in
/// configuration is planned as configured, and every attribute only
/// configuration sets (not computed) is planned as configured, null or not.
fn check_planned(block: &Block, config: &Value, planned: &Value) -> Check<()> {
    let mut problems = Vec::new();
    for (name, a) in &block.attributes {
        let (c, p) = (attr_of(config, name), attr_of(planned, name));
        let must_match = !a.computed || !c.is_null();
        if must_match && !values_equal(c, p) {
            problems.push(format!(
                "  {name}: configured {}, planned {}",
                format_console(c),
                format_console(p)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "The planned state does not agree with the configuration:\n{}",
            problems.join("\n")
        ))
    }
}

/// Names of computed attributes the configuration leaves null.
fn computed_unset(block: &Block, config: &Value) -> Vec<String> {
    block
        .attributes
        .iter()
        .filter(|(name, a)| a.computed && attr_of(config, name).is_null())
        .map(|(name, _)| name.clone())
        .collect()
}

/// `config` with every non-null attribute replaced by an unknown of its type.
fn unknown_attributes(block: &Block, config: &Value) -> Value {
    let Some(attrs) = config.as_entries() else {
        return config.clone();
    };
    let out: BTreeMap<String, Value> = attrs
        .iter()
        .map(|(name, v)| match block.attributes.get(name) {
            Some(a) if !v.is_null() => (name.clone(), Value::Unknown(a.ty.clone())),
            _ => (name.clone(), v.clone()),
        })
        .collect();
    Value::Object(out)
}

/// Top-level attributes holding unknowns.
fn unknown_attrs(v: &Value) -> Vec<String> {
    v.as_entries()
        .map(|m| {
            m.iter()
                .filter(|(_, x)| !x.is_wholly_known())
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Every known value of `planned` is kept in `actual`; unknowns may become
/// anything. Appends a line per broken promise.
fn kept_plan(planned: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    if !planned.is_known() {
        return;
    }
    if planned.is_wholly_known() {
        if !values_equal(planned, actual) {
            out.push(format!(
                "  {}: planned {}, applied {}",
                display_path(path),
                format_console(planned),
                format_console(actual)
            ));
        }
        return;
    }
    match (planned.unmarked(), actual.unmarked()) {
        (Value::Object(p), Value::Object(a)) | (Value::Map(p), Value::Map(a)) => {
            for (k, pv) in p {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                kept_plan(pv, a.get(k).unwrap_or(&Value::Null), &sub, out);
            }
        }
        (Value::List(p), Value::List(a)) | (Value::Tuple(p), Value::Tuple(a)) => {
            if p.len() != a.len() {
                out.push(format!(
                    "  {}: planned {} elements, applied {}",
                    display_path(path),
                    p.len(),
                    a.len()
                ));
                return;
            }
            for (i, (pv, av)) in p.iter().zip(a).enumerate() {
                kept_plan(pv, av, &format!("{path}[{i}]"), out);
            }
        }
        // Sets with unknown elements cannot be matched element by element.
        (Value::Set(_), Value::Set(_)) => {}
        _ => out.push(format!(
            "  {}: planned {}, applied {}",
            display_path(path),
            format_console(planned),
            format_console(actual)
        )),
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "(the object)"
    } else {
        path
    }
}

/// Lines naming each attribute whose value differs between two states.
fn differing_attrs(want: &Value, got: &Value, ignore: &[String]) -> Vec<String> {
    let empty = BTreeMap::new();
    let w = want.as_entries().unwrap_or(&empty);
    let g = got.as_entries().unwrap_or(&empty);
    let names: std::collections::BTreeSet<&String> = w.keys().chain(g.keys()).collect();
    names
        .into_iter()
        .filter(|n| !ignore.contains(n))
        .filter_map(|n| {
            let (a, b) = (
                w.get(n).unwrap_or(&Value::Null),
                g.get(n).unwrap_or(&Value::Null),
            );
            (!values_equal(a, b)).then(|| {
                format!(
                    "  {n}: expected {}, got {}",
                    format_console(a),
                    format_console(b)
                )
            })
        })
        .collect()
}
