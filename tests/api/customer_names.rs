//! Customers of every name (issue 23, point 3): names in any script are taken, and a malformed
//! optional detail never costs the customer's message; the answer names what was left out.

use serde_json::json;

use crate::channel_helpers::texts_of;
use crate::helpers::TestApp;

#[tokio::test]
async fn names_of_every_script_open_chats_and_greet_the_customer() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"Name": "Support", "WelcomeNew": "Hi #CUSTOMERNAME#"}),
    )
    .await
    .ok();
    let ch = app.channel(&m, "https://chat.example.com").await;
    let names = [
        "José Álvarez",
        "Anne-Marie",
        "O'Brien",
        "李小龍",
        "Dr. Smith",
    ];
    for (i, name) in names.iter().enumerate() {
        let session = format!("session-000{i}");
        let r = app
            .customer_says(&ch, &session, "Hello", json!({"customerName": name}))
            .await
            .ok();
        assert!(r.get("Ignored").is_none(), "{name}: {r}");
        let chat = r["ChatID"].as_i64().unwrap();
        let detail = app
            .get("GetChat", &m.token, &[("ChatID", &chat.to_string())])
            .await
            .ok();
        assert_eq!(detail["Customer"]["FullName"], *name);
        assert_eq!(detail["Visitor"]["FullName"], *name);
        assert_eq!(
            texts_of(&app.messages_of(&m.token, chat).await, "Welcome"),
            vec![format!("Hi {name}")]
        );
    }
    // Bidi overrides and zero-width characters are dropped, not held against the customer.
    let r = app
        .customer_says(
            &ch,
            "session-0100",
            "Hello",
            json!({"customerName": "\u{202E}Ann\u{200B}a  Lee\u{202C}"}),
        )
        .await
        .ok();
    let detail = app
        .get("GetChat", &m.token, &[("ChatID", &r["ChatID"].to_string())])
        .await
        .ok();
    assert_eq!(detail["Customer"]["FullName"], "Anna Lee");
}

#[tokio::test]
async fn a_malformed_detail_is_left_out_and_named_but_the_message_is_taken() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;

    // A national number is a number: kept as written.
    let r = app
        .customer_says(
            &ch,
            "session-0001",
            "Call me",
            json!({"customerName": "Thandi", "phoneNumber": "0821234567"}),
        )
        .await
        .ok();
    assert!(r.get("Ignored").is_none(), "{r}");
    let chat = r["ChatID"].to_string();
    let detail = app
        .get("GetChat", &m.token, &[("ChatID", &chat)])
        .await
        .ok();
    assert_eq!(detail["Customer"]["MobileNumber"], "0821234567");

    // A bad email, a name of markup, a number too short and a number of the wrong type.
    let r = app
        .customer_says(
            &ch,
            "session-0002",
            "My order is late",
            json!({"customerName": "Joe <b>", "emailAddress": "joe@", "phoneNumber": "12"}),
        )
        .await
        .ok();
    let ignored = r["Ignored"].as_object().expect("Ignored names the details");
    assert_eq!(
        ignored.keys().collect::<Vec<_>>(),
        vec!["customerName", "emailAddress", "phoneNumber"],
        "{r}"
    );
    assert!(
        ignored["customerName"].as_str().unwrap().contains('<'),
        "{r}"
    );
    let chat = r["ChatID"].as_i64().unwrap();
    let msgs = app.messages_of(&m.token, chat).await;
    assert!(
        msgs.iter().any(|x| x["Message"] == "My order is late"),
        "the message is taken"
    );
    let detail = app
        .get("GetChat", &m.token, &[("ChatID", &chat.to_string())])
        .await
        .ok();
    assert!(detail["Customer"]["FullName"].is_null(), "{detail}");
    assert!(detail["Customer"]["EmailAddress"].is_null(), "{detail}");
    assert!(detail["Visitor"]["PhoneNumber"].is_null(), "{detail}");

    let r = app
        .customer_says(
            &ch,
            "session-0003",
            "Hi",
            json!({"phoneNumber": 27821234567u64, "emailAddress": "ann@example.com"}),
        )
        .await
        .ok();
    assert_eq!(r["Ignored"], json!({"phoneNumber": "must be text"}));

    // Structural fields still refuse the message, naming the field.
    app.customer_says(&ch, "short", "Hi", json!({"customerName": "José"}))
        .await
        .expect_field_error("chatSessionID");
    app.customer_says(&ch, "session-0004", "   ", json!({}))
        .await
        .expect_field_error("message");
    app.customer_says(
        &ch,
        "session-0004",
        "Hi",
        json!({"chatAccountToken": "bad token!"}),
    )
    .await
    .expect_field_error("chatAccountToken");

    // Form fields (the Omnidesk way) take the same names.
    let form = [
        ("chatServer", "chat.example.com"),
        ("chatSessionID", "session-0005"),
        ("chatAccountToken", ch.account_token.as_str()),
        ("message", "from a form"),
        ("customerName", "Zoë O'Neill-Ramírez"),
        ("emailAddress", "not mail"),
    ];
    let r = app
        .raw(
            app.client
                .post(format!(
                    "{}/api/v2/chat/notifyUserNewChatMessage",
                    app.address
                ))
                .header("apiKey", &ch.api_key)
                .form(&form),
        )
        .await
        .ok();
    assert_eq!(r["Ignored"].as_object().unwrap().len(), 1, "{r}");
    assert!(r["Ignored"]["emailAddress"].is_string());
}

#[tokio::test]
async fn the_api_document_says_details_are_left_out_not_refused() {
    let app = TestApp::spawn().await;
    let doc = app
        .raw(app.client.get(format!("{}/api/openapi.json", app.address)))
        .await
        .ok();
    let inbound = &doc["components"]["schemas"]["InboundView"];
    assert!(inbound["properties"]["Ignored"].is_object(), "{inbound}");
    let required = inbound["required"].as_array().unwrap();
    assert!(!required.contains(&json!("Ignored")), "{inbound}");
    // The request's schema may be inlined or flattened; its three detail descriptions say so.
    let text = doc.to_string();
    for says in [
        "A name that breaks the rule is left out and named under Ignored",
        "one that is not an address is left out and named under Ignored",
        "Another value is left out and named under Ignored",
    ] {
        assert!(text.contains(says), "{says}");
    }
}
