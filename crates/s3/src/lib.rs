//! The few requests of the S3 protocol that `gongbao deploy` makes — list, get, head, put,
//! delete — signed with AWS Signature Version 4 and sent with `ureq`. Amazon S3 and the
//! S3-compatible stores (Aliyun OSS, Tencent COS, Huawei OBS, MinIO, SeaweedFS) all answer them.
//!
//! This crate is the whole of gongbao's network code; the gongbao crate itself makes no
//! connection. It knows nothing of sites: it moves bytes under keys. Why a hand-written client
//! rather than an S3 crate: the book's deploy chapter gives the build costs measured.
//!
//! The secret key lives in [`Credentials`], whose `Debug` hides it, and is used only to derive
//! the signing key; no error message carries it or a signature.

mod sign;
mod xml;

use std::time::Duration;

/// Keys for signing requests.
#[derive(Clone)]
pub struct Credentials {
    access_key: String,
    secret_key: String,
    session_token: Option<String>,
}

impl Credentials {
    /// The access key id, the secret access key and, for temporary credentials, the session
    /// token.
    pub fn new(access_key: String, secret_key: String, session_token: Option<String>) -> Credentials {
        Credentials { access_key, secret_key, session_token }
    }

    /// The access key id (not a secret: it names the key).
    pub fn access_key(&self) -> &str {
        &self.access_key
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("access_key", &self.access_key).finish_non_exhaustive()
    }
}

/// Where the bucket is and how to reach it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `https://host[:port]` or `http://host[:port]`; empty for Amazon S3 in `region`.
    pub endpoint: String,
    /// The signing region (`us-east-1` where the store does not care).
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// Address the bucket in the path (`host/bucket/key`, as most self-hosted stores need) rather
    /// than in the host name (`bucket.host/key`, as Aliyun OSS needs).
    pub path_style: bool,
}

/// An object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Its key.
    pub key: String,
    /// Bytes.
    pub size: u64,
    /// The entity tag, without quotes.
    pub etag: String,
}

/// What a request can fail with.
#[derive(Debug)]
pub enum Error {
    /// The endpoint is not a URL this client can use.
    Endpoint(String),
    /// The store could not be reached, or the connection broke or timed out.
    Network(String),
    /// The store refused: 403, or 401 (bad key, bad signature, no permission).
    Denied {
        /// The S3 error code (`InvalidAccessKeyId`, `SignatureDoesNotMatch`, `AccessDenied`…).
        code: String,
        /// The store's message.
        message: String,
    },
    /// The bucket does not exist.
    NoBucket(String),
    /// Any other answer that is not a success.
    Status {
        /// The HTTP status.
        status: u16,
        /// The S3 error code, if the body had one.
        code: String,
        /// The store's message.
        message: String,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Endpoint(m) => write!(f, "endpoint: {m}"),
            Error::Network(m) => write!(f, "{m}"),
            Error::Denied { code, message } => write!(f, "{code}: {message}"),
            Error::NoBucket(b) => write!(f, "NoSuchBucket: {b}"),
            Error::Status { status, code, message } => write!(f, "HTTP {status} {code}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// The largest response body read (a listing page is about 300 KB; a manifest of 50,000 records
/// about 30 MB).
const MAX_BODY: u64 = 1 << 30;
/// Tries of a request that failed on the network or with a 5xx answer (every request here is
/// idempotent: the same bytes under the same key).
const TRIES: u32 = 3;

/// How long an answer may take to begin once a request is sent. A store that takes the
/// connection and never answers (a proxy stuck, a server hung) is given up on after this, each
/// try: with [`TRIES`], in about a minute and a half rather than six. S3 answers a request as
/// soon as it has its body, so this is no limit on the size of an upload.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// A bucket of an S3 store.
pub struct Client {
    agent: ureq::Agent,
    scheme: &'static str,
    /// `host[:port]` of the endpoint, without the default port.
    authority: String,
    settings: Settings,
    credentials: Credentials,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// A request before it is signed.
struct Request<'a> {
    method: &'static str,
    key: &'a str,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: &'a [u8],
}

/// An answer.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Client {
    /// A client for `settings`.
    pub fn new(settings: Settings, credentials: Credentials) -> Result<Client, Error> {
        let endpoint = if settings.endpoint.is_empty() {
            format!("https://s3.{}.amazonaws.com", settings.region)
        } else {
            settings.endpoint.trim_end_matches('/').to_string()
        };
        let (scheme, rest) = if let Some(r) = endpoint.strip_prefix("https://") {
            ("https", r)
        } else if let Some(r) = endpoint.strip_prefix("http://") {
            ("http", r)
        } else {
            return Err(Error::Endpoint(format!("`{endpoint}` does not start with https:// or http://")));
        };
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
            return Err(Error::Endpoint(format!("`{endpoint}` is not of the form scheme://host[:port]")));
        }
        let default_port = if scheme == "https" { ":443" } else { ":80" };
        let authority = rest.strip_suffix(default_port).unwrap_or(rest).to_ascii_lowercase();
        if settings.bucket.is_empty() || settings.bucket.contains(['/', '?', '#']) {
            return Err(Error::Endpoint(format!("`{}` is not a bucket name", settings.bucket)));
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_recv_response(Some(ANSWER_WITHIN))
            .max_idle_connections_per_host(16)
            .build()
            .into();
        Ok(Client { agent, scheme, authority, settings, credentials })
    }

    /// The host the requests go to and the path of `key` on it (`key` already encoded).
    fn place(&self, encoded_key: &str) -> (String, String) {
        if self.settings.path_style {
            (self.authority.clone(), format!("/{}/{encoded_key}", sign::encode(&self.settings.bucket, true)))
        } else {
            (format!("{}.{}", self.settings.bucket, self.authority), format!("/{encoded_key}"))
        }
    }

    /// Signs and sends `r`, trying again on network failures and 5xx answers.
    fn send(&self, r: &Request<'_>) -> Result<Answer, Error> {
        let mut wait = Duration::from_millis(300);
        let mut last = None;
        for attempt in 0..TRIES {
            if attempt > 0 {
                std::thread::sleep(wait);
                wait *= 3;
            }
            match self.send_once(r) {
                Ok(a) if a.status >= 500 => last = Some(Ok(a)),
                Ok(a) => return Ok(a),
                Err(e) => last = Some(Err(e)),
            }
        }
        last.unwrap_or_else(|| Err(Error::Network("no attempt was made".into())))
    }

    fn send_once(&self, r: &Request<'_>) -> Result<Answer, Error> {
        let (host, path) = self.place(&sign::encode(r.key, false));
        let payload = sign::hex(&<sha2::Sha256 as sha2::Digest>::digest(r.body));
        let mut headers = r.headers.clone();
        headers.push(("host".into(), host.clone()));
        headers.push(("x-amz-content-sha256".into(), payload.clone()));
        let now = sign::AmzDate::now();
        headers.push(("x-amz-date".into(), now.stamp.clone()));
        if let Some(t) = &self.credentials.session_token {
            headers.push(("x-amz-security-token".into(), t.clone()));
        }
        let query = sign::canonical_query(&r.query);
        let authorization = sign::authorization(
            &sign::Canonical { method: r.method, path: &path, query: &query, headers: &headers, payload: &payload },
            &now,
            &self.settings.region,
            &self.credentials.access_key,
            &self.credentials.secret_key,
        );
        let url = if query.is_empty() {
            format!("{}://{host}{path}", self.scheme)
        } else {
            format!("{}://{host}{path}?{query}", self.scheme)
        };
        let mut req = ureq::http::Request::builder().method(r.method).uri(&url);
        for (k, v) in &headers {
            // ureq writes the Host header from the URL: the same `host[:port]` that was signed.
            if k != "host" {
                req = req.header(k.as_str(), v.as_str());
            }
        }
        req = req.header("authorization", authorization);
        let req = req.body(r.body.to_vec()).map_err(|e| Error::Endpoint(e.to_string()))?;
        let mut res = self.agent.run(req).map_err(|e| Error::Network(describe(&e)))?;
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = if r.method == "HEAD" {
            Vec::new()
        } else {
            res.body_mut().with_config().limit(MAX_BODY).read_to_vec().map_err(|e| Error::Network(describe(&e)))?
        };
        Ok(Answer { status, headers, body })
    }

    /// The failure an answer that is not a success stands for.
    fn failure(&self, a: &Answer) -> Error {
        let text = String::from_utf8_lossy(&a.body);
        let code = xml::first(&text, "Code").unwrap_or_default();
        let message = xml::first(&text, "Message").unwrap_or_default();
        match (a.status, code.as_str()) {
            (401 | 403, _) => {
                Error::Denied { code: if code.is_empty() { format!("HTTP {}", a.status) } else { code }, message }
            }
            (404, "NoSuchBucket") => Error::NoBucket(self.settings.bucket.clone()),
            (status, _) => Error::Status { status, code, message },
        }
    }

    /// Every object whose key starts with `prefix`, sorted by key.
    pub fn list(&self, prefix: &str) -> Result<Vec<Object>, Error> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query =
                vec![("list-type".to_string(), "2".to_string()), ("prefix".to_string(), prefix.to_string())];
            if let Some(t) = &token {
                query.push(("continuation-token".to_string(), t.clone()));
            }
            let a = self.send(&Request { method: "GET", key: "", query, headers: Vec::new(), body: &[] })?;
            if a.status != 200 {
                return Err(self.failure(&a));
            }
            let text = String::from_utf8_lossy(&a.body);
            for c in xml::all(&text, "Contents") {
                let key = xml::first(c, "Key").unwrap_or_default();
                let size = xml::first(c, "Size").and_then(|s| s.parse().ok()).unwrap_or(0);
                let etag = xml::first(c, "ETag").unwrap_or_default().trim_matches('"').to_string();
                out.push(Object { key, size, etag });
            }
            let truncated = xml::first(&text, "IsTruncated").is_some_and(|t| t == "true");
            token = xml::first(&text, "NextContinuationToken");
            if !truncated || token.is_none() {
                break;
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// The bytes of the object at `key`; `None` when there is none.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        let a = self.send(&Request { method: "GET", key, query: Vec::new(), headers: Vec::new(), body: &[] })?;
        match a.status {
            200 => Ok(Some(a.body)),
            404 if !a.body.windows(12).any(|w| w == b"NoSuchBucket") => Ok(None),
            _ => Err(self.failure(&a)),
        }
    }

    /// The user metadata (`x-amz-meta-NAME`, by NAME in lower case) of the object at `key`;
    /// `None` when there is none.
    pub fn metadata(&self, key: &str) -> Result<Option<Vec<(String, String)>>, Error> {
        let a = self.send(&Request { method: "HEAD", key, query: Vec::new(), headers: Vec::new(), body: &[] })?;
        match a.status {
            200 => Ok(Some(
                a.headers
                    .iter()
                    .filter_map(|(k, v)| {
                        let k = k.to_ascii_lowercase();
                        k.strip_prefix("x-amz-meta-").map(|n| (n.to_string(), v.clone()))
                    })
                    .collect(),
            )),
            404 => Ok(None),
            _ => Err(self.failure(&a)),
        }
    }

    /// Stores `body` at `key` with `headers` (lower-case names such as `content-type`,
    /// `cache-control`, `x-amz-meta-sha256`).
    pub fn put(&self, key: &str, body: &[u8], headers: &[(&str, &str)]) -> Result<(), Error> {
        let headers = headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
        let a = self.send(&Request { method: "PUT", key, query: Vec::new(), headers, body })?;
        if a.status == 200 { Ok(()) } else { Err(self.failure(&a)) }
    }

    /// Deletes the object at `key`; an absent object is not an error.
    pub fn delete(&self, key: &str) -> Result<(), Error> {
        let a = self.send(&Request { method: "DELETE", key, query: Vec::new(), headers: Vec::new(), body: &[] })?;
        if matches!(a.status, 200 | 204 | 404) && !a.body.windows(12).any(|w| w == b"NoSuchBucket") {
            Ok(())
        } else {
            Err(self.failure(&a))
        }
    }
}

/// The bytes at a public `http(s)://` address, unsigned (a site as its readers get it); `None`
/// for a 404.
pub fn fetch(url: &str) -> Result<Option<Vec<u8>>, Error> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_recv_response(Some(ANSWER_WITHIN))
        .build()
        .into();
    let mut res = agent.get(url).call().map_err(|e| Error::Network(describe(&e)))?;
    match res.status().as_u16() {
        200 => res
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map(Some)
            .map_err(|e| Error::Network(describe(&e))),
        404 => Ok(None),
        status => Err(Error::Status { status, code: String::new(), message: url.to_string() }),
    }
}

/// A network error in words, with the cause where ureq keeps one.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => format!("{e} ({:?})", io.kind()),
        _ => e.to_string(),
    }
}
