//! The `aws_security_group` data source (owned by engineer B).

use crate::resource::DataSource;

/// The data sources of this module.
pub fn data_sources() -> Vec<&'static dyn DataSource> {
    Vec::new()
}
