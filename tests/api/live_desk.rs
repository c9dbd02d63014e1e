//! The desk routing by itself (docs/routing.md): automatic assignment, capacity under races across
//! instances, presence and requeueing, waiting-chat alerts, transfers to an agent.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::channel_helpers::Channel;
use crate::events::EventClient;
use crate::helpers::{Session, TestApp};

async fn settings(app: &TestApp, m: &Session, pairs: Value) {
    let list: Vec<Value> = pairs
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| json!({ k: v }))
        .collect();
    app.post("UpdateSettings", &m.token, json!({ "Settings": list }))
        .await
        .ok();
}

/// Asks `chat` until `done` holds (at most `within`).
async fn eventually(
    app: &TestApp,
    token: &str,
    chat_id: i64,
    within: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    let id = chat_id.to_string();
    loop {
        let chat = app.get("GetChat", token, &[("ChatID", &id)]).await.ok();
        if done(&chat) {
            return chat;
        }
        assert!(started.elapsed() < within, "not within {within:?}: {chat}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn desk(app: &TestApp, mode: &str) -> (Session, i64, Channel) {
    let m = app.manager().await;
    settings(app, &m, json!({ "RoutingMode": mode })).await;
    let d = app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    (m, d, ch)
}

/// The agent's own open chats, as GetChatList answers them (one page of up to 100).
async fn own_open_chats(app: &TestApp, agent: &Session) -> Value {
    app.get(
        "GetChatList",
        &agent.token,
        &[
            ("ChatType", "open"),
            ("Selector", "private"),
            ("PageSize", "100"),
        ],
    )
    .await
    .ok()
}

/// The queue as a manager sees it (one page of up to 100).
async fn waiting_chats(app: &TestApp, manager: &Session) -> Value {
    app.get(
        "GetChatList",
        &manager.token,
        &[("ChatType", "unassigned"), ("PageSize", "100")],
    )
    .await
    .ok()
}

async fn status(app: &TestApp, agent: &Session, status: i64) {
    app.post("UpdateAgent", &agent.token, json!({ "StatusID": status }))
        .await
        .ok();
}

#[tokio::test]
async fn a_chat_queued_with_an_agent_online_and_room_is_assigned_without_any_call() {
    let app = TestApp::spawn().await;
    let (m, d, ch) = desk(&app, "LeastBusy").await;
    let a = app.agent(&m, &[d]).await;
    let mut stream = EventClient::open(&app, &a.token, None).await;
    let chat_id = app.waiting_chat(&ch, "session-routed-1").await;
    let chat = eventually(&app, &m.token, chat_id, Duration::from_secs(3), |c| {
        c["ChatType"] == "open"
    })
    .await;
    assert_eq!(chat["AgentID"], a.agent_id);
    let (assigned, _) = stream
        .until(Duration::from_secs(3), |e| e.name == "chat.assigned")
        .await;
    assert_eq!(assigned.data["How"], "routed");
    // The customer is told who took the chat.
    let messages = app.messages_of(&m.token, chat_id).await;
    assert!(
        messages.iter().any(|msg| msg["Message"]
            .as_str()
            .is_some_and(|t| t.contains("chatting with"))),
        "{messages:#?}"
    );
}

#[tokio::test]
async fn never_to_an_agent_who_is_offline_or_away_and_least_busy_spreads_the_load() {
    let app = TestApp::spawn().await;
    let (m, d, ch) = desk(&app, "LeastBusy").await;
    let busy = app.agent(&m, &[d]).await;
    let on_break = app.agent(&m, &[d]).await;
    status(&app, &busy, 2).await;
    status(&app, &on_break, 3).await;
    let first = app.waiting_chat(&ch, "session-away-0001").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let chat = app
        .get("GetChat", &m.token, &[("ChatID", &first.to_string())])
        .await
        .ok();
    assert_eq!(
        chat["ChatType"], "unassigned",
        "given to an away agent: {chat}"
    );

    // Two agents come online: the waiting chat and the next two spread over them.
    let x = app.agent(&m, &[d]).await;
    let y = app.agent(&m, &[d]).await;
    let mut chats = vec![first];
    for i in 0..3 {
        chats.push(
            app.waiting_chat(&ch, &format!("session-spread-{i:04}"))
                .await,
        );
    }
    let mut per_agent = std::collections::HashMap::new();
    for chat_id in &chats {
        let chat = eventually(&app, &m.token, *chat_id, Duration::from_secs(4), |c| {
            c["ChatType"] == "open"
        })
        .await;
        *per_agent
            .entry(chat["AgentID"].as_i64().unwrap())
            .or_insert(0) += 1;
    }
    assert_eq!(per_agent.get(&x.agent_id), Some(&2), "{per_agent:?}");
    assert_eq!(per_agent.get(&y.agent_id), Some(&2), "{per_agent:?}");
    assert!(!per_agent.contains_key(&busy.agent_id) && !per_agent.contains_key(&on_break.agent_id));
}

#[tokio::test]
async fn capacity_and_precedence_hold_for_automatic_assignment() {
    let app = TestApp::spawn().await;
    let (m, d, ch) = desk(&app, "RoundRobin").await;
    settings(&app, &m, json!({ "MaxChatsPerAgent": 5 })).await;
    app.post(
        "UpdateDepartment",
        &m.token,
        json!({ "DepartmentID": d, "MaxChatsPerAgent": 3 }),
    )
    .await
    .ok();
    let a = app.agent(&m, &[d]).await;
    let own = app
        .post(
            "UpdateAgent",
            &m.token,
            json!({ "AgentID": a.agent_id, "MaxChats": 2 }),
        )
        .await
        .ok();
    assert_eq!(own["MaxChats"], 2);
    app.post(
        "UpdateAgent",
        &m.token,
        json!({ "AgentID": a.agent_id, "MaxChats": 1001 }),
    )
    .await
    .expect_field_error("MaxChats");
    for i in 0..4 {
        app.waiting_chat(&ch, &format!("session-cap-{i:04}")).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let open = own_open_chats(&app, &a).await;
    assert_eq!(open["Cursor"]["Total"], 2, "the agent's own MaxChats wins");
    // Without its own limit the department's applies.
    app.post(
        "UpdateAgent",
        &m.token,
        json!({ "AgentID": a.agent_id, "MaxChats": 0 }),
    )
    .await
    .ok();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let open = own_open_chats(&app, &a).await;
    assert_eq!(
        open["Cursor"]["Total"], 3,
        "then the department's MaxChatsPerAgent"
    );
    app.get("GrabChat", &a.token, &[])
        .await
        .expect_error(409, "AgentAtCapacity");
}

#[tokio::test]
async fn a_returning_customer_goes_to_their_last_agent() {
    let app = TestApp::spawn().await;
    let (m, d, ch) = desk(&app, "RoundRobin").await;
    let a = app.agent(&m, &[d]).await;
    let b = app.agent(&m, &[d]).await;
    let first = app.waiting_chat(&ch, "session-returning-1").await;
    let chat = eventually(&app, &m.token, first, Duration::from_secs(3), |c| {
        c["ChatType"] == "open"
    })
    .await;
    let had = chat["AgentID"].as_i64().unwrap();
    let token = if had == a.agent_id {
        &a.token
    } else {
        &b.token
    };
    app.get("CloseChat", token, &[("ChatID", &first.to_string())])
        .await
        .ok();
    // Round robin alone would pick the other agent now; the customer's last agent comes first.
    let second = app.waiting_chat(&ch, "session-returning-1").await;
    let chat = eventually(&app, &m.token, second, Duration::from_secs(3), |c| {
        c["ChatType"] == "open"
    })
    .await;
    assert_eq!(chat["AgentID"], had);
}

#[tokio::test]
async fn an_agent_who_stops_heartbeating_goes_offline_and_their_chats_return_after_the_grace() {
    let app = TestApp::spawn_with(&[("PRESENCE_TIMEOUT_SECONDS", "30")]).await;
    let (m, d, ch) = desk(&app, "Manual").await;
    settings(&app, &m, json!({ "RequeueAfterOfflineMinutes": 2 })).await;
    let a = app.agent(&m, &[d]).await;
    let chat_id = app.waiting_chat(&ch, "session-quiet-0001").await;
    app.get("GrabChat", &a.token, &[]).await.ok();
    let mut watcher = EventClient::open(&app, &m.token, None).await;

    // The agent makes no call for longer than the presence timeout.
    app.advance_clock(chrono::Duration::seconds(40));
    let (offline, _) = watcher
        .until(Duration::from_secs(4), |e| {
            e.name == "agent.status" && e.data["AgentID"] == a.agent_id
        })
        .await;
    assert_eq!(offline.data["StatusID"], 1);
    let chat = app
        .get("GetChat", &m.token, &[("ChatID", &chat_id.to_string())])
        .await
        .ok();
    assert_eq!(chat["ChatType"], "open", "the grace has not passed yet");

    app.advance_clock(chrono::Duration::seconds(150));
    let chat = eventually(&app, &m.token, chat_id, Duration::from_secs(4), |c| {
        c["ChatType"] == "unassigned"
    })
    .await;
    assert_eq!(chat["AgentID"], Value::Null);
    let messages = app.messages_of(&m.token, chat_id).await;
    assert!(
        messages.iter().any(|msg| msg["Message"]
            .as_str()
            .is_some_and(|t| t.contains("number 1 in the queue"))),
        "the customer is told their place: {messages:#?}"
    );
    // Back with any call: the status they had returns.
    let me = app.post("UpdateAgent", &a.token, json!({})).await;
    assert_eq!(me.status, 200);
    let list = app.get("GetAgentList", &m.token, &[]).await.ok();
    let agent = list["Agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["AgentID"] == a.agent_id)
        .unwrap()
        .clone();
    assert_eq!(agent["StatusID"], 4, "{agent}");
}

#[tokio::test]
async fn a_waiting_chat_alerts_once_and_mails_once_per_window() {
    let app = TestApp::spawn().await;
    let (m, d, ch) = desk(&app, "Manual").await;
    settings(
        &app,
        &m,
        json!({ "UnassignedAlertSeconds": 60, "AlertMailMinutes": 10 }),
    )
    .await;
    let a = app.agent(&m, &[d]).await;
    app.post(
        "UpdateAgent",
        &a.token,
        json!({ "Notifications": ["UnassignedChatsWaiting"] }),
    )
    .await
    .ok();
    let mut stream = EventClient::open(&app, &a.token, None).await;
    let first = app.waiting_chat(&ch, "session-alert-0001").await;
    app.advance_clock(chrono::Duration::seconds(90));
    let (alert, _) = stream
        .until(Duration::from_secs(4), |e| e.name == "queue.alert")
        .await;
    assert_eq!(alert.data["ChatID"], first);
    assert!(alert.data["WaitingSeconds"].as_i64().unwrap() >= 60);
    let mails = app.wait_for_mails(1).await;
    assert!(mails[0].contains("waiting"), "{}", mails[0]);
    let metrics = app.get("LiveMetrics", &m.token, &[]).await.ok();
    assert_eq!(metrics["ChatsPastAlertThreshold"], 1);

    // A second chat past the threshold within the window: an alert, no second mail.
    let second = app.waiting_chat(&ch, "session-alert-0002").await;
    app.advance_clock(chrono::Duration::seconds(90));
    let (alert, _) = stream
        .until(Duration::from_secs(4), |e| e.name == "queue.alert")
        .await;
    assert_eq!(alert.data["ChatID"], second);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(app.mails().len(), 1, "one mail per window");
    let again = stream.drain(Duration::from_secs(3)).await;
    assert!(
        again.iter().all(|e| e.name != "queue.alert"),
        "each chat alerts once: {again:#?}"
    );

    // After the window, the next alert mails again.
    app.advance_clock(chrono::Duration::minutes(10));
    app.waiting_chat(&ch, "session-alert-0003").await;
    app.advance_clock(chrono::Duration::seconds(90));
    app.wait_for_mails(2).await;
}

#[tokio::test]
async fn transfer_to_an_agent_with_a_note() {
    let app = TestApp::spawn().await;
    let (m, d, ch) = desk(&app, "Manual").await;
    let a = app.agent(&m, &[d]).await;
    let b = app.agent(&m, &[d]).await;
    let chat_id = app.waiting_chat(&ch, "session-handover-1").await;
    app.get("GrabChat", &a.token, &[]).await.ok();
    let mut theirs = EventClient::open(&app, &b.token, None).await;
    let moved = app
        .post(
            "TransferChat",
            &a.token,
            json!({ "ChatID": chat_id, "AgentID": b.agent_id, "Note": "Wants a refund" }),
        )
        .await
        .ok();
    assert_eq!(
        (moved["ChatType"].as_str(), moved["AgentID"].as_i64()),
        (Some("open"), Some(b.agent_id))
    );
    let (event, _) = theirs
        .until(Duration::from_secs(2), |e| e.name == "chat.transferred")
        .await;
    assert_eq!(event.data["ToAgentID"], b.agent_id);
    assert_eq!(event.data["Note"], "Wants a refund");
    let messages = app.messages_of(&b.token, chat_id).await;
    assert!(messages
        .iter()
        .any(|msg| msg["Type"] == "note" && msg["Message"] == "Wants a refund"));
    // Neither a department nor an agent: the field is named.
    app.post("TransferChat", &b.token, json!({ "ChatID": chat_id }))
        .await
        .expect_field_error("DepartmentID");
    // To an agent who is away: refused, nothing moves.
    status(&app, &a, 3).await;
    app.post(
        "TransferChat",
        &b.token,
        json!({ "ChatID": chat_id, "AgentID": a.agent_id }),
    )
    .await
    .expect_error(409, "AgentNotOnline");
    let chat = app
        .get("GetChat", &m.token, &[("ChatID", &chat_id.to_string())])
        .await
        .ok();
    assert_eq!(chat["AgentID"], b.agent_id);
}

/// Two instances on one database, both assigning automatically while customers write in through
/// both: every chat goes to one agent, and no agent ever holds more than their limit.
#[tokio::test]
async fn capacity_holds_when_two_instances_race_the_same_queue() {
    let a_app = TestApp::spawn().await;
    let b_app = a_app.beside(&[]).await;
    let (m, d, ch) = desk(&a_app, "LeastBusy").await;
    settings(&a_app, &m, json!({ "MaxChatsPerAgent": 3 })).await;
    let agents = [a_app.agent(&m, &[d]).await, a_app.agent(&m, &[d]).await];
    let sessions: Vec<String> = (0..12).map(|i| format!("session-race-{i:04}")).collect();
    let mut writes = Vec::new();
    for (i, session) in sessions.iter().enumerate() {
        let app = if i % 2 == 0 { &a_app } else { &b_app };
        writes.push(app.customer_says(&ch, session, "Hi", json!({})));
    }
    for reply in futures_util::future::join_all(writes).await {
        assert_eq!(reply.status, 200);
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut total = 0;
    for agent in &agents {
        let open = own_open_chats(&a_app, agent).await;
        let n = open["Cursor"]["Total"].as_i64().unwrap();
        assert_eq!(n, 3, "each agent filled to MaxChatsPerAgent, never past it");
        total += n;
    }
    let waiting = waiting_chats(&a_app, &m).await;
    assert_eq!(
        waiting["Cursor"]["Total"].as_i64().unwrap() + total,
        12,
        "no chat twice, none lost"
    );
}

/// The same race with the real binary as the second instance: customers write in through both
/// processes and agents grab through the second while both assign automatically.
#[tokio::test]
async fn capacity_holds_when_a_second_process_races_the_same_queue() {
    let app = TestApp::spawn().await;
    let other = app.process_beside().await;
    let (m, d, ch) = desk(&app, "RoundRobin").await;
    settings(&app, &m, json!({ "MaxChatsPerAgent": 2 })).await;
    let agents = [
        app.agent(&m, &[d]).await,
        app.agent(&m, &[d]).await,
        app.agent(&m, &[d]).await,
    ];
    let sessions: Vec<String> = (0..16).map(|i| format!("session-proc-{i:04}")).collect();
    let mut writes = Vec::new();
    for (i, session) in sessions.iter().enumerate() {
        let base = if i % 2 == 0 {
            app.address.clone()
        } else {
            other.address.clone()
        };
        let body = json!({"chatServer": "chat.example.com", "chatSessionID": session,
                          "chatAccountToken": ch.account_token, "message": "Hello"});
        let request = app
            .client
            .post(format!("{base}/api/v2/chat/notifyUserNewChatMessage"))
            .header("apiKey", &ch.api_key)
            .json(&body);
        writes.push(async move { request.send().await.map(|r| r.status().as_u16()) });
    }
    let grabs = agents.iter().map(|agent| {
        let url = format!(
            "{}/api/GrabChat?Version=1.0&SessionToken={}",
            other.address, agent.token
        );
        let client = app.client.clone();
        async move {
            for _ in 0..4 {
                let _ = client.get(&url).send().await;
            }
        }
    });
    let (written, _) = tokio::join!(
        futures_util::future::join_all(writes),
        futures_util::future::join_all(grabs)
    );
    assert!(written.iter().all(|s| matches!(s, Ok(200))), "{written:?}");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut seen = std::collections::HashSet::new();
    for agent in &agents {
        let open = own_open_chats(&app, agent).await;
        let chats = open["Chats"].as_array().unwrap();
        assert_eq!(
            chats.len(),
            2,
            "filled to MaxChatsPerAgent and never past it"
        );
        for chat in chats {
            assert!(
                seen.insert(chat["ChatID"].as_i64().unwrap()),
                "a chat with two agents"
            );
        }
    }
    let waiting = waiting_chats(&app, &m).await;
    assert_eq!(waiting["Cursor"]["Total"], 16 - 6, "no chat lost");
}
