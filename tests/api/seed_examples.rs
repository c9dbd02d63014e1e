//! The AgentChat document's own example requests, sent as written (the document's scraped
//! `[email protected]` placeholders replaced by real addresses), in an order that makes the ids
//! they name exist.

use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_seed_examples_succeed() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let t = m.token.as_str();
    app.post(
        "CreateTagGroup",
        t,
        json!({"Name": "Product Enquiries", "Enabled": true}),
    )
    .await
    .ok();
    for name in ["Warranty Enquiries", "Returns", "Quotes"] {
        app.post(
            "CreateTag",
            t,
            json!({"TagGroupID": "1", "Name": name, "Enabled": true}),
        )
        .await
        .ok();
    }
    app.post("CreateDepartment", t, json!({
        "Name": "Reception", "IncludeInWelcomeMenu": true, "NameInMenu": "Reception",
        "WelcomeReturning": "Welcome back #CUSTOMERNAME#. You are number #POSITIONINQUEUE# in the #DEPARTMENTNAME# queue",
        "WelcomeNew": "Welcome to #DEPARTMENTNAME#. You are number #POSITIONINQUEUE# in the queue",
        "MenuIndex": 1, "Enabled": true, "AutoTagID": ["1", "2", "3"]})).await.ok();
    for name in ["Sales", "Support", "Accounts"] {
        app.department(&m, name).await;
    }
    app.post(
        "CreateAgent",
        t,
        json!({"Name": "Testing", "EmailAddress": "testing@example.com",
        "MobileNumber": "0821231234", "RoleID": "2", "DepartmentID": ["1", "2"]}),
    )
    .await
    .ok();
    let jack = app
        .post(
            "CreateAgent",
            t,
            json!({"Name": "Jack", "EmailAddress": "jack@example.com", "RoleID": "1"}),
        )
        .await
        .ok();
    assert_eq!(jack["AgentID"], 3);
    app.post("UpdateAgent", t, json!({"AgentID": "3", "Name": "Jack Rabbit", "MobileNumber": "+27800000000",
        "EmailAddress": "jack.rabbit@example.com", "Notifications": ["UnassignedChatsWaiting"], "RoleID": "2",
        "StatusID": "4", "DepartmentID": ["1", "4"], "Enabled": true})).await.ok();
    for i in 5..=8 {
        app.department(&m, &format!("Department {i}")).await;
    }
    app.post("UpdateDepartment", t, json!({"DepartmentID": "8", "Name": "New department", "IncludeInWelcomeMenu": true,
        "NameInMenu": "New department",
        "WelcomeReturning": "Welcome back #CUSTOMERNAME#. You are number #POSITIONINQUEUE# in the #DEPARTMENTNAME# queue",
        "WelcomeNew": "Welcome to #DEPARTMENTNAME#. You are number #POSITIONINQUEUE# in the queue",
        "MenuIndex": 8, "Enabled": true})).await.ok();
    app.post(
        "UpdateTag",
        t,
        json!({"TagID": "2", "Name": "Updated Name", "Enabled": true}),
    )
    .await
    .ok();
    app.post(
        "UpdateTagGroup",
        t,
        json!({"TagGroupID": "1", "Name": "Updated Group", "Enabled": true}),
    )
    .await
    .ok();
    app.post("CreateCannedResponse", t, json!({"Name": "opening hours", "MessageText": "We are open from 9am to 5pm, Monday to Friday"})).await.ok();
    app.post("UpdateCannedResponse", t, json!({"CannedResponseID": "1", "Name": "Test canned response", "MessageText": "This is a test response"})).await.ok();
    let weekday = json!({"Enabled": true, "StartTime": "08:00", "EndTime": "17:30"});
    let mut days = Vec::new();
    for d in 1..=7 {
        let mut day = if d <= 5 {
            weekday.clone()
        } else {
            json!({"Enabled": false, "StartTime": "00:00", "EndTime": "00:00"})
        };
        day["Day"] = json!(d);
        days.push(day);
    }
    app.post("UpdateWorkingHours", t, json!({"Days": days}))
        .await
        .ok();
    app.post(
        "UpdateSettings",
        t,
        json!({"Settings": [{"CompanyName": "Channel"}]}),
    )
    .await
    .ok();
    app.post(
        "CreateCannedResponse",
        t,
        json!({"Name": "spare", "MessageText": "x"}),
    )
    .await
    .ok();
    app.delete("DeleteCannedResponse", t, &[("CannedResponseID", "2")])
        .await
        .ok();
    app.post(
        "CreateTag",
        t,
        json!({"TagGroupID": "1", "Name": "Spare", "Enabled": true}),
    )
    .await
    .ok();
    app.post(
        "UpdateDepartment",
        t,
        json!({"DepartmentID": "1", "AutoTagID": ["1", "2", "3"]}),
    )
    .await
    .ok();
    app.delete("DeleteTag", t, &[("TagID", "4")]).await.ok();
    for name in [
        "GetDepartmentList",
        "GetSettings",
        "GetAgentList",
        "GetTagList",
        "GetCannedResponses",
        "GetWorkingHours",
        "KeepAlive",
    ] {
        app.get(name, t, &[]).await.ok();
    }
    let r = app
        .call(
            Method::GET,
            "RequestPasswordReset",
            Some(t),
            &[("EmailAddress", "testing@example.com")],
            None,
        )
        .await;
    r.ok();
    app.get("AgentLogoff", t, &[]).await.ok();
}
