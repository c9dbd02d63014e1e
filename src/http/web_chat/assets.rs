//! The web chat's pages: `/widget.js` (the loader a website includes), `/webchat/frame` (the chat
//! window inside the loader's iframe) and `/webchat/try` (a page of the desk's own with the chat
//! embedded, to be the customer before touching a website). The window's scripts and styles are
//! the console's files (`/console/<build>/widget/...`, cached for a year, `web/widget/`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::super::console;
use crate::domain::web_chat::widget_key;
use crate::error::{ApiError, ApiResult};
use crate::service::{web_chat, Ctx};

/// `/widget.js`: short-lived cache, so a new build reaches websites within minutes.
pub async fn loader() -> ApiResult<HttpResponse> {
    let body = console::file("widget/loader.js")
        .ok_or_else(|| ApiError::internal("widget/loader.js is missing from this build"))?;
    Ok(HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body))
}

#[derive(Deserialize)]
pub struct KeyQuery {
    key: Option<String>,
}

/// The page with the build's prefix filled in.
fn page(path: &str) -> ApiResult<String> {
    let body = console::file(path)
        .ok_or_else(|| ApiError::internal(format!("{path} is missing from this build")))?;
    Ok(String::from_utf8_lossy(&body).replace(
        "/console/__BUILD__/",
        &format!("/console/{}/", console::build_id()),
    ))
}

fn html(body: String, csp: String) -> ApiResult<HttpResponse> {
    let mut response = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body);
    let value = HeaderValue::from_str(&csp).map_err(ApiError::internal)?;
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, value);
    Ok(response)
}

/// `/webchat/frame?key=KEY`: the chat window. Only pages of `WhitelistedDomains` may frame it
/// (`frame-ancestors`); it loads nothing but this desk's own files.
pub async fn frame(ctx: web::Data<Ctx>) -> ApiResult<HttpResponse> {
    let ancestors = web::block(move || web_chat::frame_ancestors(&ctx)).await??;
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    );
    html(page("widget/frame.html")?, csp)
}

/// `/webchat/try?key=KEY`: a page of the desk with the web chat of KEY embedded.
pub async fn try_it(query: web::Query<KeyQuery>) -> ApiResult<HttpResponse> {
    let key = widget_key(query.key.as_deref().unwrap_or(""))
        .map_err(|problem| ApiError::field("key", problem))?;
    let body = page("widget/try.html")?.replace("__WIDGET_KEY__", &key);
    let csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
               frame-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
               frame-ancestors 'none'"
        .to_owned();
    html(body, csp)
}
