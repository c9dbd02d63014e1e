//! UpdateSettings, GetSettings.

use serde_json::{json, Value};

use crate::helpers::TestApp;

fn value(doc: &Value, key: &str) -> Value {
    doc["Settings"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|o| o.get(key).cloned())
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn settings_have_defaults_and_change() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let doc = app.get("GetSettings", &m.token, &[]).await.ok();
    for key in [
        "CompanyName",
        "TimeZone",
        "OutOfHoursMessage",
        "MaxChatsPerAgent",
        "MaxAttachmentMB",
    ] {
        assert!(!value(&doc, key).is_null(), "{key} has a default");
    }
    let body = json!({"Settings": [{"CompanyName": "Channel"}, {"MaxChatsPerAgent": "3"}, {"TimeZone": "Africa/Johannesburg"},
        {"OutOfHoursMessage": "We are closed"}, {"MaxAttachmentMB": 20}]});
    let doc = app.post("UpdateSettings", &m.token, body).await.ok();
    assert_eq!(value(&doc, "CompanyName"), "Channel");
    assert_eq!(value(&doc, "MaxChatsPerAgent"), 3);
    assert_eq!(value(&doc, "MaxAttachmentMB"), 20);
    assert_eq!(value(&doc, "TimeZone"), "Africa/Johannesburg");
    assert_eq!(app.get("GetSettings", &m.token, &[]).await.ok(), doc);
    // The document read is one that can be sent back.
    app.post("UpdateSettings", &m.token, doc.clone()).await.ok();
}

#[tokio::test]
async fn a_bad_key_or_value_changes_nothing() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let before = app.get("GetSettings", &m.token, &[]).await.ok();
    let cases = [
        (
            "Colour",
            json!([{"CompanyName": "Changed"}, {"Colour": "blue"}]),
        ),
        (
            "TimeZone",
            json!([{"CompanyName": "Changed"}, {"TimeZone": "Mars/Olympus"}]),
        ),
        (
            "MaxChatsPerAgent",
            json!([{"CompanyName": "Changed"}, {"MaxChatsPerAgent": -1}]),
        ),
        ("MaxAttachmentMB", json!([{"MaxAttachmentMB": "lots"}])),
        ("CompanyName", json!([{"CompanyName": ""}])),
    ];
    for (field, settings) in cases {
        app.post("UpdateSettings", &m.token, json!({"Settings": settings}))
            .await
            .expect_field_error(field);
    }
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": "CompanyName"}),
    )
    .await
    .expect_field_error("Settings");
    assert_eq!(app.get("GetSettings", &m.token, &[]).await.ok(), before);
}

#[tokio::test]
async fn agents_read_settings_but_only_managers_change_them() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    app.get("GetSettings", &a.token, &[]).await.ok();
    let r = app
        .post(
            "UpdateSettings",
            &a.token,
            json!({"Settings": [{"CompanyName": "Mine"}]}),
        )
        .await;
    r.expect_error(403, "Forbidden");
}
