//! A plain HTTP/1.1 client over a TCP socket: the properties need bytes that ordinary clients
//! refuse or rewrite (non-ASCII header values, no Content-Type, a body past the server's
//! limit that it answers before reading). One connection per request (`Connection: close`);
//! the body is written by a second thread while the answer is read, so that an early answer
//! (413 before the body is read) is seen.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

use super::template::Request;

/// The target: host, port and a path prefix (`http://host:port/prefix`).
#[derive(Debug, Clone)]
pub struct Target {
    pub base: String,
    host: String,
    port: u16,
    prefix: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target> {
        let base = url.trim_end_matches('/').to_string();
        if base.starts_with("https://") {
            bail!("--target {base}: `ves spec` speaks plain http:// only (it writes requests byte by byte); put a TLS-terminating proxy in front, or run it where the server listens on http");
        }
        let rest = base
            .strip_prefix("http://")
            .ok_or_else(|| anyhow!("--target: expected http://HOST:PORT, found {base:?}"))?;
        let (authority, prefix) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, String::new()),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (
                h.to_string(),
                p.parse::<u16>()
                    .map_err(|_| anyhow!("--target: bad port in {base:?}"))?,
            ),
            _ => (authority.to_string(), 80),
        };
        if host.is_empty() {
            bail!("--target: no host in {base:?}");
        }
        Ok(Target {
            base,
            host,
            port,
            prefix,
        })
    }

    /// Whether the host is a loopback address (the devserver's default key applies there).
    pub fn loopback(&self) -> bool {
        let h = self.host.trim_start_matches('[').trim_end_matches(']');
        h == "localhost" || h == "::1" || h.starts_with("127.")
    }
}

/// What came back.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// 0 when no HTTP answer came (the error says why).
    pub status: u16,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub error: Option<String>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub fn send(target: &Target, req: &Request) -> Answer {
    match try_send(target, req) {
        Ok(a) => a,
        Err(e) => Answer {
            error: Some(format!("{e:#}")),
            ..Answer::default()
        },
    }
}

fn try_send(target: &Target, req: &Request) -> Result<Answer> {
    let addr = (
        target.host.trim_start_matches('[').trim_end_matches(']'),
        target.port,
    )
        .to_socket_addrs()
        .with_context(|| format!("resolving {}", target.host))?
        .next()
        .ok_or_else(|| anyhow!("{} has no address", target.host))?;
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .with_context(|| format!("connecting to {}", target.base))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.set_write_timeout(Some(Duration::from_secs(60)))?;
    let mut head = Vec::with_capacity(256);
    head.extend_from_slice(
        format!("{} {}{} HTTP/1.1\r\n", req.method, target.prefix, req.path).as_bytes(),
    );
    head.extend_from_slice(format!("Host: {}:{}\r\n", target.host, target.port).as_bytes());
    for (k, v) in &req.headers {
        head.extend_from_slice(k.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(v.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    if let Some(b) = &req.body {
        head.extend_from_slice(format!("Content-Length: {}\r\n", b.len()).as_bytes());
    }
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    let mut writer = stream.try_clone()?;
    let body = req.body.clone().unwrap_or_default().into_bytes();
    // Write errors are ignored: a server may answer and close before reading the body.
    let write = std::thread::spawn(move || {
        let _ = writer
            .write_all(&head)
            .and_then(|_| writer.write_all(&body));
        let _ = writer.flush();
    });
    let mut raw = Vec::new();
    let read = (&stream).read_to_end(&mut raw);
    let _ = write.join();
    if raw.is_empty() {
        read.context("reading the answer")?;
        bail!("the server closed the connection without an answer");
    }
    parse(&raw)
}

fn parse(raw: &[u8]) -> Result<Answer> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow!("an answer without the end of its headers"))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else {
        match headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
        {
            Some(n) => rest[..n.min(rest.len())].to_vec(),
            None => rest.to_vec(),
        }
    };
    Ok(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        error: None,
    })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| anyhow!("a chunk without its size line"))?;
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| anyhow!("bad chunk size {size_text:?}"))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size {
            bail!("a chunk shorter than its size");
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_answers_parse() {
        let t = Target::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.prefix.as_str()),
            ("127.0.0.1", 8080, "")
        );
        assert!(t.loopback());
        let t = Target::parse("http://staging.example:9000/seq").unwrap();
        assert_eq!(
            (t.port, t.prefix.as_str(), t.loopback()),
            (9000, "/seq", false)
        );
        assert!(Target::parse("https://x").is_err());
        let a = parse(
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 60\r\ncontent-length: 2\r\n\r\n{}",
        )
        .unwrap();
        assert_eq!(
            (a.status, a.header("retry-after"), a.body.as_str()),
            (429, Some("60"), "{}")
        );
        let a = parse(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap();
        assert_eq!(a.body, "abcde");
    }
}
