//! CreateAgent, UpdateAgent, GetAgentList and the rules around them.

use serde_json::{json, Value};

use crate::helpers::TestApp;

fn find(list: &Value, agent_id: i64) -> Value {
    list["Agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["AgentID"] == agent_id)
        .cloned()
        .expect("agent listed")
}

#[tokio::test]
async fn create_agent_validates_and_returns_the_agent() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d1 = app.department(&m, "Sales").await;
    let d2 = app.department(&m, "Support").await;
    let body = json!({"Name": "Testing", "EmailAddress": "Testing@Example.com", "MobileNumber": "+27 82 123 1234",
                      "RoleID": "1", "DepartmentID": [d1.to_string(), d2.to_string()]});
    let agent = app.post("CreateAgent", &m.token, body).await.ok();
    assert_eq!(agent["Name"], "Testing");
    assert_eq!(agent["EmailAddress"], "Testing@Example.com");
    assert_eq!(agent["MobileNumber"], "+27821231234");
    assert_eq!(agent["RoleID"], 1);
    assert_eq!(agent["StatusID"], 1);
    assert_eq!(agent["DepartmentID"], json!([d1, d2]));
    assert_eq!(agent["HasPassword"], false);

    let dup = json!({"Name": "Again", "EmailAddress": "testing@EXAMPLE.com", "RoleID": 1, "DepartmentID": []});
    app.post("CreateAgent", &m.token, dup)
        .await
        .expect_error(409, "EmailAlreadyExists");
    let cases = [
        (
            "Name",
            json!({"Name": " ", "EmailAddress": "a@example.com", "RoleID": 1}),
        ),
        (
            "EmailAddress",
            json!({"Name": "A", "EmailAddress": "a@b", "RoleID": 1}),
        ),
        (
            "MobileNumber",
            json!({"Name": "A", "EmailAddress": "a@example.com", "MobileNumber": "12ab", "RoleID": 1}),
        ),
        (
            "RoleID",
            json!({"Name": "A", "EmailAddress": "a@example.com", "RoleID": 3}),
        ),
        (
            "DepartmentID",
            json!({"Name": "A", "EmailAddress": "a@example.com", "RoleID": 1, "DepartmentID": [d1, 999]}),
        ),
        (
            "Password",
            json!({"Name": "A", "EmailAddress": "a@example.com", "RoleID": 1, "Password": "short"}),
        ),
        ("EmailAddress", json!({"Name": "A", "RoleID": 1})),
    ];
    for (field, body) in cases {
        app.post("CreateAgent", &m.token, body)
            .await
            .expect_field_error(field);
    }
    let list = app.get("GetAgentList", &m.token, &[]).await.ok();
    assert_eq!(
        list["Agents"].as_array().unwrap().len(),
        2,
        "nothing half-created"
    );
}

#[tokio::test]
async fn only_managers_create_agents() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    let body = json!({"Name": "X", "EmailAddress": "x@example.com", "RoleID": 2});
    app.post("CreateAgent", &a.token, body.clone())
        .await
        .expect_error(403, "Forbidden");
    let r = app
        .call(reqwest::Method::POST, "CreateAgent", None, &[], Some(body))
        .await;
    r.expect_error(401, "InvalidSessionToken");
}

#[tokio::test]
async fn an_agent_created_with_a_password_can_log_on() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    let me = find(
        &app.get("GetAgentList", &a.token, &[]).await.ok(),
        a.agent_id,
    );
    assert_eq!(me["HasPassword"], true);
    assert!(me["LastSeenAt"].is_string());
}

#[tokio::test]
async fn a_manager_updates_every_field() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d1 = app.department(&m, "One").await;
    let d4 = app.department(&m, "Four").await;
    let a = app.agent(&m, &[d1]).await;
    let body = json!({"AgentID": a.agent_id.to_string(), "Name": "Jack Rabbit", "MobileNumber": "+27800000000",
        "EmailAddress": "jack@example.com", "Notifications": ["UnassignedChatsWaiting"], "RoleID": "2",
        "StatusID": "3", "DepartmentID": [d1.to_string(), d4.to_string()], "Enabled": true});
    let agent = app.post("UpdateAgent", &m.token, body).await.ok();
    assert_eq!(agent["Name"], "Jack Rabbit");
    assert_eq!(agent["MobileNumber"], "+27800000000");
    assert_eq!(agent["EmailAddress"], "jack@example.com");
    assert_eq!(agent["Notifications"], json!(["UnassignedChatsWaiting"]));
    assert_eq!(agent["RoleID"], 2);
    assert_eq!(agent["StatusID"], 3);
    assert_eq!(agent["DepartmentID"], json!([d1, d4]));
    // Only the fields sent change; an empty MobileNumber clears it.
    let agent = app
        .post(
            "UpdateAgent",
            &m.token,
            json!({"AgentID": a.agent_id, "MobileNumber": ""}),
        )
        .await
        .ok();
    assert_eq!(agent["Name"], "Jack Rabbit");
    assert!(agent["MobileNumber"].is_null());
    let r = app
        .post(
            "UpdateAgent",
            &m.token,
            json!({"AgentID": 999, "Name": "Ghost"}),
        )
        .await;
    r.expect_error(404, "AgentNotFound");
    let r = app
        .post(
            "UpdateAgent",
            &m.token,
            json!({"AgentID": a.agent_id, "EmailAddress": m.email}),
        )
        .await;
    r.expect_error(409, "EmailAlreadyExists");
    for (field, value) in [
        ("StatusID", json!(9)),
        ("Notifications", json!(["Everything"])),
        ("RoleID", json!("x")),
    ] {
        app.post(
            "UpdateAgent",
            &m.token,
            json!({"AgentID": a.agent_id, field: value}),
        )
        .await
        .expect_field_error(field);
    }
}

#[tokio::test]
async fn an_agent_may_change_only_its_own_name_mobile_status_and_notifications() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let a = app.agent(&m, &[d]).await;
    let other = app.agent(&m, &[d]).await;
    let me = app
        .post("UpdateAgent", &a.token, json!({"Name": "Me", "MobileNumber": "+27821112222", "StatusID": 3,
            "Notifications": ["UnassignedChatsWaiting"], "EmailAddress": a.email, "RoleID": 1, "DepartmentID": [d]}))
        .await
        .ok();
    assert_eq!(
        (me["Name"].as_str(), me["StatusID"].as_i64()),
        (Some("Me"), Some(3))
    );
    for (field, value) in [
        ("RoleID", json!(2)),
        ("EmailAddress", json!("new@example.com")),
        ("Enabled", json!(false)),
        ("DepartmentID", json!([])),
    ] {
        let r = app
            .post("UpdateAgent", &a.token, json!({field: value}))
            .await;
        let fields = r.expect_error(403, "Forbidden");
        assert!(fields.get(field).is_some(), "{field}: {}", r.body);
    }
    let r = app
        .post(
            "UpdateAgent",
            &a.token,
            json!({"AgentID": other.agent_id, "Name": "Hijack"}),
        )
        .await;
    r.expect_error(403, "Forbidden");
    let listed = find(
        &app.get("GetAgentList", &m.token, &[]).await.ok(),
        other.agent_id,
    );
    assert_ne!(listed["Name"], "Hijack");
}

#[tokio::test]
async fn disabling_an_agent_ends_its_sessions_at_once() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    app.get("KeepAlive", &a.token, &[]).await.ok();
    let agent = app
        .post(
            "UpdateAgent",
            &m.token,
            json!({"AgentID": a.agent_id, "Enabled": "false"}),
        )
        .await
        .ok();
    assert_eq!(
        (agent["Enabled"].as_bool(), agent["StatusID"].as_i64()),
        (Some(false), Some(1))
    );
    app.get("KeepAlive", &a.token, &[])
        .await
        .expect_error(401, "InvalidSessionToken");
}

#[tokio::test]
async fn the_last_enabled_manager_stays() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.post("UpdateAgent", &m.token, json!({"RoleID": 1}))
        .await
        .expect_error(409, "LastManager");
    app.post("UpdateAgent", &m.token, json!({"Enabled": false}))
        .await
        .expect_error(409, "LastManager");
    let second = app.manager().await;
    let demoted = app
        .post(
            "UpdateAgent",
            &second.token,
            json!({"AgentID": m.agent_id, "RoleID": 1}),
        )
        .await
        .ok();
    assert_eq!(demoted["RoleID"], 1);
    app.post("UpdateAgent", &second.token, json!({"Enabled": false}))
        .await
        .expect_error(409, "LastManager");
}

#[tokio::test]
async fn two_managers_demoting_each_other_at_once_leave_one_manager() {
    let app = TestApp::spawn().await;
    let a = app.manager().await;
    let b = app.manager().await;
    let (r1, r2) = tokio::join!(
        app.post(
            "UpdateAgent",
            &a.token,
            json!({"AgentID": b.agent_id, "RoleID": 1})
        ),
        app.post(
            "UpdateAgent",
            &b.token,
            json!({"AgentID": a.agent_id, "RoleID": 1})
        )
    );
    let mut statuses = [r1.status, r2.status];
    statuses.sort();
    // Either one demotion wins (200 + 409), or the loser's session was no longer a manager's (200 + 403).
    assert!(
        statuses == [200, 409] || statuses == [200, 403],
        "{statuses:?}"
    );
    let third = app.manager().await;
    let list = app.get("GetAgentList", &third.token, &[]).await.ok();
    let managers = [a.agent_id, b.agent_id]
        .iter()
        .filter(|id| find(&list, **id)["RoleID"] == 2)
        .count();
    assert_eq!(managers, 1);
}

#[tokio::test]
async fn agent_list_shows_status_role_departments_and_last_seen() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Sales").await;
    let a = app.agent(&m, &[d]).await;
    let list = app.get("GetAgentList", &a.token, &[]).await.ok();
    let agent = find(&list, a.agent_id);
    assert_eq!(agent["DepartmentID"], json!([d]));
    assert_eq!(agent["RoleID"], 1);
    assert_eq!(agent["StatusID"], 4);
    assert_eq!(agent["Enabled"], true);
    assert!(agent["LastSeenAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(find(&list, m.agent_id)["RoleID"], 2);
}
