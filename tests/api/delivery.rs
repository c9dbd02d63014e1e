//! Delivery of agent and system messages to the channel server, with retries.

use serde_json::json;

use crate::channel_helpers::{Hanging, Receiver};
use crate::helpers::TestApp;

#[tokio::test]
async fn messages_reach_the_channel_server_in_order_after_retries() {
    let receiver = Receiver::start(2).await;
    let app =
        TestApp::spawn_with(&[("DELIVERY_BACKOFF_MS", "50"), ("DELIVERY_POLL_MS", "50")]).await;
    let m = app.manager().await;
    let d = app
        .post(
            "CreateDepartment",
            &m.token,
            json!({"Name": "Support", "WelcomeNew": "Welcome!"}),
        )
        .await
        .ok()["DepartmentID"]
        .as_i64()
        .unwrap();
    let ch = app.channel(&m, &receiver.base_url).await;
    let chat = app.waiting_chat(&ch, "session-0001").await;
    let a = app.agent(&m, &[d]).await;
    app.post(
        "SendMessage",
        &a.token,
        json!({"ChatID": chat, "MessageText": "first"}),
    )
    .await
    .ok();
    app.post(
        "SendMessage",
        &a.token,
        json!({"ChatID": chat, "MessageText": "second"}),
    )
    .await
    .ok();

    let got = receiver.wait_for(3).await;
    let texts: Vec<&str> = got
        .iter()
        .map(|r| r.body["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec!["Welcome!", "first", "second"],
        "in order, once each"
    );
    assert_eq!(
        receiver.attempts.load(std::sync::atomic::Ordering::SeqCst),
        5,
        "two refusals, then three deliveries"
    );
    let r = &got[1];
    assert_eq!(r.body["chatSessionID"], "session-0001");
    assert_eq!(r.body["type"], "agent");
    assert_eq!(
        r.signature,
        agentdesk::worker::delivery::signature(&ch.signing_secret, &r.raw)
    );

    for _ in 0..100 {
        let msgs = app.messages_of(&m.token, chat).await;
        if msgs
            .iter()
            .filter(|m| !m["Delivery"].is_null())
            .all(|m| m["Delivery"]["State"] == "delivered")
        {
            let welcome = msgs.iter().find(|m| m["SpecialType"] == "Welcome").unwrap();
            assert_eq!(welcome["Delivery"]["Attempts"], 3);
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("deliveries never all showed as delivered");
}

#[tokio::test]
async fn a_channel_server_that_keeps_failing_is_given_up_on_and_the_error_is_shown() {
    let receiver = Receiver::start(usize::MAX).await;
    let app = TestApp::spawn_with(&[
        ("DELIVERY_BACKOFF_MS", "10"),
        ("DELIVERY_POLL_MS", "20"),
        ("DELIVERY_MAX_ATTEMPTS", "3"),
    ])
    .await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let ch = app.channel(&m, &receiver.base_url).await;
    let chat = app.waiting_chat(&ch, "session-0001").await;
    let a = app.agent(&m, &[d]).await;
    app.post(
        "SendMessage",
        &a.token,
        json!({"ChatID": chat, "MessageText": "anyone there?"}),
    )
    .await
    .ok();
    for _ in 0..200 {
        let msgs = app.messages_of(&m.token, chat).await;
        let sent = msgs
            .iter()
            .find(|m| m["Message"] == "anyone there?")
            .unwrap();
        if sent["Delivery"]["State"] == "failed" {
            assert_eq!(sent["Delivery"]["Attempts"], 3);
            assert!(
                sent["Delivery"]["LastError"]
                    .as_str()
                    .unwrap()
                    .contains("500"),
                "{}",
                sent["Delivery"]
            );
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the delivery never failed for good");
}

#[tokio::test]
async fn a_dead_channel_server_does_not_hold_up_other_channels() {
    let dead = Receiver::start(usize::MAX).await;
    let alive = Receiver::start(0).await;
    let app =
        TestApp::spawn_with(&[("DELIVERY_BACKOFF_MS", "60000"), ("DELIVERY_POLL_MS", "50")]).await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"MaxChatsPerAgent": 0}]}),
    )
    .await
    .ok();
    let down = app.channel(&m, &dead.base_url).await;
    let up = app.channel(&m, &alive.base_url).await;
    let a = app.agent(&m, &[d]).await;
    // Many chats on the dead channel, each with several replies queued behind a failed head.
    for i in 0..25 {
        let chat = app
            .waiting_chat(&down, &format!("down-session-{i:03}"))
            .await;
        for n in 0..4 {
            app.post(
                "SendMessage",
                &a.token,
                json!({"ChatID": chat, "MessageText": format!("reply {n}")}),
            )
            .await
            .ok();
        }
    }
    let chat = app.waiting_chat(&up, "up-session-0001").await;
    app.post(
        "SendMessage",
        &m.token,
        json!({"ChatID": chat, "MessageText": "still delivered"}),
    )
    .await
    .ok();
    let got = alive.wait_for(1).await;
    assert!(
        got.iter().any(|r| r.body["message"] == "still delivered"),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_hanging_channel_server_holds_up_only_its_own_chats_and_is_paused() {
    let hanging = Hanging::start().await;
    let alive = Receiver::start(0).await;
    let app = TestApp::spawn_with(&[
        ("DELIVERY_TIMEOUT_SECONDS", "2"),
        ("DELIVERY_BACKOFF_MS", "50"),
        ("DELIVERY_POLL_MS", "50"),
        ("DELIVERY_CONCURRENCY_PER_SERVER", "4"),
        ("DELIVERY_BREAKER_FAILURES", "3"),
        ("DELIVERY_PAUSE_SECONDS", "30"),
    ])
    .await;
    let m = app.manager().await;
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"Name": "Support", "WelcomeNew": "Welcome, you are number #POSITIONINQUEUE#"}),
    )
    .await
    .ok();
    let stuck = app.channel(&m, &hanging.base_url).await;
    let up = app.channel(&m, &alive.base_url).await;
    // Twelve chats wait on the server that never answers (their welcome texts).
    for i in 0..12 {
        app.waiting_chat(&stuck, &format!("stuck-session-{i:03}"))
            .await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // A healthy channel's customer is answered at once, not after the hanging calls time out.
    let started = std::time::Instant::now();
    app.waiting_chat(&up, "up-session-0001").await;
    let got = alive.wait_for(1).await;
    assert_eq!(got.len(), 1, "the healthy channel got its welcome");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1500),
        "took {:?}",
        started.elapsed()
    );
    // The hanging server got at most its share of calls at a time, and once three in a row went
    // unanswered it is left alone, instead of being called for every chat again and again.
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let calls = || {
        hanging
            .connections
            .load(std::sync::atomic::Ordering::SeqCst)
    };
    let before = calls();
    assert!(
        (1..=6).contains(&before),
        "{before} calls to the hanging server"
    );
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(calls(), before, "no calls while it is paused");
}
