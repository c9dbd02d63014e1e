//! GrabChat, AssignChat, ReAssignChat, TransferChat, CloseChat, capacity, and the races.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::channel_helpers::{texts_of, Channel};
use crate::helpers::{Session, TestApp};

/// A desk with one department, a channel and `n` waiting chats (oldest first).
async fn desk_with_waiting_chats(app: &TestApp, m: &Session, n: usize) -> (i64, Channel, Vec<i64>) {
    let d = app.department(m, "Support").await;
    let ch = app.channel(m, "https://chat.example.com").await;
    let mut chats = Vec::new();
    for i in 0..n {
        chats.push(app.waiting_chat(&ch, &format!("session-{i:04}")).await);
    }
    (d, ch, chats)
}

#[tokio::test]
async fn grab_takes_the_longest_waiting_chat_of_my_departments() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let (d, _ch, chats) = desk_with_waiting_chats(&app, &m, 2).await;
    let other = app.department(&m, "Sales").await;
    let outsider = app.agent(&m, &[other]).await;
    app.get("GrabChat", &outsider.token, &[])
        .await
        .expect_error(404, "NoChatWaiting");
    let a = app.agent(&m, &[d]).await;
    let got = app.get("GrabChat", &a.token, &[]).await.ok();
    assert_eq!(got["ChatID"], chats[0]);
    assert_eq!(
        (got["ChatType"].as_str(), got["AgentID"].as_i64()),
        (Some("open"), Some(a.agent_id))
    );
    let got = app.post("GrabChat", &a.token, json!({})).await.ok();
    assert_eq!(got["ChatID"], chats[1]);
    app.get("GrabChat", &a.token, &[])
        .await
        .expect_error(404, "NoChatWaiting");
}

#[tokio::test]
async fn assign_rules() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let (d, _ch, chats) = desk_with_waiting_chats(&app, &m, 3).await;
    let a = app.agent(&m, &[d]).await;
    let b = app.agent(&m, &[d]).await;
    let (c0, c1, c2) = (
        chats[0].to_string(),
        chats[1].to_string(),
        chats[2].to_string(),
    );
    let bid = b.agent_id.to_string();
    app.get(
        "AssignChat",
        &a.token,
        &[("ChatID", &c0), ("AgentID", &bid)],
    )
    .await
    .expect_error(403, "Forbidden");
    let mine = app
        .get("AssignChat", &a.token, &[("ChatID", &c0)])
        .await
        .ok();
    assert_eq!(mine["AgentID"], a.agent_id);
    app.get("AssignChat", &b.token, &[("ChatID", &c0)])
        .await
        .expect_error(409, "ChatAlreadyAssigned");
    // A manager gives a chat to an online agent, never to an offline one.
    assert_eq!(
        app.get(
            "AssignChat",
            &m.token,
            &[("ChatID", &c1), ("AgentID", &bid)]
        )
        .await
        .ok()["AgentID"],
        b.agent_id
    );
    app.get("AgentLogoff", &b.token, &[]).await.ok();
    app.get(
        "AssignChat",
        &m.token,
        &[("ChatID", &c2), ("AgentID", &bid)],
    )
    .await
    .expect_error(409, "AgentNotOnline");
    app.get("AssignChat", &m.token, &[("ChatID", "999")])
        .await
        .expect_error(404, "ChatNotFound");
    app.get("AssignChat", &m.token, &[])
        .await
        .expect_field_error("ChatID");
    let other = app.department(&m, "Sales").await;
    let outsider = app.agent(&m, &[other]).await;
    // Another department's chat looks exactly like one that doesn't exist.
    app.get("AssignChat", &outsider.token, &[("ChatID", &c2)])
        .await
        .expect_error(404, "ChatNotFound");
}

#[tokio::test]
async fn capacity_is_never_exceeded() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"MaxChatsPerAgent": 1}]}),
    )
    .await
    .ok();
    let (d, _ch, chats) = desk_with_waiting_chats(&app, &m, 2).await;
    let a = app.agent(&m, &[d]).await;
    app.get("GrabChat", &a.token, &[]).await.ok();
    app.get("GrabChat", &a.token, &[])
        .await
        .expect_error(409, "AgentAtCapacity");
    let c1 = chats[1].to_string();
    let aid = a.agent_id.to_string();
    app.get(
        "AssignChat",
        &m.token,
        &[("ChatID", &c1), ("AgentID", &aid)],
    )
    .await
    .expect_error(409, "AgentAtCapacity");
    let r = app
        .post(
            "SendMessage",
            &a.token,
            json!({"ChatID": chats[1], "MessageText": "hi"}),
        )
        .await;
    r.expect_error(409, "AgentAtCapacity");
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"MaxChatsPerAgent": 0}]}),
    )
    .await
    .ok();
    app.get("GrabChat", &a.token, &[]).await.ok();
}

#[tokio::test]
async fn reassign_rules() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let (d, _ch, chats) = desk_with_waiting_chats(&app, &m, 3).await;
    let a = app.agent(&m, &[d]).await;
    let b = app.agent(&m, &[d]).await;
    let (c0, c2) = (chats[0].to_string(), chats[2].to_string());
    let bid = b.agent_id.to_string();
    app.get(
        "ReAssignChat",
        &a.token,
        &[("ChatID", &c0), ("AgentID", &bid)],
    )
    .await
    .expect_error(409, "ChatNotAssigned");
    app.get("GrabChat", &a.token, &[]).await.ok();
    app.get("GrabChat", &a.token, &[]).await.ok();
    let moved = app
        .get(
            "ReAssignChat",
            &a.token,
            &[("ChatID", &c0), ("AgentID", &bid)],
        )
        .await
        .ok();
    assert_eq!(moved["ChatID"], json!([chats[0]]));
    app.get(
        "ReAssignChat",
        &a.token,
        &[("ChatID", &c0), ("AgentID", &bid)],
    )
    .await
    .expect_error(403, "Forbidden");
    // Without ChatID every open chat of the caller moves.
    let all = app
        .get("ReAssignChat", &a.token, &[("AgentID", &bid)])
        .await
        .ok();
    assert_eq!(all["ChatID"], json!([chats[1]]));
    let list = app
        .get("GetChatList", &b.token, &[("Selector", "private")])
        .await
        .ok();
    assert_eq!(list["Cursor"]["Total"], 2);
    let msgs = app.messages_of(&m.token, chats[0]).await;
    assert_eq!(texts_of(&msgs, "ReassignedSession").len(), 1);
    app.get("AgentLogoff", &b.token, &[]).await.ok();
    app.get("GrabChat", &a.token, &[]).await.ok();
    app.get(
        "ReAssignChat",
        &a.token,
        &[("ChatID", &c2), ("AgentID", &bid)],
    )
    .await
    .expect_error(409, "AgentNotOnline");
}

#[tokio::test]
async fn transfer_sends_the_chat_to_another_queue_and_tells_the_customer() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let (d, _ch, chats) = desk_with_waiting_chats(&app, &m, 1).await;
    let tag = app.tag(&m, "Billing").await;
    let billing = app
        .post(
            "CreateDepartment",
            &m.token,
            json!({"Name": "Billing", "AutoTagID": [tag]}),
        )
        .await
        .ok()["DepartmentID"]
        .as_i64()
        .unwrap();
    let a = app.agent(&m, &[d]).await;
    app.get("GrabChat", &a.token, &[]).await.ok();
    let (c0, bid) = (chats[0].to_string(), billing.to_string());
    let moved = app
        .get(
            "TransferChat",
            &a.token,
            &[("ChatID", &c0), ("DepartmentID", &bid)],
        )
        .await
        .ok();
    assert_eq!(
        (moved["ChatType"].as_str(), moved["DepartmentID"].as_i64()),
        (Some("unassigned"), Some(billing))
    );
    assert!(moved["AgentID"].is_null());
    assert_eq!(moved["QueuePosition"], 1);
    assert_eq!(moved["Tags"][0]["Name"], "Billing");
    let told = texts_of(
        &app.messages_of(&m.token, chats[0]).await,
        "TransferedSession",
    );
    assert_eq!(
        told,
        vec!["You have been transferred to Billing. You are number 1 in the queue."]
    );
    // The agent of the old department no longer sees it; an agent of Billing can take it.
    app.get("GetChat", &a.token, &[("ChatID", &c0)])
        .await
        .expect_error(404, "ChatNotFound");
    let biller = app.agent(&m, &[billing]).await;
    assert_eq!(
        app.get("GrabChat", &biller.token, &[]).await.ok()["ChatID"],
        chats[0]
    );
    app.get(
        "TransferChat",
        &m.token,
        &[("ChatID", &c0), ("DepartmentID", "999")],
    )
    .await
    .expect_error(404, "DepartmentNotFound");
}

#[tokio::test]
async fn close_ends_the_chat() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let (d, _ch, chats) = desk_with_waiting_chats(&app, &m, 1).await;
    let a = app.agent(&m, &[d]).await;
    app.get("GrabChat", &a.token, &[]).await.ok();
    let c0 = chats[0].to_string();
    let closed = app
        .get("CloseChat", &a.token, &[("ChatID", &c0)])
        .await
        .ok();
    assert_eq!(
        (closed["ChatType"].as_str(), closed["CloseReason"].as_str()),
        (Some("closed"), Some("ClosedByUser"))
    );
    app.get("CloseChat", &a.token, &[("ChatID", &c0)])
        .await
        .expect_error(409, "ChatClosed");
    app.post(
        "SendMessage",
        &a.token,
        json!({"ChatID": chats[0], "MessageText": "late"}),
    )
    .await
    .expect_error(409, "ChatClosed");
    app.get(
        "TransferChat",
        &a.token,
        &[("ChatID", &c0), ("DepartmentID", &d.to_string())],
    )
    .await
    .expect_error(409, "ChatClosed");
}

/// Many agents grabbing at once: every chat goes to exactly one agent, nobody exceeds capacity.
#[tokio::test]
async fn concurrent_grabs_give_each_chat_to_exactly_one_agent() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"MaxChatsPerAgent": 2}]}),
    )
    .await
    .ok();
    let (d, _ch, chats) = desk_with_waiting_chats(&app, &m, 12).await;
    let mut agents = Vec::new();
    for _ in 0..8 {
        agents.push(app.agent(&m, &[d]).await);
    }
    let app = &app;
    let grabs = agents
        .iter()
        .flat_map(|a| (0..3).map(move |_| a))
        .map(|a| async move { (a.agent_id, app.get("GrabChat", &a.token, &[]).await) });
    let results = futures_util::future::join_all(grabs).await;
    let mut owner: HashMap<i64, i64> = HashMap::new();
    let mut per_agent: HashMap<i64, usize> = HashMap::new();
    for (agent, reply) in &results {
        match reply.status {
            200 => {
                let chat = reply.body["ChatID"].as_i64().unwrap();
                assert!(
                    owner.insert(chat, *agent).is_none(),
                    "chat {chat} was given twice"
                );
                *per_agent.entry(*agent).or_default() += 1;
            }
            409 => assert_eq!(reply.body["Error"]["Code"], "AgentAtCapacity"),
            404 => assert_eq!(reply.body["Error"]["Code"], "NoChatWaiting"),
            s => panic!("unexpected {s}: {}", reply.body),
        }
    }
    assert_eq!(owner.len(), 12, "every waiting chat was taken");
    assert!(per_agent.values().all(|n| *n <= 2), "{per_agent:?}");
    let list = app
        .get(
            "GetChatList",
            &m.token,
            &[("ChatType", "open"), ("PageSize", "100")],
        )
        .await
        .ok();
    let stored: HashMap<i64, i64> = list["Chats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["ChatID"].as_i64().unwrap(),
                c["AgentID"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(stored, owner, "the database agrees with the answers");
    assert!(chats.iter().all(|c| owner.contains_key(c)));
}

/// Many agents assigning the same chat at once: exactly one wins.
#[tokio::test]
async fn concurrent_assigns_of_one_chat_have_one_winner() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let (d, _ch, chats) = desk_with_waiting_chats(&app, &m, 3).await;
    let mut agents = Vec::new();
    for _ in 0..8 {
        agents.push(app.agent(&m, &[d]).await);
    }
    let app = &app;
    for chat in chats {
        let id = chat.to_string();
        let tries = agents.iter().map(|a| {
            let id = id.clone();
            async move { app.get("AssignChat", &a.token, &[("ChatID", &id)]).await }
        });
        let results: Vec<_> = futures_util::future::join_all(tries).await;
        let winners = results.iter().filter(|r| r.status == 200).count();
        assert_eq!(
            winners,
            1,
            "{:?}",
            results.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        for r in results.iter().filter(|r| r.status != 200) {
            r.expect_error(409, "ChatAlreadyAssigned");
        }
        let detail = app.get("GetChat", &m.token, &[("ChatID", &id)]).await.ok();
        let winner: Value =
            results.iter().find(|r| r.status == 200).unwrap().body["AgentID"].clone();
        assert_eq!(detail["AgentID"], winner);
    }
}

#[tokio::test]
async fn handing_over_and_closing_respect_ownership() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let (d, _ch, chats) = desk_with_waiting_chats(&app, &m, 1).await;
    let sales = app.department(&m, "Sales").await;
    let a = app.agent(&m, &[d]).await;
    let colleague = app.agent(&m, &[d]).await;
    let outsider = app.agent(&m, &[sales]).await;
    app.get(
        "ReAssignChat",
        &a.token,
        &[("AgentID", &colleague.agent_id.to_string())],
    )
    .await
    .expect_error(409, "ChatNotAssigned");
    app.get("GrabChat", &a.token, &[]).await.ok();
    let c0 = chats[0].to_string();
    let r = app
        .get(
            "ReAssignChat",
            &a.token,
            &[("ChatID", &c0), ("AgentID", &outsider.agent_id.to_string())],
        )
        .await;
    r.expect_error(409, "AgentNotInDepartment");
    app.get("CloseChat", &colleague.token, &[("ChatID", &c0)])
        .await
        .expect_error(403, "Forbidden");
    app.get(
        "TransferChat",
        &colleague.token,
        &[("ChatID", &c0), ("DepartmentID", &sales.to_string())],
    )
    .await
    .expect_error(403, "Forbidden");
    app.get("CloseChat", &m.token, &[("ChatID", &c0)])
        .await
        .ok();
}

/// Customers joining one queue at the same moment get different positions.
#[tokio::test]
async fn concurrent_arrivals_get_distinct_queue_positions() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let app = &app;
    let arrivals = (0..8).map(|i| {
        let ch = ch.clone();
        async move {
            app.customer_says(
                &ch,
                &format!("arrival-{i:04}"),
                "hello",
                serde_json::json!({}),
            )
            .await
            .ok()
        }
    });
    let replies = futures_util::future::join_all(arrivals).await;
    let mut positions: Vec<i64> = replies
        .iter()
        .map(|r| r["QueuePosition"].as_i64().unwrap())
        .collect();
    positions.sort();
    assert_eq!(positions, (1..=8).collect::<Vec<_>>());
}
