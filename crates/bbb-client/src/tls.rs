//! TLS for `https` servers: rustls checking certificates with rustls-platform-verifier against
//! the system's roots plus any the operator added, the verification reqwest did for this crate
//! before it had a transport of its own. ALPN offers `http/1.1` only, the one protocol the
//! transport speaks.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use tokio_rustls::TlsConnector;

/// The connector for every `https` connection of one client. Reads the system's roots, so it
/// is built when the first `https` connection needs it, not with the client: a gateway whose
/// servers are all `http` then needs no certificate store.
pub(crate) fn connector(
    extra_roots: &[CertificateDer<'static>],
) -> Result<TlsConnector, rustls::Error> {
    // The process's provider when one is installed (the gateway installs ring, and so does
    // `ClientBuilder::build`), as reqwest did.
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
        extra_roots.iter().cloned(),
        provider.clone(),
    )?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        // "dangerous" only because the verifier is not rustls's own; it checks chain, name
        // and validity in full.
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Whether `der` can serve as a trust anchor, checked when the client is built so a bad
/// operator certificate shows at start-up rather than at the first `https` call.
pub(crate) fn check_root(der: &CertificateDer<'static>) -> Result<(), rustls::Error> {
    RootCertStore::empty().add(der.clone())
}
