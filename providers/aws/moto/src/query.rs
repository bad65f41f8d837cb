//! A raw EC2 Query API client, independent of the provider's SDK: tests use
//! it to change things out of band and to check results through a second
//! path.

use crate::wire::{self, form_encode, Request};
use crate::Error;
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
}

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
