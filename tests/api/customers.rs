//! AddComment, FindCustomer, UpdateCustomer, AddTag and RemoveTag.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn comments_customers_and_tags() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let first = app
        .customer_says(
            &ch,
            "session-0001",
            "Hi",
            json!({"customerName": "Joe", "phoneNumber": "+112798647"}),
        )
        .await
        .ok();
    let (chat, customer) = (
        first["ChatID"].as_i64().unwrap(),
        first["CustomerID"].as_i64().unwrap(),
    );
    let a = app.agent(&m, &[d]).await;
    app.get("GrabChat", &a.token, &[]).await.ok();

    let note = app
        .post(
            "AddComment",
            &a.token,
            json!({"CustomerID": customer.to_string(), "Comment": "This is a new comment"}),
        )
        .await
        .ok();
    let msgs = app.messages_of(&a.token, chat).await;
    let stored = msgs
        .iter()
        .find(|m| m["MessageID"] == note["MessageID"])
        .unwrap();
    assert_eq!(
        (stored["Type"].as_str(), stored["Delivery"].is_null()),
        (Some("note"), true),
        "never sent to the customer"
    );
    app.post(
        "AddComment",
        &a.token,
        json!({"CustomerID": 999, "Comment": "x"}),
    )
    .await
    .expect_error(404, "CustomerNotFound");
    app.post(
        "AddComment",
        &a.token,
        json!({"CustomerID": customer, "Comment": ""}),
    )
    .await
    .expect_field_error("Comment");

    // The seed's example number has no +; both forms find the customer.
    for number in ["112798647", "+112798647"] {
        let found = app
            .get(
                "FindCustomer",
                &a.token,
                &[("MobileNumber", number), ("IncludeChats", "true")],
            )
            .await
            .ok();
        assert_eq!(found["Customers"][0]["CustomerID"], customer);
        assert_eq!(found["Customers"][0]["Chats"][0]["ChatID"], chat);
        assert_eq!(
            found["Customers"][0]["Comments"][0]["Comment"],
            "This is a new comment"
        );
    }
    let without = app
        .get(
            "FindCustomer",
            &a.token,
            &[("MobileNumber", "112798647"), ("IncludeChats", "false")],
        )
        .await
        .ok();
    assert!(without["Customers"][0].get("Chats").is_none());
    assert_eq!(
        app.get(
            "FindCustomer",
            &a.token,
            &[("MobileNumber", "27000000000"), ("IncludeChats", "true")]
        )
        .await
        .ok()["Customers"],
        json!([])
    );
    app.get("FindCustomer", &a.token, &[("MobileNumber", "12ab")])
        .await
        .expect_field_error("MobileNumber");

    let t1 = app.tag(&m, "Warranty").await;
    let t2 = app.tag(&m, "Returns").await;
    let off = app.tag(&m, "Old").await;
    app.post(
        "UpdateTag",
        &m.token,
        json!({"TagID": off, "Enabled": false}),
    )
    .await
    .ok();
    let updated = app.post("UpdateCustomer", &a.token, json!({"CustomerID": customer.to_string(), "FullName": "Joe the Jester",
        "EmailAddress": "joe@example.com", "Comment": "Another Comment", "TagID": [t1.to_string()]})).await.ok();
    assert_eq!(
        (
            updated["FullName"].as_str(),
            updated["EmailAddress"].as_str()
        ),
        (Some("Joe the Jester"), Some("joe@example.com"))
    );
    assert_eq!(updated["Comments"][0]["Comment"], "Another Comment");
    // AddTag by chat, and by customer under the seed's spelling CustomrID.
    let tagged = app
        .post(
            "AddTag",
            &a.token,
            json!({"CustomrID": customer, "TagID": t2}),
        )
        .await
        .ok();
    let names: Vec<&str> = tagged["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Returns", "Warranty"]);
    app.post("AddTag", &a.token, json!({"ChatID": chat, "TagID": t2}))
        .await
        .ok();
    app.post("AddTag", &a.token, json!({"ChatID": chat, "TagID": off}))
        .await
        .expect_error(409, "TagDisabled");
    app.post("AddTag", &a.token, json!({"ChatID": chat, "TagID": 999}))
        .await
        .expect_error(404, "TagNotFound");
    app.post("AddTag", &a.token, json!({"TagID": t1}))
        .await
        .expect_field_error("ChatID");
    let removed = app
        .post(
            "RemoveTag",
            &a.token,
            json!({"ChatID": chat.to_string(), "TagID": t2.to_string()}),
        )
        .await
        .ok();
    assert_eq!(removed["Tags"].as_array().unwrap().len(), 1);
    app.post("RemoveTag", &a.token, json!({"ChatID": chat, "TagID": t2}))
        .await
        .expect_error(404, "TagNotFound");

    // Once the chat is closed, comments and customer tags have no chat to go on.
    app.get("CloseChat", &a.token, &[("ChatID", &chat.to_string())])
        .await
        .ok();
    app.post(
        "AddComment",
        &a.token,
        json!({"CustomerID": customer, "Comment": "late"}),
    )
    .await
    .expect_error(409, "NoActiveChat");
    app.post(
        "AddTag",
        &a.token,
        json!({"CustomerID": customer, "TagID": t1}),
    )
    .await
    .expect_error(409, "NoActiveChat");
}

#[tokio::test]
async fn customer_data_stays_inside_the_departments_that_served_them() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let sales = app.department(&m, "Sales").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    app.customer_says(
        &ch,
        "session-0001",
        "Hi",
        json!({"phoneNumber": "+27821112222"}),
    )
    .await
    .ok();
    let support_agent = app.agent(&m, &[d]).await;
    let sales_agent = app.agent(&m, &[sales]).await;
    let seen = app
        .get(
            "FindCustomer",
            &support_agent.token,
            &[("MobileNumber", "27821112222")],
        )
        .await
        .ok();
    assert_eq!(seen["Customers"].as_array().unwrap().len(), 1);
    let hidden = app
        .get(
            "FindCustomer",
            &sales_agent.token,
            &[("MobileNumber", "27821112222")],
        )
        .await
        .ok();
    assert_eq!(hidden["Customers"], json!([]));
}

#[tokio::test]
async fn a_number_another_customer_owns_does_not_lose_the_message() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let web = app
        .customer_says(&ch, "web-session-0001", "first, no number", json!({}))
        .await
        .ok();
    app.customer_says(
        &ch,
        "+27821234567",
        "from whatsapp",
        json!({"phoneNumber": "+27821234567"}),
    )
    .await
    .ok();
    let again = app
        .customer_says(
            &ch,
            "web-session-0001",
            "now with a number",
            json!({"phoneNumber": "+27821234567"}),
        )
        .await
        .ok();
    assert_eq!(again["ChatID"], web["ChatID"]);
    let msgs = app
        .messages_of(&m.token, web["ChatID"].as_i64().unwrap())
        .await;
    assert!(msgs.iter().any(|m| m["Message"] == "now with a number"));
}
