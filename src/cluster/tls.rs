//! TLS for the Nomad HTTP API, configured like the `nomad` CLI: a CA file or directory
//! (`NOMAD_CACERT`, `NOMAD_CAPATH`; the system roots otherwise), a client certificate
//! (`NOMAD_CLIENT_CERT`, `NOMAD_CLIENT_KEY`), the name to verify (`NOMAD_TLS_SERVER_NAME`,
//! also sent as SNI) and `NOMAD_SKIP_VERIFY`. Nomad's Go client requires TLS 1.2 or later,
//! and so does this one.
//!
//! ureq's own rustls connector cannot verify a name other than the URL's host, so this module
//! plugs its own connector into ureq's transport chain.

use std::fmt;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

/// What TLS needs besides the URL.
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// PEM file of CA certificates.
    pub ca_cert: Option<std::path::PathBuf>,
    /// Directory of PEM files of CA certificates.
    pub ca_path: Option<std::path::PathBuf>,
    /// PEM client certificate chain.
    pub client_cert: Option<std::path::PathBuf>,
    /// PEM private key of the client certificate.
    pub client_key: Option<std::path::PathBuf>,
    /// Name to verify and send as SNI instead of the address's host.
    pub server_name: Option<String>,
    /// Do not verify the server's certificate.
    pub skip_verify: bool,
}

/// Builds the rustls configuration; the error says which file is wrong and why.
pub fn client_config(s: &TlsSettings) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS setup: {e}"))?;
    let builder = if s.skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
    } else {
        let mut roots = RootCertStore::empty();
        if s.ca_cert.is_none() && s.ca_path.is_none() {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err("no system CA certificates found; set NOMAD_CACERT".to_owned());
            }
        }
        if let Some(file) = &s.ca_cert {
            add_pem_roots(&mut roots, file, "NOMAD_CACERT")?;
        }
        if let Some(dir) = &s.ca_path {
            let entries = std::fs::read_dir(dir)
                .map_err(|e| format!("cannot read NOMAD_CAPATH `{}`: {e}", dir.display()))?;
            let mut files: Vec<_> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for f in files {
                add_pem_roots(&mut roots, &f, "NOMAD_CAPATH")?;
            }
        }
        builder.with_root_certificates(roots)
    };
    let config = match (&s.client_cert, &s.client_key) {
        (Some(cert), Some(key)) => {
            let chain = read_certs(cert, "NOMAD_CLIENT_CERT")?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                format!(
                    "cannot read a private key from NOMAD_CLIENT_KEY `{}`: {e}",
                    key.display()
                )
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("the client certificate and key do not fit: {e}"))?
        }
        (None, None) => builder.with_no_client_auth(),
        (Some(_), None) => {
            return Err("NOMAD_CLIENT_CERT is set but NOMAD_CLIENT_KEY is not".to_owned())
        }
        (None, Some(_)) => {
            return Err("NOMAD_CLIENT_KEY is set but NOMAD_CLIENT_CERT is not".to_owned())
        }
    };
    Ok(Arc::new(config))
}

fn read_certs(path: &Path, var: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read {var} `{}`: {e}", path.display()))?
        .collect();
    let certs = certs.map_err(|e| format!("cannot read {var} `{}`: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{var} `{}` holds no PEM certificate",
            path.display()
        ));
    }
    Ok(certs)
}

fn add_pem_roots(roots: &mut RootCertStore, path: &Path, var: &str) -> Result<(), String> {
    for c in read_certs(path, var)? {
        roots
            .add(c)
            .map_err(|e| format!("{var} `{}`: {e}", path.display()))?;
    }
    Ok(())
}

/// The TLS step of the connector chain.
pub struct TlsConnector {
    config: Arc<ClientConfig>,
    server_name: Option<String>,
}

impl TlsConnector {
    /// A connector using `config`, verifying `server_name` when given.
    pub fn new(config: Arc<ClientConfig>, server_name: Option<String>) -> Self {
        TlsConnector {
            config,
            server_name,
        }
    }
}

#[allow(clippy::missing_fields_in_debug)] // rustls configs have no useful Debug
impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector")
            .field("server_name", &self.server_name)
            .finish()
    }
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = match &self.server_name {
            Some(n) => n.clone(),
            None => details
                .uri
                .host()
                .unwrap_or_default()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
        };
        let name =
            ServerName::try_from(host).map_err(|_| ureq::Error::Tls("invalid TLS server name"))?;
        let mut conn = ClientConnection::new(self.config.clone(), name)
            .map_err(|e| ureq::Error::Io(std::io::Error::other(e)))?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        conn.complete_io(&mut sock)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TlsTransport {
            buffers,
            stream: StreamOwned { conn, sock },
        })))
    }
}

/// A TLS connection.
pub struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport").finish()
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

/// `NOMAD_SKIP_VERIFY`: accepts any certificate, still checks the handshake signatures.
#[derive(Debug)]
struct NoVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_named() {
        let s = TlsSettings {
            ca_cert: Some("/nonexistent/ca.pem".into()),
            ..TlsSettings::default()
        };
        let e = client_config(&s).unwrap_err();
        assert!(e.contains("NOMAD_CACERT `/nonexistent/ca.pem`"), "{e}");
    }

    #[test]
    fn a_key_without_a_certificate_is_refused() {
        let s = TlsSettings {
            client_key: Some("/tmp/key.pem".into()),
            skip_verify: true,
            ..TlsSettings::default()
        };
        assert_eq!(
            client_config(&s).unwrap_err(),
            "NOMAD_CLIENT_KEY is set but NOMAD_CLIENT_CERT is not"
        );
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("empty.pem");
        std::fs::write(&f, "not a certificate\n").unwrap();
        let s = TlsSettings {
            ca_cert: Some(f.clone()),
            ..TlsSettings::default()
        };
        let e = client_config(&s).unwrap_err();
        assert!(e.ends_with("holds no PEM certificate"), "{e}");
    }
}
