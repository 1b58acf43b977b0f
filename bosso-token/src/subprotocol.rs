//! Carrying the token in `Sec-WebSocket-Protocol`.
//!
//! Browsers cannot set arbitrary headers on a WebSocket, but they can offer subprotocols, and
//! unlike a cookie a subprotocol is never attached by the browser on its own: a cross-site page
//! cannot make the browser send it, so cross-site WebSocket hijacking is not a vector.
//!
//! The client offers its application protocol plus one `bosso.attach.<token>` entry:
//!
//! ```text
//! Sec-WebSocket-Protocol: myapp.v1, bosso.attach.bat1e.AAAA…
//! ```
//!
//! The server must echo one protocol back, and it must be the application protocol, never the
//! token entry (an echoed token would land in every proxy log). [`parse_attach_offer`] returns
//! exactly what to echo.
//!
//! # axum
//! ```text
//! async fn attach(ws: WebSocketUpgrade, headers: HeaderMap, State(app): State<App>) -> Response {
//!     let offer = match bosso_token::subprotocol::parse_attach_headers(&headers, &["myapp.v1"]) {
//!         Ok(offer) => offer,
//!         Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
//!     };
//!     let claims = match app.verifier.verify(offer.token, &expected).and_then(...) { ... };
//!     ws.protocols([offer.echo]).on_upgrade(move |socket| serve(socket, claims))
//! }
//! ```
//!
//! # tokio-tungstenite
//! In `accept_hdr_async`'s callback, call [`parse_attach_headers`] on `request.headers()`,
//! verify, and set `Sec-WebSocket-Protocol: <offer.echo>` on the response; return an error
//! response (401) to refuse. Consume the token (single use) before returning `Ok`.

use secrecy::SecretString;

use crate::verify::UnverifiedToken;
use crate::{AttachToken, Error};

/// The prefix of the subprotocol entry that carries the attach token.
pub const ATTACH_PROTOCOL_PREFIX: &str = "bosso.attach.";

/// Largest total size of all `Sec-WebSocket-Protocol` values accepted.
pub const MAX_HEADER_BYTES: usize = 4096;
/// Most protocol entries accepted across all header lines.
pub const MAX_ENTRIES: usize = 16;

/// RFC 7230 `tchar`: the characters a subprotocol name (an HTTP token) may contain.
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// The value a client puts in `Sec-WebSocket-Protocol`: `"<app_protocol>, bosso.attach.<token>"`.
///
/// The result holds the token, so it is a secret string too.
pub fn client_header_value(app_protocol: &str, token: &AttachToken) -> Result<SecretString, Error> {
    client_header_value_from_str(app_protocol, token.expose_secret())
}

/// [`client_header_value`] for a client that holds the token as a string (it came over the
/// wire from the attach-token endpoint). The token must be an HTTP token (RFC 9110 `tchar`s,
/// as every minted token is), so that it cannot smuggle a second entry (`x, evil`) into the
/// header; otherwise [`Error::MalformedSubprotocol`].
pub fn client_header_value_from_str(
    app_protocol: &str,
    token: &str,
) -> Result<SecretString, Error> {
    if !is_token(app_protocol) || app_protocol.starts_with(ATTACH_PROTOCOL_PREFIX) {
        return Err(Error::MalformedSubprotocol(
            "application protocol must be an HTTP token",
        ));
    }
    if !is_token(token) {
        return Err(Error::MalformedSubprotocol(
            "attach token must be an HTTP token",
        ));
    }
    Ok(SecretString::from(format!(
        "{app_protocol}, {ATTACH_PROTOCOL_PREFIX}{token}"
    )))
}

/// Splits `Sec-WebSocket-Protocol` values into entries with the list rules of RFC 7230
/// section 7 (comma separated, optional spaces and tabs, empty elements ignored), checking
/// that every entry is an HTTP token and that all lines together stay within
/// [`MAX_HEADER_BYTES`] and [`MAX_ENTRIES`]. Every subprotocol credential parser (attach
/// tokens here, bearer secrets in bosso-auth) goes through this one tokenizer.
#[derive(Debug, Default)]
pub struct ProtocolScanner {
    total: usize,
    entries: usize,
}

impl ProtocolScanner {
    /// A scanner with nothing counted yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The entries of one header line, counted against the limits of all lines so far.
    pub fn scan<'v>(&mut self, value: &'v [u8]) -> Result<Vec<&'v str>, Error> {
        self.total = self.total.saturating_add(value.len());
        if self.total > MAX_HEADER_BYTES {
            return Err(Error::MalformedSubprotocol("too large"));
        }
        let value =
            std::str::from_utf8(value).map_err(|_| Error::MalformedSubprotocol("not ASCII"))?;
        let mut out = Vec::new();
        for entry in value
            .split(',')
            .map(|e| e.trim_matches([' ', '\t']))
            .filter(|e| !e.is_empty())
        {
            self.entries += 1;
            if self.entries > MAX_ENTRIES {
                return Err(Error::MalformedSubprotocol("too many entries"));
            }
            if !is_token(entry) {
                return Err(Error::MalformedSubprotocol("entry is not an HTTP token"));
            }
            out.push(entry);
        }
        Ok(out)
    }
}

/// What a server learns from the client's subprotocol offer.
#[derive(Debug)]
#[non_exhaustive]
pub struct AttachOffer<'s> {
    /// The attach token, decoded but not verified.
    pub token: UnverifiedToken,
    /// The application protocol to echo in the response: the first one the client offered
    /// that the server supports. Never the token entry.
    pub echo: &'s str,
}

/// Parses every `Sec-WebSocket-Protocol` header line (comma lists, optional whitespace,
/// repeated headers), extracts exactly one attach entry and picks the protocol to echo.
///
/// Errors: no attach entry, two or more, an entry that is not an HTTP token, oversized headers,
/// or no offered application protocol in `supported`.
pub fn parse_attach_offer<'s, I, V>(
    header_values: I,
    supported: &[&'s str],
) -> Result<AttachOffer<'s>, Error>
where
    I: IntoIterator<Item = V>,
    V: AsRef<[u8]>,
{
    let mut scanner = ProtocolScanner::new();
    let mut token: Option<UnverifiedToken> = None;
    let mut echo: Option<&'s str> = None;
    for value in header_values {
        for entry in scanner.scan(value.as_ref())? {
            if let Some(t) = entry.strip_prefix(ATTACH_PROTOCOL_PREFIX) {
                if token.is_some() {
                    return Err(Error::DuplicateAttachToken);
                }
                token = Some(UnverifiedToken::parse(t)?);
            } else if echo.is_none() {
                echo = supported
                    .iter()
                    .copied()
                    .find(|s| *s == entry && !s.starts_with(ATTACH_PROTOCOL_PREFIX));
            }
        }
    }
    let token = token.ok_or(Error::MissingAttachToken)?;
    let echo = echo.ok_or(Error::NoSupportedProtocol)?;
    Ok(AttachOffer { token, echo })
}

/// [`parse_attach_offer`] over every `Sec-WebSocket-Protocol` line of an `http::HeaderMap`.
#[cfg(feature = "http")]
pub fn parse_attach_headers<'s>(
    headers: &http::HeaderMap,
    supported: &[&'s str],
) -> Result<AttachOffer<'s>, Error> {
    parse_attach_offer(
        headers
            .get_all(http::header::SEC_WEBSOCKET_PROTOCOL)
            .iter()
            .map(|v| v.as_bytes()),
        supported,
    )
}
