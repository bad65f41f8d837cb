//! A small XML element tree for EC2 Query API answers: elements, text and
//! self-closing tags; attributes, comments and declarations are skipped.
//! Enough to read what moto (or EC2) returns, independently of the SDK.

use crate::Error;

/// An XML element: its name, child elements in order, and its text (the
/// concatenated text directly inside it, entities decoded).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// Parses a document and returns its root element.
    pub fn parse(xml: &str) -> Result<Element, Error> {
        let bad = |what: &str, at: usize| Error::Xml(format!("{what} at byte {at}"));
        // A stack of open elements; the bottom one collects the root.
        let mut stack = vec![Element::default()];
        let mut i = 0;
        while i < xml.len() {
            let rest = &xml[i..];
            if let Some(after) = rest.strip_prefix('<') {
                if after.starts_with('?') || after.starts_with('!') {
                    let end = rest
                        .find('>')
                        .ok_or_else(|| bad("unclosed declaration", i))?;
                    i += end + 1;
                    continue;
                }
                let end = rest.find('>').ok_or_else(|| bad("unclosed tag", i))?;
                let tag = &rest[1..end];
                i += end + 1;
                if let Some(name) = tag.strip_prefix('/') {
                    let done = stack.pop().filter(|_| !stack.is_empty());
                    let Some(done) = done else {
                        return Err(bad("unexpected end tag", i));
                    };
                    if done.name != name.trim() {
                        return Err(bad(
                            &format!("</{}> closes <{}>", name.trim(), done.name),
                            i,
                        ));
                    }
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(done);
                    }
                    continue;
                }
                let self_closing = tag.ends_with('/');
                let tag = tag.trim_end_matches('/');
                let name = tag.split_whitespace().next().unwrap_or("").to_string();
                if name.is_empty() {
                    return Err(bad("empty tag name", i));
                }
                let element = Element {
                    name,
                    ..Element::default()
                };
                if self_closing {
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(element);
                    }
                } else {
                    stack.push(element);
                }
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&unescape(&rest[..end]));
                }
                i += end;
            }
        }
        if stack.len() != 1 {
            let open = stack.last().map(|e| e.name.clone()).unwrap_or_default();
            return Err(Error::Xml(format!("<{open}> is never closed")));
        }
        let mut document = stack.pop().unwrap_or_default();
        if document.children.len() != 1 {
            return Err(Error::Xml(format!(
                "expected one root element, found {}",
                document.children.len()
            )));
        }
        Ok(document.children.remove(0))
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The trimmed text of the first child called `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// The `<item>` children of the child called `set` (EC2's lists).
    pub fn items(&self, set: &str) -> Vec<&Element> {
        self.child(set)
            .map(|s| s.children.iter().filter(|c| c.name == "item").collect())
            .unwrap_or_default()
    }

    /// The element at a path of child names, e.g. `["instanceState", "name"]`.
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |e, name| e.child(name))
    }

    /// Every descendant (not self) called `name`, depth first.
    pub fn descendants(&self, name: &str) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element> = self.children.iter().rev().collect();
        while let Some(e) = stack.pop() {
            if e.name == name {
                out.push(e);
            }
            stack.extend(e.children.iter().rev());
        }
        out
    }

    /// The EC2 `tagSet` of this item as (key, value) pairs.
    pub fn tags(&self) -> Vec<(String, String)> {
        self.items("tagSet")
            .into_iter()
            .map(|t| {
                (
                    t.child_text("key").unwrap_or("").to_string(),
                    t.child_text("value").unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// The value of tag `key` in this item's `tagSet`.
    pub fn tag(&self, key: &str) -> Option<String> {
        self.tags()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ec2_answers() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-1</requestId>
  <vpcSet>
    <item><vpcId>vpc-1</vpcId><ipv6Set/><tagSet><item><key>Name</key><value>a &amp; b</value></item></tagSet></item>
    <item><vpcId>vpc-2</vpcId></item>
  </vpcSet>
</DescribeVpcsResponse>"#;
        let root = Element::parse(xml).unwrap();
        assert_eq!(root.name, "DescribeVpcsResponse");
        let items = root.items("vpcSet");
        let ids: Vec<_> = items.iter().map(|i| i.child_text("vpcId")).collect();
        assert_eq!(ids, [Some("vpc-1"), Some("vpc-2")]);
        assert_eq!(items[0].tag("Name").as_deref(), Some("a & b"));
        assert_eq!(items[1].tag("Name"), None);
        assert_eq!(root.descendants("vpcId").len(), 2);
        assert_eq!(
            root.at(&["requestId"]).map(|e| e.text.as_str()),
            Some("r-1")
        );
        assert!(items[0].child("ipv6Set").is_some());
    }

    #[test]
    fn malformed_documents_are_errors() {
        for bad in [
            "<a><b></a>",
            "<a>",
            "</a>",
            "<a></a><b></b>",
            "<a",
            "text only",
        ] {
            assert!(Element::parse(bad).is_err(), "{bad}");
        }
    }
}
