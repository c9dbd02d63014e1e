//! `multipart/form-data` bodies, read under limits that hold while the bytes arrive.
//!
//! actix-multipart buffers whatever it has not parsed yet: a body without a boundary, or a part
//! whose headers never end, would be kept whole. So the raw stream is metered before the parser
//! sees it: the body's size, the number of parts and the size of each part's headers are counted
//! as each chunk arrives, and the first chunk over a limit ends the read with 413.
//!
//! File parts stay bytes: they travel to [`super::params::FileData`] beside the decoded fields
//! (see [`with_file_parts`]), never through base64.

use std::cell::{Cell, RefCell};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::error::PayloadError;
use actix_web::http::header::HeaderMap;
use actix_web::web::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult, ErrorCode};

/// How much of a multipart body is allowed.
#[derive(Clone, Copy, Debug)]
pub struct MultipartLimits {
    /// The whole body, boundaries included.
    pub body: usize,
    /// Parts, text and files together.
    pub parts: usize,
    /// One part's header block (`Content-Disposition`, `Content-Type` ...).
    pub part_headers: usize,
}

impl MultipartLimits {
    /// The limits of an endpoint whose whole body may be `body` bytes.
    pub fn for_body(body: usize) -> Self {
        Self {
            body,
            parts: 32,
            part_headers: 8 * 1024,
        }
    }
}

/// A file part, as received.
#[derive(Debug)]
pub struct FilePart {
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// Which limit a body broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Breach {
    Body,
    Parts,
    PartHeaders,
}

impl Breach {
    fn error(self, limits: &MultipartLimits) -> ApiError {
        let message = match self {
            Breach::Body => format!("The request body is larger than {} bytes", limits.body),
            Breach::Parts => format!("The request has more than {} parts", limits.parts),
            Breach::PartHeaders => format!(
                "A part's headers are larger than {} bytes",
                limits.part_headers
            ),
        };
        ApiError::new(ErrorCode::PayloadTooLarge, message)
    }
}

/// Reads the parts: text parts become string fields, file parts are returned beside them and their
/// field holds a reference to them (what `FileData` reads). Fields named `Version` or
/// `SessionToken` are ignored, as in the query string.
pub async fn read<S>(
    headers: &HeaderMap,
    payload: S,
    limits: MultipartLimits,
    reserved: &[&str],
) -> ApiResult<(Map<String, Value>, Vec<FilePart>)>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
{
    let boundary = boundary(headers)
        .ok_or_else(|| ApiError::field("Body", "is multipart/form-data without a boundary"))?;
    let breach = Rc::new(Cell::new(None));
    let metered = Metered {
        inner: payload,
        guard: Guard::new(&boundary, limits),
        breach: breach.clone(),
    };
    let mut multipart = actix_multipart::Multipart::new(headers, metered);
    let mut fields = Map::new();
    let mut files = Vec::new();
    let fail = |e: &dyn std::fmt::Display, name: &str| match breach.get() {
        Some(b) => b.error(&limits),
        None => ApiError::field(
            if name.is_empty() { "Body" } else { name },
            format!("is not valid multipart/form-data: {e}"),
        ),
    };
    while let Some(part) = multipart.next().await {
        let mut part = part.map_err(|e| fail(&e, ""))?;
        let disposition = part.content_disposition().cloned();
        let name = disposition
            .as_ref()
            .and_then(|d| d.get_name())
            .unwrap_or("")
            .to_owned();
        let file_name = disposition
            .as_ref()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let content_type = part.content_type().map(|m| m.essence_str().to_owned());
        let mut data = BytesMut::new();
        while let Some(chunk) = part.next().await {
            data.extend_from_slice(&chunk.map_err(|e| fail(&e, &name))?);
        }
        if name.is_empty() || reserved.iter().any(|r| r.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let value = match file_name {
            Some(file_name) => {
                files.push(FilePart {
                    file_name: Some(file_name),
                    content_type,
                    bytes: data.freeze(),
                });
                file_reference(files.len() - 1)
            }
            None => Value::String(
                String::from_utf8(data.to_vec())
                    .map_err(|_| ApiError::field(&name, "is not UTF-8 text"))?,
            ),
        };
        fields.insert(name, value);
    }
    Ok((fields, files))
}

/// The boundary named in `Content-Type`.
fn boundary(headers: &HeaderMap) -> Option<String> {
    let content_type = headers
        .get(actix_web::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    let mime: actix_web::mime::Mime = content_type.parse().ok()?;
    mime.get_param(actix_web::mime::BOUNDARY)
        .map(|b| b.as_str().to_owned())
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

/// The key of a file part's placeholder in the fields map.
pub const FILE_PART_KEY: &str = "$filePart";

fn file_reference(index: usize) -> Value {
    let mut m = Map::new();
    m.insert(FILE_PART_KEY.to_owned(), Value::from(index));
    Value::Object(m)
}

thread_local! {
    /// The file parts of the request being decoded on this thread. Decoding is synchronous and
    /// runs on one thread, so a `FileData` deserialised inside [`with_file_parts`] finds its bytes
    /// here instead of as base64 in the fields map.
    static FILE_PARTS: RefCell<Vec<Option<FilePart>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `decode` with `files` available to [`take_file_part`]; whatever `decode` did not take is
/// dropped afterwards.
pub fn with_file_parts<T>(files: Vec<FilePart>, decode: impl FnOnce() -> T) -> T {
    FILE_PARTS.with(|parts| *parts.borrow_mut() = files.into_iter().map(Some).collect());
    let result = decode();
    FILE_PARTS.with(|parts| parts.borrow_mut().clear());
    result
}

/// The file part a placeholder refers to, once.
pub fn take_file_part(index: usize) -> Option<FilePart> {
    FILE_PARTS.with(|parts| parts.borrow_mut().get_mut(index).and_then(Option::take))
}

/// The body stream as the parser sees it, with the guard counting every chunk first.
struct Metered<S> {
    inner: S,
    guard: Guard,
    breach: Rc<Cell<Option<Breach>>>,
}

impl<S> Stream for Metered<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.breach.get().is_some() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => match self.guard.feed(&chunk) {
                Ok(()) => Poll::Ready(Some(Ok(chunk))),
                Err(breach) => {
                    self.breach.set(Some(breach));
                    Poll::Ready(Some(Err(PayloadError::Overflow)))
                }
            },
            other => other,
        }
    }
}

/// Counts a multipart body as it streams: its size, its parts (boundary lines) and the size of
/// each part's header block (from a boundary line to the blank line that ends the headers).
struct Guard {
    limits: MultipartLimits,
    read: usize,
    parts: usize,
    delimiter: Matcher,
    end_of_headers: Matcher,
    /// Header bytes of the current part, while its headers are being read.
    in_headers: Option<usize>,
}

impl Guard {
    fn new(boundary: &str, limits: MultipartLimits) -> Self {
        Self {
            limits,
            read: 0,
            parts: 0,
            // The body starts as if after a line break, so a first boundary line matches too.
            delimiter: Matcher::primed(format!("\r\n--{boundary}").into_bytes(), 2),
            end_of_headers: Matcher::new(b"\r\n\r\n".to_vec()),
            in_headers: None,
        }
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<(), Breach> {
        self.read += chunk.len();
        if self.read > self.limits.body {
            return Err(Breach::Body);
        }
        for &byte in chunk {
            match self.in_headers.as_mut() {
                Some(size) => {
                    *size += 1;
                    if *size > self.limits.part_headers {
                        return Err(Breach::PartHeaders);
                    }
                    if self.end_of_headers.feed(byte) {
                        self.in_headers = None;
                    }
                }
                None => {
                    if self.delimiter.feed(byte) {
                        // The closing delimiter (`--boundary--`) counts too: one spare part.
                        self.parts += 1;
                        if self.parts > self.limits.parts + 1 {
                            return Err(Breach::Parts);
                        }
                        self.in_headers = Some(0);
                        self.end_of_headers.reset();
                    }
                }
            }
        }
        Ok(())
    }
}

/// Finds a byte pattern in a stream fed one byte at a time (Knuth–Morris–Pratt), across chunks.
struct Matcher {
    pattern: Vec<u8>,
    fallback: Vec<usize>,
    matched: usize,
}

impl Matcher {
    fn new(pattern: Vec<u8>) -> Self {
        let mut fallback = vec![0; pattern.len()];
        let mut k = 0;
        for i in 1..pattern.len() {
            while k > 0 && pattern[i] != pattern[k] {
                k = fallback[k - 1];
            }
            if pattern[i] == pattern[k] {
                k += 1;
            }
            fallback[i] = k;
        }
        Self {
            pattern,
            fallback,
            matched: 0,
        }
    }

    /// A matcher that has already seen the pattern's first `matched` bytes.
    fn primed(pattern: Vec<u8>, matched: usize) -> Self {
        let mut m = Self::new(pattern);
        m.matched = matched;
        m
    }

    fn reset(&mut self) {
        self.matched = 0;
    }

    /// True when `byte` completes the pattern.
    fn feed(&mut self, byte: u8) -> bool {
        while self.matched > 0 && self.pattern[self.matched] != byte {
            self.matched = self.fallback[self.matched - 1];
        }
        if self.pattern[self.matched] == byte {
            self.matched += 1;
        }
        if self.matched == self.pattern.len() {
            self.matched = self.fallback[self.matched - 1];
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> MultipartLimits {
        MultipartLimits {
            body: 10_000,
            parts: 2,
            part_headers: 100,
        }
    }

    fn body(parts: usize, header_padding: usize) -> Vec<u8> {
        let mut b = Vec::new();
        for i in 0..parts {
            b.extend_from_slice(b"--XyZ\r\n");
            b.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"f{i}\"{}\r\n\r\nvalue {i}\r\n",
                    " ".repeat(header_padding)
                )
                .as_bytes(),
            );
        }
        b.extend_from_slice(b"--XyZ--\r\n");
        b
    }

    /// Feeds `bytes` in chunks of `size`, as the network might deliver them.
    fn feed_in_chunks(bytes: &[u8], size: usize, l: MultipartLimits) -> Result<(), Breach> {
        let mut guard = Guard::new("XyZ", l);
        bytes.chunks(size).try_for_each(|c| guard.feed(c))
    }

    #[test]
    fn a_body_within_its_limits_passes_however_it_is_cut() {
        for size in [1, 3, 7, 64, 10_000] {
            assert_eq!(feed_in_chunks(&body(2, 0), size, limits()), Ok(()));
        }
    }

    #[test]
    fn too_many_parts_large_headers_or_a_large_body_are_caught_while_streaming() {
        for size in [1, 5, 4096] {
            assert_eq!(
                feed_in_chunks(&body(3, 0), size, limits()),
                Err(Breach::Parts)
            );
            assert_eq!(
                feed_in_chunks(&body(1, 200), size, limits()),
                Err(Breach::PartHeaders)
            );
        }
        // A header block that never ends is caught at the limit, not at the end of the body.
        let mut endless = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"".to_vec();
        endless.extend(std::iter::repeat_n(b'x', 5_000));
        assert_eq!(
            feed_in_chunks(&endless, 64, limits()),
            Err(Breach::PartHeaders)
        );
        // A body without any boundary is caught by its size.
        let big = vec![b'a'; 20_000];
        assert_eq!(feed_in_chunks(&big, 1000, limits()), Err(Breach::Body));
    }

    #[test]
    fn the_matcher_finds_patterns_across_chunks_and_overlaps() {
        let mut m = Matcher::new(b"\r\n\r\n".to_vec());
        let hits: Vec<bool> = b"\r\n\r\r\n\r\n".iter().map(|b| m.feed(*b)).collect();
        assert_eq!(hits.iter().filter(|h| **h).count(), 1);
        assert!(hits[6]);
        let mut m = Matcher::new(b"aab".to_vec());
        assert_eq!(b"aaab".iter().filter(|b| m.feed(**b)).count(), 1);
    }
}
