//! A certificate authority made by the test: a CA, a `localhost` server certificate and a
//! client certificate signed by it, written as PEM files in a temp dir, and the rustls
//! server configs that loopback HTTPS (and SMTP) servers need.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA and what it signed, as PEM files in `dir`.
#[derive(Debug)]
pub struct TestCa {
    /// The CA certificate (`ca.pem`): what clients trust.
    pub ca_file: PathBuf,
    /// The server certificate for `localhost` and 127.0.0.1 (`server.pem`).
    pub server_cert: PathBuf,
    /// Its key (`server-key.pem`).
    pub server_key: PathBuf,
    /// A client certificate (`client.pem`).
    pub client_cert: PathBuf,
    /// Its key (`client-key.pem`).
    pub client_key: PathBuf,
    ca_der: CertificateDer<'static>,
    server_der: CertificateDer<'static>,
    server_key_der: Vec<u8>,
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl TestCa {
    /// Makes a fresh CA named `name` and its certificates, writing them into `dir`.
    pub fn new(dir: &Path, name: &str) -> io::Result<TestCa> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(other)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} test CA"));
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().map_err(other)?;
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(other)?;

        let mut server_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .map_err(other)?;
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_key = KeyPair::generate().map_err(other)?;
        let server = server_params.signed_by(&server_key, &ca).map_err(other)?;

        let mut client_params = CertificateParams::new(vec!["client".to_owned()]).map_err(other)?;
        client_params
            .distinguished_name
            .push(DnType::CommonName, "listener");
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_key = KeyPair::generate().map_err(other)?;
        let client = client_params.signed_by(&client_key, &ca).map_err(other)?;

        let write = |file: &str, text: String| -> io::Result<PathBuf> {
            let path = dir.join(file);
            std::fs::write(&path, text)?;
            Ok(path)
        };
        Ok(TestCa {
            ca_file: write("ca.pem", ca.pem())?,
            server_cert: write("server.pem", server.pem())?,
            server_key: write("server-key.pem", server_key.serialize_pem())?,
            client_cert: write("client.pem", client.pem())?,
            client_key: write("client-key.pem", client_key.serialize_pem())?,
            ca_der: ca.der().clone(),
            server_der: server.der().clone(),
            server_key_der: server_key.serialize_der(),
        })
    }

    fn builder() -> rustls::ConfigBuilder<rustls::ServerConfig, rustls::WantsVerifier> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap_or_else(|e| panic!("TLS versions: {e}"))
    }

    fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_der.clone()))
    }

    /// A server config presenting the `localhost` certificate, asking for no client one.
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let config = TestCa::builder()
            .with_no_client_auth()
            .with_single_cert(vec![self.server_der.clone()], self.key())
            .unwrap_or_else(|e| panic!("server config: {e}"));
        Arc::new(config)
    }

    /// A server config that requires a client certificate signed by this CA.
    pub fn server_config_requiring_client_cert(&self) -> Arc<rustls::ServerConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(self.ca_der.clone())
            .unwrap_or_else(|e| panic!("root: {e}"));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap_or_else(|e| panic!("client verifier: {e}"));
        let config = TestCa::builder()
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![self.server_der.clone()], self.key())
            .unwrap_or_else(|e| panic!("server config: {e}"));
        Arc::new(config)
    }
}
