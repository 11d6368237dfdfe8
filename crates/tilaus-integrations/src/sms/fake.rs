//! A local GatewayAPI for tests (this crate's and, with the `testkit` feature, the app's): it
//! speaks the `POST /rest/mtsms` protocol over plain HTTP/1.1 on a tokio socket (this crate
//! builds hyper without its server half), records every request, answers with a script first
//! and then accepts every text with a fresh id.

use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub request_line: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

/// A running fake: its base URL and what it received.
#[derive(Debug, Clone)]
pub struct FakeGatewayApi {
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

/// The id the fake gives the n-th accepted text after its script (n from 1).
pub const FIRST_ID: u64 = 9_000_000;

impl FakeGatewayApi {
    /// Answers the first requests with `script` (status, body), and every later one with 200 and
    /// `{"ids":[FIRST_ID + n]}`. A test helper: it panics when its socket fails.
    pub async fn start(script: Vec<(u16, &'static str)>) -> FakeGatewayApi {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        tokio::spawn(async move {
            let mut script = script.into_iter();
            let mut accepted = 0;
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let Some(request) = read_request(&stream).await else {
                    continue;
                };
                log.lock().expect("lock").push(request);
                let (status, body) = match script.next() {
                    Some((status, body)) => (status, body.to_owned()),
                    None => {
                        accepted += 1;
                        (200, format!(r#"{{"ids":[{}]}}"#, FIRST_ID + accepted))
                    }
                };
                let response = format!(
                    "HTTP/1.1 {status} Fake\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                write_all(&stream, response.as_bytes()).await;
            }
        });
        FakeGatewayApi { base, received }
    }

    /// Every request so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

async fn read_request(stream: &TcpStream) -> Option<Received> {
    let mut data = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let request_line = lines.next().unwrap_or_default().to_owned();
            let headers: Vec<(String, String)> = lines
                .filter_map(|line| line.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let length = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            let start = end + 4;
            if data.len() >= start + length {
                return Some(Received {
                    request_line,
                    headers,
                    body: data[start..start + length].to_vec(),
                });
            }
        }
        stream.readable().await.ok()?;
        match stream.try_read(&mut buffer) {
            Ok(0) => return None,
            Ok(n) => data.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return None,
        }
    }
}

async fn write_all(stream: &TcpStream, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        if stream.writable().await.is_err() {
            return;
        }
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
}
