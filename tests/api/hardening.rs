//! Issue 25, the second hardening round: each test fails without its fix (docs/security.md).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{Session, TestApp, PASSWORD};

/// The agent as GetAgentList shows it to `viewer`.
async fn listed(app: &TestApp, viewer: &Session, agent_id: i64) -> Value {
    let list = app.get("GetAgentList", &viewer.token, &[]).await.ok();
    list["Agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["AgentID"] == agent_id)
        .cloned()
        .unwrap_or_else(|| panic!("agent {agent_id} not listed: {list}"))
}

#[tokio::test]
async fn create_agent_takes_notifications_like_update_agent() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let created = app
        .post(
            "CreateAgent",
            &m.token,
            json!({"Name": "Nora", "EmailAddress": "nora@example.com", "RoleID": "1",
                   "Notifications": ["UnassignedChatsWaiting"]}),
        )
        .await
        .ok();
    assert_eq!(created["Notifications"], json!(["UnassignedChatsWaiting"]));
    let id = created["AgentID"].as_i64().unwrap();
    assert_eq!(
        listed(&app, &m, id).await["Notifications"],
        json!(["UnassignedChatsWaiting"])
    );
    app.post(
        "CreateAgent",
        &m.token,
        json!({"Name": "Olga", "EmailAddress": "olga@example.com", "RoleID": 1,
               "Notifications": ["Everything"]}),
    )
    .await
    .expect_field_error("Notifications");
}

#[tokio::test]
async fn a_field_the_endpoint_does_not_know_is_refused_by_name() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    // A misspelt field used to be dropped: the answer was 200 and nothing changed.
    let reply = app
        .post(
            "UpdateAgent",
            &m.token,
            json!({"Nmae": "Typo", "Name": "Boss"}),
        )
        .await;
    reply.expect_field_error("Nmae");
    assert!(reply.body["Error"]["Fields"].get("Name").is_none());
    assert_ne!(listed(&app, &m, m.agent_id).await["Name"], "Boss");
    // In the query string too.
    app.get("GetChatList", &m.token, &[("ChatTyp", "open")])
        .await
        .expect_field_error("ChatTyp");
    // The AgentChat document's own spellings keep working: numbers as strings, `CustomrID`.
    let d = app.department(&m, "Support").await;
    let a = app.agent(&m, &[d]).await;
    app.post(
        "UpdateAgent",
        &m.token,
        json!({"AgentID": a.agent_id.to_string(), "MaxChats": "3"}),
    )
    .await
    .ok();
    let t = app.tag(&m, "vip").await;
    let reply = app
        .post(
            "AddTag",
            &m.token,
            json!({"CustomrID": "999999", "TagID": t}),
        )
        .await;
    assert_ne!(reply.status, 400, "CustomrID is a field: {}", reply.body);
}

#[tokio::test]
async fn the_channel_api_takes_a_message_and_names_the_fields_it_ignored() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let reply = app
        .customer_says(
            &ch,
            "session-ignored-0001",
            "Hello, anyone there?",
            json!({"favouriteColour": "blue", "customerName": "Ann"}),
        )
        .await
        .ok();
    assert!(
        reply["Ignored"]["favouriteColour"].is_string(),
        "named: {reply}"
    );
    assert!(reply["Ignored"].get("customerName").is_none(), "{reply}");
    let chat_id = reply["ChatID"].as_i64().unwrap();
    let messages = app.messages_of(&m.token, chat_id).await;
    assert!(
        messages
            .iter()
            .any(|msg| msg["Message"] == "Hello, anyone there?"),
        "the message was kept: {messages:#?}"
    );
    // An answer with nothing ignored has no `Ignored`.
    let plain = app
        .customer_says(&ch, "session-ignored-0001", "Still here", json!({}))
        .await
        .ok();
    assert!(plain.get("Ignored").is_none(), "{plain}");
}

#[tokio::test]
async fn setting_oneself_online_is_presence_whatever_the_touch_interval() {
    // Calls write the agent's `last_seen_at` at most every 30 s, presence waits 4 s: only the
    // status change itself can tell routing the agent is there.
    let app = TestApp::spawn_with(&[
        ("PRESENCE_TIMEOUT_SECONDS", "4"),
        ("SESSION_TOUCH_SECONDS", "30"),
    ])
    .await;
    let m = app.manager().await;
    let list: Vec<Value> = vec![json!({"RoutingMode": "RoundRobin"})];
    app.post("UpdateSettings", &m.token, json!({"Settings": list}))
        .await
        .ok();
    let d = app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let mut agents = Vec::new();
    for name in ["Ada", "Bob"] {
        let email = format!("{}@example.com", name.to_lowercase());
        app.post(
            "CreateAgent",
            &m.token,
            json!({"Name": name, "EmailAddress": email, "RoleID": 1, "DepartmentID": [d],
                   "Password": PASSWORD}),
        )
        .await
        .ok();
        agents.push(app.logon(&email, PASSWORD).await);
    }
    for a in &agents {
        app.post("UpdateAgent", &a.token, json!({"StatusID": 3}))
            .await
            .ok();
    }
    // A break longer than the presence timeout.
    app.advance_clock(chrono::Duration::seconds(20));
    for a in &agents {
        app.post("UpdateAgent", &a.token, json!({"StatusID": 4}))
            .await
            .ok();
    }
    let mut chats = Vec::new();
    for i in 0..4 {
        chats.push(app.waiting_chat(&ch, &format!("session-back-{i:04}")).await);
    }
    let started = Instant::now();
    let owners: Vec<i64> = loop {
        let mut owners = Vec::new();
        for id in &chats {
            let chat = app
                .get("GetChat", &m.token, &[("ChatID", &id.to_string())])
                .await
                .ok();
            owners.extend(chat["AgentID"].as_i64());
        }
        if owners.len() == chats.len() {
            break owners;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "chats left waiting: {owners:?} of {chats:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for a in &agents {
        let n = owners.iter().filter(|o| **o == a.agent_id).count();
        assert_eq!(n, 2, "round robin shares the chats: {owners:?}");
    }
}
