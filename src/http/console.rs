//! The web console: `web/` served by the binary. In debug builds rust-embed reads the files from
//! disk (edit and reload); in release builds they are embedded, so the binary needs nothing else.
//!
//! `GET /` (and `/index.html`, and `/reset-password`, the link in reset mails) answers index.html,
//! never cached. Every other file is under `/console/<build>/<path>`, where `<build>` is a hash of
//! all the console's files computed once at start-up: those answers may be cached for a year,
//! because a changed file means a new build hash and so new URLs. index.html names the prefix
//! (`/console/__BUILD__/` in the source, rewritten at start-up); relative ES-module imports then
//! resolve under the same prefix.
//!
//! Every console answer carries a strict Content-Security-Policy: scripts, styles and connections
//! only from this origin, nothing inline, no frames.

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

/// Where the console's files live; index.html refers to them through this placeholder.
const BUILD_PLACEHOLDER: &str = "/console/__BUILD__/";

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
style-src 'self'; img-src 'self' data: blob:; media-src 'self' data:; connect-src 'self'; \
font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

struct Build {
    hash: String,
    index: Vec<u8>,
}

static BUILD: LazyLock<Build> = LazyLock::new(|| {
    let hash = build_hash();
    let index = Assets::get("index.html")
        .map(|file| String::from_utf8_lossy(&file.data).into_owned())
        .unwrap_or_else(|| {
            "<!doctype html><title>agentdesk</title><p>The console is missing from this build."
                .into()
        })
        .replace(BUILD_PLACEHOLDER, &format!("/console/{hash}/"))
        .into_bytes();
    Build { hash, index }
});

/// SHA-256 over every file's path and bytes, in path order; 16 hex characters are plenty to tell
/// builds apart.
fn build_hash() -> String {
    let mut paths: Vec<_> = Assets::iter().collect();
    paths.sort();
    let mut hasher = Sha256::new();
    for path in paths {
        if let Some(file) = Assets::get(&path) {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update((file.data.len() as u64).to_le_bytes());
            hasher.update(&file.data);
        }
    }
    hex::encode(hasher.finalize())[..16].to_string()
}

/// The console's build hash (the `<build>` of its asset URLs).
pub fn build_id() -> &'static str {
    &BUILD.hash
}

/// A file of `web/` as this build holds it (the web chat's pages are served from there too).
pub fn file(path: &str) -> Option<Vec<u8>> {
    Assets::get(path).map(|f| f.data.into_owned())
}

/// Registers `/`, `/index.html`, `/reset-password` and `/console/<build>/<path>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    LazyLock::force(&BUILD);
    for path in ["/", "/index.html", "/reset-password"] {
        cfg.service(super::get(path, index));
    }
    cfg.service(super::get("/console/{build}/{path:.*}", asset));
}

async fn index() -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    secure(response.body(BUILD.index.clone()))
}

async fn asset(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (build, file) = path.into_inner();
    let found = (build == BUILD.hash && is_plain_path(&file))
        .then(|| Assets::get(&file))
        .flatten();
    let Some(found) = found else {
        return secure(actix_web::ResponseError::error_response(
            &crate::error::ApiError::new(
                crate::error::ErrorCode::NotFound,
                format!("There is no console file {}", req.path()),
            ),
        ));
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type(&file))
        .insert_header((header::CACHE_CONTROL, IMMUTABLE));
    secure(response.body(found.data.into_owned()))
}

/// Relative, without `..`, backslashes or empty segments: nothing outside `web/` is ever named.
fn is_plain_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && path
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("wav") => "audio/wav",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn secure(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_only() {
        assert!(is_plain_path("app/main.js"));
        assert!(!is_plain_path("../Cargo.toml"));
        assert!(!is_plain_path("app/../../x"));
        assert!(!is_plain_path("/etc/passwd"));
        assert!(!is_plain_path("a//b"));
        assert!(!is_plain_path("a\\b"));
    }
}
