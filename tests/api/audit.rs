//! GetAuditLog: managers' changes and security events, with who, from where and what changed.

use serde_json::{json, Value};

use crate::helpers::TestApp;

fn entries(log: &Value) -> Vec<Value> {
    log["Entries"].as_array().unwrap().clone()
}

async fn log_of(app: &TestApp, token: &str, query: &[(&str, &str)]) -> Vec<Value> {
    entries(&app.get("GetAuditLog", token, query).await.ok())
}

#[tokio::test]
async fn a_settings_change_is_logged_with_before_and_after() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"CompanyName": "Acme"}, {"MaxChatsPerAgent": 5}]}),
    )
    .await
    .ok();
    let log = log_of(&app, &m.token, &[("Action", "UpdateSettings")]).await;
    assert_eq!(log.len(), 1, "{log:?}");
    let row = &log[0];
    assert_eq!(row["AgentID"], m.agent_id);
    assert_eq!(row["Actor"], "Mia Manager");
    assert_eq!(row["Address"], "127.0.0.1");
    assert_eq!(row["Target"], "Settings");
    // Only what changed: MaxChatsPerAgent was already 5.
    assert_eq!(
        row["Changes"],
        json!({"CompanyName": {"Before": "agentdesk", "After": "Acme"}})
    );
    // Sending the same values again changes nothing and logs nothing.
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"CompanyName": "Acme"}]}),
    )
    .await
    .ok();
    assert_eq!(
        log_of(&app, &m.token, &[("Action", "UpdateSettings")])
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_failed_logon_and_a_logon_are_logged_without_the_password() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.logon_reply(&m.email, "wrong-password-123")
        .await
        .expect_error(401, "InvalidCredentials");
    let failed = log_of(&app, &m.token, &[("Action", "AgentLogonFailed")]).await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["AgentID"], m.agent_id);
    assert_eq!(failed[0]["Target"], format!("Agent {}", m.agent_id));
    assert_eq!(failed[0]["Address"], "127.0.0.1");
    assert_eq!(failed[0]["Changes"], json!({}));
    let logons = log_of(&app, &m.token, &[("Action", "AgentLogon")]).await;
    assert_eq!(logons.len(), 1);
    // The whole log, as CSV, never holds a password.
    let r = app.get("GetAuditLog", &m.token, &[("Format", "csv")]).await;
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.body.as_str().unwrap();
    assert!(csv.starts_with("AuditID,At,AgentID,Actor,Address,Action,Target,Changes\r\n"));
    assert!(csv.contains("AgentLogonFailed"));
    assert!(!csv.contains("wrong-password-123"));
}

#[tokio::test]
async fn lockout_logoff_and_configuration_changes_are_logged() {
    let app = TestApp::spawn_with(&[("LOGON_MAX_FAILURES", "2")]).await;
    let m = app.manager().await;
    let d = app.department(&m, "Sales").await;
    app.post(
        "UpdateDepartment",
        &m.token,
        json!({"DepartmentID": d, "Name": "Sales team"}),
    )
    .await
    .ok();
    let agent = app.agent(&m, &[d]).await;
    for _ in 0..2 {
        app.logon_reply(&agent.email, "not-the-password-1").await;
    }
    app.get("AgentLogoff", &agent.token, &[]).await.ok();

    let updated = log_of(&app, &m.token, &[("Action", "UpdateDepartment")]).await;
    assert_eq!(
        updated[0]["Changes"],
        json!({"Name": {"Before": "Sales", "After": "Sales team"}})
    );
    assert_eq!(
        log_of(&app, &m.token, &[("Action", "CreateDepartment")])
            .await
            .len(),
        1
    );
    // The manager made by `create-manager` (the desk itself), then the agent (newest first).
    let created = log_of(&app, &m.token, &[("Action", "CreateAgent")]).await;
    assert_eq!(created.len(), 2);
    assert_eq!(created[1]["Actor"], "system");
    assert_eq!(created[0]["AgentID"], m.agent_id);
    assert_eq!(created[0]["Changes"]["HasPassword"]["After"], "[redacted]");
    assert_eq!(
        log_of(&app, &m.token, &[("Action", "AgentLockedOut")])
            .await
            .len(),
        1
    );
    let mine = log_of(&app, &m.token, &[("AgentID", &agent.agent_id.to_string())]).await;
    let actions: Vec<&str> = mine.iter().map(|r| r["Action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "AgentLogoff",
            "AgentLockedOut",
            "AgentLogonFailed",
            "AgentLogonFailed",
            "AgentLogon"
        ]
    );
}

#[tokio::test]
async fn only_managers_read_the_log_and_bad_filters_are_named() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let agent = app.agent(&m, &[]).await;
    app.get("GetAuditLog", &agent.token, &[])
        .await
        .expect_error(403, "Forbidden");
    for (name, value) in [
        ("From", "yesterday"),
        ("AgentID", "0"),
        ("Format", "xml"),
        ("PageSize", "1000"),
    ] {
        app.get("GetAuditLog", &m.token, &[(name, value)])
            .await
            .expect_field_error(name);
    }
    let page = app
        .get("GetAuditLog", &m.token, &[("PageSize", "1")])
        .await
        .ok();
    assert_eq!(page["Cursor"]["PageSize"], 1);
    assert!(page["Cursor"]["Total"].as_i64().unwrap() >= 2);
    let from_future = log_of(&app, &m.token, &[("From", "2999-01-01T00:00:00Z")]).await;
    assert!(from_future.is_empty());
}
