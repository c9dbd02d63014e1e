//! The conventions shared by every endpoint (docs/api.md, "1. Conventions").

use std::time::Duration;

use agentdesk::config::Config;
use agentdesk::Application;
use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn version_is_required_on_every_agent_endpoint() {
    let app = TestApp::spawn().await;
    for name in ["AgentLogon", "GetSettings", "NoSuchEndpoint"] {
        let r = app.raw(app.client.get(app.url(name))).await;
        r.expect_error(400, "VersionRequired");
    }
}

#[tokio::test]
async fn clients_older_than_the_minimum_get_426() {
    let app = TestApp::spawn_with(&[("MIN_CLIENT_VERSION", "2.0")]).await;
    let old = app
        .raw(
            app.client
                .get(app.url("GetSettings"))
                .query(&[("Version", "1.9.9")]),
        )
        .await;
    old.expect_error(426, "ClientVersionTooOld");
    let new = app
        .raw(
            app.client
                .get(app.url("GetSettings"))
                .query(&[("Version", "2.10")]),
        )
        .await;
    new.expect_error(401, "InvalidSessionToken");
}

#[tokio::test]
async fn session_token_is_accepted_from_query_header_or_bearer() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let url = app.url("GetSettings");
    app.raw(
        app.client
            .get(&url)
            .query(&[("Version", "1"), ("SessionToken", m.token.as_str())]),
    )
    .await
    .ok();
    app.raw(
        app.client
            .get(&url)
            .query(&[("Version", "1")])
            .header("SessionToken", &m.token),
    )
    .await
    .ok();
    app.raw(
        app.client
            .get(&url)
            .query(&[("Version", "1")])
            .bearer_auth(&m.token),
    )
    .await
    .ok();
    for bad in ["", "nothex", "0123456789abcdef0123456789abcdef"] {
        let r = app
            .raw(
                app.client
                    .get(&url)
                    .query(&[("Version", "1"), ("SessionToken", bad)]),
            )
            .await;
        r.expect_error(401, "InvalidSessionToken");
    }
}

#[tokio::test]
async fn unknown_endpoints_and_methods_answer_json() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.get("NoSuchThing", &m.token, &[])
        .await
        .expect_error(404, "NotFound");
    app.delete("GetSettings", &m.token, &[])
        .await
        .expect_error(405, "MethodNotAllowed");
    app.raw(app.client.get(format!("{}/nowhere", app.address)))
        .await
        .expect_error(404, "NotFound");
}

#[tokio::test]
async fn state_changing_gets_accept_post() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.call(Method::POST, "KeepAlive", Some(&m.token), &[], None)
        .await
        .ok();
    app.call(Method::GET, "KeepAlive", Some(&m.token), &[], None)
        .await
        .ok();
}

#[tokio::test]
async fn bodies_are_bounded_typed_and_json() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let big = "x".repeat(100 * 1024);
    let r = app
        .post("CreateTagGroup", &m.token, json!({"Name": big}))
        .await;
    r.expect_error(413, "PayloadTooLarge");

    let url = format!(
        "{}?Version=1&SessionToken={}",
        app.url("CreateTagGroup"),
        m.token
    );
    let r = app
        .raw(
            app.client
                .post(&url)
                .header("Content-Type", "application/xml")
                .body("<Name>x</Name>"),
        )
        .await;
    r.expect_error(415, "UnsupportedMediaType");
    let r = app
        .raw(
            app.client
                .post(&url)
                .header("Content-Type", "application/json")
                .body("{\"Name\": "),
        )
        .await;
    r.expect_field_error("Body");
    let r = app
        .raw(
            app.client
                .post(&url)
                .header("Content-Type", "application/json")
                .body("[1,2]"),
        )
        .await;
    r.expect_field_error("Body");
    // curl -d sends JSON labelled as a form; it is understood.
    let r = app
        .raw(
            app.client
                .post(&url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("{\"Name\":\"Curl\"}"),
        )
        .await;
    assert_eq!(r.ok()["Name"], "Curl");
    // Real form fields work too.
    let r = app
        .raw(
            app.client
                .post(&url)
                .form(&[("Name", "Form"), ("Enabled", "false")]),
        )
        .await;
    assert_eq!(r.ok()["Enabled"], false);
}

#[tokio::test]
async fn integers_and_booleans_may_be_strings_and_wrong_types_name_the_field() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let g = app
        .post(
            "CreateTagGroup",
            &m.token,
            json!({"Name": "G", "Enabled": "true"}),
        )
        .await
        .ok();
    let id = g["TagGroupID"].as_i64().unwrap();
    app.post(
        "CreateTag",
        &m.token,
        json!({"TagGroupID": id.to_string(), "Name": "T", "Enabled": true}),
    )
    .await
    .ok();
    app.post(
        "CreateTag",
        &m.token,
        json!({"TagGroupID": "one", "Name": "T2"}),
    )
    .await
    .expect_field_error("TagGroupID");
    app.post(
        "CreateTag",
        &m.token,
        json!({"TagGroupID": id, "Name": "T3", "Enabled": "maybe"}),
    )
    .await
    .expect_field_error("Enabled");
    app.post("CreateTag", &m.token, json!({"Name": "T4"}))
        .await
        .expect_field_error("TagGroupID");
}

#[tokio::test]
async fn health_ready_and_the_api_document() {
    let app = TestApp::spawn().await;
    let health = app
        .raw(app.client.get(format!("{}/health", app.address)))
        .await
        .ok();
    assert_eq!(health["Status"], "ok");
    app.raw(app.client.get(format!("{}/ready", app.address)))
        .await
        .ok();
    let doc = app
        .raw(app.client.get(format!("{}/api/openapi.json", app.address)))
        .await
        .ok();
    for path in [
        "/api/AgentLogon",
        "/api/CreateAgent",
        "/api/DeleteTag",
        "/api/UpdateSettings",
        "/api/GetWorkingHours",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    let version = &doc["paths"]["/api/GetSettings"]["get"]["parameters"][0];
    assert_eq!(version["name"], "Version");
    assert!(doc["paths"]["/api/AgentLogon"]["post"]
        .get("security")
        .is_none());
    let page = app
        .raw(app.client.get(format!("{}/api/docs/", app.address)))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.as_str().unwrap_or("").contains("swagger"),
        "docs page is Swagger UI"
    );
}

#[tokio::test]
async fn an_unreachable_database_gives_503_not_a_crash() {
    let vars = std::collections::HashMap::from([
        (
            "DATABASE_URL".to_string(),
            "postgres://agentdesk@127.0.0.1:1/none".to_string(),
        ),
        ("AGENTDESK_BIND".to_string(), "127.0.0.1:0".to_string()),
        ("DATABASE_TIMEOUT_SECONDS".to_string(), "1".to_string()),
    ]);
    let app = Application::build(Config::from_vars(&vars).unwrap())
        .await
        .expect("starts without its database");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let health = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    for path in [
        "/ready",
        "/api/GetSettings?Version=1&SessionToken=0123456789abcdef0123456789abcdef",
    ] {
        let r = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 503, "{path}");
        assert!(r.headers().contains_key("retry-after"));
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["Error"]["Code"], "DatabaseUnavailable");
    }
}

#[tokio::test]
async fn authentication_and_role_come_before_body_errors() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    let bad_token = "0123456789abcdef0123456789abcdef";
    for _ in 0..5 {
        let url = format!(
            "{}?Version=1&SessionToken={bad_token}",
            app.url("CreateTagGroup")
        );
        let r = app
            .raw(
                app.client
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .body("{bad"),
            )
            .await;
        r.expect_error(401, "InvalidSessionToken");
        let r = app
            .post("CreateTagGroup", &a.token, json!({"Name": 5}))
            .await;
        r.expect_error(403, "Forbidden");
    }
}

#[tokio::test]
async fn method_not_allowed_names_the_allowed_methods() {
    let app = TestApp::spawn().await;
    let r = app
        .raw(
            app.client
                .get(app.url("AgentLogon"))
                .query(&[("Version", "1")]),
        )
        .await;
    r.expect_error(405, "MethodNotAllowed");
    assert_eq!(r.headers["allow"], "POST");
    let doc = app
        .raw(app.client.get(format!("{}/api/openapi.json", app.address)))
        .await
        .ok();
    let keep_alive = &doc["paths"]["/api/KeepAlive"];
    assert!(keep_alive.get("get").is_some() && keep_alive.get("post").is_some());
}

#[tokio::test]
async fn lists_may_be_comma_separated() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d1 = app.department(&m, "One").await;
    let d2 = app.department(&m, "Two").await;
    let body = json!({"Name": "N", "EmailAddress": "n@example.com", "RoleID": 1, "DepartmentID": format!("{d1},{d2}")});
    assert_eq!(
        app.post("CreateAgent", &m.token, body).await.ok()["DepartmentID"],
        json!([d1, d2])
    );
    let body =
        json!({"Name": "N", "EmailAddress": "n2@example.com", "RoleID": 1, "DepartmentID": "1,x"});
    app.post("CreateAgent", &m.token, body)
        .await
        .expect_field_error("DepartmentID");
}
