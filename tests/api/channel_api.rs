//! The channel API: authentication, field patterns, the welcome-menu conversation, queues,
//! out-of-hours, typing, visits, leaving, attachments and the widget's questions.

use base64::Engine;
use serde_json::{json, Value};

use crate::channel_helpers::texts_of;
use crate::helpers::TestApp;

const JPEG: [u8; 8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46];

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn channels_are_managed_and_their_keys_authenticate() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    let ch = app.channel(&m, "https://chat.example.com/").await;
    assert_eq!(ch.api_key.len(), 32);
    let list = app.get("GetChannelList", &m.token, &[]).await.ok();
    assert_eq!(
        list["Channels"][0]["ChatServer"],
        "https://chat.example.com"
    );
    assert!(
        list["Channels"][0].get("ApiKey").is_none(),
        "secrets are shown once"
    );
    app.post(
        "CreateChannel",
        &a.token,
        json!({"Name": "x", "ChatServer": "https://x.example.com"}),
    )
    .await
    .expect_error(403, "Forbidden");
    app.post(
        "CreateChannel",
        &m.token,
        json!({"Name": "x", "ChatServer": "ftp://x"}),
    )
    .await
    .expect_field_error("ChatServer");

    app.customer_says(&ch, "session-0001", "hi", json!({}))
        .await
        .ok();
    let mut wrong = ch.clone();
    wrong.api_key = "0123456789abcdef0123456789abcdef".into();
    app.customer_says(&wrong, "session-0001", "hi", json!({}))
        .await
        .expect_error(401, "ApiKeyInvalid");
    let mut wrong = ch.clone();
    wrong.account_token = "abcdefghij0123456789".into();
    app.customer_says(&wrong, "session-0001", "hi", json!({}))
        .await
        .expect_error(401, "AccountTokenInvalid");
    let r = app
        .raw(
            app.client
                .post(format!("{}/api/v2/chat/requestChatQueue", app.address))
                .json(&json!({})),
        )
        .await;
    r.expect_error(401, "ApiKeyInvalid");

    let id = ch.id.to_string();
    app.delete("DeleteChannel", &m.token, &[("ChannelID", &id)])
        .await
        .ok();
    app.customer_says(&ch, "session-0001", "hi", json!({}))
        .await
        .expect_error(401, "ApiKeyInvalid");
    app.delete("DeleteChannel", &m.token, &[("ChannelID", &id)])
        .await
        .expect_error(404, "ChannelNotFound");
}

#[tokio::test]
async fn omnidesk_field_patterns_are_the_validation_rules() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let cases = [
        ("chatSessionID", "short", json!({})),
        ("chatSessionID", "bad_session_id!", json!({})),
        (
            "messageNumber",
            "session-0001",
            json!({"messageNumber": 51}),
        ),
        ("chatServer", "session-0001", json!({"chatServer": "a b"})),
    ];
    for (field, session, extra) in cases {
        app.customer_says(&ch, session, "hi", extra)
            .await
            .expect_field_error(field);
    }
    app.customer_says(&ch, "session-0001", "", json!({}))
        .await
        .expect_field_error("message");
    // Form fields work as well as JSON.
    let url = format!("{}/api/v2/chat/notifyUserNewChatMessage", app.address);
    let form = [
        ("chatServer", "chat.example.com"),
        ("chatSessionID", "+27821234567"),
        ("chatAccountToken", ch.account_token.as_str()),
        ("message", "from a form"),
        ("phoneNumber", "+27821234567"),
    ];
    let r = app
        .raw(
            app.client
                .post(url)
                .header("apiKey", &ch.api_key)
                .form(&form),
        )
        .await
        .ok();
    assert!(r["ChatID"].is_i64());
}

#[tokio::test]
async fn the_welcome_menu_conversation() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let tag = app.tag(&m, "Support").await;
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"Name": "Sales", "IncludeInWelcomeMenu": true, "MenuIndex": 1}),
    )
    .await
    .ok();
    app.post("CreateDepartment", &m.token, json!({"Name": "Support", "IncludeInWelcomeMenu": true, "MenuIndex": 2, "NameInMenu": "Help with an order",
        "WelcomeNew": "Hi #CUSTOMERNAME#, welcome to #DEPARTMENTNAME#. You are number #POSITIONINQUEUE# in the queue", "AutoTagID": [tag]})).await.ok();
    let ch = app.channel(&m, "https://chat.example.com").await;

    let first = app
        .customer_says(
            &ch,
            "session-0001",
            "Hello",
            json!({"customerName": "Joe Soap", "phoneNumber": "+27821234567"}),
        )
        .await
        .ok();
    let chat = first["ChatID"].as_i64().unwrap();
    assert!(first["DepartmentID"].is_null(), "waiting for a menu choice");
    let msgs = app.messages_of(&m.token, chat).await;
    let menu = texts_of(&msgs, "WelcomeMenu");
    assert_eq!(menu.len(), 1);
    assert!(
        menu[0].contains("1. Sales") && menu[0].contains("2. Help with an order"),
        "{}",
        menu[0]
    );

    let wrong = app
        .customer_says(&ch, "session-0001", "7", json!({}))
        .await
        .ok();
    assert_eq!(wrong["ChatID"], chat);
    assert!(wrong["DepartmentID"].is_null());
    assert_eq!(
        texts_of(&app.messages_of(&m.token, chat).await, "InvalidMenuChoice").len(),
        1
    );

    let picked = app
        .customer_says(&ch, "session-0001", "2", json!({}))
        .await
        .ok();
    assert_eq!(picked["QueuePosition"], 1);
    let msgs = app.messages_of(&m.token, chat).await;
    assert_eq!(
        texts_of(&msgs, "Welcome"),
        vec!["Hi Joe Soap, welcome to Support. You are number 1 in the queue"]
    );
    let id = chat.to_string();
    let detail = app.get("GetChat", &m.token, &[("ChatID", &id)]).await.ok();
    assert_eq!(detail["DepartmentName"], "Support");
    assert_eq!(detail["Tags"][0]["Name"], "Support", "auto-tagged");
    assert_eq!(detail["Customer"]["MobileNumber"], "+27821234567");

    // A second customer queues behind the first.
    app.customer_says(&ch, "session-0002", "Hi", json!({"customerName": "Ann"}))
        .await
        .ok();
    let second = app
        .customer_says(&ch, "session-0002", "2", json!({}))
        .await
        .ok();
    assert_eq!(second["QueuePosition"], 2);
    assert_eq!(
        texts_of(
            &app.messages_of(&m.token, second["ChatID"].as_i64().unwrap())
                .await,
            "Welcome"
        )[0],
        "Hi Ann, welcome to Support. You are number 2 in the queue"
    );
}

#[tokio::test]
async fn without_a_menu_chats_go_to_the_department_and_returning_customers_are_recognised() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.post("CreateDepartment", &m.token, json!({"Name": "Reception", "WelcomeNew": "Welcome to #DEPARTMENTNAME#",
        "WelcomeReturning": "Welcome back #CUSTOMERNAME#. You are number #POSITIONINQUEUE# in the #DEPARTMENTNAME# queue"})).await.ok();
    let ch = app.channel(&m, "https://chat.example.com").await;
    let who = json!({"customerName": "Joe", "phoneNumber": "+27820000001"});
    let first = app
        .customer_says(&ch, "session-0001", "Hello", who.clone())
        .await
        .ok();
    let chat = first["ChatID"].as_i64().unwrap();
    assert_eq!(
        texts_of(&app.messages_of(&m.token, chat).await, "Welcome"),
        vec!["Welcome to Reception"]
    );
    let end = json!({"chatServer": "chat.example.com", "chatSessionID": "session-0001"});
    assert_eq!(
        app.channel_call(&ch, "notifyUserEndChat", end.clone())
            .await
            .ok()["ChatID"],
        chat
    );
    app.channel_call(&ch, "notifyUserEndChat", end)
        .await
        .expect_error(404, "ChatNotFound");
    let id = chat.to_string();
    let closed = app.get("GetChat", &m.token, &[("ChatID", &id)]).await.ok();
    assert_eq!(
        (closed["ChatType"].as_str(), closed["CloseReason"].as_str()),
        (Some("closed"), Some("ClosedByCustomer"))
    );

    // Writing again (new session, same number) opens a new chat for the same customer.
    let again = app
        .customer_says(&ch, "session-0002", "Me again", who)
        .await
        .ok();
    assert_ne!(again["ChatID"], chat);
    assert_eq!(again["CustomerID"], first["CustomerID"]);
    let msgs = app
        .messages_of(&m.token, again["ChatID"].as_i64().unwrap())
        .await;
    assert_eq!(
        texts_of(&msgs, "Welcome"),
        vec!["Welcome back Joe. You are number 1 in the Reception queue"]
    );
    // And the same session after closing also opens a new chat.
    let third = app
        .customer_says(&ch, "session-0001", "Third", json!({}))
        .await
        .ok();
    assert_ne!(third["ChatID"], chat);
    assert_eq!(third["CustomerID"], first["CustomerID"]);
}

#[tokio::test]
async fn out_of_hours_customers_are_told() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let closed: Vec<Value> = (1..=7)
        .map(|d| json!({"Day": d, "Enabled": false, "StartTime": "00:00", "EndTime": "00:00"}))
        .collect();
    app.post("UpdateWorkingHours", &m.token, json!({"Days": closed}))
        .await
        .ok();
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"OutOfHoursMessage": "We are closed; we answer at 8."}]}),
    )
    .await
    .ok();
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let chat = app.waiting_chat(&ch, "session-0001").await;
    assert_eq!(
        texts_of(&app.messages_of(&m.token, chat).await, "OutOfHours"),
        vec!["We are closed; we answer at 8."]
    );
    app.always_open(&m.token).await;
    let chat = app.waiting_chat(&ch, "session-0002").await;
    assert!(texts_of(&app.messages_of(&m.token, chat).await, "OutOfHours").is_empty());
}

#[tokio::test]
async fn typing_and_visited_pages_show_on_the_chat() {
    // Sessions slide hourly: reads commit nothing, so chat answers may be kept between them.
    let app = TestApp::spawn_with(&[("SESSION_TOUCH_SECONDS", "3600")]).await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let visit = json!({"chatServer": "chat.example.com", "chatSessionID": "session-0001", "url": "https://shop.example.com/cart"});
    app.channel_call(&ch, "notifyUserVisited", visit).await.ok();
    let chat = app.waiting_chat(&ch, "session-0001").await;
    let event = |e: &str| json!({"chatServer": "chat.example.com", "chatSessionID": "session-0001", "event": e});
    app.channel_call(&ch, "notifyUserNewChatEvent", event("startedtyping"))
        .await
        .ok();
    let id = chat.to_string();
    let detail = app.get("GetChat", &m.token, &[("ChatID", &id)]).await.ok();
    assert_eq!(detail["CustomerTyping"], true);
    assert_eq!(
        detail["VisitedPages"][0]["Url"],
        "https://shop.example.com/cart"
    );
    app.channel_call(&ch, "notifyUserNewChatEvent", event("stoppedtyping"))
        .await
        .ok();
    assert_eq!(
        app.get("GetChat", &m.token, &[("ChatID", &id)]).await.ok()["CustomerTyping"],
        false
    );
    // Typing ends with time alone, nothing committed: an answer that shows it is never kept.
    app.channel_call(&ch, "notifyUserNewChatEvent", event("startedtyping"))
        .await
        .ok();
    for _ in 0..2 {
        assert_eq!(
            app.get("GetChat", &m.token, &[("ChatID", &id)]).await.ok()["CustomerTyping"],
            true
        );
    }
    app.advance_clock(chrono::Duration::seconds(60));
    assert_eq!(
        app.get("GetChat", &m.token, &[("ChatID", &id)]).await.ok()["CustomerTyping"],
        false
    );
    app.channel_call(&ch, "notifyUserNewChatEvent", event("dancing"))
        .await
        .expect_field_error("event");
    let short =
        json!({"chatServer": "chat.example.com", "chatSessionID": "session-0001", "url": "x"});
    app.channel_call(&ch, "notifyUserVisited", short)
        .await
        .expect_field_error("url");
}

#[tokio::test]
async fn customers_send_files_within_the_limits() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let chat = app.waiting_chat(&ch, "session-0001").await;
    let query = [
        ("chatServer", "chat.example.com"),
        ("chatSessionID", "session-0001"),
        ("chatAccountToken", ch.account_token.as_str()),
    ];
    let url = format!("{}/api/v2/chat/addAttachment", app.address);
    // The seed's JSON form: base64 in `file`; the type is read from the bytes.
    let r = app
        .raw(
            app.client
                .post(&url)
                .query(&query)
                .header("apiKey", &ch.api_key)
                .json(&json!({"file": b64(&JPEG)})),
        )
        .await
        .ok();
    assert_eq!(r["ChatID"], chat);
    // A multipart upload with a file name.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4 test".to_vec()).file_name("invoice.pdf"),
    );
    app.raw(
        app.client
            .post(&url)
            .query(&query)
            .header("apiKey", &ch.api_key)
            .multipart(form),
    )
    .await
    .ok();
    let msgs = app.messages_of(&m.token, chat).await;
    let files: Vec<&Value> = msgs.iter().filter(|m| !m["Attachment"].is_null()).collect();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["Attachment"]["MimeType"], "image/jpeg");
    assert_eq!(files[1]["Attachment"]["Name"], "invoice.pdf");
    let download = app
        .raw(
            app.client
                .get(format!(
                    "{}{}",
                    app.address,
                    files[1]["Attachment"]["URL"].as_str().unwrap()
                ))
                .query(&[("Version", "1"), ("SessionToken", m.token.as_str())]),
        )
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.body, Value::String("%PDF-1.4 test".into()));

    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"MZ...".to_vec()).file_name("tool.exe"),
    );
    app.raw(
        app.client
            .post(&url)
            .query(&query)
            .header("apiKey", &ch.api_key)
            .multipart(form),
    )
    .await
    .expect_field_error("file");
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"MaxAttachmentMB": 1}]}),
    )
    .await
    .ok();
    let mut big = JPEG.to_vec();
    big.resize(1024 * 1024 + 1, 0);
    let r = app
        .raw(
            app.client
                .post(&url)
                .query(&query)
                .header("apiKey", &ch.api_key)
                .json(&json!({"file": b64(&big)})),
        )
        .await;
    r.expect_error(413, "PayloadTooLarge");
    assert_eq!(
        app.messages_of(&m.token, chat).await.len(),
        msgs.len(),
        "nothing stored"
    );
}

#[tokio::test]
async fn origin_ip_lists_queue_and_config() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app
        .post(
            "CreateDepartment",
            &m.token,
            json!({"Name": "Sales", "IncludeInWelcomeMenu": true, "MenuIndex": 1}),
        )
        .await
        .ok();
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"Name": "Support", "IncludeInWelcomeMenu": true, "MenuIndex": 2}),
    )
    .await
    .ok();
    app.post("UpdateSettings", &m.token, json!({"Settings": [{"WhitelistedDomains": ["example.com"]}, {"BlacklistedIPs": "10.0.0.0/8, 192.0.2.7"}, {"CompanyName": "Acme"}]})).await.ok();
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"BlacklistedIPs": ["10.0.0.0/99"]}]}),
    )
    .await
    .expect_field_error("BlacklistedIPs");
    let ch = app.channel(&m, "https://chat.example.com").await;
    let check = |origin: &str, ip: &str| json!({"chatServer": "chat.example.com", "chatAccountToken": ch.account_token, "origin": origin, "ip": ip});
    let ok = app
        .channel_call(
            &ch,
            "checkOriginAndIP",
            check("shop.example.com", "198.51.100.4"),
        )
        .await
        .ok();
    assert_eq!(
        ok,
        json!({"Allowed": true, "OriginAllowed": true, "IPAllowed": true})
    );
    let bad = app
        .channel_call(&ch, "checkOriginAndIP", check("evil.org", "10.1.2.3"))
        .await
        .ok();
    assert_eq!(
        bad,
        json!({"Allowed": false, "OriginAllowed": false, "IPAllowed": false})
    );
    app.channel_call(&ch, "checkOriginAndIP", check("shop.example.com", "nope"))
        .await
        .expect_field_error("ip");
    let lists = app
        .raw(
            app.client
                .get(format!(
                    "{}/api/v2/chat/whitelistedDomainsAndBlacklistedIPs",
                    app.address
                ))
                .header("apiKey", &ch.api_key),
        )
        .await
        .ok();
    assert_eq!(
        lists,
        json!({"WhitelistedDomains": ["example.com"], "BlacklistedIPs": ["10.0.0.0/8", "192.0.2.7"]})
    );

    app.customer_says(&ch, "session-0001", "hi", json!({}))
        .await
        .ok();
    app.customer_says(&ch, "session-0001", "1", json!({}))
        .await
        .ok();
    let queue = app
        .channel_call(
            &ch,
            "requestChatQueue",
            json!({"chatAccountToken": ch.account_token}),
        )
        .await
        .ok();
    assert_eq!(queue["Waiting"], 1);
    let sales = queue["Departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["DepartmentID"] == d["DepartmentID"])
        .unwrap()
        .clone();
    assert_eq!(
        (sales["Waiting"].as_i64(), sales["NextPosition"].as_i64()),
        (Some(1), Some(2))
    );
    let config = app
        .channel_call(
            &ch,
            "requestChatConfig",
            json!({"chatServer": "chat.example.com", "chatAccountToken": ch.account_token}),
        )
        .await
        .ok();
    assert_eq!(config["CompanyName"], "Acme");
    assert_eq!(config["Menu"].as_array().unwrap().len(), 2);
    assert!(config["WorkingHours"]["Days"].is_array() && config["OpenNow"].is_boolean());
    assert_eq!(config["MaxAttachmentMB"], 10);
}
