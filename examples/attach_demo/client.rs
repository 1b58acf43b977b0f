//! The browser's side: an HTTPS call for an attach token, then a WSS upgrade carrying it in
//! `Sec-WebSocket-Protocol`, then a secure-mode handshake with the daemon through the relay.

use std::sync::Arc;
use std::time::Duration;

use bosso::e2ee::{Channel, ClientHandshake, PublicKey};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Browser {
    pub http: reqwest::Client,
    pub tls: Arc<rustls::ClientConfig>,
    pub web: String,
}

pub const APP_PROTOCOL: &str = "bosso-term.v1";
const STEP: Duration = Duration::from_secs(5);

impl Browser {
    /// POST /attach-token; `Ok(token)` or `Err((status, body))`.
    pub async fn attach_token(
        &self,
        jwt: &str,
        session: &str,
        chat: &str,
    ) -> Result<String, (u16, String)> {
        let resp = self
            .http
            .post(format!("https://localhost:{}/attach-token", self.web))
            .header("authorization", format!("Bearer {jwt}"))
            // A browser sends its Origin on a POST; the route checks it like the upgrade.
            .header("origin", format!("https://localhost:{}", self.web))
            .body(serde_json::json!({"session": session, "chat": chat}).to_string())
            .send()
            .await
            .map_err(|e| (0, e.to_string()))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        if status != 200 {
            return Err((status, body));
        }
        let v: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| (status, e.to_string()))?;
        v["token"]
            .as_str()
            .map(str::to_string)
            .ok_or((status, "no token".into()))
    }

    /// The WSS upgrade. `Err(status)` when refused.
    pub async fn upgrade(
        &self,
        session: &str,
        chat: &str,
        token: &str,
        host: Option<&str>,
    ) -> Result<Ws, u16> {
        let mut req = format!("wss://localhost:{}/ws/{session}/{chat}", self.web)
            .into_client_request()
            .map_err(|_| 0u16)?;
        let h = req.headers_mut();
        h.insert(
            "sec-websocket-protocol",
            format!("{APP_PROTOCOL}, bosso.attach.{token}")
                .parse()
                .map_err(|_| 0u16)?,
        );
        h.insert(
            "origin",
            format!("https://localhost:{}", self.web)
                .parse()
                .map_err(|_| 0u16)?,
        );
        if let Some(host) = host {
            h.insert("host", host.parse().map_err(|_| 0u16)?);
        }
        let connector = tokio_tungstenite::Connector::Rustls(self.tls.clone());
        match tokio_tungstenite::connect_async_tls_with_config(req, None, false, Some(connector))
            .await
        {
            Ok((ws, resp)) => {
                let echoed = resp
                    .headers()
                    .get("sec-websocket-protocol")
                    .and_then(|v| v.to_str().ok());
                if echoed != Some(APP_PROTOCOL) {
                    return Err(1);
                }
                Ok(ws)
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
            Err(_) => Err(0),
        }
    }
}

pub async fn recv(ws: &mut Ws) -> Option<Vec<u8>> {
    loop {
        match tokio::time::timeout(STEP, ws.next()).await {
            Ok(Some(Ok(Message::Binary(b)))) => return Some(b.to_vec()),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            _ => return None,
        }
    }
}

/// Whether the server closes the socket within the step timeout.
pub async fn closed(ws: &mut Ws) -> bool {
    loop {
        match tokio::time::timeout(STEP, ws.next()).await {
            Ok(Some(Ok(Message::Close(_))) | None | Some(Err(_))) => return true,
            Ok(Some(Ok(_))) => continue,
            Err(_) => return false,
        }
    }
}

/// The secure-mode handshake with the daemon whose key came from the pairing offer.
pub async fn handshake(ws: &mut Ws, daemon: &PublicKey) -> Result<Channel, String> {
    let (hs, hello) = ClientHandshake::start(daemon).map_err(|e| e.to_string())?;
    ws.send(Message::Binary(hello.into()))
        .await
        .map_err(|e| e.to_string())?;
    let ready = recv(ws).await.ok_or("no ready")?;
    let (channel, confirm) = hs.read_ready(&ready).map_err(|e| e.to_string())?;
    ws.send(Message::Binary(confirm.into()))
        .await
        .map_err(|e| e.to_string())?;
    Ok(channel)
}

pub async fn send(ws: &mut Ws, channel: &mut Channel, text: &str) -> Result<(), String> {
    let frame = channel.seal(text.as_bytes()).map_err(|e| e.to_string())?;
    ws.send(Message::Binary(frame.into()))
        .await
        .map_err(|e| e.to_string())
}
