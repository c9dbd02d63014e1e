//! LiveMetrics and DataInsight against a desk whose history the test built through the API, with
//! the measured seconds then set to known values (real waits would take minutes to build).

use serde_json::{json, Value};

use crate::channel_helpers::Channel;
use crate::helpers::{Session, TestApp, PASSWORD};

const HISTORY_AT: &str = "2026-11-25T12:00:00Z";

struct Desk {
    m: Session,
    agent: Session,
    department: i64,
    chats: Vec<i64>,
}

/// Three customers write in: two are answered by the agent (one closed), one leaves unanswered.
/// The desk's clock is at a Wednesday noon, so "today", this week, month and year hold all of it
/// whenever the test runs.
async fn desk_with_history(app: &TestApp) -> Desk {
    app.set_clock(HISTORY_AT);
    let m = app.manager().await;
    let tag = app.tag(&m, "Sales lead").await;
    let department = app
        .post(
            "CreateDepartment",
            &m.token,
            json!({"Name": "Support", "AutoTagID": [tag]}),
        )
        .await
        .ok()["DepartmentID"]
        .as_i64()
        .unwrap();
    let ch: Channel = app.channel(&m, "https://chat.example.com").await;
    let agent = app.agent(&m, &[department]).await;
    let mut chats = Vec::new();
    for i in 0..3 {
        chats.push(app.waiting_chat(&ch, &format!("session-{i:04}")).await);
    }
    for chat in &chats[..2] {
        app.get("AssignChat", &agent.token, &[("ChatID", &chat.to_string())])
            .await
            .ok();
        app.post(
            "SendMessage",
            &agent.token,
            json!({"ChatID": chat, "MessageText": "How can I help?"}),
        )
        .await
        .ok();
    }
    app.get(
        "CloseChat",
        &agent.token,
        &[("ChatID", &chats[0].to_string())],
    )
    .await
    .ok();
    let end = json!({"chatServer": "chat.example.com", "chatSessionID": "session-0002"});
    app.channel_call(&ch, "notifyUserEndChat", end).await.ok();
    // Known durations: waits 60 s and 120 s, first responses 30 s and 90 s, one handle time of 300 s.
    for (kind, chat, seconds) in [(2, 0, 60), (2, 1, 120), (3, 0, 30), (3, 1, 90), (6, 0, 300)] {
        app.sql_set_seconds(kind, chats[chat], seconds).await;
    }
    Desk {
        m,
        agent,
        department,
        chats,
    }
}

fn find<'a>(list: &'a Value, key: &str, id: i64) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[key] == id)
        .unwrap_or_else(|| panic!("{key} {id} in {list}"))
}

#[tokio::test]
async fn data_insight_computes_known_figures() {
    let app = TestApp::spawn().await;
    let desk = desk_with_history(&app).await;
    for period in ["day", "week", "month", "year"] {
        let insight = app
            .get("DataInsight", &desk.m.token, &[("Period", period)])
            .await
            .ok();
        let totals = &insight["Totals"];
        assert_eq!(totals["ChatsStarted"], 3, "{period}: {totals}");
        assert_eq!(totals["ChatsQueued"], 3);
        assert_eq!(totals["ChatsAssigned"], 2);
        assert_eq!(totals["ChatsClosed"], 2);
        assert_eq!(totals["ChatsMissed"], 1);
        assert_eq!(totals["MessagesIn"], 3);
        assert_eq!(totals["MessagesOut"], 2);
        assert_eq!(totals["AverageWaitSeconds"], 90.0);
        assert_eq!(totals["AverageFirstResponseSeconds"], 60.0);
        assert_eq!(totals["AverageHandleSeconds"], 300.0);
        let buckets = insight["Series"].as_array().unwrap();
        let expected = match period {
            "day" => 24,
            "week" => 7,
            "month" => 30,
            _ => 12,
        };
        assert_eq!(buckets.len(), expected);
        let started: i64 = buckets
            .iter()
            .map(|b| b["ChatsStarted"].as_i64().unwrap())
            .sum();
        assert_eq!(started, 3, "the series adds up to the totals");
        let agent = find(&insight["Agents"], "AgentID", desk.agent.agent_id);
        assert_eq!(
            (
                agent["ChatsAssigned"].as_i64(),
                agent["MessagesOut"].as_i64()
            ),
            (Some(2), Some(2))
        );
        assert_eq!(agent["AverageFirstResponseSeconds"], 60.0);
        let department = find(&insight["Departments"], "DepartmentID", desk.department);
        assert_eq!(
            (
                department["ChatsQueued"].as_i64(),
                department["ChatsMissed"].as_i64()
            ),
            (Some(3), Some(1))
        );
        assert_eq!(department["AverageWaitSeconds"], 90.0);
        assert_eq!(
            (
                department["MessagesIn"].as_i64(),
                department["MessagesOut"].as_i64()
            ),
            (Some(3), Some(2))
        );
        assert_eq!(insight["Tags"][0]["Name"], "Sales lead");
        assert_eq!(insight["Tags"][0]["Chats"], 3);
    }
    app.get("DataInsight", &desk.m.token, &[("Period", "quarter")])
        .await
        .expect_field_error("Period");
    app.get("DataInsight", &desk.m.token, &[])
        .await
        .expect_field_error("Period");
    app.get("DataInsight", &desk.agent.token, &[("Period", "week")])
        .await
        .expect_error(403, "Forbidden");
}

#[tokio::test]
async fn live_metrics_show_the_desk_now() {
    let app = TestApp::spawn().await;
    let desk = desk_with_history(&app).await;
    let ch = app.channel(&desk.m, "https://chat2.example.com").await;
    app.waiting_chat(&ch, "session-9999").await;
    let other = app.agent(&desk.m, &[desk.department]).await;
    app.post("UpdateAgent", &other.token, json!({"StatusID": 3}))
        .await
        .ok();
    let live = app.get("LiveMetrics", &desk.agent.token, &[]).await.ok();
    assert_eq!(
        live["Agents"],
        json!({"Online": 2, "Busy": 0, "OnBreak": 1, "Offline": 0})
    );
    assert_eq!(live["ChatsWaiting"], 1);
    assert_eq!(live["ChatsOpen"], 1);
    assert_eq!(live["ChatsClosedToday"], 2);
    assert_eq!(live["AverageWaitSecondsToday"], 90.0);
    assert!(live["LongestWaitSeconds"].as_i64().unwrap() >= 0);
    let support = find(&live["Departments"], "DepartmentID", desk.department);
    assert_eq!(
        (
            support["ChatsWaiting"].as_i64(),
            support["ChatsOpen"].as_i64(),
            support["AgentsOnline"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(desk.chats.len(), 3);
}

/// What DataInsight answers apart from when it was asked: the totals, agents, departments,
/// tags and the buckets that hold something (a window that moved on has other empty ones).
fn figures_of(insight: &Value) -> Value {
    let series: Vec<&Value> = insight["Series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["ChatsQueued"] != 0 || b["ChatsStarted"] != 0 || b["MessagesIn"] != 0)
        .collect();
    json!({
        "Totals": insight["Totals"],
        "Agents": insight["Agents"],
        "Departments": insight["Departments"],
        "Tags": insight["Tags"],
        "Series": series,
    })
}

#[tokio::test]
async fn data_insight_reads_sealed_days_exactly_as_their_facts_and_sees_later_changes() {
    let app = TestApp::spawn().await;
    let desk = desk_with_history(&app).await;
    // A manager who logs on afresh whenever the clock has moved past the session's life.
    let insight = |period: &'static str| {
        let (app, email) = (&app, desk.m.email.clone());
        async move {
            let m = app.logon(&email, PASSWORD).await;
            app.get("DataInsight", &m.token, &[("Period", period)])
                .await
                .ok()
        }
    };
    // Read on the day itself: every fact is read as it is.
    let year_then = figures_of(&insight("year").await);
    let month_then = figures_of(&insight("month").await);
    // Three days later the day is over: the year reads November's sealed days, the month its
    // sealed day, and the answers are the same.
    app.advance_clock(chrono::Duration::days(3));
    assert_eq!(figures_of(&insight("year").await), year_then);
    assert_eq!(figures_of(&insight("month").await), month_then);
    assert!(
        app.sql_strings("SELECT CAST(COUNT(*) AS TEXT) AS value FROM fact_seals")
            .await[0]
            != "0",
        "the days that are over were sealed"
    );
    // A fact of a sealed day changes (a correction): the seal goes, the answer follows.
    app.sql_set_seconds(6, desk.chats[0], 500).await;
    let year = insight("year").await;
    assert_eq!(
        year["Totals"]["AverageHandleSeconds"], 500.0,
        "{}",
        year["Totals"]
    );
    assert_eq!(
        figures_of(&insight("month").await)["Totals"],
        year["Totals"]
    );
    // So does a tag put on a chat of a sealed day.
    let m = app.logon(&desk.m.email, PASSWORD).await;
    let vip = app.tag(&m, "VIP").await;
    app.post(
        "AddTag",
        &m.token,
        json!({"ChatID": desk.chats[1], "TagID": vip}),
    )
    .await
    .ok();
    let year = insight("year").await;
    assert_eq!(year["Tags"][1]["Name"], "VIP", "{}", year["Tags"]);
    assert_eq!(year["Tags"][1]["Chats"], 1);
    // And a second month later, November itself is sealed whole: still the same figures.
    let year_now = figures_of(&year);
    app.advance_clock(chrono::Duration::days(35));
    let later = figures_of(&insight("year").await);
    assert_eq!(later["Totals"], year_now["Totals"]);
    assert_eq!(later["Agents"], year_now["Agents"]);
    assert_eq!(later["Departments"], year_now["Departments"]);
}
