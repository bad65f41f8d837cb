//! A raw EC2 Query API client, independent of the provider's SDK: tests use
//! it to change things out of band and to check results through a second
//! path.

use crate::wire::{self, form_encode, Request};
use crate::xml::Element;
use crate::{Error, Found};
use std::net::SocketAddr;
use std::time::Duration;

/// The EC2 API version every call sends.
pub const EC2_API_VERSION: &str = "2016-11-15";

/// An EC2 endpoint (moto or a proxy) as one account in one region.
#[derive(Clone, Debug)]
pub struct Ec2 {
    pub addr: SocketAddr,
    pub account_id: String,
    pub region: String,
}

impl Ec2 {
    /// `account_id` in `us-east-1`.
    pub fn new(addr: SocketAddr, account_id: &str) -> Ec2 {
        Ec2 {
            addr,
            account_id: account_id.to_string(),
            region: "us-east-1".to_string(),
        }
    }

    /// Calls `action` with form parameters (`("VpcId", "vpc-1")`,
    /// `("Filter.1.Name", "tag:Name")`, ...) and returns the XML body.
    /// An HTTP error status is an [`Error::Http`] naming the action.
    pub fn call(&self, action: &str, params: &[(&str, &str)]) -> Result<String, Error> {
        let mut body = format!("Action={}&Version={EC2_API_VERSION}", form_encode(action));
        for (k, v) in params {
            body.push('&');
            body.push_str(&form_encode(k));
            body.push('=');
            body.push_str(&form_encode(v));
        }
        let mut req = Request::new("POST", "/", body.into_bytes());
        req.set_header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
        // moto reads the region from the credential scope; the signature
        // itself is not checked.
        req.set_header(
            "Authorization",
            &format!(
                "AWS4-HMAC-SHA256 Credential=testing/20250101/{}/ec2/aws4_request, \
                 SignedHeaders=host, Signature=0",
                self.region
            ),
        );
        req.set_header(crate::ACCOUNT_HEADER, &self.account_id);
        let resp = wire::send(self.addr, &req, Duration::from_secs(60))
            .map_err(|e| Error::io(action, e))?;
        if resp.status >= 300 {
            return Err(Error::Http {
                request: action.to_string(),
                status: resp.status,
                body: resp.text(),
            });
        }
        Ok(resp.text())
    }

    /// [`Ec2::call`], with the answer parsed.
    pub fn call_xml(&self, action: &str, params: &[(&str, &str)]) -> Result<Element, Error> {
        Element::parse(&self.call(action, params)?)
    }

    /// Every resource of this account and region that still exists and
    /// carries the tag `key` = `value`, found with one Describe call per
    /// type (terminated instances, deleted NAT gateways and the like do not
    /// count). Sorted by kind and id. The kinds are the EC2 resource types
    /// of the provider: vpc, subnet, internet-gateway, natgateway,
    /// elastic-ip, route-table, security-group, security-group-rule,
    /// key-pair, instance, volume, network-interface, launch-template.
    pub fn live_tagged(&self, key: &str, value: &str) -> Result<Vec<Found>, Error> {
        let mut found = Vec::new();
        for list in LISTS {
            for root in self.call_all(list.action, &[])? {
                found.extend(live_items(list, &root, key, value));
            }
        }
        found.sort();
        Ok(found)
    }

    /// Every page of a Describe call: follows `nextToken` until it is
    /// absent (moto pages some Describe calls even without MaxResults).
    pub fn call_all(&self, action: &str, params: &[(&str, &str)]) -> Result<Vec<Element>, Error> {
        let mut pages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut p: Vec<(&str, &str)> = params.to_vec();
            if let Some(t) = &token {
                p.push(("NextToken", t.as_str()));
            }
            let root = self.call_xml(action, &p)?;
            let next = root
                .child_text("nextToken")
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            pages.push(root);
            match next {
                Some(t) if pages.len() < 10_000 => token = Some(t),
                _ => return Ok(pages),
            }
        }
    }
}

/// The live items of one page of a listing that carry the tag.
fn live_items(list: &List, root: &Element, key: &str, value: &str) -> Vec<Found> {
    let items: Vec<&Element> = if list.action == "DescribeInstances" {
        root.items("reservationSet")
            .into_iter()
            .flat_map(|r| r.items("instancesSet"))
            .collect()
    } else {
        root.items(list.set)
    };
    let mut found = Vec::new();
    for item in items {
        if item.tag(key).as_deref() != Some(value) {
            continue;
        }
        let state = list
            .state
            .and_then(|path| item.at(path))
            .map(|e| e.text.trim().to_string());
        if state.is_some_and(|s| list.gone.contains(&s.as_str())) {
            continue;
        }
        found.push(Found {
            kind: list.kind.to_string(),
            id: item.child_text(list.id).unwrap_or("").to_string(),
        });
    }
    found
}

/// How to list one resource type.
struct List {
    kind: &'static str,
    action: &'static str,
    set: &'static str,
    id: &'static str,
    /// Where the item's state is, and which states mean it is gone.
    state: Option<&'static [&'static str]>,
    gone: &'static [&'static str],
}

const LISTS: &[List] = &[
    List {
        kind: "vpc",
        action: "DescribeVpcs",
        set: "vpcSet",
        id: "vpcId",
        state: None,
        gone: &[],
    },
    List {
        kind: "subnet",
        action: "DescribeSubnets",
        set: "subnetSet",
        id: "subnetId",
        state: None,
        gone: &[],
    },
    List {
        kind: "internet-gateway",
        action: "DescribeInternetGateways",
        set: "internetGatewaySet",
        id: "internetGatewayId",
        state: None,
        gone: &[],
    },
    List {
        kind: "natgateway",
        action: "DescribeNatGateways",
        set: "natGatewaySet",
        id: "natGatewayId",
        state: Some(&["state"]),
        gone: &["deleted", "deleting", "failed"],
    },
    List {
        kind: "elastic-ip",
        action: "DescribeAddresses",
        set: "addressesSet",
        id: "allocationId",
        state: None,
        gone: &[],
    },
    List {
        kind: "route-table",
        action: "DescribeRouteTables",
        set: "routeTableSet",
        id: "routeTableId",
        state: None,
        gone: &[],
    },
    List {
        kind: "security-group",
        action: "DescribeSecurityGroups",
        set: "securityGroupInfo",
        id: "groupId",
        state: None,
        gone: &[],
    },
    List {
        kind: "security-group-rule",
        action: "DescribeSecurityGroupRules",
        set: "securityGroupRuleSet",
        id: "securityGroupRuleId",
        state: None,
        gone: &[],
    },
    List {
        kind: "key-pair",
        action: "DescribeKeyPairs",
        set: "keySet",
        id: "keyPairId",
        state: None,
        gone: &[],
    },
    List {
        kind: "instance",
        action: "DescribeInstances",
        set: "instancesSet",
        id: "instanceId",
        state: Some(&["instanceState", "name"]),
        gone: &["terminated", "shutting-down"],
    },
    List {
        kind: "volume",
        action: "DescribeVolumes",
        set: "volumeSet",
        id: "volumeId",
        state: Some(&["status"]),
        gone: &["deleted", "deleting"],
    },
    List {
        kind: "network-interface",
        action: "DescribeNetworkInterfaces",
        set: "networkInterfaceSet",
        id: "networkInterfaceId",
        state: None,
        gone: &[],
    },
    List {
        kind: "launch-template",
        action: "DescribeLaunchTemplates",
        set: "launchTemplates",
        id: "launchTemplateId",
        state: None,
        gone: &[],
    },
];

/// The text of every `<tag>...</tag>` element in `xml`, in document order
/// (entities decoded). Enough to pick ids and states out of EC2 answers.
pub fn xml_texts(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(xml_unescape(&after[..end]));
        rest = &after[end + close.len()..];
    }
    out
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_of_elements() {
        let xml =
            "<r><vpcId>vpc-1</vpcId><x><vpcId>vpc-&amp;2</vpcId></x><vpcId></vpcId><vpcId>open";
        assert_eq!(xml_texts(xml, "vpcId"), ["vpc-1", "vpc-&2", ""]);
        assert!(xml_texts(xml, "subnetId").is_empty());
    }
}
