//! The provider's error type, and its conversion to diagnostics.
//!
//! Every SDK failure becomes an [`Error::Api`] that names the EC2 API call
//! and the AWS error code (`CreateVpc: InvalidVpc.Range: ...`), built with
//! [`api`] at the call site: `client.create_vpc()...send().await.map_err(api("CreateVpc"))?`.

use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use gitform_value::{AttrPath, Diagnostic};
use std::time::Duration;

/// Everything that can go wrong in the provider.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Error {
    /// An EC2 API call failed. `code` is the AWS error code when the
    /// service sent one (`InvalidVpcID.NotFound`), otherwise a short name
    /// of the failure (`DispatchFailure`, `TimeoutError`, `HTTP 500`).
    #[error("{operation}: {code}: {message}")]
    Api {
        operation: &'static str,
        code: String,
        message: String,
    },
    /// A waiter gave up.
    #[error(
        "timeout after {timeout:?} waiting for {what} to become {target} (last state: {last})"
    )]
    WaitTimeout {
        what: String,
        target: String,
        last: String,
        timeout: Duration,
    },
    /// An object the call needs does not exist (or vanished mid-operation).
    #[error("{what} not found")]
    NotFound { what: String },
    /// A configuration value the provider cannot use.
    #[error("{summary}: {detail}")]
    Invalid {
        summary: String,
        detail: String,
        path: Option<AttrPath>,
    },
    /// A create failed after the object came into existence: `id` names it
    /// so that the engine records it (tainted) instead of losing it.
    #[error("{source}")]
    Partial {
        id: String,
        #[source]
        source: Box<Error>,
    },
    /// The user interrupted gitform while it waited.
    #[error("interrupted while waiting for {what} (last state: {last})")]
    Interrupted { what: String, last: String },
    /// The provider was used before `configure`.
    #[error("the aws provider is not configured")]
    NotConfigured,
}

impl Error {
    /// A configuration error about one attribute.
    pub fn invalid(path: &str, summary: impl Into<String>, detail: impl Into<String>) -> Error {
        Error::Invalid {
            summary: summary.into(),
            detail: detail.into(),
            path: (!path.is_empty()).then(|| AttrPath::attr(path)),
        }
    }

    /// Marks a failure that happened after the object `id` was created.
    pub fn after_create(self, id: &str) -> Error {
        match self {
            Error::Partial { .. } => self,
            other => Error::Partial {
                id: id.to_string(),
                source: Box::new(other),
            },
        }
    }

    /// The AWS error code of an API failure (looking through `Partial`).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            Error::Partial { source, .. } => source.code(),
            _ => None,
        }
    }

    /// True for the "does not exist" answers of EC2 (`*.NotFound`,
    /// `InvalidXxxID.Malformed` is not one of them) and [`Error::NotFound`].
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::NotFound { .. } => true,
            Error::Partial { source, .. } => source.is_not_found(),
            _ => self
                .code()
                .is_some_and(|c| c.ends_with(".NotFound") || c == "NotFound"),
        }
    }

    /// The diagnostic a user sees.
    pub fn to_diagnostic(&self, type_name: &str, action: &str) -> Diagnostic {
        match self {
            Error::Api {
                operation,
                code,
                message,
            } => Diagnostic::error(
                format!("{action} {type_name}: {operation} failed"),
                format!("EC2 API call {operation} returned {code}: {message}"),
            ),
            Error::Invalid {
                summary,
                detail,
                path,
            } => {
                let d = Diagnostic::error(summary.clone(), detail.clone());
                match path {
                    Some(p) => d.with_attr_path(p.clone()),
                    None => d,
                }
            }
            Error::Partial { source, id } => {
                let mut d = source.to_diagnostic(type_name, action);
                d.detail.push_str(&format!(
                    "\n\nThe object {id} was created; it is recorded as tainted and will be replaced by the next apply."
                ));
                d
            }
            other => Diagnostic::error(format!("{action} {type_name} failed"), other.to_string()),
        }
    }
}

impl From<Error> for Diagnostic {
    fn from(e: Error) -> Diagnostic {
        e.to_diagnostic("aws", "aws")
    }
}

/// Converts an SDK failure of `operation` into an [`Error::Api`]; use as
/// `.map_err(api("DescribeVpcs"))`.
pub fn api<E, R>(operation: &'static str) -> impl FnOnce(SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |err| {
        let code = match (&err, err.code()) {
            (_, Some(code)) => code.to_string(),
            (SdkError::TimeoutError(_), _) => "TimeoutError".to_string(),
            (SdkError::DispatchFailure(_), _) => "DispatchFailure".to_string(),
            (SdkError::ConstructionFailure(_), _) => "ConstructionFailure".to_string(),
            (SdkError::ResponseError(_), _) => "ResponseError".to_string(),
            _ => "UnknownError".to_string(),
        };
        let message = match err.message() {
            Some(m) => m.to_string(),
            None => DisplayErrorContext(&err).to_string(),
        };
        Error::Api {
            operation,
            code,
            message,
        }
    }
}
