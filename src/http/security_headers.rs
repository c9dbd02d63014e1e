//! Headers every answer carries, whatever route made it: the API's JSON, `/api/docs/`, downloads,
//! errors and 404s alike. An answer that sets its own keeps it (the console's strict
//! Content-Security-Policy, the API scopes' [`API_POLICY`]).

use actix_web::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use actix_web::middleware::DefaultHeaders;

use crate::config::Config;

/// For everything not the console: no page may frame the desk (clickjacking an agent into a
/// click), whatever else the page allows.
pub const FRAMES_POLICY: &str = "frame-ancestors 'none'";

/// For API answers and downloads: nothing in them is to be run, loaded or framed, should a
/// browser ever open one as a page (a file sent as `text/html`, an error echoing a field).
pub const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// HSTS for a desk whose public address is https: a year, subdomains left to their owners.
pub const HSTS: &str = "max-age=31536000";

/// The headers of [`every_answer`]: nosniff (a file is only ever what its type says), no framing
/// (CSP and the older `X-Frame-Options` for browsers without it), no referrer (an address with a
/// reset code or ids never leaks to a linked site), and HSTS when the desk is reached over https.
pub fn every_answer(config: &Config) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((X_FRAME_OPTIONS, "DENY"))
        .add((REFERRER_POLICY, "no-referrer"))
        .add((CONTENT_SECURITY_POLICY, FRAMES_POLICY));
    // HSTS over plain http is ignored by browsers; from a desk reached over https it keeps them
    // there.
    if config.served_over_https() {
        headers.add((STRICT_TRANSPORT_SECURITY, HSTS))
    } else {
        headers
    }
}
