//! The first run in the browser (issue 23, point 1): a desk without a manager shows a one-time
//! setup code in its log and from `agentdesk setup-code`; CreateFirstManager takes it once.

use std::io::BufRead;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{Reply, TestApp, PASSWORD};

async fn public(app: &TestApp, method: Method, name: &str, body: Option<Value>) -> Reply {
    app.call(method, name, None, &[], body).await
}

async fn needs_setup(app: &TestApp) -> bool {
    public(app, Method::GET, "GetSetupState", None).await.ok()["NeedsSetup"]
        .as_bool()
        .unwrap()
}

fn first_manager(code: &str, email: &str) -> Value {
    json!({"SetupCode": code, "Name": "Mia Manager", "EmailAddress": email, "Password": PASSWORD})
}

/// The code as an operator gets it: `agentdesk setup-code` on the desk's database.
fn code_from_cli(app: &TestApp) -> String {
    let out = app.cli(&["setup-code"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn the_first_manager_is_created_in_the_browser_once() {
    let app = TestApp::spawn().await;
    assert!(needs_setup(&app).await);
    let code = code_from_cli(&app);
    assert_eq!(code.len(), 14, "{code}");
    assert_eq!(code_from_cli(&app), code, "made once, kept in the database");
    let other = app.beside(&[]).await;
    assert!(needs_setup(&other).await);

    // Bad fields name themselves; a wrong code is 403.
    public(&app, Method::POST, "CreateFirstManager", Some(json!({"SetupCode": code, "Name": "", "EmailAddress": "x", "Password": "short", "TimeZone": "Mars/Base"})))
        .await
        .expect_field_error("EmailAddress");
    let reply = public(&app, Method::POST, "CreateFirstManager", Some(json!({"SetupCode": code, "Name": "", "EmailAddress": "x", "Password": "short", "TimeZone": "Mars/Base"}))).await;
    let fields = reply.expect_error(400, "ValidationFailed");
    for field in ["Name", "EmailAddress", "Password", "TimeZone"] {
        assert!(fields.get(field).is_some(), "{field}: {}", reply.body);
    }
    public(
        &app,
        Method::POST,
        "CreateFirstManager",
        Some(first_manager("ABCD-EFGH-JKMN", "mia@example.com")),
    )
    .await
    .expect_error(403, "SetupCodeInvalid");
    assert!(needs_setup(&app).await);

    // The code as typed by hand (lower case, no dashes) on the other instance: answered like AgentLogon.
    let typed = code.to_lowercase().replace('-', " ");
    let mut body = first_manager(&typed, "mia@example.com");
    body["CompanyName"] = json!("Acme Support");
    body["TimeZone"] = json!("Africa/Johannesburg");
    let logon = public(&other, Method::POST, "CreateFirstManager", Some(body))
        .await
        .ok();
    let token = logon["SessionToken"].as_str().unwrap();
    assert_eq!(token.len(), 32);
    assert!(logon["ExpiresAt"].is_string());
    assert_eq!(logon["Agent"]["EmailAddress"], "mia@example.com");
    assert_eq!(logon["Agent"]["RoleID"], 2);
    let settings = app.get("GetSettings", token, &[]).await.ok();
    let text = settings.to_string();
    assert!(
        text.contains("Acme Support") && text.contains("Africa/Johannesburg"),
        "{text}"
    );
    let again = app.logon("mia@example.com", PASSWORD).await;
    assert_eq!(again.agent_id, logon["Agent"]["AgentID"].as_i64().unwrap());

    // Set up for ever: both instances, any code.
    assert!(!needs_setup(&app).await);
    assert!(!needs_setup(&other).await);
    for code in [code.as_str(), "wrong"] {
        public(
            &app,
            Method::POST,
            "CreateFirstManager",
            Some(first_manager(code, "eve@example.com")),
        )
        .await
        .expect_error(409, "AlreadySetUp");
    }
    let out = app.cli(&["setup-code"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "no code once set up");
    assert!(String::from_utf8_lossy(&out.stderr).contains("already has a manager"));
}

#[tokio::test]
async fn wrong_codes_count_as_failed_logons() {
    let app = TestApp::spawn_with(&[("LOGON_MAX_FAILURES_PER_ADDRESS", "3")]).await;
    for _ in 0..3 {
        public(
            &app,
            Method::POST,
            "CreateFirstManager",
            Some(first_manager("ABCD-EFGH-JKMN", "mia@example.com")),
        )
        .await
        .expect_error(403, "SetupCodeInvalid");
    }
    let code = code_from_cli(&app);
    let refused = public(
        &app,
        Method::POST,
        "CreateFirstManager",
        Some(first_manager(&code, "mia@example.com")),
    )
    .await;
    refused.expect_error(429, "TooManyLogonAttempts");
    assert!(refused.headers.get("Retry-After").is_some());
    app.logon_reply("someone@example.com", PASSWORD)
        .await
        .expect_error(429, "TooManyLogonAttempts");
    assert!(needs_setup(&app).await);
}

#[tokio::test]
async fn two_first_managers_at_once_make_one_manager() {
    let app = TestApp::spawn().await;
    let code = code_from_cli(&app);
    let other = app.beside(&[]).await;
    let (a, b) = tokio::join!(
        public(
            &app,
            Method::POST,
            "CreateFirstManager",
            Some(first_manager(&code, "ann@example.com"))
        ),
        public(
            &other,
            Method::POST,
            "CreateFirstManager",
            Some(first_manager(&code, "bob@example.com"))
        ),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", a.body, b.body);
    let loser = if a.status == 409 { &a } else { &b };
    loser.expect_error(409, "AlreadySetUp");
    let winner = if a.status == 200 { a.body } else { b.body };
    let token = winner["SessionToken"].as_str().unwrap();
    let agents = app.get("GetAgentList", token, &[]).await.ok();
    let managers: Vec<&Value> = agents["Agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["RoleID"] == 2)
        .collect();
    assert_eq!(managers.len(), 1, "{agents}");
}

#[tokio::test]
async fn the_server_prints_the_setup_code_at_start() {
    let app = TestApp::spawn().await;
    let code = code_from_cli(&app);
    let (_process, log) = app.process_with_log();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(log).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(&code) => {
                assert!(line.contains("agentdesk setup-code"), "{line}");
                break;
            }
            Ok(line) => seen.push(line),
            Err(_) => panic!("no setup code in the log: {seen:#?}"),
        }
    }
}
