//! Canned responses.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn canned_responses_crud_keeps_placeholders_as_written() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let text =
        "Hi #CUSTOMERNAME#, this is #AGENTNAME#. We are open from 9am to 5pm, Monday to Friday";
    let c = app
        .post(
            "CreateCannedResponse",
            &m.token,
            json!({"Name": "opening hours", "MessageText": text}),
        )
        .await
        .ok();
    assert_eq!(c["MessageText"], text);
    let id = c["CannedResponseID"].as_i64().unwrap().to_string();
    let c = app
        .post(
            "UpdateCannedResponse",
            &m.token,
            json!({"CannedResponseID": id, "Name": "Test canned response"}),
        )
        .await
        .ok();
    assert_eq!(
        (c["Name"].as_str(), c["MessageText"].as_str()),
        (Some("Test canned response"), Some(text))
    );
    let list = app.get("GetCannedResponses", &m.token, &[]).await.ok();
    assert_eq!(list["CannedResponses"][0], c);
    app.delete(
        "DeleteCannedResponse",
        &m.token,
        &[("CannedResponseID", &id)],
    )
    .await
    .ok();
    assert_eq!(
        app.get("GetCannedResponses", &m.token, &[]).await.ok()["CannedResponses"],
        json!([])
    );
    app.delete(
        "DeleteCannedResponse",
        &m.token,
        &[("CannedResponseID", &id)],
    )
    .await
    .expect_error(404, "CannedResponseNotFound");
    let r = app
        .post(
            "UpdateCannedResponse",
            &m.token,
            json!({"CannedResponseID": id, "Name": "X"}),
        )
        .await;
    r.expect_error(404, "CannedResponseNotFound");
}

#[tokio::test]
async fn canned_responses_are_listed_by_name_ignoring_case() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    for name in ["Opening hours", "goodbye", "Apology"] {
        app.post(
            "CreateCannedResponse",
            &m.token,
            json!({"Name": name, "MessageText": "x"}),
        )
        .await
        .ok();
    }
    let list = app.get("GetCannedResponses", &m.token, &[]).await.ok();
    let names: Vec<&str> = list["CannedResponses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Apology", "goodbye", "Opening hours"]);
}

#[tokio::test]
async fn canned_response_validation_and_roles() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    app.post("CreateCannedResponse", &m.token, json!({"Name": "x"}))
        .await
        .expect_field_error("MessageText");
    app.post(
        "CreateCannedResponse",
        &m.token,
        json!({"Name": "", "MessageText": "y"}),
    )
    .await
    .expect_field_error("Name");
    let long = "y".repeat(4001);
    app.post(
        "CreateCannedResponse",
        &m.token,
        json!({"Name": "x", "MessageText": long}),
    )
    .await
    .expect_field_error("MessageText");
    app.post(
        "CreateCannedResponse",
        &a.token,
        json!({"Name": "x", "MessageText": "y"}),
    )
    .await
    .expect_error(403, "Forbidden");
    app.post(
        "UpdateCannedResponse",
        &a.token,
        json!({"CannedResponseID": 1, "Name": "x"}),
    )
    .await
    .expect_error(403, "Forbidden");
    app.delete(
        "DeleteCannedResponse",
        &a.token,
        &[("CannedResponseID", "1")],
    )
    .await
    .expect_error(403, "Forbidden");
    app.get("GetCannedResponses", &a.token, &[]).await.ok();
}
