//! Who is believed and what is shown to whom: customers recognised only within the channel that
//! vouches for them, other departments' chats and customers answering as missing ones, private
//! answers never cached, and calls to channel servers only where they may go.

use serde_json::{json, Value};

use crate::channel_helpers::{texts_of, Channel, Receiver};
use crate::helpers::{Session, TestApp};

async fn department_with_welcome(app: &TestApp, m: &Session) -> i64 {
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"Name": "Support", "WelcomeNew": "Hello #CUSTOMERNAME#", "WelcomeReturning": "Welcome back #CUSTOMERNAME#"}),
    )
    .await
    .ok()["DepartmentID"]
        .as_i64()
        .unwrap()
}

async fn channel_that_verifies(app: &TestApp, m: &Session, name: &str) -> Channel {
    let body = app
        .post(
            "CreateChannel",
            &m.token,
            json!({"Name": name, "ChatServer": "https://gateway.example.com", "VerifiesIdentity": true}),
        )
        .await
        .ok();
    assert_eq!(body["VerifiesIdentity"], true);
    Channel {
        id: body["ChannelID"].as_i64().unwrap(),
        api_key: body["ApiKey"].as_str().unwrap().to_owned(),
        account_token: body["ChatAccountToken"].as_str().unwrap().to_owned(),
        signing_secret: body["SigningSecret"].as_str().unwrap().to_owned(),
    }
}

async fn chat_detail(app: &TestApp, token: &str, chat: i64) -> Value {
    app.get("GetChat", token, &[("ChatID", &chat.to_string())])
        .await
        .ok()
}

#[tokio::test]
async fn a_web_visitor_with_someone_elses_number_is_not_taken_for_them() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    department_with_welcome(&app, &m).await;
    let whatsapp = channel_that_verifies(&app, &m, "WhatsApp").await;
    let web = app.channel(&m, "https://chat.example.com").await;
    let joe = json!({"customerName": "Joe Soap", "phoneNumber": "+27820000001", "emailAddress": "joe@example.com"});
    let victim = app
        .customer_says(&whatsapp, "+27820000001", "Hi from WhatsApp", joe)
        .await
        .ok();
    let mallory = json!({"customerName": "Mallory", "phoneNumber": "+27820000001", "emailAddress": "mallory@example.net"});
    let visitor = app
        .customer_says(&web, "web-session-0001", "Hi, it's me, Joe", mallory)
        .await
        .ok();
    assert_ne!(visitor["CustomerID"], victim["CustomerID"]);
    // The victim's record is as it was, and the visitor was greeted by the name they gave.
    let detail = chat_detail(&app, &m.token, victim["ChatID"].as_i64().unwrap()).await;
    assert_eq!(detail["Customer"]["FullName"], "Joe Soap");
    assert_eq!(detail["Customer"]["EmailAddress"], "joe@example.com");
    let visitor_chat = visitor["ChatID"].as_i64().unwrap();
    assert_eq!(
        texts_of(&app.messages_of(&m.token, visitor_chat).await, "Welcome"),
        vec!["Hello Mallory"]
    );
    // FindCustomer shows both, each as its channel knows it.
    let found = app
        .get(
            "FindCustomer",
            &m.token,
            &[("MobileNumber", "+27820000001")],
        )
        .await
        .ok();
    assert_eq!(found["Customers"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_chat_never_overwrites_what_is_stored_and_the_agent_decides() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = department_with_welcome(&app, &m).await;
    let web = app.channel(&m, "https://chat.example.com").await;
    let first = app
        .customer_says(
            &web,
            "web-session-0001",
            "Hello",
            json!({"customerName": "Joe Soap", "phoneNumber": "+27820000002", "emailAddress": "joe@example.com"}),
        )
        .await
        .ok();
    let end = json!({"chatServer": "chat.example.com", "chatSessionID": "web-session-0001"});
    app.channel_call(&web, "notifyUserEndChat", end).await.ok();
    let again = app
        .customer_says(
            &web,
            "web-session-0002",
            "Me again",
            json!({"customerName": "Joseph Other", "phoneNumber": "+27820000002", "emailAddress": "other@example.net"}),
        )
        .await
        .ok();
    assert_eq!(
        again["CustomerID"], first["CustomerID"],
        "the same channel knows the number"
    );
    let chat = again["ChatID"].as_i64().unwrap();
    let detail = chat_detail(&app, &m.token, chat).await;
    assert_eq!(detail["Customer"]["FullName"], "Joe Soap");
    assert_eq!(detail["Customer"]["EmailAddress"], "joe@example.com");
    assert_eq!(
        detail["Visitor"],
        json!({"FullName": "Joseph Other", "EmailAddress": "other@example.net",
               "PhoneNumber": "+27820000002", "DiffersFromCustomer": true})
    );
    assert_eq!(
        texts_of(&app.messages_of(&m.token, chat).await, "Welcome"),
        vec!["Welcome back Joseph Other"]
    );
    // The agent judges and applies it.
    let agent = app.agent(&m, &[d]).await;
    app.get("AssignChat", &agent.token, &[("ChatID", &chat.to_string())])
        .await
        .ok();
    let updated = app
        .post(
            "UpdateCustomer",
            &agent.token,
            json!({"CustomerID": again["CustomerID"], "FullName": "Joseph Other"}),
        )
        .await
        .ok();
    assert_eq!(updated["FullName"], "Joseph Other");
    assert_eq!(
        chat_detail(&app, &agent.token, chat).await["Visitor"]["DiffersFromCustomer"],
        true,
        "the address still differs"
    );
}

#[tokio::test]
async fn channels_that_verify_identity_recognise_each_others_customers() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    department_with_welcome(&app, &m).await;
    let whatsapp = channel_that_verifies(&app, &m, "WhatsApp").await;
    let sms = channel_that_verifies(&app, &m, "SMS").await;
    let who = json!({"customerName": "Ann", "phoneNumber": "+27820000003"});
    let a = app
        .customer_says(&whatsapp, "+27820000003", "Hi", who.clone())
        .await
        .ok();
    let b = app
        .customer_says(&sms, "+27820000003", "Hi again", who)
        .await
        .ok();
    assert_eq!(a["CustomerID"], b["CustomerID"]);
}

#[tokio::test]
async fn what_is_not_yours_looks_like_what_does_not_exist() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let support = app.department(&m, "Support").await;
    let sales = app.department(&m, "Sales").await;
    let web = app.channel(&m, "https://chat.example.com").await;
    let agent = app.agent(&m, &[support]).await;
    let outsider = app.agent(&m, &[sales]).await;
    // A customer writes in to Support (the only menu-less path picks the first department) with a
    // file.
    let reply = app
        .customer_says(
            &web,
            "web-session-0001",
            "Hello",
            json!({"customerName": "Joe", "phoneNumber": "+27820000004"}),
        )
        .await
        .ok();
    let chat = reply["ChatID"].as_i64().unwrap();
    let customer = reply["CustomerID"].as_i64().unwrap();
    assert_eq!(reply["DepartmentID"], support);
    app.get("AssignChat", &agent.token, &[("ChatID", &chat.to_string())])
        .await
        .ok();
    let sent = app
        .post(
            "SendMessage",
            &agent.token,
            json!({"ChatID": chat, "AttachmentName": "a.txt", "AttachmentData": "aGVsbG8="}),
        )
        .await
        .ok();
    let attachment = sent["Attachment"]["AttachmentID"].as_i64().unwrap();
    let missing_attachment = (attachment + 1000).to_string();
    let missing_customer = (customer + 1000).to_string();
    let pairs = [
        (
            "GetAttachment",
            "AttachmentID",
            attachment.to_string(),
            missing_attachment,
            "AttachmentNotFound",
        ),
        (
            "AddComment",
            "CustomerID",
            customer.to_string(),
            missing_customer.clone(),
            "CustomerNotFound",
        ),
        (
            "UpdateCustomer",
            "CustomerID",
            customer.to_string(),
            missing_customer.clone(),
            "CustomerNotFound",
        ),
        (
            "AddTag",
            "CustomerID",
            customer.to_string(),
            missing_customer,
            "CustomerNotFound",
        ),
    ];
    for (endpoint, field, theirs, missing, code) in pairs {
        let ask = |id: String| {
            let app = &app;
            let token = outsider.token.clone();
            async move {
                if endpoint == "GetAttachment" {
                    return app.get(endpoint, &token, &[(field, id.as_str())]).await;
                }
                // Each endpoint gets only its own fields: an unknown one is refused.
                let body = match endpoint {
                    "AddComment" => json!({field: id, "Comment": "x"}),
                    "AddTag" => json!({field: id, "TagID": 1}),
                    _ => json!({field: id}),
                };
                app.post(endpoint, &token, body).await
            }
        };
        let a = ask(theirs.clone()).await;
        let b = ask(missing.clone()).await;
        a.expect_error(404, code);
        b.expect_error(404, code);
        assert_eq!(
            a.body["Error"]["Message"]
                .as_str()
                .unwrap()
                .replace(&theirs, "N"),
            b.body["Error"]["Message"]
                .as_str()
                .unwrap()
                .replace(&missing, "N"),
            "{endpoint}"
        );
    }
    // Answers with secrets or private content are never cached.
    let logon = app
        .call(
            reqwest::Method::POST,
            "AgentLogon",
            None,
            &[],
            Some(json!({"EmailAddress": agent.email, "Password": crate::helpers::PASSWORD})),
        )
        .await;
    let file = app
        .get(
            "GetAttachment",
            &agent.token,
            &[("AttachmentID", &attachment.to_string())],
        )
        .await;
    let export = app
        .get("ExportChat", &agent.token, &[("ChatID", &chat.to_string())])
        .await;
    for (what, reply) in [
        ("logon", &logon),
        ("attachment", &file),
        ("export", &export),
    ] {
        assert_eq!(reply.status, 200, "{what}");
        assert_eq!(reply.headers["cache-control"], "no-store", "{what}");
    }
}

#[tokio::test]
async fn a_chat_moved_away_at_the_instant_of_a_claim_is_not_won_from_outside() {
    // Transfers race with claims by the old department's agent: whoever wins, an open chat is
    // always held by an agent of its own department.
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let support = app.department(&m, "Support").await;
    let sales = app.department(&m, "Sales").await;
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"MaxChatsPerAgent": 0}]}),
    )
    .await
    .ok();
    let web = app.channel(&m, "https://chat.example.com").await;
    let agent = app.agent(&m, &[support]).await;
    for round in 0..15 {
        let chat = app
            .waiting_chat(&web, &format!("race-session-{round:04}"))
            .await
            .to_string();
        let sales = sales.to_string();
        let transfer_query = [("ChatID", chat.as_str()), ("DepartmentID", sales.as_str())];
        let claim_query = [("ChatID", chat.as_str())];
        let transfer = app.get("TransferChat", &m.token, &transfer_query);
        let claim = app.get("AssignChat", &agent.token, &claim_query);
        let (_, _) = tokio::join!(transfer, claim);
        let detail = chat_detail(&app, &m.token, chat.parse().unwrap()).await;
        if detail["AgentID"] == agent.agent_id {
            assert_eq!(detail["DepartmentID"], support, "round {round}: {detail}");
        }
    }
}

#[tokio::test]
async fn channel_servers_on_internal_addresses_are_refused() {
    let app = TestApp::spawn_with(&[("CHANNEL_ALLOWED_NETWORKS", "")]).await;
    let m = app.manager().await;
    for server in [
        "http://127.0.0.1:8081/hooks",
        "http://localhost:8081/hooks",
        "http://169.254.169.254/latest",
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/hooks",
        "http://[::1]:8081/hooks",
        "http://[fd00::1]/hooks",
    ] {
        app.post(
            "CreateChannel",
            &m.token,
            json!({"Name": "Sneaky", "ChatServer": server}),
        )
        .await
        .expect_field_error("ChatServer");
    }
    assert!(
        app.get("GetChannelList", &m.token, &[]).await.ok()["Channels"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn deliveries_go_only_to_addresses_the_desk_may_call_whatever_the_name_says() {
    let receiver = Receiver::start(0).await;
    let app = TestApp::spawn_with(&[
        ("CHANNEL_ALLOWED_NETWORKS", ""),
        ("DELIVERY_BACKOFF_MS", "20"),
        ("DELIVERY_POLL_MS", "20"),
        ("DELIVERY_MAX_ATTEMPTS", "2"),
    ])
    .await;
    let m = app.manager().await;
    let d = department_with_welcome(&app, &m).await;
    // Registered while its name pointed elsewhere; now it points at this host (DNS rebinding, or
    // a literal address).
    let port = receiver.base_url.rsplit(':').next().unwrap().to_owned();
    for (n, rebound) in [
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}"),
    ]
    .into_iter()
    .enumerate()
    {
        let ch = app
            .channel(&m, &format!("https://chat{n}.example.com"))
            .await;
        app.sql_with_id(
            if n == 0 {
                "UPDATE channels SET chat_server = 'http://localhost:' || CAST(port AS TEXT) FROM (SELECT $1 AS port) p WHERE channels.id = (SELECT MAX(id) FROM channels)"
            } else {
                "UPDATE channels SET chat_server = 'http://127.0.0.1:' || CAST(port AS TEXT) FROM (SELECT $1 AS port) p WHERE channels.id = (SELECT MAX(id) FROM channels)"
            },
            port.trim_end_matches("/hooks").parse().unwrap(),
        )
        .await;
        let chat = app.waiting_chat(&ch, &format!("session-rebind-{n}")).await;
        let agent = app.agent(&m, &[d]).await;
        let failed = wait_for_failed_welcome(&app, &m, chat).await;
        assert!(
            failed["Delivery"]["LastError"]
                .as_str()
                .unwrap()
                .contains("CHANNEL_ALLOWED_NETWORKS"),
            "{rebound}: {failed}"
        );
        // Agents see that it failed, not the address.
        let as_agent = app.messages_of(&agent.token, chat).await;
        let theirs = as_agent
            .iter()
            .find(|msg| msg["MessageID"] == failed["MessageID"])
            .unwrap();
        assert_eq!(
            theirs["Delivery"]["LastError"],
            "The channel server did not take the message"
        );
    }
    assert!(receiver.received().is_empty());
}

async fn wait_for_failed_welcome(app: &TestApp, m: &Session, chat: i64) -> Value {
    for _ in 0..200 {
        let msgs = app.messages_of(&m.token, chat).await;
        if let Some(welcome) = msgs
            .iter()
            .find(|msg| msg["SpecialType"] == "Welcome" && msg["Delivery"]["State"] == "failed")
        {
            return welcome.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the welcome never failed");
}
