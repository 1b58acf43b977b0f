//! A plain-HTTP identity provider on 127.0.0.1 for the cache and discovery tests: it serves a
//! discovery document at `/.well-known/openid-configuration` (once one is set) and the JWKS at
//! every other path; tests change both, and its failures, mid-test.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub struct ServerState {
    pub body: Mutex<Vec<u8>>,
    pub discovery: Mutex<Option<Vec<u8>>>,
    pub cache_control: Mutex<Option<String>>,
    pub fail: AtomicBool,
    pub delay_ms: AtomicUsize,
    pub requests: AtomicUsize,
}

impl ServerState {
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Starts the server; returns its `127.0.0.1:port` address and its state.
pub async fn start_server(body: Vec<u8>) -> (String, Arc<ServerState>) {
    let state = Arc::new(ServerState {
        body: Mutex::new(body),
        discovery: Mutex::new(None),
        cache_control: Mutex::new(None),
        fail: AtomicBool::new(false),
        delay_ms: AtomicUsize::new(0),
        requests: AtomicUsize::new(0),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let s = state.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let s = s.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = req.split(' ').nth(1).unwrap_or("/").to_owned();
                s.requests.fetch_add(1, Ordering::SeqCst);
                let delay = s.delay_ms.load(Ordering::SeqCst);
                if delay > 0 {
                    tokio::time::sleep(Duration::from_millis(delay as u64)).await;
                }
                let discovery = s.discovery.lock().unwrap().clone();
                let resp = if s.fail.load(Ordering::SeqCst) {
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
                } else {
                    let body = match discovery {
                        Some(d) if path == "/.well-known/openid-configuration" => d,
                        _ => s.body.lock().unwrap().clone(),
                    };
                    let cc = s.cache_control.lock().unwrap().clone();
                    let mut head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                        body.len()
                    );
                    if let Some(cc) = cc {
                        head.push_str(&format!("Cache-Control: {cc}\r\n"));
                    }
                    head.push_str("\r\n");
                    [head.into_bytes(), body].concat()
                };
                let _ = sock.write_all(&resp).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (addr, state)
}
