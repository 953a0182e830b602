//! The HTTP client of the Nomad API: connection settings from `NOMAD_*` like the `nomad` CLI,
//! `?namespace=`/`?region=` on every request, blocking queries, and bounded retries of reads.
//!
//! The token and the basic-auth password only ever travel in headers (`X-Nomad-Token`,
//! `Authorization`); they are never part of a URL, an error or a `Debug` output. Userinfo in
//! the address (`http://user:pass@host`) is basic auth, as for Go's HTTP client, and is cut
//! from the address that errors show.
//!
//! What a server says is untrusted: the body of an error answer is read up to
//! [`BODY_READ`] bytes only, shown up to [`BODY_SHOWN`] bytes, with its control characters
//! escaped and the token and basic auth (raw and base64) redacted ([`Client::redact`]).
//!
//! Every wait is bounded: connecting ([`CONNECT_TIMEOUT`]), each request ([`ATTEMPT_TIMEOUT`];
//! a blocking query its `wait` plus a margin), and a request with all its retries
//! ([`Settings::deadline`], [`DEFAULT_DEADLINE`] unless `NOMAD_BUILD_CLUSTER_TIMEOUT` says
//! otherwise; a blocking query gets its `wait` on top). A server that accepts the connection
//! and never answers is given up on with [`ApiError::NoAnswer`].

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde::de::DeserializeOwned;
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, TcpConnector};

use super::tls::{self, TlsConnector, TlsSettings};
use crate::duration::{human, parse_setting};
use crate::redact::{clip, escape_controls, split_userinfo, Redactor};

/// The default address, as for the `nomad` CLI.
pub const DEFAULT_ADDRESS: &str = "http://127.0.0.1:4646";

/// How long connecting (TCP and TLS) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one request that is not a blocking query waits for its whole answer.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a write waits for its answer.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// What a blocking query waits beyond its `wait` and Nomad's jitter (`wait/16`).
const BLOCKING_MARGIN: Duration = Duration::from_secs(10);

/// How long a request with all its retries may go without an answer.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(80);

/// The variable that sets [`Settings::deadline`]: seconds, or a number with `ms`, `s` or `m`.
pub const DEADLINE_VAR: &str = "NOMAD_BUILD_CLUSTER_TIMEOUT";

/// The most of an error body that is shown, in bytes.
pub const BODY_SHOWN: usize = 4096;

/// The most of an error body that is read: what is shown and a margin, so that a secret that
/// straddles the cut is still recognised and redacted.
pub const BODY_READ: usize = BODY_SHOWN + 1024;

/// A secret value: `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for a header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Retries of reads (and of writes that cannot have reached the leader).
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Delay before the first retry; doubles each time.
    pub first_delay: Duration,
    /// Longest delay between two attempts.
    pub max_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        // 0.25 + 0.5 + 1 + 2 + 4 + 5 + 5 ≈ 18 s of outage before giving up.
        Retry {
            attempts: 8,
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
        }
    }
}

/// How to reach the cluster.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `http[s]://host:port`, without a trailing slash.
    pub address: String,
    /// `X-Nomad-Token`.
    pub token: Option<Secret>,
    /// `?region=`.
    pub region: Option<String>,
    /// `?namespace=`.
    pub namespace: Option<String>,
    /// HTTP basic auth (`NOMAD_HTTP_AUTH=user[:pass]`).
    pub http_auth: Option<(String, Option<Secret>)>,
    /// TLS files and options.
    pub tls: TlsSettings,
    /// Retry policy.
    pub retry: Retry,
    /// How long a request with all its retries may go without an answer (a blocking query
    /// gets its `wait` on top).
    pub deadline: Duration,
    /// Further secrets to keep out of what the client reports (error bodies, log lines): the
    /// client adds its token and basic auth itself.
    pub redact: Redactor,
    /// A setting that could not be read; [`Client::new`] refuses it.
    pub invalid: Option<String>,
}

impl Settings {
    /// Settings from `NOMAD_*` variables, read through `env` (`std::env::var` in the binary).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Settings {
        let var = |k: &str| env(k).filter(|v| !v.is_empty());
        let path = |k: &str| var(k).map(PathBuf::from);
        let (deadline, invalid) = match var(DEADLINE_VAR).map(|v| parse_setting(&v).ok_or(v)) {
            None => (DEFAULT_DEADLINE, None),
            Some(Ok(d)) => (d, None),
            Some(Err(v)) => (
                DEFAULT_DEADLINE,
                Some(format!(
                    "{DEADLINE_VAR}=`{}` is not a duration: give seconds (`90`) or a number with `ms`, `s` or `m` (`2m`)",
                    escape_controls(&v)
                )),
            ),
        };
        Settings {
            address: var("NOMAD_ADDR").unwrap_or_else(|| DEFAULT_ADDRESS.to_owned()),
            token: var("NOMAD_TOKEN").map(Secret::new),
            region: var("NOMAD_REGION"),
            namespace: var("NOMAD_NAMESPACE"),
            http_auth: var("NOMAD_HTTP_AUTH").map(|v| match v.split_once(':') {
                Some((u, p)) => (u.to_owned(), Some(Secret::new(p))),
                None => (v, None),
            }),
            tls: TlsSettings {
                ca_cert: path("NOMAD_CACERT"),
                ca_path: path("NOMAD_CAPATH"),
                client_cert: path("NOMAD_CLIENT_CERT"),
                client_key: path("NOMAD_CLIENT_KEY"),
                server_name: var("NOMAD_TLS_SERVER_NAME"),
                skip_verify: var("NOMAD_SKIP_VERIFY")
                    .and_then(|v| parse_go_bool(&v))
                    .unwrap_or(false),
            },
            retry: Retry::default(),
            deadline,
            redact: Redactor::default(),
            invalid,
        }
    }
}

/// Go's `strconv.ParseBool`; `None` for anything else (the CLI then ignores the variable).
pub fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// Bad settings (address, TLS files).
    Config(String),
    /// No HTTP answer: refused, unresolvable, TLS failure, dropped.
    Connect {
        /// The address tried.
        address: String,
        /// What happened.
        detail: String,
    },
    /// The connection was accepted (or is still being made) and no answer came in time.
    NoAnswer {
        /// The address tried.
        address: String,
        /// `GET`, `PUT`, `DELETE`.
        method: &'static str,
        /// The path requested, without the query.
        path: String,
        /// How long it waited.
        waited: Duration,
    },
    /// The TLS handshake failed (certificate, name, client certificate); not retried.
    Tls {
        /// The address tried.
        address: String,
        /// What rustls said.
        detail: String,
    },
    /// A non-2xx answer.
    Status {
        /// HTTP status.
        status: u16,
        /// `GET`, `PUT`, `DELETE`.
        method: &'static str,
        /// The path requested, without the query.
        path: String,
        /// The body (Nomad's error text): trimmed, cut at [`BODY_SHOWN`] bytes, control
        /// characters escaped, the client's secrets redacted.
        body: String,
    },
    /// A 2xx answer that is not the JSON expected.
    Decode {
        /// The path requested.
        path: String,
        /// The decoder's message.
        detail: String,
    },
    /// The caller gave up (an interrupted run); not reported.
    Cancelled,
}

impl ApiError {
    /// Whether a read may be retried: no answer, a 5xx, or 429.
    pub fn retryable(&self) -> bool {
        match self {
            ApiError::Connect { .. } | ApiError::NoAnswer { .. } => true,
            ApiError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    /// Whether a write may be retried: it cannot have been applied.
    fn write_retryable(&self) -> bool {
        match self {
            ApiError::Connect { detail, .. } => detail.contains("refused"),
            ApiError::Status { status, body, .. } => {
                *status == 429 || (*status == 500 && body.ends_with("No cluster leader"))
            }
            _ => false,
        }
    }

    /// The HTTP status, if there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The body of a non-2xx answer.
    pub fn body(&self) -> Option<&str> {
        match self {
            ApiError::Status { body, .. } => Some(body),
            _ => None,
        }
    }

    /// A short form for progress lines: `HTTP 500: No cluster leader`, `connection refused`.
    pub fn short(&self) -> String {
        match self {
            ApiError::Status { status, body, .. } => {
                format!("HTTP {status}: {}", body.lines().next().unwrap_or_default())
            }
            ApiError::Connect { detail, .. } | ApiError::Tls { detail, .. } => detail.clone(),
            ApiError::NoAnswer {
                method,
                path,
                waited,
                ..
            } => format!("no answer to {method} {path} within {}", human(*waited)),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Config(m) => f.write_str(m),
            ApiError::Connect { address, detail } | ApiError::Tls { address, detail } => {
                write!(f, "cannot reach Nomad at {address}: {detail}")
            }
            ApiError::NoAnswer { address, .. } => {
                write!(f, "cannot reach Nomad at {address}: {}", self.short())
            }
            ApiError::Status {
                status,
                method,
                path,
                body,
            } => write!(f, "{method} {path}: HTTP {status}: {body}"),
            ApiError::Decode { path, detail } => {
                write!(f, "unexpected answer to {path}: {detail}")
            }
            ApiError::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl std::error::Error for ApiError {}

/// A decoded answer and its `X-Nomad-Index`.
#[derive(Debug, Clone)]
pub struct Reply<T> {
    /// The body.
    pub value: T,
    /// `X-Nomad-Index` (0 when absent).
    pub index: u64,
}

/// Called when a retried request fails and when the cluster answers again.
pub type Notify = Arc<dyn Fn(Notice) + Send + Sync>;

/// What [`Notify`] hears.
#[derive(Debug, Clone)]
pub enum Notice {
    /// The first failure of an outage; retries follow.
    Retrying(ApiError),
    /// The first success after an outage, and how long it lasted.
    Recovered(Duration),
}

/// A Nomad API client. Clones share the connection pool and the outage state; see
/// [`Client::detached`] for one whose requests can be cancelled on their own.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    tls: Option<Arc<rustls::ClientConfig>>,
    settings: Arc<Settings>,
    redactor: Arc<Redactor>,
    outage: Arc<Mutex<Option<Instant>>>,
    notify: Option<Notify>,
    cancelled: Arc<AtomicBool>,
}

#[allow(clippy::missing_fields_in_debug)] // the token and the agent stay out of Debug
impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("address", &self.settings.address)
            .finish()
    }
}

/// Query parameters.
pub type Query<'a> = &'a [(&'a str, &'a str)];

impl Client {
    /// A client for `settings`; fails on a bad address or unreadable TLS files.
    pub fn new(mut settings: Settings) -> Result<Client, ApiError> {
        if let Some(m) = &settings.invalid {
            return Err(ApiError::Config(m.clone()));
        }
        // Userinfo is basic auth (unless NOMAD_HTTP_AUTH says otherwise), never shown.
        let (address, userinfo) = split_userinfo(settings.address.trim());
        if let Some((user, pass)) = userinfo {
            settings.redact =
                std::mem::take(&mut settings.redact).with_basic_auth(&user, pass.as_deref());
            if settings.http_auth.is_none() {
                settings.http_auth = Some((user, pass.map(Secret::new)));
            }
        }
        let address = escape_controls(&address);
        let mut address = address.trim_end_matches('/').to_owned();
        if address.starts_with("unix://") {
            return Err(ApiError::Config(format!(
                "`{address}`: unix sockets are not supported; use http:// or https://"
            )));
        }
        if !address.contains("://") {
            address = format!("http://{address}");
        }
        if !(address.starts_with("http://") || address.starts_with("https://")) {
            return Err(ApiError::Config(format!(
                "`{address}` is not an http:// or https:// address"
            )));
        }
        if address.parse::<ureq::http::Uri>().is_err() {
            return Err(ApiError::Config(format!(
                "`{address}` is not a valid address"
            )));
        }
        settings.address = address;
        let tls = if settings.address.starts_with("https://") {
            Some(tls::client_config(&settings.tls).map_err(ApiError::Config)?)
        } else {
            None
        };
        let agent = make_agent(tls.as_ref(), &settings);
        let mut redactor = settings.redact.clone();
        if let Some(t) = &settings.token {
            redactor.add(t.expose());
        }
        if let Some((user, pass)) = &settings.http_auth {
            redactor = redactor.with_basic_auth(user, pass.as_ref().map(Secret::expose));
        }
        Ok(Client {
            agent,
            tls,
            redactor: Arc::new(redactor),
            settings: Arc::new(settings),
            outage: Arc::new(Mutex::new(None)),
            notify: None,
            cancelled: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The address requests go to (without userinfo).
    pub fn address(&self) -> &str {
        &self.settings.address
    }

    /// `text` (a log line, a message) with the client's secrets redacted: the token, the
    /// basic auth (raw, base64 and each part) and [`Settings::redact`].
    pub fn redact(&self, text: &str) -> String {
        self.redactor.text(text)
    }

    /// The secrets [`Client::redact`] hides.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The namespace sent with every request (`default` when unset).
    pub fn namespace(&self) -> &str {
        self.settings.namespace.as_deref().unwrap_or("default")
    }

    /// The same client reporting outages to `notify`.
    #[must_use]
    pub fn with_notify(mut self, notify: Notify) -> Client {
        self.notify = Some(notify);
        self
    }

    /// A client with its own connections, so that [`Client::cancel`] ends only its requests.
    #[must_use]
    pub fn detached(&self) -> Client {
        Client {
            agent: make_agent(self.tls.as_ref(), &self.settings),
            cancelled: Arc::new(AtomicBool::new(false)),
            ..self.clone()
        }
    }

    /// Ends every request in flight on this client's connections (and refuses new ones).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.agent.clone().shutdown();
    }

    fn url(&self, path: &str, query: Query<'_>) -> String {
        let mut url = format!("{}{path}", self.settings.address);
        let mut sep = '?';
        let mut push = |k: &str, v: &str| {
            url.push(sep);
            url.push_str(k);
            url.push('=');
            url.push_str(&encode(v));
            sep = '&';
        };
        for (k, v) in query {
            push(k, v);
        }
        if let Some(ns) = &self.settings.namespace {
            push("namespace", ns);
        }
        if let Some(r) = &self.settings.region {
            push("region", r);
        }
        url
    }

    fn auth<B>(&self, mut req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        if let Some(t) = &self.settings.token {
            req = req.header("X-Nomad-Token", t.expose());
        }
        if let Some((user, pass)) = &self.settings.http_auth {
            let raw = format!("{user}:{}", pass.as_ref().map_or("", |p| p.expose()));
            let enc = base64::engine::general_purpose::STANDARD.encode(raw);
            req = req.header("Authorization", format!("Basic {enc}"));
        }
        req
    }

    /// `e` for `method path`, which waited at most `waited`.
    fn connect_error(
        &self,
        e: &ureq::Error,
        method: &'static str,
        path: &str,
        waited: Duration,
    ) -> ApiError {
        if self.cancelled.load(Ordering::SeqCst) {
            return ApiError::Cancelled;
        }
        let no_answer = || ApiError::NoAnswer {
            address: self.settings.address.clone(),
            method,
            path: path.to_owned(),
            waited,
        };
        match e {
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
                return ApiError::Connect {
                    address: self.settings.address.clone(),
                    detail: format!("no connection within {}", human(CONNECT_TIMEOUT)),
                };
            }
            ureq::Error::Timeout(_) => return no_answer(),
            ureq::Error::Io(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                return no_answer();
            }
            _ => {}
        }
        // A refused handshake or certificate fails the same way every time.
        if let ureq::Error::Io(io) = e {
            if let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return ApiError::Tls {
                    address: self.settings.address.clone(),
                    detail: t.to_string(),
                };
            }
        }
        let detail = match e {
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                std::io::ErrorKind::ConnectionReset => "connection reset".to_owned(),
                std::io::ErrorKind::UnexpectedEof => "connection closed".to_owned(),
                _ => io.to_string(),
            },
            ureq::Error::HostNotFound => "host not found".to_owned(),
            ureq::Error::ConnectionFailed => "connection refused".to_owned(),
            other => other.to_string(),
        };
        ApiError::Connect {
            address: self.settings.address.clone(),
            detail,
        }
    }

    fn finish(
        &self,
        method: &'static str,
        path: &str,
        waited: Duration,
        res: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(u64, String), ApiError> {
        let mut res = match res {
            Ok(r) => r,
            Err(e) => return Err(self.connect_error(&e, method, path, waited)),
        };
        let status = res.status().as_u16();
        let index = res
            .headers()
            .get("X-Nomad-Index")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if !(200..300).contains(&status) {
            return Err(self.status_error(status, method, path, res));
        }
        let body = res
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| self.connect_error(&e, method, path, waited))?;
        Ok((index, body))
    }

    /// A non-2xx answer: at most [`BODY_READ`] bytes of its body are read, and what is shown
    /// is cut, escaped and redacted.
    fn status_error(
        &self,
        status: u16,
        method: &'static str,
        path: &str,
        mut res: ureq::http::Response<ureq::Body>,
    ) -> ApiError {
        let length = res
            .headers()
            .get("Content-Length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let mut buf = Vec::new();
        let complete = res
            .body_mut()
            .as_reader()
            .take(BODY_READ as u64 + 1)
            .read_to_end(&mut buf)
            .is_ok()
            && buf.len() <= BODY_READ;
        let total = length.or(complete.then_some(buf.len() as u64));
        let text = self.redact(&String::from_utf8_lossy(&buf));
        let text = text.trim();
        let shown = if buf.len() > BODY_SHOWN || total.is_some_and(|t| t > BODY_SHOWN as u64) {
            clip(text, BODY_SHOWN, total)
        } else {
            text.to_owned()
        };
        ApiError::Status {
            status,
            method,
            path: path.to_owned(),
            body: escape_controls(&shown),
        }
    }

    fn decode<T: DeserializeOwned>(
        path: &str,
        index: u64,
        body: &str,
    ) -> Result<Reply<T>, ApiError> {
        serde_json::from_str(body)
            .map(|value| Reply { value, index })
            .map_err(|e| ApiError::Decode {
                path: path.to_owned(),
                detail: e.to_string(),
            })
    }

    /// Runs `attempt` (given the time left) with the retry policy, within the deadline
    /// plus `extra`; `may_retry` decides per error. Out of time without an answer, the error
    /// says how long it waited in all.
    fn retrying<T>(
        &self,
        may_retry: fn(&ApiError) -> bool,
        extra: Duration,
        mut attempt: impl FnMut(Duration) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let r = self.settings.retry;
        let budget = self.settings.deadline + extra;
        let first = Instant::now();
        let mut delay = r.first_delay;
        let mut tries = 0;
        loop {
            tries += 1;
            let started = Instant::now();
            let left = budget.saturating_sub(first.elapsed());
            match attempt(left) {
                Ok(v) => {
                    self.recovered(started);
                    return Ok(v);
                }
                Err(e) => {
                    let left = budget.saturating_sub(first.elapsed());
                    let in_time = left > delay;
                    if tries < r.attempts && in_time && may_retry(&e) && !self.is_cancelled() {
                        self.failing(&e);
                        std::thread::sleep(delay);
                        delay = (delay * 2).min(r.max_delay);
                        continue;
                    }
                    return Err(match e {
                        ApiError::NoAnswer {
                            address,
                            method,
                            path,
                            ..
                        } if !in_time => ApiError::NoAnswer {
                            address,
                            method,
                            path,
                            waited: budget,
                        },
                        e => e,
                    });
                }
            }
        }
    }

    /// Whether [`Client::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    fn failing(&self, e: &ApiError) {
        let mut o = self
            .outage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if o.is_none() {
            *o = Some(Instant::now());
            if let Some(n) = &self.notify {
                n(Notice::Retrying(e.clone()));
            }
        }
    }

    /// A request that started at `started` succeeded: the outage is over if it started
    /// after the outage began (a long poll sent before it proves nothing).
    fn recovered(&self, started: Instant) {
        let mut o = self
            .outage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(since) = *o {
            if started >= since {
                *o = None;
                if let Some(n) = &self.notify {
                    n(Notice::Recovered(since.elapsed()));
                }
            }
        }
    }

    /// `GET path`, retried; with `block = Some((index, wait))` a blocking query.
    pub fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: Query<'_>,
        block: Option<(u64, Duration)>,
    ) -> Result<Reply<T>, ApiError> {
        let extra = block.map_or(Duration::ZERO, |(_, w)| w + w / 16);
        let (index, body) = self.retrying(ApiError::retryable, extra, |left| {
            self.get_within(path, query, block, left)
        })?;
        Self::decode(path, index, &body)
    }

    /// `GET path` once, the body as text.
    pub fn get_raw(
        &self,
        path: &str,
        query: Query<'_>,
        block: Option<(u64, Duration)>,
    ) -> Result<(u64, String), ApiError> {
        let extra = block.map_or(Duration::ZERO, |(_, w)| w + w / 16);
        self.get_within(path, query, block, self.settings.deadline + extra)
    }

    /// `GET path` once, waiting at most `left`.
    fn get_within(
        &self,
        path: &str,
        query: Query<'_>,
        block: Option<(u64, Duration)>,
        left: Duration,
    ) -> Result<(u64, String), ApiError> {
        let (index, wait);
        let mut q: Vec<(&str, &str)> = query.to_vec();
        let timeout = match block {
            Some((i, w)) => {
                index = i.to_string();
                wait = format!("{}ms", w.as_millis());
                q.push(("index", &index));
                q.push(("wait", &wait));
                // The server answers by `wait` plus up to wait/16 of jitter.
                w + w / 16 + BLOCKING_MARGIN
            }
            None => ATTEMPT_TIMEOUT,
        }
        .min(left);
        let req = self
            .agent
            .get(self.url(path, &q))
            .config()
            .timeout_global(Some(timeout))
            .build();
        let res = self.auth(req).call();
        self.finish("GET", path, timeout, res)
    }

    /// `PUT path` with a JSON body. Retried only when the write cannot have been applied
    /// (connection refused, `No cluster leader`).
    pub fn put<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<Reply<T>, ApiError> {
        let text = serde_json::to_string(body).expect("a JSON value serializes");
        let (index, resp) = self.retrying(ApiError::write_retryable, Duration::ZERO, |left| {
            let timeout = WRITE_TIMEOUT.min(left);
            let req = self
                .agent
                .put(self.url(path, &[]))
                .config()
                .timeout_global(Some(timeout))
                .build()
                .header("Content-Type", "application/json");
            let res = self.auth(req).send(text.as_str());
            self.finish("PUT", path, timeout, res)
        })?;
        Self::decode(path, index, &resp)
    }

    /// `DELETE path` (deregister); retried like [`Client::put`].
    pub fn delete<T: DeserializeOwned>(
        &self,
        path: &str,
        query: Query<'_>,
    ) -> Result<Reply<T>, ApiError> {
        let (index, resp) = self.retrying(ApiError::write_retryable, Duration::ZERO, |left| {
            let timeout = WRITE_TIMEOUT.min(left);
            let req = self
                .agent
                .delete(self.url(path, query))
                .config()
                .timeout_global(Some(timeout))
                .build();
            let res = self.auth(req).call();
            self.finish("DELETE", path, timeout, res)
        })?;
        Self::decode(path, index, &resp)
    }

    /// `GET path` as a stream (no retry): the body reader of a 2xx answer. The answer must
    /// begin within [`ATTEMPT_TIMEOUT`]; the body has no time limit (the caller watches it).
    pub fn stream(&self, path: &str, query: Query<'_>) -> Result<Box<dyn Read + Send>, ApiError> {
        let timeout = ATTEMPT_TIMEOUT.min(self.settings.deadline);
        let req = self
            .agent
            .get(self.url(path, query))
            .config()
            .timeout_recv_response(Some(timeout))
            .build();
        let res = match self.auth(req).call() {
            Ok(r) => r,
            Err(e) => return Err(self.connect_error(&e, "GET", path, timeout)),
        };
        let status = res.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(Box::new(res.into_body().into_reader()));
        }
        Err(self.status_error(status, "GET", path, res))
    }
}

fn make_agent(tls: Option<&Arc<rustls::ClientConfig>>, settings: &Settings) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(concat!("nomad-build/", env!("CARGO_PKG_VERSION")))
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .max_idle_connections_per_host(16)
        .build();
    let chain = ().chain(ConnectProxyConnector::default()).chain(TcpConnector::default());
    match tls {
        Some(t) => ureq::Agent::with_parts(
            config,
            chain.chain(TlsConnector::new(
                t.clone(),
                settings.tls.server_name.clone(),
            )),
            DefaultResolver::default(),
        ),
        None => ureq::Agent::with_parts(config, chain, DefaultResolver::default()),
    }
}

/// Percent-encodes a query value or path segment (RFC 3986 unreserved characters stay).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn settings_follow_the_nomad_cli_variables() {
        let s = Settings::from_env(env(&[
            ("NOMAD_ADDR", "https://nomad.example.com:4646"),
            ("NOMAD_TOKEN", "s3cr3t"),
            ("NOMAD_REGION", "eu"),
            ("NOMAD_HTTP_AUTH", "ci:pa:ss"),
            ("NOMAD_SKIP_VERIFY", "yes"),
            ("NOMAD_TLS_SERVER_NAME", "server.global.nomad"),
        ]));
        assert_eq!(s.address, "https://nomad.example.com:4646");
        assert_eq!(s.token.as_ref().map(Secret::expose), Some("s3cr3t"));
        assert_eq!(s.region.as_deref(), Some("eu"));
        let (user, pass) = s.http_auth.clone().unwrap();
        assert_eq!((user.as_str(), pass.unwrap().expose()), ("ci", "pa:ss"));
        // Go's ParseBool does not know "yes": the variable is ignored.
        assert!(!s.tls.skip_verify);
        assert_eq!(s.tls.server_name.as_deref(), Some("server.global.nomad"));
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("pa:ss"),
            "{shown}"
        );
    }

    #[test]
    fn defaults_and_empty_values() {
        let s = Settings::from_env(env(&[("NOMAD_TOKEN", ""), ("NOMAD_SKIP_VERIFY", "1")]));
        assert_eq!(s.address, DEFAULT_ADDRESS);
        assert!(s.token.is_none());
        assert!(s.tls.skip_verify);
    }

    #[test]
    fn addresses_are_normalised_or_refused() {
        let mut s = Settings::from_env(env(&[("NOMAD_ADDR", "127.0.0.1:4646/")]));
        assert_eq!(
            Client::new(s.clone()).unwrap().address(),
            "http://127.0.0.1:4646"
        );
        s.address = "unix:///var/run/nomad.sock".to_owned();
        assert!(
            matches!(Client::new(s.clone()), Err(ApiError::Config(m)) if m.contains("unix sockets"))
        );
        s.address = "ftp://x".to_owned();
        assert!(Client::new(s).is_err());
    }

    #[test]
    fn urls_carry_namespace_and_region_and_never_the_token() {
        let mut s = Settings::from_env(env(&[("NOMAD_TOKEN", "tok")]));
        s.namespace = Some("builds".to_owned());
        s.region = Some("eu west".to_owned());
        let c = Client::new(s).unwrap();
        let u = c.url("/v1/job/a%2Fb", &[("index", "3")]);
        assert_eq!(
            u,
            "http://127.0.0.1:4646/v1/job/a%2Fb?index=3&namespace=builds&region=eu%20west"
        );
        assert!(!u.contains("tok"));
    }

    #[test]
    fn retry_rules() {
        let leader = ApiError::Status {
            status: 500,
            method: "PUT",
            path: "/v1/jobs".into(),
            body: "rpc error: No cluster leader".into(),
        };
        let invalid = ApiError::Status {
            status: 500,
            method: "PUT",
            path: "/v1/jobs".into(),
            body: "1 error occurred:\n\t* Missing task driver".into(),
        };
        let denied = ApiError::Status {
            status: 403,
            method: "GET",
            path: "/v1/job/x".into(),
            body: "Permission denied".into(),
        };
        assert!(leader.retryable() && leader.write_retryable());
        assert!(invalid.retryable() && !invalid.write_retryable());
        assert!(!denied.retryable());
    }

    #[test]
    fn connection_refused_names_the_address() {
        // Port 9 on localhost (discard) is closed in the test environment.
        let mut s = Settings::from_env(env(&[("NOMAD_ADDR", "http://127.0.0.1:9")]));
        s.retry.attempts = 1;
        let c = Client::new(s).unwrap();
        let e = c
            .get::<serde_json::Value>("/v1/jobs", &[], None)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot reach Nomad at http://127.0.0.1:9: connection refused"
        );
    }

    #[test]
    fn encode_keeps_unreserved() {
        assert_eq!(encode("a-b.c_d~e/f g"), "a-b.c_d~e%2Ff%20g");
    }
}
