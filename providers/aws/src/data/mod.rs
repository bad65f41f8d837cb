//! Data sources. Each module offers `data_sources()`; this one lists them all.

mod ami;
mod availability_zones;
mod security_group;
mod subnets;
mod vpc;

use crate::resource::DataSource;

/// Every data source type of the provider.
pub fn data_sources() -> Vec<&'static dyn DataSource> {
    let mut all = Vec::new();
    all.extend(ami::data_sources());
    all.extend(security_group::data_sources());
    all.push(&availability_zones::AvailabilityZones);
    all.push(&vpc::VpcData);
    all.push(&subnets::Subnets);
    all
}
