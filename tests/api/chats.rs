//! GetChatList, GetChat, GetChatMessages, MarkChatRead, SendMessage and ExportChat.

use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::TestApp;

#[tokio::test]
async fn chat_list_filters_pages_and_respects_departments() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let support = app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    for i in 0..5 {
        let name = format!("Customer {i}");
        app.customer_says(
            &ch,
            &format!("session-{i:04}"),
            &format!("question number {i}"),
            json!({"customerName": name, "phoneNumber": format!("+2782000000{i}")}),
        )
        .await
        .ok();
    }
    let a = app.agent(&m, &[support]).await;
    let grabbed = app.get("GrabChat", &a.token, &[]).await.ok()["ChatID"]
        .as_i64()
        .unwrap();

    let page = app
        .get(
            "GetChatList",
            &a.token,
            &[("ChatType", "unassigned"), ("Page", "1"), ("PageSize", "3")],
        )
        .await
        .ok();
    let mut cursor = page["Cursor"].clone();
    let next = cursor.as_object_mut().unwrap().remove("Next").unwrap();
    assert_eq!(
        cursor,
        json!({"Page": 1, "PageSize": 3, "Total": 4, "Pages": 2})
    );
    assert!(next.is_string(), "a page follows: {next}");
    let positions: Vec<i64> = page["Chats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["QueuePosition"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, vec![1, 2, 3], "the queue in order");
    let chat = &page["Chats"][0];
    assert_eq!(chat["CustomerName"], "Customer 1");
    assert_eq!(chat["CustomerNumber"], "+27820000001");
    assert_eq!(chat["DepartmentName"], "Support");
    assert_eq!(chat["LastMessageText"], "question number 1");
    assert_eq!(chat["UnreadCount"], 1);
    let page2 = app
        .get(
            "GetChatList",
            &a.token,
            &[("ChatType", "unassigned"), ("Page", "2"), ("PageSize", "3")],
        )
        .await
        .ok();
    assert_eq!(page2["Chats"].as_array().unwrap().len(), 1);

    let mine = app
        .get("GetChatList", &a.token, &[("Selector", "private")])
        .await
        .ok();
    assert_eq!(mine["Chats"][0]["ChatID"], grabbed);
    assert_eq!(mine["Cursor"]["Total"], 1);
    for (term, expected) in [
        ("customer 3", 1),
        ("+2782000000", 5),
        ("QUESTION NUMBER", 5),
        ("nothing like this", 0),
    ] {
        let found = app
            .get("GetChatList", &m.token, &[("Term", term)])
            .await
            .ok();
        assert_eq!(found["Cursor"]["Total"], expected, "{term}");
    }
    let id = grabbed.to_string();
    app.get("MarkChatRead", &a.token, &[("ChatID", &id)])
        .await
        .ok();
    let unread = app
        .get("GetChatList", &a.token, &[("Selector", "unread")])
        .await
        .ok();
    assert_eq!(unread["Cursor"]["Total"], 4);
    let by_agent = app
        .get(
            "GetChatList",
            &m.token,
            &[("AgentID", &a.agent_id.to_string())],
        )
        .await
        .ok();
    assert_eq!(by_agent["Cursor"]["Total"], 1);

    // Another department's agent sees none of it.
    let sales = app.department(&m, "Sales").await;
    let outsider = app.agent(&m, &[sales]).await;
    assert_eq!(
        app.get("GetChatList", &outsider.token, &[]).await.ok()["Cursor"]["Total"],
        0
    );
    // Its chats answer exactly as chats that don't exist do: no oracle for ids.
    for endpoint in [
        "GetChat",
        "GetChatMessages",
        "ExportChat",
        "MarkChatRead",
        "GrabChat",
    ] {
        if endpoint == "GrabChat" {
            // GrabChat takes no ChatID (one sent is refused by name): it finds nothing to grab.
            app.get(endpoint, &outsider.token, &[("ChatID", &id)])
                .await
                .expect_field_error("ChatID");
            app.get(endpoint, &outsider.token, &[])
                .await
                .expect_error(404, "NoChatWaiting");
            continue;
        }
        let theirs = app.get(endpoint, &outsider.token, &[("ChatID", &id)]).await;
        theirs.expect_error(404, "ChatNotFound");
        let missing_id = (grabbed + 10_000).to_string();
        let missing = app
            .get(endpoint, &outsider.token, &[("ChatID", &missing_id)])
            .await;
        assert_eq!(
            theirs.body["Error"]["Message"]
                .as_str()
                .unwrap()
                .replace(&id, "N"),
            missing.body["Error"]["Message"]
                .as_str()
                .unwrap()
                .replace(&missing_id, "N"),
        );
    }
    for (field, value) in [
        ("ChatType", "pending"),
        ("Selector", "mine"),
        ("PageSize", "101"),
        ("Page", "0"),
    ] {
        app.get("GetChatList", &m.token, &[(field, value)])
            .await
            .expect_field_error(field);
    }
}

#[tokio::test]
async fn sending_messages() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let chat = app
        .customer_says(&ch, "session-0001", "Hi", json!({"customerName": "Joe"}))
        .await
        .ok()["ChatID"]
        .as_i64()
        .unwrap();
    let a = app.agent(&m, &[d]).await;
    let b = app.agent(&m, &[d]).await;
    // Sending on a waiting chat takes it.
    let sent = app
        .post(
            "SendMessage",
            &a.token,
            json!({"ChatID": chat.to_string(), "MessageText": "Hallo there"}),
        )
        .await
        .ok();
    assert_eq!(
        (sent["Type"].as_str(), sent["Message"].as_str()),
        (Some("agent"), Some("Hallo there"))
    );
    // On its way: the worker may already hold it (this test's channel server does not exist).
    let state = sent["Delivery"]["State"].as_str().unwrap();
    assert!(["pending", "sending"].contains(&state), "{state}");
    let id = chat.to_string();
    assert_eq!(
        app.get("GetChat", &m.token, &[("ChatID", &id)]).await.ok()["AgentID"],
        a.agent_id
    );
    app.post(
        "SendMessage",
        &b.token,
        json!({"ChatID": chat, "MessageText": "me too"}),
    )
    .await
    .expect_error(409, "ChatAssignedToAnotherAgent");
    app.post(
        "SendMessage",
        &a.token,
        json!({"ChatID": chat, "MessageText": " "}),
    )
    .await
    .expect_field_error("MessageText");
    // A canned response with its placeholders expanded.
    let canned = app
        .post(
            "CreateCannedResponse",
            &m.token,
            json!({"Name": "hi", "MessageText": "Hello #CUSTOMERNAME#, #AGENTNAME# here."}),
        )
        .await
        .ok();
    let sent = app
        .post(
            "SendMessage",
            &a.token,
            json!({"ChatID": chat, "CannedResponseID": canned["CannedResponseID"]}),
        )
        .await
        .ok();
    assert!(
        sent["Message"]
            .as_str()
            .unwrap()
            .starts_with("Hello Joe, Agent "),
        "{}",
        sent["Message"]
    );
    // The seed's attachment form (base64 in AttachmentData), and a multipart upload.
    let jpeg = base64::engine::general_purpose::STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
    let sent = app
        .post(
            "SendMessage",
            &a.token,
            json!({"ChatID": "408", "MessageText": "x"}),
        )
        .await;
    sent.expect_error(404, "ChatNotFound");
    let sent = app
        .post(
            "SendMessage",
            &a.token,
            json!({"ChatID": chat.to_string(), "MessageText": "Hallo there",
        "AttachmentType": "image/jpeg", "AttachmentName": "image.jpg", "AttachmentData": jpeg}),
        )
        .await
        .ok();
    assert_eq!(sent["Attachment"]["Name"], "image.jpg");
    let url = format!(
        "{}?Version=1&SessionToken={}",
        app.url("SendMessage"),
        a.token
    );
    let form = reqwest::multipart::Form::new()
        .text("ChatID", id.clone())
        .text("MessageText", "the invoice")
        .part(
            "AttachmentData",
            reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("invoice.pdf"),
        );
    let sent = app.raw(app.client.post(&url).multipart(form)).await.ok();
    assert_eq!(sent["Attachment"]["MimeType"], "application/pdf");
    let r = app
        .post(
            "SendMessage",
            &a.token,
            json!({"ChatID": chat, "AttachmentName": "x.exe", "AttachmentData": "TVo="}),
        )
        .await;
    r.expect_field_error("AttachmentData");

    let page = app
        .get(
            "GetChatMessages",
            &a.token,
            &[("ChatID", &id), ("PageSize", "2")],
        )
        .await
        .ok();
    assert_eq!(page["Messages"].as_array().unwrap().len(), 2);
    let total = page["Cursor"]["Total"].as_i64().unwrap();
    let last_seen = page["Messages"][1]["MessageID"]
        .as_i64()
        .unwrap()
        .to_string();
    let after = app
        .get(
            "GetChatMessages",
            &a.token,
            &[("ChatID", &id), ("After", &last_seen)],
        )
        .await
        .ok();
    assert_eq!(after["Cursor"]["Total"].as_i64().unwrap(), total - 2);
    let kinds: Vec<String> = app
        .messages_of(&a.token, chat)
        .await
        .iter()
        .map(|m| m["Type"].as_str().unwrap().to_owned())
        .collect();
    for kind in ["customer", "agent", "system"] {
        assert!(kinds.iter().any(|k| k == kind), "{kinds:?}");
    }
}

fn csv_time(message: &Value) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(message["WhenPosted"].as_str().unwrap()).unwrap();
    t.with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[tokio::test]
async fn export_is_the_exact_csv_of_the_transcript() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app
        .post(
            "CreateDepartment",
            &m.token,
            json!({"Name": "Support", "WelcomeNew": "Welcome, you are number #POSITIONINQUEUE#"}),
        )
        .await
        .ok();
    let d = d["DepartmentID"].as_i64().unwrap();
    let ch = app.channel(&m, "https://chat.example.com").await;
    let chat = app
        .customer_says(
            &ch,
            "session-0001",
            "=HYPERLINK(\"http://evil\")",
            json!({"customerName": "Joe Soap"}),
        )
        .await
        .ok()["ChatID"]
        .as_i64()
        .unwrap();
    let a = app.agent(&m, &[d]).await;
    app.post(
        "SendMessage",
        &a.token,
        json!({"ChatID": chat, "MessageText": "Hello, \"Joe\"\nHow can I help?"}),
    )
    .await
    .ok();
    app.post("AddComment", &a.token, json!({"CustomerID": app.get("GetChat", &a.token, &[("ChatID", &chat.to_string())]).await.ok()["CustomerID"], "Comment": "-VIP"})).await.ok();
    app.get("CloseChat", &a.token, &[("ChatID", &chat.to_string())])
        .await
        .ok();

    let messages = app.messages_of(&m.token, chat).await;
    let agent_name = messages.iter().find(|m| m["Type"] == "agent").unwrap()["Author"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut expected =
        String::from("Time,Direction,Author,Type,SpecialType,Message,Attachment\r\n");
    let rows = [
        (
            "event",
            "System",
            "system",
            "NewSession",
            "Chat started".to_string(),
        ),
        (
            "in",
            "Joe Soap",
            "customer",
            "",
            "\"'=HYPERLINK(\"\"http://evil\"\")\"".to_string(),
        ),
        (
            "out",
            "System",
            "system",
            "Welcome",
            "\"Welcome, you are number 1\"".to_string(),
        ),
        (
            "event",
            "System",
            "system",
            "Assigned",
            format!("Assigned to {agent_name}"),
        ),
        (
            "out",
            &agent_name,
            "agent",
            "",
            "\"Hello, \"\"Joe\"\"\nHow can I help?\"".to_string(),
        ),
        ("note", &agent_name, "note", "", "'-VIP".to_string()),
        (
            "out",
            "System",
            "system",
            "ClosedByUser",
            "This chat has been closed. Thank you for contacting us.".to_string(),
        ),
        (
            "out",
            "System",
            "system",
            "RatingRequest",
            "How did we do? Please rate this chat from 1 (poor) to 5 (excellent).".to_string(),
        ),
    ];
    assert_eq!(messages.len(), rows.len(), "{messages:#?}");
    for (message, (direction, author, kind, special, text)) in messages.iter().zip(rows) {
        expected.push_str(&format!(
            "{},{direction},{author},{kind},{special},{text},\r\n",
            csv_time(message)
        ));
    }
    let url = format!(
        "{}?Version=1&SessionToken={}&ChatID={chat}",
        app.url("ExportChat"),
        m.token
    );
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("chat-{chat}.csv")));
    assert_eq!(response.text().await.unwrap(), expected);
}

#[tokio::test]
async fn absurd_pages_are_refused_not_crashed() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.get("GetChatList", &m.token, &[("Page", "9223372036854775807")])
        .await
        .expect_field_error("Page");
    app.get(
        "GetChatMessages",
        &m.token,
        &[("ChatID", "1"), ("Page", "9223372036854775807")],
    )
    .await
    .expect_field_error("Page");
}
