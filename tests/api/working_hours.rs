//! UpdateWorkingHours, GetWorkingHours.

use serde_json::{json, Value};

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
    assert!(read["OpenNow"].is_boolean());
}

#[tokio::test]
async fn open_now_follows_the_desk_time_zone() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let all_day: Vec<Value> = (1..=7).map(|d| day(d, true, "00:00", "24:00")).collect();
    assert_eq!(
        app.post("UpdateWorkingHours", &m.token, json!({"Days": all_day}))
            .await
            .ok()["OpenNow"],
        true
    );
    let closed: Vec<Value> = (1..=7).map(|d| day(d, false, "00:00", "00:00")).collect();
    assert_eq!(
        app.post("UpdateWorkingHours", &m.token, json!({"Days": closed}))
            .await
            .ok()["OpenNow"],
        false
    );
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"TimeZone": "Africa/Johannesburg"}]}),
    )
    .await
    .ok();
    assert_eq!(
        app.get("GetWorkingHours", &m.token, &[]).await.ok()["TimeZone"],
        "Africa/Johannesburg"
    );
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
    assert_eq!(saved["Days"][0]["StartTime"], "08:00");
    app.post(
        "UpdateWorkingHours",
        &a.token,
        json!({"Days": [day(6, false, "00:00", "00:00")]}),
    )
    .await
    .expect_error(403, "Forbidden");
    app.get("GetWorkingHours", &a.token, &[]).await.ok();
}
