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
    // Endpoints that take no fields refuse them too.
    app.post("GrabChat", &m.token, json!({"DepartmentID": 3}))
        .await
        .expect_field_error("DepartmentID");
    app.get("GetAgentList", &m.token, &[("Page", "2")])
        .await
        .expect_field_error("Page");
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

/// The headers every answer must carry, whatever made it.
#[track_caller]
fn assert_guarded(what: &str, headers: &reqwest::header::HeaderMap) {
    let get = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("{what}: no {name} in {headers:?}"))
    };
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert!(
        get("content-security-policy").contains("frame-ancestors 'none'"),
        "{what}"
    );
}

#[tokio::test]
async fn every_answer_carries_nosniff_no_framing_and_no_referrer() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let reply = app.get("GetAgentList", &m.token, &[]).await;
    assert_guarded("an API answer", &reply.headers);
    let csp = reply.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let reply = app.get("GetChat", &m.token, &[("ChatID", "999")]).await;
    assert_eq!(reply.status, 404);
    assert_guarded("an API error", &reply.headers);
    for path in [
        "/api/docs/",
        "/api/openapi.json",
        "/health",
        "/no/such/page",
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_guarded(path, response.headers());
    }
    // The console keeps its own strict policy.
    let response = app.client.get(&app.address).send().await.unwrap();
    assert_guarded("the console", response.headers());
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    // A download (an attachment a customer sent).
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let reply = app
        .channel_call(
            &ch,
            "addAttachment",
            json!({"chatServer": "chat.example.com", "chatSessionID": "session-file-0001",
                   "chatAccountToken": ch.account_token, "file": "aGVsbG8=",
                   "fileName": "note.txt", "contentType": "text/plain"}),
        )
        .await
        .ok();
    let chat_id = reply["ChatID"].as_i64().unwrap();
    let messages = app.messages_of(&m.token, chat_id).await;
    let attachment = messages
        .iter()
        .find_map(|msg| msg["Attachment"]["AttachmentID"].as_i64())
        .expect("the file");
    let reply = app
        .get(
            "GetAttachment",
            &m.token,
            &[("AttachmentID", &attachment.to_string())],
        )
        .await;
    assert_guarded("a download", &reply.headers);
    assert!(reply.headers.get("strict-transport-security").is_none());
}

#[tokio::test]
async fn a_desk_reached_over_https_sends_hsts() {
    let app = TestApp::spawn_with(&[("PUBLIC_BASE_URL", "https://desk.example.com")]).await;
    let response = app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}

#[tokio::test]
async fn metrics_are_on_the_main_listener_only_when_asked() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(format!("{}/metrics", app.address))
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "off by default");
    let asked = TestApp::spawn_with(&[("METRICS_ON_MAIN_LISTENER", "true")]).await;
    let response = reqwest::get(format!("{}/metrics", asked.address))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_agent_sees_colleagues_names_and_statuses_not_their_contact_details() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let a = app.agent(&m, &[d]).await;
    let b = app.agent(&m, &[d]).await;
    app.post(
        "UpdateAgent",
        &m.token,
        json!({"AgentID": b.agent_id, "MobileNumber": "+27821231234"}),
    )
    .await
    .ok();
    let colleague = listed(&app, &a, b.agent_id).await;
    assert!(colleague["Name"].is_string(), "{colleague}");
    assert!(colleague["StatusID"].is_i64(), "{colleague}");
    for private in [
        "EmailAddress",
        "MobileNumber",
        "Notifications",
        "HasPassword",
    ] {
        assert!(colleague.get(private).is_none(), "{private}: {colleague}");
    }
    assert_eq!(listed(&app, &a, a.agent_id).await["EmailAddress"], a.email);
    let seen_by_manager = listed(&app, &m, b.agent_id).await;
    assert_eq!(seen_by_manager["EmailAddress"], b.email);
    assert_eq!(seen_by_manager["MobileNumber"], "+27821231234");
}

/// AgentLogon through our proxy (TRUSTED_PROXIES covers the test client) from `client`.
async fn logon_from(
    app: &TestApp,
    client: &str,
    email: &str,
    password: &str,
) -> crate::helpers::Reply {
    app.raw(
        app.client
            .post(app.url("AgentLogon"))
            .query(&[("Version", "1")])
            .header("X-Forwarded-For", client)
            .json(&json!({"EmailAddress": email, "Password": password})),
    )
    .await
}

fn retry_after(reply: &crate::helpers::Reply) -> i64 {
    reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_unknown_account_is_refused_at_the_same_point_as_a_known_one() {
    let app = TestApp::spawn_with(&[("TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    let m = app.manager().await;
    for email in [m.email.as_str(), "nobody@example.com"] {
        let statuses: Vec<u16> = {
            let mut s = Vec::new();
            for _ in 0..6 {
                s.push(
                    logon_from(&app, "203.0.113.7", email, "wrong-guess")
                        .await
                        .status,
                );
            }
            s
        };
        assert_eq!(statuses, [401, 401, 401, 401, 401, 429], "{email}");
    }
}

#[tokio::test]
async fn ipv6_guesses_count_by_their_64() {
    let app = TestApp::spawn_with(&[("TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    let m = app.manager().await;
    for i in 1..=5 {
        let ip = format!("2001:db8:1:2::{i:x}");
        assert_eq!(
            logon_from(&app, &ip, &m.email, "wrong-guess").await.status,
            401
        );
    }
    // Another address of the same /64 is the same guesser.
    logon_from(&app, "2001:db8:1:2:ffff::9", &m.email, PASSWORD)
        .await
        .expect_error(429, "TooManyLogonAttempts");
    // The next /64 is someone else.
    logon_from(&app, "2001:db8:1:3::1", &m.email, PASSWORD)
        .await
        .ok();
}

#[tokio::test]
async fn past_five_failures_each_attempt_waits_twice_as_long() {
    let app = TestApp::spawn_with(&[("TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    let m = app.manager().await;
    let guess = || logon_from(&app, "203.0.113.8", &m.email, "wrong-guess");
    for _ in 0..5 {
        assert_eq!(guess().await.status, 401);
    }
    let refused = guess().await;
    refused.expect_error(429, "TooManyLogonAttempts");
    assert!(
        (1..=2).contains(&retry_after(&refused)),
        "{:?}",
        refused.headers
    );
    // Not locked for the window: after the delay, one more try.
    app.advance_clock(chrono::Duration::seconds(3));
    assert_eq!(guess().await.status, 401);
    let refused = guess().await;
    refused.expect_error(429, "TooManyLogonAttempts");
    assert!(
        (3..=4).contains(&retry_after(&refused)),
        "{:?}",
        refused.headers
    );
    app.advance_clock(chrono::Duration::seconds(5));
    logon_from(&app, "203.0.113.8", &m.email, PASSWORD)
        .await
        .ok();
}

#[tokio::test]
async fn deliveries_sign_their_timestamp_with_the_body() {
    let receiver = crate::channel_helpers::Receiver::start(0).await;
    let app = TestApp::spawn_with(&[("DELIVERY_POLL_MS", "50")]).await;
    let m = app.manager().await;
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"Name": "Support", "WelcomeNew": "Welcome!"}),
    )
    .await
    .ok();
    let ch = app.channel(&m, &receiver.base_url).await;
    app.waiting_chat(&ch, "session-signed-0001").await;
    let got = receiver.wait_for(1).await;
    let r = got.first().expect("the welcome was delivered");
    let timestamp: i64 = r
        .timestamp
        .parse()
        .expect("X-Agentdesk-Timestamp in seconds");
    let now = app.ctx.clock.now_utc().timestamp();
    assert!((now - timestamp).abs() <= 60, "{timestamp} vs {now}");
    // Computed here the way docs/channel.md shows a receiver computing it.
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(&r.raw);
    assert_eq!(
        r.signature_v2,
        agentdesk::worker::delivery::signature(&ch.signing_secret, &signed)
    );
    // The body-only signature stays, for receivers written before.
    assert_eq!(
        r.signature,
        agentdesk::worker::delivery::signature(&ch.signing_secret, &r.raw)
    );
}

#[tokio::test]
async fn attachments_that_lie_about_their_type_are_refused_and_names_say_what_they_are() {
    use base64::Engine;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    // A visitor sends an executable declared as an image.
    let exe = b64(b"MZ\x90\x00\x03\x00\x00\x00");
    let reply = app
        .channel_call(
            &ch,
            "addAttachment",
            json!({"chatServer": "chat.example.com", "chatSessionID": "session-liar-0001",
                   "chatAccountToken": ch.account_token, "file": exe,
                   "fileName": "invoice.exe", "contentType": "image/png"}),
        )
        .await;
    reply.expect_field_error("file");
    let why = reply.body["Error"]["Fields"]["file"].as_str().unwrap();
    assert!(why.contains("invoice.exe"), "{why}");
    // A real PDF under a name that hides its extension behind U+202E.
    let chat = app.waiting_chat(&ch, "session-liar-0002").await;
    let a = app.agent(&m, &[d]).await;
    app.post(
        "AssignChat",
        &m.token,
        json!({"ChatID": chat, "AgentID": a.agent_id}),
    )
    .await
    .ok();
    let sent = app
        .post(
            "SendMessage",
            &a.token,
            json!({"ChatID": chat, "AttachmentName": "invoice\u{202E}fdp.exe",
                   "AttachmentType": "application/pdf", "AttachmentData": b64(b"%PDF-1.4\n")}),
        )
        .await
        .ok();
    assert_eq!(sent["Attachment"]["Name"], "invoicefdp.pdf");
    let id = sent["Attachment"]["AttachmentID"].as_i64().unwrap();
    let file = app
        .get(
            "GetAttachment",
            &a.token,
            &[("AttachmentID", &id.to_string())],
        )
        .await;
    assert_eq!(
        file.headers["content-disposition"],
        "attachment; filename=\"invoicefdp.pdf\""
    );
}

#[tokio::test]
async fn the_reset_link_carries_its_code_in_the_fragment() {
    let app = TestApp::spawn_with(&[("PUBLIC_BASE_URL", "https://desk.example.com")]).await;
    let m = app.manager().await;
    app.call(
        reqwest::Method::POST,
        "RequestPasswordReset",
        None,
        &[],
        Some(json!({"EmailAddress": m.email})),
    )
    .await
    .ok();
    let mail = app.wait_for_mails(1).await.pop().unwrap();
    // The mail is quoted-printable: `=` is written `=3D`.
    assert!(
        mail.contains("https://desk.example.com/reset-password#ResetCode=3D"),
        "{mail}"
    );
    assert!(!mail.contains("?ResetCode="), "{mail}");
}

/// GetEvents with a ticket instead of the session token: the status and content type it answers.
async fn stream_with_ticket(app: &TestApp, ticket: &str) -> (u16, String) {
    let response = app
        .client
        .get(app.url("GetEvents"))
        .query(&[("Version", "1.0"), ("Ticket", ticket)])
        .send()
        .await
        .unwrap();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status().as_u16(), kind)
}

#[tokio::test]
async fn an_event_ticket_opens_one_stream_within_30_seconds_on_any_instance() {
    let app = TestApp::spawn().await;
    let other = app.beside(&[]).await;
    let m = app.manager().await;
    let ticket = |app: &TestApp| {
        let token = m.token.clone();
        let app_url = app.url("CreateEventTicket");
        let client = app.client.clone();
        async move {
            let reply: Value = client
                .post(app_url)
                .query(&[("Version", "1.0")])
                .header("SessionToken", token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            reply["Ticket"].as_str().unwrap().to_owned()
        }
    };
    // Made on one instance, used on the other: it is in the database.
    let t = ticket(&app).await;
    let (status, kind) = stream_with_ticket(&other, &t).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/event-stream"), "{kind}");
    // Once only.
    let (status, _) = stream_with_ticket(&app, &t).await;
    assert_eq!(status, 401, "a used ticket");
    // 30 seconds only.
    let t = ticket(&app).await;
    app.advance_clock(chrono::Duration::seconds(31));
    assert_eq!(
        stream_with_ticket(&app, &t).await.0,
        401,
        "an expired ticket"
    );
    assert_eq!(
        stream_with_ticket(&app, "0123456789abcdef0123456789abcdef")
            .await
            .0,
        401
    );
    // AgentChat clients' query token keeps working.
    let response = app
        .client
        .get(app.url("GetEvents"))
        .query(&[("Version", "1.0"), ("SessionToken", m.token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_channel_server_may_sign_its_calls_and_a_bad_or_old_signature_is_refused() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let url = format!("{}/api/v2/chat/notifyUserNewChatMessage", app.address);
    let call = |body: &Value, timestamp: i64, signature: String| {
        app.raw(
            app.client
                .post(&url)
                .header("apiKey", &ch.api_key)
                .header("Content-Type", "application/json")
                .header("X-Agentdesk-Timestamp", timestamp.to_string())
                .header("X-Agentdesk-Signature-V2", signature)
                .body(serde_json::to_vec(body).unwrap()),
        )
    };
    let sign = |body: &Value, timestamp: i64| {
        let mut signed = format!("{timestamp}.").into_bytes();
        signed.extend_from_slice(&serde_json::to_vec(body).unwrap());
        agentdesk::worker::delivery::signature(&ch.signing_secret, &signed)
    };
    let body = json!({"chatServer": "chat.example.com", "chatSessionID": "session-signed-0001",
                      "chatAccountToken": ch.account_token, "message": "Signed hello"});
    let now = app.ctx.clock.now_utc().timestamp();
    call(&body, now, sign(&body, now)).await.ok();
    // The same body under another signature, or an old one replayed, is refused.
    call(&body, now, sign(&json!({"other": 1}), now))
        .await
        .expect_error(401, "ApiKeyInvalid");
    let old = now - 600;
    call(&body, old, sign(&body, old))
        .await
        .expect_error(401, "ApiKeyInvalid");
    // Half the signed form is refused; none of it is the unsigned form, taken as before.
    let half = app
        .raw(
            app.client
                .post(&url)
                .header("apiKey", &ch.api_key)
                .header("X-Agentdesk-Timestamp", now.to_string())
                .json(&body),
        )
        .await;
    half.expect_error(401, "ApiKeyInvalid");
    app.channel_call(&ch, "notifyUserNewChatMessage", body)
        .await
        .ok();
}
