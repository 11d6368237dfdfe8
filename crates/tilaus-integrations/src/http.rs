//! The HTTPS client both payment providers' adapters use: plain hyper with rustls on the ring
//! provider (see Cargo.toml for why not reqwest), one base URL, and a time limit after which
//! the provider counts as down.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A provider that does not answer in this time is treated as down.
const TIMEOUT: Duration = Duration::from_secs(20);

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// Requests to one provider's base URL; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct HttpClient {
    base: String,
    http: HyperClient<Https, Full<Bytes>>,
}

/// Why a request got no usable answer: no connection, a broken exchange or the time limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HttpError {
    #[error("not an http(s) address: {0}")]
    BadUrl(String),
    #[error("{0}")]
    NoAnswer(String),
}

impl HttpClient {
    pub(crate) fn new(base_url: &str) -> Result<HttpClient, HttpError> {
        let base = base_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(HttpError::BadUrl(base));
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| HttpError::BadUrl(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(HttpClient {
            base,
            http: HyperClient::builder(TokioExecutor::new()).build(connector),
        })
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// The scheme, host and port of the base URL, e.g. for a page's CSP.
    pub(crate) fn origin(&self) -> &str {
        origin(&self.base)
    }

    /// Sends `request` (method and headers set; no URI) to `path` under the base URL and reads
    /// the whole answer.
    pub(crate) async fn send(
        &self,
        request: http::request::Builder,
        path: &str,
        body: Bytes,
    ) -> Result<(http::StatusCode, Bytes), HttpError> {
        let request = request
            .uri(format!("{}{path}", self.base))
            .body(Full::new(body))
            .map_err(|e| HttpError::BadUrl(e.to_string()))?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| HttpError::NoAnswer(e.to_string()))?;
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| HttpError::NoAnswer(e.to_string()))?
                .to_bytes();
            Ok((status, bytes))
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| HttpError::NoAnswer(format!("no answer in {TIMEOUT:?}")))?
    }
}

/// The scheme, host and port of a URL.
pub(crate) fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            origin("https://www.vismapay.com/pbwapi"),
            "https://www.vismapay.com"
        );
        assert_eq!(origin("http://127.0.0.1:9"), "http://127.0.0.1:9");
        assert!(HttpClient::new("ftp://x").is_err());
    }
}
