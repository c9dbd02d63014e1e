//! Two instances of the desk on one database, as behind a load balancer: what one changes, the
//! other knows within a second, however much each caches.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{is_postgres, Reply, TestApp};

/// Calls `ask` until `done` holds, for at most `within`; returns how long that took.
async fn within<F, Fut>(within: Duration, mut ask: F, done: impl Fn(&Reply) -> bool) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    let started = Instant::now();
    loop {
        let reply = ask().await;
        if done(&reply) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "not within {within:?}: {}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn what_one_instance_changes_the_other_knows_within_a_second() {
    // Sessions slide every 5 s here, as in production, so both instances answer from their caches.
    let a = TestApp::spawn_with(&[("SESSION_TOUCH_SECONDS", "5")]).await;
    let b = a.beside(&[]).await;
    let m = a.manager().await;
    let d = a.department(&m, "Support").await;
    let agent = a.agent(&m, &[d]).await;
    // Warm both caches.
    for app in [&a, &b] {
        app.get("GetSettings", &m.token, &[]).await.ok();
        app.get("GetDepartmentList", &agent.token, &[]).await.ok();
        app.get("GetCannedResponses", &agent.token, &[]).await.ok();
    }
    let second = Duration::from_millis(1300);

    a.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"CompanyName": "Changed Co"}]}),
    )
    .await
    .ok();
    assert_eq!(
        a.get("GetSettings", &m.token, &[]).await.ok()["Settings"][0]["CompanyName"],
        "Changed Co",
        "the instance that changed it knows at once"
    );
    within(
        second,
        || b.get("GetSettings", &m.token, &[]),
        |r| r.body["Settings"][0]["CompanyName"] == "Changed Co",
    )
    .await;

    a.department(&m, "Sales").await;
    within(
        second,
        || b.get("GetDepartmentList", &agent.token, &[]),
        |r| {
            r.body["Departments"]
                .as_array()
                .is_some_and(|d| d.len() == 2)
        },
    )
    .await;

    a.post(
        "CreateCannedResponse",
        &m.token,
        json!({"Name": "hello", "MessageText": "Hello #CUSTOMERNAME#"}),
    )
    .await
    .ok();
    within(
        second,
        || b.get("GetCannedResponses", &agent.token, &[]),
        |r| {
            r.body["CannedResponses"]
                .as_array()
                .is_some_and(|c| c.len() == 1)
        },
    )
    .await;

    // A session logged off through A is refused by B within a second, and by A at once.
    b.get("GetSettings", &agent.token, &[]).await.ok();
    a.get("AgentLogoff", &agent.token, &[]).await.ok();
    a.get("GetSettings", &agent.token, &[])
        .await
        .expect_error(401, "InvalidSessionToken");
    within(
        second,
        || b.get("GetSettings", &agent.token, &[]),
        |r| r.status == 401,
    )
    .await;

    // A disabled agent likewise.
    let other = a.agent(&m, &[d]).await;
    b.get("GetSettings", &other.token, &[]).await.ok();
    a.post(
        "UpdateAgent",
        &m.token,
        json!({"AgentID": other.agent_id, "Enabled": false}),
    )
    .await
    .ok();
    within(
        second,
        || b.get("GetSettings", &other.token, &[]),
        |r| r.status == 401,
    )
    .await;
}

/// The chats of `token`'s list of waiting chats.
async fn waiting_ids(app: &TestApp, token: &str) -> Vec<i64> {
    app.get("GetChatList", token, &[("ChatType", "unassigned")])
        .await
        .ok()["Chats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ChatID"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn an_agent_taken_out_of_a_department_stops_seeing_its_chats_at_once_here_within_a_second_there(
) {
    let a = TestApp::spawn_with(&[("SESSION_TOUCH_SECONDS", "5")]).await;
    let b = a.beside(&[]).await;
    let m = a.manager().await;
    let d = a.department(&m, "Support").await;
    a.always_open(&m.token).await;
    let ch = a.channel(&m, "https://chat.example.com").await;
    let chat = a.waiting_chat(&ch, "session-moved-0001").await;
    let chat_param = chat.to_string();
    let by_id = [("ChatID", chat_param.as_str())];
    let agent = a.agent(&m, &[d]).await;
    // Created first: a configuration change empties the caches, which would hide a missed one.
    let other = a.department(&m, "Sales").await;
    // Both instances have read the agent's departments (and cache them).
    for app in [&a, &b] {
        assert_eq!(waiting_ids(app, &agent.token).await, vec![chat]);
        app.get("GetChat", &agent.token, &by_id).await.ok();
    }
    a.post(
        "UpdateAgent",
        &m.token,
        json!({"AgentID": agent.agent_id, "DepartmentID": [other]}),
    )
    .await
    .ok();
    // Taking it is decided on fresh rows: refused on the other instance at once, although its
    // copy of the agent's departments may still be up to a second old.
    b.get("AssignChat", &agent.token, &by_id)
        .await
        .expect_error(404, "ChatNotFound");
    b.post(
        "SendMessage",
        &agent.token,
        json!({"ChatID": chat, "MessageText": "Mine now?"}),
    )
    .await
    .expect_error(404, "ChatNotFound");
    assert!(
        waiting_ids(&a, &agent.token).await.is_empty(),
        "at once here"
    );
    a.get("GetChat", &agent.token, &by_id)
        .await
        .expect_error(404, "ChatNotFound");
    within(
        Duration::from_millis(1300),
        || b.get("GetChat", &agent.token, &by_id),
        |r| r.status == 404,
    )
    .await;
    assert!(
        waiting_ids(&b, &agent.token).await.is_empty(),
        "within a second there"
    );
}

#[tokio::test]
async fn keep_alive_slides_the_session_without_a_write_each_time() {
    let app = TestApp::spawn_with(&[("SESSION_TOUCH_SECONDS", "5")]).await;
    let m = app.manager().await;
    let first = app.get("KeepAlive", &m.token, &[]).await.ok()["ExpiresAt"].clone();
    let written = || app.sql_strings("SELECT CAST(last_seen_at AS TEXT) AS value FROM sessions");
    let before = written().await;
    for _ in 0..5 {
        assert_eq!(
            app.get("KeepAlive", &m.token, &[]).await.ok()["ExpiresAt"],
            first,
            "within the touch interval the expiry stands"
        );
    }
    assert_eq!(written().await, before, "and nothing was written");
    // Once the interval has passed, the next call slides it.
    app.advance_clock(chrono::Duration::seconds(6));
    let later = app.get("KeepAlive", &m.token, &[]).await.ok()["ExpiresAt"].clone();
    assert_ne!(later, first);
    // Written with the other sessions slid meanwhile, in one commit, within the touch interval.
    let started = Instant::now();
    while written().await == before {
        assert!(
            started.elapsed() < Duration::from_secs(12),
            "written within two writer periods"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many chat reads `app` answered from what it kept.
fn kept_answers(app: &TestApp) -> u64 {
    app.ctx
        .unchanged
        .outcomes
        .with_label_values(&["kept"])
        .get()
}

#[tokio::test]
async fn answers_kept_while_nothing_changed_follow_every_commit_through_either_instance_at_once() {
    // Sessions slide hourly: reads commit nothing, however slowly this machine sets the desk up.
    let a = TestApp::spawn_with(&[("SESSION_TOUCH_SECONDS", "3600")]).await;
    let b = a.beside(&[]).await;
    let m = a.manager().await;
    let d = a.department(&m, "Support").await;
    a.always_open(&m.token).await;
    let ch = a.channel(&m, "https://chat.example.com").await;
    let first = a.waiting_chat(&ch, "session-kept-0001").await;
    let second = a.waiting_chat(&ch, "session-kept-0002").await;
    let one = a.agent(&m, &[d]).await;
    let two = a.agent(&m, &[d]).await;
    let tag = a.tag(&m, "vip").await;
    let first_param = first.to_string();
    let by_id = [("ChatID", first_param.as_str())];
    // Each instance answers each question twice; the second time from what it kept.
    for app in [&a, &b] {
        let before = kept_answers(app);
        for _ in 0..2 {
            assert_eq!(waiting_ids(app, &two.token).await, vec![first, second]);
            app.get("GetChat", &one.token, &by_id).await.ok();
            app.messages_of(&one.token, first).await;
        }
        // PostgreSQL's mark is the cluster's snapshot: the other tests' databases on the same
        // server move it too, so there only what follows is certain.
        if !is_postgres() {
            assert_eq!(kept_answers(app) - before, 3, "the second round was kept");
        }
    }

    // A grab through A: B's answers show it at once.
    let grabbed = a.get("GrabChat", &one.token, &[]).await.ok();
    assert_eq!(grabbed["ChatID"], first);
    assert_eq!(waiting_ids(&b, &two.token).await, vec![second]);
    let on_b = b.get("GetChat", &one.token, &by_id).await.ok();
    assert_eq!(on_b["AgentID"], one.agent_id);
    assert_eq!(on_b["ChatType"], "open");

    // The customer writes through B: A's transcript has it at once.
    b.customer_says(&ch, "session-kept-0001", "Still there?", json!({}))
        .await
        .ok();
    let texts: Vec<Value> = a
        .messages_of(&one.token, first)
        .await
        .iter()
        .map(|m| m["Message"].clone())
        .collect();
    assert_eq!(texts.last().unwrap(), "Still there?");

    // A tag added through B: A's list of open chats shows it at once.
    a.get("GetChatList", &one.token, &[("ChatType", "open")])
        .await
        .ok();
    b.post("AddTag", &one.token, json!({"ChatID": first, "TagID": tag}))
        .await
        .ok();
    let open = a
        .get("GetChatList", &one.token, &[("ChatType", "open")])
        .await
        .ok();
    assert_eq!(open["Chats"][0]["Tags"][0]["Name"], "vip", "{open}");

    // A change made outside the desk's code (plain SQL, as another tool would): still at once,
    // since what is kept follows the database's commits, not the desk's own writes.
    a.get("GetChat", &one.token, &by_id).await.ok();
    b.get("GetChat", &one.token, &by_id).await.ok();
    a.sql_with_id(
        "UPDATE customers SET full_name = 'Renamed Outside' WHERE id = (SELECT customer_id FROM chats WHERE id = $1)",
        first,
    )
    .await;
    for app in [&a, &b] {
        assert_eq!(
            app.get("GetChat", &one.token, &by_id).await.ok()["Customer"]["FullName"],
            "Renamed Outside"
        );
    }
}
