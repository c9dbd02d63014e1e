//! Retention (`RetentionDays` and the daily pass), EraseCustomer and ExportCustomer: chats and
//! customers go, DataInsight's counts stay.

use serde_json::{json, Value};

use crate::channel_helpers::Channel;
use crate::helpers::{Session, TestApp, PASSWORD};

/// Runs the daily pass now, as the worker would once it is due.
async fn daily_pass(app: &TestApp) {
    // The worker's first tick at start-up ran it already (with nothing to delete): due again.
    app.sql("UPDATE daily_passes SET last_done_at = NULL, claimed_until = NULL")
        .await;
    let ctx = app.ctx.clone();
    let ran = tokio::task::spawn_blocking(move || {
        agentdesk::service::governance::daily::run_if_due(&ctx)
    })
    .await
    .unwrap()
    .expect("the pass ran");
    assert!(ran.is_some(), "this instance claimed the pass");
}

/// DataInsight's figures for the year, without anything that depends on the time of the call.
async fn year(app: &TestApp, m: &Session) -> Value {
    let mut insight = app
        .get("DataInsight", &m.token, &[("Period", "year")])
        .await
        .ok();
    let o = insight.as_object_mut().unwrap();
    o.retain(|k, _| ["Totals", "Series", "Agents", "Departments", "Tags"].contains(&k.as_str()));
    insight
}

async fn chat_status(app: &TestApp, token: &str, chat: i64) -> u16 {
    app.get("GetChat", token, &[("ChatID", &chat.to_string())])
        .await
        .status
}

/// A customer writes in on `session` and leaves: a closed chat. Returns (chat, customer).
async fn closed_chat(app: &TestApp, ch: &Channel, session: &str, phone: &str) -> (i64, i64) {
    let r = app
        .customer_says(
            ch,
            session,
            "Hello, I need help",
            json!({"customerName": "Joe", "phoneNumber": phone}),
        )
        .await
        .ok();
    let end = json!({"chatServer": "chat.example.com", "chatSessionID": session});
    app.channel_call(ch, "notifyUserEndChat", end).await.ok();
    (
        r["ChatID"].as_i64().unwrap(),
        r["CustomerID"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn retention_deletes_exactly_the_chats_past_the_limit_and_keeps_the_counts() {
    let app = TestApp::spawn().await;
    app.set_clock("2026-11-02T10:00:00Z");
    let m = app.manager().await;
    let tag = app.tag(&m, "Billing").await;
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"Name": "Support", "AutoTagID": [tag]}),
    )
    .await
    .ok();
    let ch = app.channel(&m, "https://chat.example.com").await;
    let (old, old_customer) = closed_chat(&app, &ch, "session-old-0001", "+27820000001").await;
    let waiting_old = app.waiting_chat(&ch, "session-old-0002").await;
    app.set_clock("2026-11-20T10:00:00Z");
    let m = app.logon(&m.email, PASSWORD).await;
    let (recent, _) = closed_chat(&app, &ch, "session-recent-0001", "+27820000002").await;
    app.set_clock("2026-11-25T10:00:00Z");
    let m = app.logon(&m.email, PASSWORD).await;
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"RetentionDays": 10}]}),
    )
    .await
    .ok();
    let before = year(&app, &m).await;
    assert_eq!(before["Totals"]["ChatsStarted"], 3, "{before}");

    daily_pass(&app).await;

    // Closed 23 days ago: gone, with its customer; closed 5 days ago, or never closed: kept.
    assert_eq!(chat_status(&app, &m.token, old).await, 404);
    assert_eq!(chat_status(&app, &m.token, recent).await, 200);
    assert_eq!(chat_status(&app, &m.token, waiting_old).await, 200);
    let found = app
        .get(
            "FindCustomer",
            &m.token,
            &[("MobileNumber", "+27820000001")],
        )
        .await
        .ok();
    assert_eq!(found["Customers"], json!([]), "customer {old_customer}");
    assert_eq!(year(&app, &m).await, before, "DataInsight keeps its counts");
}

#[tokio::test]
async fn erase_customer_leaves_nothing_of_them_but_the_counts() {
    let app = TestApp::spawn().await;
    app.set_clock("2026-11-02T10:00:00Z");
    let m = app.manager().await;
    let tag = app.tag(&m, "Billing").await;
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"Name": "Support", "AutoTagID": [tag]}),
    )
    .await
    .ok();
    let ch = app.channel(&m, "https://chat.example.com").await;
    let (first, customer) = closed_chat(&app, &ch, "session-joe-0001", "+27821234567").await;
    let second = app
        .customer_says(
            &ch,
            "session-joe-0001",
            "Me again",
            json!({"phoneNumber": "+27821234567"}),
        )
        .await
        .ok()["ChatID"]
        .as_i64()
        .unwrap();
    app.post(
        "AddComment",
        &m.token,
        json!({"CustomerID": customer, "Comment": "Prefers mail"}),
    )
    .await
    .ok();
    let (other, _) = closed_chat(&app, &ch, "session-ann-0001", "+27829999999").await;
    app.set_clock("2026-11-25T10:00:00Z");
    let m = app.logon(&m.email, PASSWORD).await;
    let before = year(&app, &m).await;

    let id = customer.to_string();
    let export = app
        .get("ExportCustomer", &m.token, &[("CustomerID", &id)])
        .await
        .ok();
    assert_eq!(export["Customer"]["MobileNumber"], "+27821234567");
    let chats = export["Chats"].as_array().unwrap();
    assert_eq!(chats.len(), 2);
    let texts: Vec<&str> = chats
        .iter()
        .flat_map(|c| c["Messages"].as_array().unwrap())
        .map(|m| m["Text"].as_str().unwrap())
        .collect();
    assert!(texts.contains(&"Hello, I need help") && texts.contains(&"Me again"));
    assert!(texts.contains(&"Prefers mail"), "comments are exported");

    let agent = app.agent(&m, &[]).await;
    app.post(
        "EraseCustomer",
        &agent.token,
        json!({"CustomerID": customer}),
    )
    .await
    .expect_error(403, "Forbidden");
    app.post("EraseCustomer", &m.token, json!({"CustomerID": 0}))
        .await
        .expect_field_error("CustomerID");
    let erased = app
        .post("EraseCustomer", &m.token, json!({"CustomerID": customer}))
        .await
        .ok();
    assert_eq!(erased["ChatsDeleted"], 2);

    // Nothing of the customer through any API.
    for chat in [first, second] {
        assert_eq!(chat_status(&app, &m.token, chat).await, 404);
        let messages = app
            .get(
                "GetChatMessages",
                &m.token,
                &[("ChatID", &chat.to_string())],
            )
            .await;
        assert_eq!(messages.status, 404);
    }
    assert_eq!(chat_status(&app, &m.token, other).await, 200);
    let list = app
        .get("GetChatList", &m.token, &[("PageSize", "100")])
        .await
        .ok();
    let ids: Vec<i64> = list["Chats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ChatID"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [other]);
    assert!(!list.to_string().contains("+27821234567"));
    let found = app
        .get(
            "FindCustomer",
            &m.token,
            &[("MobileNumber", "+27821234567")],
        )
        .await
        .ok();
    assert_eq!(found["Customers"], json!([]));
    app.get("ExportCustomer", &m.token, &[("CustomerID", &id)])
        .await
        .expect_error(404, "NotFound");
    app.post("EraseCustomer", &m.token, json!({"CustomerID": customer}))
        .await
        .expect_error(404, "NotFound");
    assert_eq!(year(&app, &m).await, before, "DataInsight keeps its counts");

    // Audited, naming the customer's id only.
    let log = app
        .get("GetAuditLog", &m.token, &[("Action", "EraseCustomer")])
        .await
        .ok();
    let row = &log["Entries"][0];
    assert_eq!(row["Target"], format!("Customer {customer}"));
    assert_eq!(row["Changes"], json!({"Chats": {"Before": 2, "After": 0}}));
    assert!(!log.to_string().contains("+27821234567"));
}
