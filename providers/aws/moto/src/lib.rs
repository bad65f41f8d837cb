//! Test harness for the AWS provider against moto.
//!
//! - [`Moto`] starts `moto_server -H 127.0.0.1 -p PORT` on a free port and
//!   stops exactly that process; [`Moto::shared`] gives one per test binary,
//!   and [`shared_or_skip`] turns "moto is not installed" into a printed
//!   skip, or a failure when `CI` is set.
//! - [`Proxy`] sits between a client and moto: it counts calls per EC2
//!   `Action`, injects `RequestLimitExceeded`/503 faults at a seeded rate,
//!   and sends its own account id to moto, so each test that makes its own
//!   proxy has its own account (moto keeps accounts apart).
//! - [`Ec2`] is a raw EC2 Query client (no SDK) for out-of-band changes and
//!   checks, with [`Element`] to read its answers and [`Ec2::live_tagged`]
//!   to list what still exists; [`dump`] reads moto's model log (every
//!   object ever created, deleted ones included: count duplicates with it,
//!   not leftovers).
//!
//! ```no_run
//! use gitform_moto::{account, shared_or_skip, Faults, Proxy, ProxyConfig};
//! let Some(moto) = shared_or_skip("example") else { return };
//! let proxy = Proxy::start(ProxyConfig {
//!     upstream: moto.addr(),
//!     account_id: Some(account::unique_id()),
//!     faults: Faults::throttle(0.2, 42),
//! })
//! .unwrap();
//! // Run the client with proxy.client_env(); then:
//! println!("{} calls", proxy.counts().calls());
//! ```

pub mod account;
mod dump;
mod proxy;
mod query;
mod server;
pub mod wire;
mod xml;

pub use dump::{dump, record_id, tag, Dump, Found};
pub use proxy::{
    action_of, client_env, ActionCount, CallCounts, FaultKind, Faults, Proxy, ProxyConfig,
};
pub use query::{xml_texts, Ec2, EC2_API_VERSION};
pub use server::{in_ci, shared_or_skip, Moto, Options};
pub use xml::Element;

/// The header moto reads the account id from.
pub const ACCOUNT_HEADER: &str = "x-moto-account-id";

/// What can go wrong talking to moto.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Error {
    #[error("`{program}` was not found (set MOTO_SERVER to its path, or install moto)")]
    Missing { program: String },
    #[error("moto did not start: {detail}\n--- moto log (last lines) ---\n{log_tail}")]
    NotReady { detail: String, log_tail: String },
    #[error("{request}: {message}")]
    Io { request: String, message: String },
    #[error("{request}: HTTP {status}: {body}")]
    Http {
        request: String,
        status: u16,
        body: String,
    },
    #[error("moto's state dump is not JSON: {0}")]
    Json(String),
    #[error("malformed XML answer: {0}")]
    Xml(String),
}

impl Error {
    pub(crate) fn io(request: &str, e: std::io::Error) -> Error {
        Error::Io {
            request: request.to_string(),
            message: e.to_string(),
        }
    }
}
