//! The request and response of every [`Provider`](crate::Provider) call.
//!
//! All values are objects of the type [`Block::implied_type`](crate::Block::implied_type)
//! of the schema they belong to. Every response carries its own
//! `diagnostics`; a response with an error diagnostic means the call failed,
//! but its other fields still count (see [`ApplyChangeResponse`]).

use gitform_value::{AttrPath, Diagnostic, Value};

/// Opaque bytes a provider keeps beside an object's state (Terraform's
/// "private" data). The engine stores them and hands them back unchanged.
pub type Private = Vec<u8>;

/// Whether a configuration belongs to a managed resource or a data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigKind {
    Resource,
    DataSource,
}

/// Checks one resource or data source configuration before planning.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidateConfigRequest {
    pub kind: ConfigKind,
    pub type_name: String,
    /// The configuration. Values not known until apply are `Value::Unknown`:
    /// validate what is known and skip the rest.
    pub config: Value,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValidateConfigResponse {
    pub diagnostics: Vec<Diagnostic>,
}

/// The values of the `provider` block.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigureRequest {
    /// An object of the provider schema's type. May contain unknowns when
    /// the provider block refers to resources not yet created; a provider
    /// that needs those values should report an error diagnostic.
    pub config: Value,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigureResponse {
    pub diagnostics: Vec<Diagnostic>,
}

/// Plans one change to one resource instance: create, update or destroy.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanChangeRequest {
    pub type_name: String,
    /// The state as last refreshed. `None`: the object does not exist yet (create).
    pub prior_state: Option<Value>,
    /// What configuration asks for, merged with prior state by
    /// [`proposed_new_state`](crate::proposed_new_state). `None`: destroy.
    pub proposed_new_state: Option<Value>,
    /// The configuration alone (`Value::Null` when destroying). May contain unknowns.
    pub config: Value,
    pub prior_private: Option<Private>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanChangeResponse {
    /// The state the object will have after apply: `Value::Unknown(ty)` for
    /// every attribute not known until then. `None`: the object will be destroyed.
    pub planned_state: Option<Value>,
    /// Attributes whose change cannot be made in place. Non-empty means the
    /// engine plans a replacement (destroy and create, or the reverse with
    /// `create_before_destroy`), and `planned_state` describes the new object.
    pub requires_replace: Vec<AttrPath>,
    /// Handed to [`ApplyChangeRequest::planned_private`].
    pub planned_private: Option<Private>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Carries out one planned change.
///
/// - create: `prior_state` is `None`, `planned_state` is `Some`;
/// - update in place: both are `Some`;
/// - delete: `planned_state` is `None`.
///
/// A replacement is two calls: a delete and a create (in the order the
/// lifecycle asks for).
#[derive(Clone, Debug, PartialEq)]
pub struct ApplyChangeRequest {
    pub type_name: String,
    pub prior_state: Option<Value>,
    /// The plan's `planned_state`, with unknowns that have since become known
    /// filled in. Unknowns left are for the provider to decide.
    pub planned_state: Option<Value>,
    /// The configuration, now wholly known (`Value::Null` when deleting).
    pub config: Value,
    pub planned_private: Option<Private>,
}

/// The outcome of an apply.
///
/// `new_state` is wholly known (no `Value::Unknown` anywhere) and is what the
/// engine records; `None` means the object no longer exists (always so after
/// a successful delete).
///
/// On failure, return BOTH an error diagnostic and whatever state the remote
/// object is really in: a create that failed halfway returns the partial
/// object (at least its id) so the engine records it as tainted and can
/// destroy it later; a failed update returns the prior (or partial) state; a
/// failed delete returns the prior state (the object still exists).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApplyChangeResponse {
    pub new_state: Option<Value>,
    pub private: Option<Private>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Refreshes one object from the real world.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadRequest {
    pub type_name: String,
    /// The state the engine has recorded.
    pub current_state: Value,
    pub private: Option<Private>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadResponse {
    /// The object as it is now. `None`: it is gone (deleted outside gitform,
    /// or drifted so far that it must be re-created); the engine drops it
    /// from state and the next plan creates it again.
    pub new_state: Option<Value>,
    pub private: Option<Private>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One object of a [`ReadBatchRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct ReadRequestItem {
    pub current_state: Value,
    pub private: Option<Private>,
}

/// Refreshes many objects of ONE type in one call, so that providers whose
/// APIs can list or describe many objects at once (e.g. one `Describe*`
/// call for 100 ids) can do so.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadBatchRequest {
    pub type_name: String,
    pub items: Vec<ReadRequestItem>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadBatchResponse {
    /// One response per request item, in the same order.
    pub items: Vec<ReadResponse>,
}

/// Reads a data source.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadDataRequest {
    pub type_name: String,
    /// The data source configuration, wholly known (the engine defers the
    /// read to apply time while any of it is unknown).
    pub config: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReadDataResponse {
    /// The configuration with every computed attribute filled in.
    /// `Value::Null` when the read failed.
    pub state: Value,
    pub diagnostics: Vec<Diagnostic>,
}

impl ReadDataResponse {
    /// A failed read: null state and the given diagnostics.
    pub fn failed(diagnostics: Vec<Diagnostic>) -> ReadDataResponse {
        ReadDataResponse {
            state: Value::Null,
            diagnostics,
        }
    }
}

/// Adopts an existing object by its import id (`terraform import ADDR ID`,
/// or an `import` block).
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRequest {
    pub type_name: String,
    /// The provider-specific import id, e.g. `vpc-0123` or `15390,1,50000`.
    pub id: String,
}

/// One object found by an import.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedObject {
    pub type_name: String,
    /// At least enough of the state for [`Provider::read`](crate::Provider::read)
    /// to refresh the rest; the engine calls `read` next.
    pub state: Value,
    pub private: Option<Private>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportResponse {
    pub imported: Vec<ImportedObject>,
    pub diagnostics: Vec<Diagnostic>,
}
