//! A rating at the end (issue 23, point 4): a closing chat asks its customer for a rating (a
//! `RatingRequest` line delivered to the channel server), notifyUserRating takes it once, agents
//! see it on the chat and DataInsight, the reports and their rollups count it.

use serde_json::{json, Value};

use crate::channel_helpers::{texts_of, Channel, Receiver};
use crate::helpers::{Session, TestApp};

struct Desk {
    app: TestApp,
    m: Session,
    agent: Session,
    department: i64,
    ch: Channel,
    receiver: Receiver,
}

async fn desk() -> Desk {
    let receiver = Receiver::start(0).await;
    let app =
        TestApp::spawn_with(&[("DELIVERY_BACKOFF_MS", "50"), ("DELIVERY_POLL_MS", "50")]).await;
    let m = app.manager().await;
    let department = app.department(&m, "Support").await;
    let ch = app.channel(&m, &receiver.base_url).await;
    let agent = app.agent(&m, &[department]).await;
    Desk {
        app,
        m,
        agent,
        department,
        ch,
        receiver,
    }
}

impl Desk {
    /// A chat answered by the agent, still open.
    async fn answered_chat(&self, session: &str) -> i64 {
        let chat = self.app.waiting_chat(&self.ch, session).await;
        self.app
            .post(
                "SendMessage",
                &self.agent.token,
                json!({"ChatID": chat, "MessageText": "How can I help?"}),
            )
            .await
            .ok();
        chat
    }

    async fn close(&self, chat: i64) {
        self.app
            .get(
                "CloseChat",
                &self.agent.token,
                &[("ChatID", &chat.to_string())],
            )
            .await
            .ok();
    }

    async fn rate(&self, session: &str, rating: Value, comment: &str) -> crate::helpers::Reply {
        self.app
            .channel_call(
                &self.ch,
                "notifyUserRating",
                json!({"chatServer": "chat.example.com", "chatSessionID": session,
                       "chatAccountToken": self.ch.account_token, "rating": rating, "comment": comment}),
            )
            .await
    }

    async fn chat(&self, token: &str, chat: i64) -> Value {
        self.app
            .get("GetChat", token, &[("ChatID", &chat.to_string())])
            .await
            .ok()
    }
}

#[tokio::test]
async fn a_closed_chat_asks_for_a_rating_and_takes_one() {
    let d = desk().await;
    let chat = d.answered_chat("session-0001").await;
    d.rate("session-0001", json!(5), "")
        .await
        .expect_error(404, "ChatNotFound");
    d.close(chat).await;

    // The request reaches the channel server like any line for the customer, after the close's.
    let got = d.receiver.wait_for(3).await;
    let last = &got.last().unwrap().body;
    assert_eq!(last["specialType"], "RatingRequest", "{got:?}");
    assert_eq!(last["chatSessionID"], "session-0001");
    assert_eq!(got[got.len() - 2].body["specialType"], "ClosedByUser");
    let msgs = d.app.messages_of(&d.m.token, chat).await;
    assert_eq!(texts_of(&msgs, "RatingRequest").len(), 1);

    // Bad fields name themselves; the rating is taken once.
    d.rate("session-0001", json!(6), "")
        .await
        .expect_field_error("rating");
    d.rate("session-0001", json!(3), &"x".repeat(1001))
        .await
        .expect_field_error("comment");
    d.rate("short", json!(3), "")
        .await
        .expect_field_error("chatSessionID");
    let rated = d
        .rate("session-0001", json!("5"), "Quick and friendly")
        .await
        .ok();
    assert_eq!(
        (rated["ChatID"].as_i64(), rated["Rating"].as_i64()),
        (Some(chat), Some(5))
    );
    assert_eq!(rated["Comment"], "Quick and friendly");
    d.rate("session-0001", json!(1), "changed my mind")
        .await
        .expect_error(409, "RatingAlreadyGiven");

    // Agents and managers see it on the chat, in lists and in the transcript.
    for token in [&d.agent.token, &d.m.token] {
        let detail = d.chat(token, chat).await;
        assert_eq!(
            (detail["Rating"].as_i64(), detail["RatingComment"].as_str()),
            (Some(5), Some("Quick and friendly"))
        );
    }
    let list = d
        .app
        .get("GetChatList", &d.m.token, &[("ChatType", "closed")])
        .await
        .ok();
    let listed = list["Chats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["ChatID"] == chat)
        .unwrap()
        .clone();
    assert_eq!(listed["Rating"], 5, "{listed}");
    let msgs = d.app.messages_of(&d.m.token, chat).await;
    assert_eq!(
        texts_of(&msgs, "Rated"),
        vec!["The customer rated this chat 5 of 5: Quick and friendly"]
    );

    // A chat the customer ends is asked too; without a comment is fine.
    let second = d.answered_chat("session-0002").await;
    d.app
        .channel_call(
            &d.ch,
            "notifyUserEndChat",
            json!({"chatServer": "chat.example.com", "chatSessionID": "session-0002"}),
        )
        .await
        .ok();
    assert_eq!(
        texts_of(
            &d.app.messages_of(&d.m.token, second).await,
            "RatingRequest"
        )
        .len(),
        1
    );
    d.rate("session-0002", json!(2), "").await.ok();
    assert!(d.chat(&d.m.token, second).await["RatingComment"].is_null());

    // With AskForRating off, nobody is asked.
    d.app
        .post(
            "UpdateSettings",
            &d.m.token,
            json!({"Settings": [{"AskForRating": false}]}),
        )
        .await
        .ok();
    let third = d.answered_chat("session-0003").await;
    d.close(third).await;
    assert!(texts_of(&d.app.messages_of(&d.m.token, third).await, "RatingRequest").is_empty());

    // DataInsight: one satisfied rating of two, two of two requests answered; per agent and
    // department too.
    let week = d
        .app
        .get("DataInsight", &d.m.token, &[("Period", "week")])
        .await
        .ok();
    let totals = &week["Totals"];
    assert_eq!(
        (
            totals["CsatScore"].as_f64(),
            totals["CsatResponses"].as_i64(),
            totals["CsatResponseRate"].as_f64()
        ),
        (Some(50.0), Some(2), Some(100.0)),
        "{totals}"
    );
    let agent = week["Agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["AgentID"] == d.agent.agent_id)
        .unwrap();
    assert_eq!(
        (agent["CsatScore"].as_f64(), agent["CsatResponses"].as_i64()),
        (Some(50.0), Some(2)),
        "{agent}"
    );
    let dept = week["Departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["DepartmentID"] == d.department)
        .unwrap();
    assert_eq!(
        (
            dept["CsatResponseRate"].as_f64(),
            dept["CsatResponses"].as_i64()
        ),
        (Some(100.0), Some(2)),
        "{dept}"
    );
}

#[tokio::test]
async fn two_ratings_at_once_count_once() {
    let d = desk().await;
    let chat = d.answered_chat("session-0001").await;
    d.close(chat).await;
    let (a, b) = tokio::join!(
        d.rate("session-0001", json!(4), "a"),
        d.rate("session-0001", json!(1), "b")
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", a.body, b.body);
    let winner = if a.status == 200 { &a.body } else { &b.body };
    assert_eq!(d.chat(&d.m.token, chat).await["Rating"], winner["Rating"]);
    let week = d
        .app
        .get("DataInsight", &d.m.token, &[("Period", "week")])
        .await
        .ok();
    assert_eq!(week["Totals"]["CsatResponses"], 1);
}
