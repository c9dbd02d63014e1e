//! `Input<T>`: the request's fields from the query string and the body together (the body wins), so
//! every endpoint takes its parameters the way AgentChat clients send them: query parameters on
//! GET, JSON (or form fields) on POST, or both. `Version` and `SessionToken` are not fields.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::known_fields::{self, IgnoredFields, UnknownFields, NOT_A_FIELD};
use super::multipart::{self, MultipartLimits};
use super::signed_calls::SignedCall;
use crate::error::{ApiError, ApiResult, ErrorCode};

/// The largest body a route accepts; set per route with `.app_data(BodyLimit(..))`, or per request
/// in the request's extensions (the upload gate does, from `MaxAttachmentMB`).
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// Bodies of configuration endpoints are small.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

pub struct Input<T>(pub T);

/// The fields of an endpoint that takes none: anything sent is refused (or, in the channel API,
/// named in `Ignored`) rather than dropped in silence.
#[derive(serde::Deserialize, Debug)]
pub struct NoFields {}

/// Query parameters handled by the middleware and extractors, never request fields.
const RESERVED: [&str; 2] = ["Version", "SessionToken"];

/// Credentials read from the query by their own extractors (an event ticket, a web chat visitor's
/// token): not fields, but not unknown either.
const CREDENTIALS: [&str; 2] = ["Ticket", "VisitorToken"];

impl<T: DeserializeOwned + 'static> FromRequest for Input<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mut fields = pairs_to_fields(form_urlencoded::parse(req.query_string().as_bytes()));
        // A limit set for this request (the upload gate's, from MaxAttachmentMB) wins over the
        // route's.
        let limit = req
            .extensions()
            .get::<BodyLimit>()
            .copied()
            .or_else(|| req.app_data::<BodyLimit>().copied())
            .map_or(DEFAULT_BODY_LIMIT, |l| l.0);
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let payload = SharedPayload(Rc::new(RefCell::new(Paced::new(payload.take()))));
        let headers = req.headers().clone();
        let signed = req.extensions().get::<SignedCall>().cloned();
        let req = req.clone();
        Box::pin(async move {
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large(limit));
            }
            let multipart = content_type.as_deref() == Some("multipart/form-data");
            if multipart && signed.is_some() {
                // The parser consumes the raw bytes: a signed call sends JSON or form fields.
                return Err(ApiError::field(
                    "Body",
                    "a signed call (X-Agentdesk-Signature-V2) must be JSON or form fields, not multipart",
                ));
            }
            let read = if multipart {
                let limits = MultipartLimits::for_body(limit);
                multipart::read(&headers, payload.clone(), limits, &RESERVED)
                    .await
                    .map(|(parts, files)| (parts, files, None))
            } else {
                read_limited(payload.clone(), limit)
                    .await
                    .map(|body| (Map::new(), Vec::new(), Some(body)))
            };
            let (parts, files, body) = read.inspect_err(|e| {
                if e.code == ErrorCode::PayloadTooLarge || payload.too_slow() {
                    payload.park();
                }
            })?;
            if let (Some(signed), Some(body)) = (&signed, &body) {
                signed.check(body)?;
            }
            fields.extend(parts);
            if let Some(body) = body.filter(|b| !b.iter().all(u8::is_ascii_whitespace)) {
                merge_body(&mut fields, content_type.as_deref(), &body)?;
            }
            check_unknown::<T>(&req, &fields)?;
            multipart::with_file_parts(files, || decode(fields)).map(Input)
        })
    }
}

/// A field `T` doesn't declare is refused, or, where the scope takes it
/// ([`UnknownFields::Ignore`]), kept in the request's extensions for the answer to name.
fn check_unknown<T: DeserializeOwned>(
    req: &HttpRequest,
    fields: &Map<String, Value>,
) -> ApiResult<()> {
    let unknown: Vec<String> = known_fields::unknown::<T>(fields)
        .into_iter()
        .filter(|k| {
            !RESERVED
                .iter()
                .chain(&CREDENTIALS)
                .any(|r| r.eq_ignore_ascii_case(k))
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    match req.app_data::<UnknownFields>() {
        Some(UnknownFields::Ignore) => {
            let named = unknown
                .into_iter()
                .map(|k| (k, NOT_A_FIELD.to_owned()))
                .collect();
            req.extensions_mut().insert(IgnoredFields(named));
            Ok(())
        }
        _ => Err(known_fields::refusal(&unknown)),
    }
}

/// A body must keep arriving: once [`BODY_GRACE`] has passed, at least [`BODY_MIN_RATE`] bytes a
/// second on average since it was first asked for. A chunked body that trickles (a byte now and
/// then, never ending and never reaching a limit) would otherwise hold its socket, and its upload
/// place, for as long as the sender likes. The slowest mobile networks send faster than this.
pub const BODY_GRACE: Duration = Duration::from_secs(10);
pub const BODY_MIN_RATE: usize = 16 * 1024;

/// The request body, refused with an error once it arrives slower than [`BODY_MIN_RATE`].
struct Paced {
    payload: Payload,
    started: Instant,
    received: usize,
    /// Armed the first time the body keeps us waiting: most bodies are in by then, and a
    /// timer per request would cost every small read.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    too_slow: bool,
}

impl Paced {
    fn new(payload: Payload) -> Self {
        Self {
            payload,
            started: Instant::now(),
            received: 0,
            deadline: None,
            too_slow: false,
        }
    }

    /// When the bytes received so far stop being enough.
    fn due(&self) -> Instant {
        self.started
            + BODY_GRACE
            + Duration::from_secs_f64(self.received as f64 / BODY_MIN_RATE as f64)
    }
}

impl Stream for Paced {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match Pin::new(&mut this.payload).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.received += chunk.len();
                let due = this.due();
                if let Some(deadline) = &mut this.deadline {
                    deadline.as_mut().reset(due.into());
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Pending => {
                let due = this.due();
                let deadline = this
                    .deadline
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due.into())));
                if deadline.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.too_slow = true;
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "it arrived slower than {BODY_MIN_RATE} bytes a second (after {} s)",
                        BODY_GRACE.as_secs()
                    ),
                )))))
            }
            other => other,
        }
    }
}

/// The request body, shared between the reader and the extractor, so that after a 413 (or a body
/// too slow) the extractor still holds it (see [`SharedPayload::park`]).
#[derive(Clone)]
struct SharedPayload(Rc<RefCell<Paced>>);

impl Stream for SharedPayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut *self.0.borrow_mut()).poll_next(cx)
    }
}

impl SharedPayload {
    /// Whether the body was refused for arriving too slowly.
    fn too_slow(&self) -> bool {
        self.0.borrow().too_slow
    }

    /// Keeps a body we stopped reading open a few seconds longer. While a request's body is open
    /// and unread, actix answers `Connection: close` and stops reading; had we dropped it, actix
    /// would read a chunked body to its end to keep the connection, however long it is.
    fn park(self) {
        actix_web::rt::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            drop(self);
        });
    }
}

/// 413 for a body over `limit`.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("The request body is larger than {limit} bytes"),
    )
}

async fn read_limited(mut payload: SharedPayload, limit: usize) -> ApiResult<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::field("Body", format!("could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn merge_body(
    fields: &mut Map<String, Value>,
    content_type: Option<&str>,
    body: &[u8],
) -> ApiResult<()> {
    let looks_like_json = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    match content_type {
        // `curl -d '{...}'` sends JSON labelled as a form: take it for what it is.
        Some("application/x-www-form-urlencoded") if !looks_like_json => {
            fields.extend(pairs_to_fields(form_urlencoded::parse(body)));
            Ok(())
        }
        None
        | Some(
            "application/json" | "text/json" | "application/x-www-form-urlencoded" | "text/plain",
        ) => merge_json(fields, body),
        Some(ct) if ct.ends_with("+json") => merge_json(fields, body),
        Some(other) => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("Send the body as application/json, not {other}"),
        )),
    }
}

fn merge_json(fields: &mut Map<String, Value>, body: &[u8]) -> ApiResult<()> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            fields.extend(map);
            Ok(())
        }
        Ok(_) => Err(ApiError::field("Body", "must be a JSON object")),
        Err(e) => Err(ApiError::field("Body", format!("is not valid JSON: {e}"))),
    }
}

/// Query or form pairs as JSON fields: values stay strings (the lenient types parse them), a key
/// given twice or written `Key[]` becomes an array, and empty values count as absent.
fn pairs_to_fields<'a>(
    pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
) -> Map<String, Value> {
    let mut fields = Map::new();
    for (key, value) in pairs {
        let key = key.trim_end_matches("[]");
        if value.is_empty() || RESERVED.iter().any(|r| r.eq_ignore_ascii_case(key)) {
            continue;
        }
        let value = Value::String(value.into_owned());
        match fields.get_mut(key) {
            None => {
                fields.insert(key.to_owned(), value);
            }
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
        }
    }
    fields
}

/// Deserialises the merged fields, naming the field at fault on error.
fn decode<T: DeserializeOwned>(fields: Map<String, Value>) -> ApiResult<T> {
    serde_path_to_error::deserialize(Value::Object(fields)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        match (path.as_str(), missing_field(&inner)) {
            (".", Some(field)) => ApiError::field(field, "is required"),
            (_, Some(field)) => ApiError::field(format!("{path}.{field}"), "is required"),
            (".", None) => ApiError::field("Body", inner),
            _ => ApiError::field(path, inner),
        }
    })
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::params::{Int, List};
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "PascalCase")]
    struct Probe {
        #[serde(rename = "ChatID")]
        chat_id: Int,
        #[serde(rename = "DepartmentID", default)]
        department_id: Option<List<Int>>,
    }

    fn fields(query: &str) -> Map<String, Value> {
        pairs_to_fields(form_urlencoded::parse(query.as_bytes()))
    }

    #[test]
    fn query_pairs_become_fields() {
        let p: Probe = decode(fields(
            "ChatID=4&DepartmentID=1&DepartmentID[]=2&Version=1&SessionToken=x",
        ))
        .unwrap();
        assert_eq!(p.chat_id, Int(4));
        assert_eq!(p.department_id.unwrap().ids(), vec![1, 2]);
        let f = fields("Version=1&sessiontoken=abc&Empty=");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn errors_name_the_field() {
        let e = decode::<Probe>(fields("")).unwrap_err();
        assert_eq!(e.fields.keys().collect::<Vec<_>>(), vec!["ChatID"]);
        let e = decode::<Probe>(fields("ChatID=abc")).unwrap_err();
        assert!(e.fields.contains_key("ChatID"), "{e:?}");
        let mut m = fields("ChatID=1");
        merge_json(&mut m, br#"{"DepartmentID": ["1", "x"]}"#).unwrap();
        let e = decode::<Probe>(m).unwrap_err();
        assert!(e.fields.contains_key("DepartmentID"), "{e:?}");
    }

    #[test]
    fn body_must_be_an_object() {
        let mut m = Map::new();
        assert!(merge_json(&mut m, b"[1]").is_err());
        assert!(merge_json(&mut m, b"{nope").is_err());
        assert!(merge_body(&mut m, Some("application/xml"), b"<a/>").is_err());
        merge_body(
            &mut m,
            Some("application/x-www-form-urlencoded"),
            br#"{"ChatID": 3}"#,
        )
        .unwrap();
        assert_eq!(m["ChatID"], Value::from(3));
    }
}
