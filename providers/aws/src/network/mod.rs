//! VPC networking: `aws_vpc`, `aws_subnet`, `aws_internet_gateway`,
//! `aws_route_table`, `aws_route`, `aws_route_table_association`,
//! `aws_eip`, `aws_nat_gateway`, `aws_network_interface`.

mod cidr;
mod eip;
mod internet_gateway;
mod nat_gateway;
pub(crate) mod network_interface;
mod route;
mod route_table;
mod route_table_association;
pub(crate) mod routes;
pub(crate) mod subnet;
pub(crate) mod vpc;

use crate::resource::Resource;

/// The networking resource types.
pub fn resource_types() -> Vec<&'static dyn Resource> {
    vec![
        &vpc::Vpc,
        &subnet::Subnet,
        &internet_gateway::InternetGateway,
        &route_table::RouteTable,
        &route::Route,
        &route_table_association::RouteTableAssociation,
        &eip::Eip,
        &nat_gateway::NatGateway,
        &network_interface::NetworkInterface,
    ]
}
