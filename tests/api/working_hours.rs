//! UpdateWorkingHours, GetWorkingHours.

use serde_json::{json, Value};

use crate::channel_helpers::texts_of;
use crate::helpers::TestApp;

fn day(d: i64, enabled: bool, start: &str, end: &str) -> Value {
    json!({"Day": d, "Enabled": enabled, "StartTime": start, "EndTime": end})
}

#[tokio::test]
async fn the_seed_week_is_stored_and_read_back() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let mut days: Vec<Value> = (1..=5).map(|d| day(d, true, "08:00", "17:30")).collect();
    days.push(day(6, false, "00:00", "00:00"));
    days.push(day(7, false, "00:00", "00:00"));
    let saved = app
        .post("UpdateWorkingHours", &m.token, json!({"Days": days}))
        .await
        .ok();
    let read = app.get("GetWorkingHours", &m.token, &[]).await.ok();
    assert_eq!(saved["Days"], read["Days"]);
    assert_eq!(
        read["Days"][0],
        json!({"Day": 1, "Enabled": true, "StartTime": "08:00", "EndTime": "17:30"})
    );
    assert_eq!(read["Days"][6]["Enabled"], false);
    assert_eq!(read["TimeZone"], "UTC");
    assert_eq!(read["AroundTheClock"], false);
}

#[tokio::test]
async fn a_new_desk_is_open_around_the_clock() {
    let app = TestApp::spawn().await;
    // A Saturday night, when the old Monday-Friday default would have been closed.
    app.set_clock("2026-12-05T23:30:00Z");
    let m = app.manager().await;
    let hours = app.get("GetWorkingHours", &m.token, &[]).await.ok();
    assert_eq!(hours["AroundTheClock"], true, "{hours}");
    assert_eq!(hours["OpenNow"], true);
    let all_day: Vec<Value> = (1..=7).map(|d| day(d, true, "00:00", "24:00")).collect();
    assert_eq!(hours["Days"], json!(all_day));

    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let chat = app.waiting_chat(&ch, "session-0001").await;
    assert!(texts_of(&app.messages_of(&m.token, chat).await, "OutOfHours").is_empty());
}

#[tokio::test]
async fn open_now_follows_the_hours_and_the_desk_time_zone() {
    // The clock jumps between days of one week: sessions last two weeks here.
    let app = TestApp::spawn_with(&[
        ("SESSION_IDLE_MINUTES", "20160"),
        ("SESSION_ABSOLUTE_HOURS", "336"),
    ])
    .await;
    app.set_clock("2026-11-29T12:00:00Z");
    let m = app.manager().await;
    let mut week: Vec<Value> = (1..=5).map(|d| day(d, true, "08:00", "17:00")).collect();
    week.push(day(6, false, "00:00", "00:00"));
    week.push(day(7, false, "00:00", "00:00"));
    let saved = app
        .post("UpdateWorkingHours", &m.token, json!({"Days": week}))
        .await
        .ok();
    assert_eq!(saved["AroundTheClock"], false);
    let open_at = |at: &'static str| {
        app.set_clock(at);
        async { app.get("GetWorkingHours", &m.token, &[]).await.ok()["OpenNow"].clone() }
    };
    // 2026-11-30 is a Monday; the end time is exclusive.
    assert_eq!(open_at("2026-11-30T07:59:00Z").await, false);
    assert_eq!(open_at("2026-11-30T08:00:00Z").await, true);
    assert_eq!(open_at("2026-12-04T16:59:00Z").await, true);
    assert_eq!(open_at("2026-12-04T17:00:00Z").await, false);
    assert_eq!(open_at("2026-12-05T12:00:00Z").await, false);
    assert_eq!(open_at("2026-11-29T23:59:00Z").await, false);

    // Monday 06:30 UTC is 08:30 in Johannesburg (UTC+2): open there, not in UTC.
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"TimeZone": "Africa/Johannesburg"}]}),
    )
    .await
    .ok();
    let hours = {
        app.set_clock("2026-11-30T06:30:00Z");
        app.get("GetWorkingHours", &m.token, &[]).await.ok()
    };
    assert_eq!(hours["TimeZone"], "Africa/Johannesburg");
    assert_eq!(hours["OpenNow"], true);
    // Friday 16:30 UTC is 18:30 there: closed.
    assert_eq!(open_at("2026-12-04T16:30:00Z").await, false);

    // A customer writing in out of hours is told so; in hours, not.
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    app.set_clock("2026-12-05T23:30:00Z");
    let closed = app.waiting_chat(&ch, "session-0001").await;
    assert_eq!(
        texts_of(&app.messages_of(&m.token, closed).await, "OutOfHours").len(),
        1
    );
    app.set_clock("2026-11-30T08:00:00Z");
    let open = app.waiting_chat(&ch, "session-0002").await;
    assert!(texts_of(&app.messages_of(&m.token, open).await, "OutOfHours").is_empty());
}

#[tokio::test]
async fn bad_weeks_are_refused_whole() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let before = app.get("GetWorkingHours", &m.token, &[]).await.ok();
    let cases = [
        (
            "Days[1].StartTime",
            json!([day(1, true, "08:00", "17:00"), day(2, true, "8am", "17:00")]),
        ),
        ("Days[0].EndTime", json!([day(1, true, "17:00", "08:00")])),
        (
            "Days[0].Enabled",
            json!([{"Day": 1, "StartTime": "08:00", "EndTime": "09:00"}]),
        ),
        (
            "Days[1].Day",
            json!([
                day(3, true, "08:00", "17:00"),
                day(3, false, "00:00", "00:00")
            ]),
        ),
        ("Days[0].Day", json!([day(8, false, "00:00", "00:00")])),
        ("Days[0].EndTime", json!([day(1, true, "08:00", "24:30")])),
        ("Days", json!([])),
    ];
    for (field, days) in cases {
        app.post("UpdateWorkingHours", &m.token, json!({"Days": days}))
            .await
            .expect_field_error(field);
    }
    app.post("UpdateWorkingHours", &m.token, json!({}))
        .await
        .expect_field_error("Days");
    assert_eq!(
        app.get("GetWorkingHours", &m.token, &[]).await.ok()["Days"],
        before["Days"]
    );
}

#[tokio::test]
async fn a_partial_week_changes_only_those_days_and_agents_only_read() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    let saved = app
        .post(
            "UpdateWorkingHours",
            &m.token,
            json!({"Days": [day(6, true, "09:00", "13:00")]}),
        )
        .await
        .ok();
    assert_eq!(
        saved["Days"][5],
        json!({"Day": 6, "Enabled": true, "StartTime": "09:00", "EndTime": "13:00"})
    );
    assert_eq!(
        saved["Days"][0],
        json!({"Day": 1, "Enabled": true, "StartTime": "00:00", "EndTime": "24:00"})
    );
    app.post(
        "UpdateWorkingHours",
        &a.token,
        json!({"Days": [day(6, false, "00:00", "00:00")]}),
    )
    .await
    .expect_error(403, "Forbidden");
    app.get("GetWorkingHours", &a.token, &[]).await.ok();
}
