//! The web chat over real HTTP: a web channel's key and snippet, visitors who see only their own
//! chat, the stream that resumes without loss or repeat, the limits of a public surface, leaving a
//! message with nobody online and the replies that follow by mail, the widget's pages.

use std::time::Duration;

use serde_json::{json, Value};

use crate::events::{Event, EventClient};
use crate::helpers::{Reply, Session, TestApp, PASSWORD};

/// A web channel's widget key.
async fn web_channel(app: &TestApp, manager: &Session) -> String {
    let created = app
        .post(
            "CreateChannel",
            &manager.token,
            json!({"Name": "Website", "Kind": "web"}),
        )
        .await
        .ok();
    created["WidgetKey"].as_str().unwrap().to_owned()
}

fn webchat_url(app: &TestApp, name: &str) -> String {
    format!("{}/api/webchat/{name}", app.address)
}

async fn visitor_post(app: &TestApp, name: &str, token: &str, body: Value) -> Reply {
    app.raw(
        app.client
            .post(webchat_url(app, name))
            .header("X-Visitor-Token", token)
            .json(&body),
    )
    .await
}

async fn visitor_get(app: &TestApp, name: &str, token: &str, query: &[(&str, &str)]) -> Reply {
    app.raw(
        app.client
            .get(webchat_url(app, name))
            .header("X-Visitor-Token", token)
            .query(query),
    )
    .await
}

/// A new visitor of the channel: its token.
async fn visitor(app: &TestApp, key: &str) -> String {
    let started = app
        .raw(
            app.client
                .post(webchat_url(app, "Start"))
                .json(&json!({"WidgetKey": key})),
        )
        .await
        .ok();
    assert_eq!(started["Resumed"], false);
    started["VisitorToken"].as_str().unwrap().to_owned()
}

async fn says(app: &TestApp, token: &str, text: &str) -> Value {
    visitor_post(app, "Message", token, json!({"Message": text}))
        .await
        .ok()
}

/// The visitor's stream, resuming after message `last` when given.
async fn stream(app: &TestApp, token: &str, last: Option<i64>) -> EventClient {
    let mut request = app
        .client
        .get(webchat_url(app, "Events"))
        .query(&[("VisitorToken", token)]);
    if let Some(last) = last {
        request = request.header("Last-Event-ID", last.to_string());
    }
    let response = request.send().await.expect("stream opened");
    assert_eq!(response.status(), 200);
    EventClient::from_response(response)
}

fn is_message(e: &Event) -> bool {
    e.name == "chat.message"
}

async fn reply(app: &TestApp, agent: &Session, chat_id: i64, text: &str) -> i64 {
    app.post(
        "SendMessage",
        &agent.token,
        json!({"ChatID": chat_id, "MessageText": text}),
    )
    .await
    .ok()["MessageID"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_web_channel_shows_its_widget_key_and_snippet_and_no_secrets() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let created = app
        .post(
            "CreateChannel",
            &m.token,
            json!({"Name": "Website", "Kind": "web"}),
        )
        .await
        .ok();
    let key = created["WidgetKey"].as_str().unwrap();
    assert_eq!(key.len(), 32);
    assert_eq!(created["Kind"], "web");
    assert_eq!(created["ChatServer"], "");
    assert!(created.get("ApiKey").is_none(), "{created}");
    let snippet = created["Snippet"].as_str().unwrap();
    assert_eq!(
        snippet,
        format!(
            r#"<script src="{}/widget.js" data-widget-key="{key}" async></script>"#,
            app.address
        )
    );
    let list = app.get("GetChannelList", &m.token, &[]).await.ok();
    assert_eq!(list["Channels"][0]["Snippet"], snippet);
    // A web channel has no chat server to name.
    app.post(
        "CreateChannel",
        &m.token,
        json!({"Name": "X", "Kind": "web", "ChatServer": "https://chat.example.com"}),
    )
    .await
    .expect_field_error("ChatServer");
    app.post(
        "CreateChannel",
        &m.token,
        json!({"Name": "X", "Kind": "sms"}),
    )
    .await
    .expect_field_error("Kind");
    // The widget's pages.
    let loader = app
        .client
        .get(format!("{}/widget.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(loader.status(), 200);
    assert!(loader.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    let frame = app
        .client
        .get(format!("{}/webchat/frame?key={key}", app.address))
        .send()
        .await
        .unwrap();
    let csp = frame.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    assert!(frame.text().await.unwrap().contains("/widget/frame.js"));
    let bad = app
        .client
        .get(format!("{}/webchat/try?key=nope", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn a_visitor_sees_its_own_chat_live_and_nothing_of_another() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let agent = app.agent(&m, &[d]).await;
    let key = web_channel(&app, &m).await;
    let anna = visitor(&app, &key).await;
    let ben = visitor(&app, &key).await;

    let opened = says(&app, &anna, "Where is my parcel?").await;
    let chat_id = opened["ChatID"].as_i64().unwrap();
    assert_eq!(opened["ChatType"], "unassigned");
    assert_eq!(
        opened["DepartmentID"], d,
        "the same intake: queued in the only department"
    );
    let mut anna_stream = stream(&app, &anna, None).await;
    let mut ben_stream = stream(&app, &ben, None).await;
    let (first, _) = anna_stream.until(Duration::from_secs(5), is_message).await;
    assert_eq!(first.data["From"], "visitor");
    assert_eq!(first.data["Text"], "Where is my parcel?");

    let grabbed = app.get("GrabChat", &agent.token, &[]).await.ok();
    assert_eq!(grabbed["ChatID"], chat_id);
    let reply_id = reply(&app, &agent, chat_id, "On its way!").await;
    let (answer, before) = anna_stream
        .until(Duration::from_secs(5), |e| {
            is_message(e) && e.data["From"] == "agent"
        })
        .await;
    assert_eq!(answer.id.as_deref(), Some(reply_id.to_string().as_str()));
    assert_eq!(answer.data["Text"], "On its way!");
    // The chat's state names who took it (before the reply, or just after it).
    let opened = |e: &Event| e.name == "chat.state" && e.data["State"] == "open";
    let state = match before.into_iter().find(opened) {
        Some(state) => state,
        None => anna_stream.until(Duration::from_secs(5), opened).await.0,
    };
    assert!(state.data["AgentName"]
        .as_str()
        .unwrap()
        .starts_with("Agent"));
    // Agents see the reply delivered once the visitor's stream sent it.
    let mut delivered = false;
    for _ in 0..50 {
        let messages = app
            .get(
                "GetChatMessages",
                &agent.token,
                &[("ChatID", &chat_id.to_string())],
            )
            .await
            .ok();
        delivered = messages["Messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|msg| msg["MessageID"] == reply_id && msg["Delivery"]["State"] == "delivered");
        if delivered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(delivered, "the reply shows delivered");

    // Ben sees none of it: no messages, no events, no file, no chat.
    let bens = visitor_get(&app, "Messages", &ben, &[]).await.ok();
    assert_eq!(bens["Messages"], json!([]));
    let seen: Vec<Event> = ben_stream
        .drain(Duration::from_millis(1500))
        .await
        .into_iter()
        .filter(is_message)
        .collect();
    assert!(seen.is_empty(), "{seen:?}");
    let anna_file = visitor_post(
        &app,
        "File",
        &anna,
        json!({"File": base64_png(), "FileName": "p.png"}),
    )
    .await
    .ok();
    let file_message = visitor_get(&app, "Messages", &anna, &[]).await.ok()["Messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|msg| msg["MessageID"] == anna_file["MessageID"])
        .cloned()
        .unwrap();
    let attachment_id = file_message["Attachment"]["AttachmentID"].to_string();
    visitor_get(
        &app,
        "Attachment",
        &ben,
        &[("AttachmentID", &attachment_id)],
    )
    .await
    .expect_error(404, "AttachmentNotFound");
    let mine = app
        .raw(app.client.get(format!(
            "{}{}&VisitorToken={anna}",
            app.address,
            file_message["Attachment"]["URL"].as_str().unwrap()
        )))
        .await;
    assert_eq!(mine.status, 200);
    visitor_post(&app, "End", &ben, json!({}))
        .await
        .expect_error(404, "ChatNotFound");
    // A visitor token is good only for its own channel's Start, and a made-up one for nothing.
    visitor_get(&app, "Messages", "0123456789abcdef0123456789abcdef", &[])
        .await
        .expect_error(401, "VisitorTokenInvalid");
    let resumed = app
        .raw(
            app.client
                .post(webchat_url(&app, "Start"))
                .json(&json!({"WidgetKey": key, "VisitorToken": anna})),
        )
        .await
        .ok();
    assert_eq!(resumed["Resumed"], true, "a returning visitor goes on");
    assert_eq!(resumed["VisitorToken"], anna.as_str());
    assert!(resumed["Messages"].as_array().unwrap().len() >= 3);
}

fn base64_png() -> String {
    use base64::Engine;
    // The 8-byte PNG signature and an IHDR chunk header: enough for the type sniffing.
    let bytes = [
        0x89u8, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn the_stream_resumes_after_a_drop_without_loss_or_repeat() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let agent = app.agent(&m, &[d]).await;
    let key = web_channel(&app, &m).await;
    let v = visitor(&app, &key).await;
    let chat_id = says(&app, &v, "Hello").await["ChatID"].as_i64().unwrap();
    app.get("GrabChat", &agent.token, &[]).await.ok();
    let first = reply(&app, &agent, chat_id, "one").await;
    let mut live = stream(&app, &v, None).await;
    live.until(Duration::from_secs(5), |e| {
        is_message(e) && e.data["Text"] == "one"
    })
    .await;
    // The network drops; meanwhile the agent writes twice.
    drop(live);
    let second = reply(&app, &agent, chat_id, "two").await;
    let third = reply(&app, &agent, chat_id, "three").await;
    let mut again = stream(&app, &v, Some(first)).await;
    let got: Vec<i64> = again
        .drain(Duration::from_millis(1500))
        .await
        .into_iter()
        .filter(is_message)
        .map(|e| e.id.unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        got,
        vec![second, third],
        "exactly what was missed, in order"
    );
    visitor_get(&app, "Events", &v, &[("LastEventID", "x")])
        .await
        .expect_field_error("LastEventID");
}

#[tokio::test]
async fn a_public_surface_is_limited_per_visitor_and_honours_the_desk_lists() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let key = web_channel(&app, &m).await;
    let v = visitor(&app, &key).await;
    // Bodies are bounded like every other API's.
    let big = "x".repeat(70 * 1024);
    visitor_post(&app, "Message", &v, json!({ "Message": big }))
        .await
        .expect_error(413, "PayloadTooLarge");
    // Typing costs little, but a visitor still gets only so many calls.
    let mut refused = None;
    for _ in 0..130 {
        let r = visitor_post(&app, "Typing", &v, json!({"Typing": true})).await;
        if r.status == 429 {
            refused = Some(r);
            break;
        }
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let refused = refused.expect("refused past the visitor's rate");
    refused.expect_error(429, "TooManyRequests");
    assert!(refused.headers.contains_key("retry-after"));
    // Another visitor behind the same address is not held up by the first.
    let w = visitor(&app, &key).await;
    visitor_post(&app, "Typing", &w, json!({"Typing": false}))
        .await
        .ok();

    // Unknown keys, foreign origins and blocked addresses.
    app.raw(
        app.client
            .post(webchat_url(&app, "Start"))
            .json(&json!({"WidgetKey": "0123456789abcdef0123456789abcdef"})),
    )
    .await
    .expect_error(401, "WidgetKeyInvalid");
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"WhitelistedDomains": ["shop.example"]}]}),
    )
    .await
    .ok();
    app.raw(
        app.client
            .post(webchat_url(&app, "Start"))
            .json(&json!({"WidgetKey": key, "HostOrigin": "evil.test"})),
    )
    .await
    .expect_error(403, "OriginNotAllowed");
    app.raw(
        app.client
            .post(webchat_url(&app, "Start"))
            .json(&json!({"WidgetKey": key, "HostOrigin": "www.shop.example"})),
    )
    .await
    .ok();
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"BlacklistedIPs": ["127.0.0.1"]}]}),
    )
    .await
    .ok();
    let mut blocked = 0;
    for _ in 0..30 {
        let r = visitor_post(&app, "Message", &w, json!({"Message": "hi"})).await;
        if r.status == 403 {
            r.expect_error(403, "OriginNotAllowed");
            blocked += 1;
            break;
        }
        // The settings are cached for a second.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(blocked, 1, "a blocked address may not write");
}

#[tokio::test]
async fn with_nobody_online_a_left_message_is_queued_and_replies_follow_by_mail() {
    let app = TestApp::spawn().await;
    app.set_clock("2026-12-08T10:00:00Z");
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let key = web_channel(&app, &m).await;
    // The manager's own session counts as online: log off so nobody is.
    app.get("AgentLogoff", &m.token, &[]).await.ok();
    let started = app
        .raw(
            app.client
                .post(webchat_url(&app, "Start"))
                .json(&json!({"WidgetKey": key})),
        )
        .await
        .ok();
    assert_eq!(started["Config"]["AgentsOnline"], 0);
    let v = started["VisitorToken"].as_str().unwrap().to_owned();
    visitor_post(
        &app,
        "LeaveMessage",
        &v,
        json!({"Name": "Anne Marie", "Email": "bad", "Message": "Call me"}),
    )
    .await
    .expect_field_error("Email");
    let left = visitor_post(
        &app,
        "LeaveMessage",
        &v,
        json!({"Name": "Anne Marie", "Email": "anne@example.com", "Message": "Please call me back"}),
    )
    .await
    .ok();
    assert_eq!(left["ChatType"], "unassigned");
    assert_eq!(left["DepartmentID"], d);
    let chat_id = left["ChatID"].as_i64().unwrap();

    let m = app.logon(&m.email, PASSWORD).await;
    let agent = app.agent(&m, &[d]).await;
    app.get("GrabChat", &agent.token, &[]).await.ok();
    reply(&app, &agent, chat_id, "We will call you at noon").await;
    let before = app.mails().len();
    // The visitor is away (no stream for minutes): one mail with the reply.
    app.advance_clock(chrono::Duration::minutes(2));
    let ctx = app.ctx.clone();
    let sent = tokio::task::spawn_blocking(move || {
        agentdesk::service::web_chat::away::mail_away_visitors(&ctx)
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(sent, 1);
    let mails = app.wait_for_mails(before + 1).await;
    assert!(
        mails
            .iter()
            .any(|mail| mail.contains("anne@example.com")
                && mail.contains("We will call you at noon")),
        "{mails:?}"
    );
    // Another reply a minute later waits: at most one mail per few minutes.
    reply(&app, &agent, chat_id, "Or at one").await;
    app.advance_clock(chrono::Duration::minutes(1));
    let ctx = app.ctx.clone();
    let again = tokio::task::spawn_blocking(move || {
        agentdesk::service::web_chat::away::mail_away_visitors(&ctx)
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(again, 0);
    // The visitor asks for the transcript.
    visitor_post(&app, "Transcript", &v, json!({"Email": "anne@example.com"}))
        .await
        .ok();
    let mails = app.wait_for_mails(before + 2).await;
    assert!(mails
        .iter()
        .any(|mail| mail.contains("Please call me back") && mail.contains("Or at one")));
}

#[tokio::test]
async fn at_the_end_the_visitor_rates_the_chat_once() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let agent = app.agent(&m, &[d]).await;
    let key = web_channel(&app, &m).await;
    let v = visitor(&app, &key).await;
    visitor_post(&app, "Rate", &v, json!({"Rating": 5}))
        .await
        .expect_error(404, "ChatNotFound");
    let chat_id = says(&app, &v, "Thanks for the help").await["ChatID"]
        .as_i64()
        .unwrap();
    app.get("GrabChat", &agent.token, &[]).await.ok();
    app.post("CloseChat", &agent.token, json!({"ChatID": chat_id}))
        .await
        .ok();
    let messages = visitor_get(&app, "Messages", &v, &[]).await.ok();
    assert!(
        messages["Messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|msg| msg["SpecialType"] == "RatingRequest"),
        "{messages}"
    );
    visitor_post(&app, "Rate", &v, json!({"Rating": 6}))
        .await
        .expect_field_error("Rating");
    let rated = visitor_post(
        &app,
        "Rate",
        &v,
        json!({"Rating": 4, "Comment": "Quick and kind"}),
    )
    .await
    .ok();
    assert_eq!(
        (rated["ChatID"].as_i64(), rated["Rating"].as_i64()),
        (Some(chat_id), Some(4))
    );
    visitor_post(&app, "Rate", &v, json!({"Rating": 1}))
        .await
        .expect_error(409, "RatingAlreadyGiven");
    let mut events = stream(&app, &v, None).await;
    let (state, _) = events
        .until(Duration::from_secs(5), |e| e.name == "chat.state")
        .await;
    assert_eq!(state.data["State"], "closed");
    assert_eq!(state.data["Rating"], 4);
}

/// A message for the visitor's chat written straight into the table with a chosen id, as a
/// transaction that committed late would leave it.
async fn message_with_id(app: &TestApp, chat_id: i64, id: i64, text: &str) {
    let now = if crate::helpers::is_postgres() {
        "(now() AT TIME ZONE 'utc')"
    } else {
        "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    };
    let n = app
        .sql_owned(format!(
            "INSERT INTO messages (id, chat_id, kind, author, text, to_customer, created_at) \
             VALUES ({id}, {chat_id}, 2, 'Sam', '{text}', TRUE, {now})"
        ))
        .await;
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_message_that_commits_after_a_later_one_still_reaches_the_stream() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let key = web_channel(&app, &m).await;
    let v = visitor(&app, &key).await;
    let opened = says(&app, &v, "Hello").await;
    let chat_id = opened["ChatID"].as_i64().unwrap();
    let first = opened["MessageID"].as_i64().unwrap();
    let mut events = stream(&app, &v, None).await;
    events
        .until(Duration::from_secs(5), |e| {
            is_message(e) && e.data["Text"] == "Hello"
        })
        .await;
    // The later message commits first; the stream sends it (woken by the visitor's typing).
    message_with_id(&app, chat_id, first + 20, "later").await;
    visitor_post(&app, "Typing", &v, json!({"Typing": true}))
        .await
        .ok();
    let (later, _) = events
        .until(Duration::from_secs(8), |e| {
            is_message(e) && e.data["Text"] == "later"
        })
        .await;
    assert_eq!(later.id.as_deref(), Some((first + 20).to_string().as_str()));
    // The earlier one commits now: it still arrives, once, without lowering the stream's id.
    message_with_id(&app, chat_id, first + 10, "earlier").await;
    visitor_post(&app, "Typing", &v, json!({"Typing": false}))
        .await
        .ok();
    let (earlier, _) = events
        .until(Duration::from_secs(8), |e| {
            is_message(e) && e.data["Text"] == "earlier"
        })
        .await;
    assert_eq!(earlier.id, None);
    visitor_post(&app, "Typing", &v, json!({"Typing": true}))
        .await
        .ok();
    let again: Vec<Event> = events
        .drain(Duration::from_millis(1500))
        .await
        .into_iter()
        .filter(is_message)
        .collect();
    assert!(again.is_empty(), "nothing repeated: {again:?}");
}
