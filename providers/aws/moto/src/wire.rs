//! HTTP/1.1 messages on the wire: just enough of RFC 9112 for the proxy and
//! for the harness's own calls to moto (request and response heads,
//! `Content-Length` and chunked bodies, `Expect: 100-continue`).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The largest head (request line or status line plus headers) accepted.
const MAX_HEAD: usize = 64 * 1024;

/// An HTTP request: method, target, version, headers in order, whole body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// An HTTP response with its whole body (chunked bodies are decoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// A request with no headers but `Host`.
    pub fn new(method: &str, target: &str, body: Vec<u8>) -> Request {
        Request {
            method: method.to_string(),
            target: target.to_string(),
            version: "HTTP/1.1".to_string(),
            headers: Vec::new(),
            body,
        }
    }

    /// The first value of a header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// Replaces every header of this name by one with `value`.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }

    /// Whether the client wants the connection closed after the response.
    pub fn wants_close(&self) -> bool {
        let connection = self.header("connection").map(str::to_ascii_lowercase);
        match connection.as_deref() {
            Some(c) if c.contains("close") => true,
            Some(c) if c.contains("keep-alive") => false,
            _ => self.version == "HTTP/1.0",
        }
    }
}

impl Response {
    /// A response with a body and a content type.
    pub fn new(status: u16, reason: &str, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            reason: reason.to_string(),
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body,
        }
    }

    /// The first value of a header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Reads one line ending in CRLF (or LF), without the line ending. `None`
/// at a clean end of stream before any byte.
fn read_line(r: &mut impl BufRead, budget: &mut usize) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let n = r.take(*budget as u64 + 1).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if n > *budget {
        return Err(invalid("HTTP head too large"));
    }
    *budget -= n;
    if line.last() != Some(&b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed inside an HTTP head",
        ));
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| invalid("HTTP head is not UTF-8"))
}

/// Reads header lines up to the empty line.
fn read_headers(r: &mut impl BufRead, budget: &mut usize) -> io::Result<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let line = read_line(r, budget)?.ok_or_else(|| {
            io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed in headers")
        })?;
        if line.is_empty() {
            return Ok(headers);
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid(format!("malformed header line {line:?}")))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
}

fn is_chunked(headers: &[(String, String)]) -> bool {
    header(headers, "transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
}

fn content_length(headers: &[(String, String)]) -> io::Result<Option<usize>> {
    match header(headers, "content-length") {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| invalid(format!("bad Content-Length {v:?}"))),
    }
}

/// Decodes a chunked body (trailers are read and dropped).
fn read_chunked(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut budget = MAX_HEAD;
        let line = read_line(r, &mut budget)?
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "end inside a chunk"))?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| invalid(format!("bad chunk size {size:?}")))?;
        if size == 0 {
            read_headers(r, &mut budget)?;
            return Ok(body);
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])?;
        let mut crlf = String::new();
        r.read_line(&mut crlf)?;
    }
}

/// Reads one request from a connection; `None` when the client closed the
/// connection cleanly between requests. `on_continue` is called when the
/// client sent `Expect: 100-continue` and waits for the interim response.
pub fn read_request(
    r: &mut BufReader<TcpStream>,
    mut on_continue: impl FnMut() -> io::Result<()>,
) -> io::Result<Option<Request>> {
    let mut budget = MAX_HEAD;
    let line = loop {
        match read_line(r, &mut budget)? {
            None => return Ok(None),
            // Tolerate stray empty lines between requests (RFC 9112 2.2).
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(format!("malformed request line {line:?}")));
    };
    let headers = read_headers(r, &mut budget)?;
    if header(&headers, "expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        on_continue()?;
    }
    let body = if is_chunked(&headers) {
        read_chunked(r)?
    } else {
        let len = content_length(&headers)?.unwrap_or(0);
        let mut body = vec![0; len];
        r.read_exact(&mut body)?;
        body
    };
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
        headers,
        body,
    }))
}

/// Reads a response to a request sent with `Connection: close`: the body
/// is framed by its length, by chunks, or by the end of the stream.
pub fn read_response(r: &mut impl BufRead, head_request: bool) -> io::Result<Response> {
    let mut budget = MAX_HEAD;
    let line = read_line(r, &mut budget)?.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed before a response",
        )
    })?;
    let mut parts = line.splitn(3, ' ');
    let _version = parts.next();
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid(format!("malformed status line {line:?}")))?;
    let reason = parts.next().unwrap_or("").to_string();
    let headers = read_headers(r, &mut budget)?;
    let body = if head_request || status == 204 || status == 304 || (100..200).contains(&status) {
        Vec::new()
    } else if is_chunked(&headers) {
        read_chunked(r)?
    } else if let Some(len) = content_length(&headers)? {
        let mut body = vec![0; len];
        r.read_exact(&mut body)?;
        body
    } else {
        let mut body = Vec::new();
        r.read_to_end(&mut body)?;
        body
    };
    Ok(Response {
        status,
        reason,
        headers,
        body,
    })
}

/// Headers that describe one hop's connection or framing, never forwarded.
fn hop_by_hop(name: &str) -> bool {
    [
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "content-length",
        "expect",
        "te",
        "upgrade",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

/// Writes a request with `Connection: close` and a `Content-Length`.
pub fn write_request(w: &mut impl Write, req: &Request) -> io::Result<()> {
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.target);
    for (name, value) in req.headers.iter().filter(|(n, _)| !hop_by_hop(n)) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        req.body.len()
    ));
    w.write_all(head.as_bytes())?;
    w.write_all(&req.body)?;
    w.flush()
}

/// Writes a response with a `Content-Length`, keeping the connection open
/// unless `close`.
pub fn write_response(w: &mut impl Write, resp: &Response, close: bool) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, resp.reason);
    for (name, value) in resp.headers.iter().filter(|(n, _)| !hop_by_hop(n)) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: {}\r\n\r\n",
        resp.body.len(),
        if close { "close" } else { "keep-alive" }
    ));
    w.write_all(head.as_bytes())?;
    w.write_all(&resp.body)?;
    w.flush()
}

/// Sends one request on a fresh connection and reads the whole response.
pub fn send(addr: SocketAddr, req: &Request, timeout: Duration) -> io::Result<Response> {
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut req = req.clone();
    if req.header("host").is_none() {
        req.set_header("Host", &addr.to_string());
    }
    let mut writer = &stream;
    write_request(&mut writer, &req)?;
    let mut reader = BufReader::new(&stream);
    read_response(&mut reader, req.method.eq_ignore_ascii_case("HEAD"))
}

/// `application/x-www-form-urlencoded` encoding of one component.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a
/// space; a malformed escape is kept as written).
pub fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of `key` in a form-encoded string (`a=1&b=2`).
pub fn form_value(form: &str, key: &str) -> Option<String> {
    form.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (form_decode(k) == key).then(|| form_decode(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn form_round_trip() {
        for s in ["", "plain", "a b+c", "10.0.0.0/16", "Tag.1.Value=x&y", "é"] {
            assert_eq!(form_decode(&form_encode(s)), s);
        }
        assert_eq!(form_decode("a+b%2Fc%zz%4"), "a b/c%zz%4");
        let form = "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName";
        assert_eq!(form_value(form, "Action").as_deref(), Some("DescribeVpcs"));
        assert_eq!(
            form_value(form, "Filter.1.Name").as_deref(),
            Some("tag:Name")
        );
        assert_eq!(form_value(form, "Missing"), None);
    }

    #[test]
    fn responses_framed_by_length_chunks_or_end() {
        let cases: &[(&str, &str)] = &[
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloextra", "hello"),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\nT: v\r\n\r\n",
                "hello",
            ),
            ("HTTP/1.0 503 Service Unavailable\r\nA: b\r\n\r\nuntil the end", "until the end"),
        ];
        for (wire, body) in cases {
            let resp = read_response(&mut Cursor::new(wire.as_bytes()), false).unwrap();
            assert_eq!(resp.text(), *body, "{wire:?}");
        }
        let err = read_response(&mut Cursor::new(b"HTTP/1.1 abc\r\n\r\n".as_slice()), false);
        assert!(err.is_err());
        let err = read_response(
            &mut Cursor::new(b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n".as_slice()),
            false,
        );
        assert!(err.is_err());
    }

    #[test]
    fn written_heads_drop_hop_by_hop_headers() {
        let mut req = Request::new("POST", "/", b"Action=X".to_vec());
        req.headers.push(("Connection".into(), "keep-alive".into()));
        req.headers.push(("Content-Length".into(), "999".into()));
        req.headers
            .push(("X-Amz-Date".into(), "20250101T000000Z".into()));
        let mut out = Vec::new();
        write_request(&mut out, &req).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "POST / HTTP/1.1\r\nX-Amz-Date: 20250101T000000Z\r\nContent-Length: 8\r\nConnection: close\r\n\r\nAction=X"
        );
        let resp = Response::new(503, "Service Unavailable", "text/plain", b"busy".to_vec());
        let mut out = Vec::new();
        write_response(&mut out, &resp, false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nConnection: keep-alive\r\n\r\nbusy"
        );
    }
}
