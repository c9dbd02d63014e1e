//! The web console as the binary serves it: index.html never cached and pointing at the build's
//! assets, the assets immutable under the build hash, a strict CSP on every console answer.

use crate::helpers::TestApp;

const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
media-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; \
frame-ancestors 'none'";

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn index_is_not_cached_and_names_assets_under_the_build_hash() {
    let app = TestApp::spawn().await;
    let index = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    assert_eq!(header(&index, "cache-control"), "no-cache");
    assert_eq!(header(&index, "content-security-policy"), CSP);
    assert_eq!(header(&index, "x-content-type-options"), "nosniff");
    assert_eq!(header(&index, "referrer-policy"), "no-referrer");
    let html = index.text().await.unwrap();
    assert!(!html.contains("__BUILD__"), "the placeholder is rewritten");
    let build = agentdesk::http::console::build_id();
    let main = format!("/console/{build}/app/main.js");
    assert!(html.contains(&main), "index.html names {main}");

    let asset = app
        .client
        .get(format!("{}{main}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    assert!(header(&asset, "content-type").starts_with("text/javascript"));
    assert_eq!(
        header(&asset, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&asset, "content-security-policy"), CSP);

    for path in ["/index.html", "/reset-password?ResetCode=abc"] {
        let page = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(header(&page, "cache-control"), "no-cache");
    }
}

#[tokio::test]
async fn a_stale_build_or_a_path_outside_web_is_not_found() {
    let app = TestApp::spawn().await;
    let build = agentdesk::http::console::build_id();
    for path in [
        "/console/0000000000000000/app/main.js".to_string(),
        format!("/console/{build}/..%2FCargo.toml"),
        format!("/console/{build}/app/no-such-file.js"),
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(header(&response, "content-security-policy"), CSP);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["Error"]["Code"], "NotFound");
    }
}
