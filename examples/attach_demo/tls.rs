//! One self-signed certificate for `localhost`, generated at start, for every HTTPS/WSS
//! endpoint of the demo; clients trust exactly that certificate.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct Tls {
    pub cert_der: Vec<u8>,
    pub server: Arc<rustls::ServerConfig>,
    pub client: Arc<rustls::ClientConfig>,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub fn self_signed() -> Result<Tls, String> {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .map_err(|e| e.to_string())?;
    let cert_der = ck.cert.der().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    let server = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert_der.clone())], key)
        .map_err(|e| e.to_string())?;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(cert_der.clone()))
        .map_err(|e| e.to_string())?;
    let client = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Tls {
        cert_der,
        server: Arc::new(server),
        client: Arc::new(client),
    })
}

/// A listener on 127.0.0.1 with a random port, bound before serving so the port is known.
pub fn listener() -> Result<(std::net::TcpListener, u16), String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.set_nonblocking(true).map_err(|e| e.to_string())?;
    let port = l.local_addr().map_err(|e| e.to_string())?.port();
    Ok((l, port))
}

/// Serves `app` over HTTPS on `listener`.
pub fn serve(listener: std::net::TcpListener, app: axum::Router, tls: &Tls) {
    let config = axum_server::tls_rustls::RustlsConfig::from_config(tls.server.clone());
    tokio::spawn(axum_server::from_tcp_rustls(listener, config).serve(app.into_make_service()));
}
