//! CreateDepartment, UpdateDepartment, GetDepartmentList.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn create_department_with_every_field() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let t = app.tag(&m, "New").await;
    let d = app
        .post("CreateDepartment", &m.token, json!({"Name": "Reception", "IncludeInWelcomeMenu": "true", "NameInMenu": "Front desk",
            "WelcomeReturning": "Welcome back #CUSTOMERNAME#", "WelcomeNew": "Welcome to #DEPARTMENTNAME#",
            "MenuIndex": "3", "Enabled": true, "AutoTagID": [t.to_string()]}))
        .await
        .ok();
    assert_eq!(d["Name"], "Reception");
    assert_eq!(d["IncludeInWelcomeMenu"], true);
    assert_eq!(d["NameInMenu"], "Front desk");
    assert_eq!(d["WelcomeReturning"], "Welcome back #CUSTOMERNAME#");
    assert_eq!(d["WelcomeNew"], "Welcome to #DEPARTMENTNAME#");
    assert_eq!(d["MenuIndex"], 3);
    assert_eq!(d["AutoTagID"], json!([t]));
    let list = app.get("GetDepartmentList", &m.token, &[]).await.ok();
    assert_eq!(list["Departments"][0], d);
}

#[tokio::test]
async fn names_and_menu_indexes_are_unique() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"Name": "Sales", "IncludeInWelcomeMenu": true, "MenuIndex": 1}),
    )
    .await
    .ok();
    app.post("CreateDepartment", &m.token, json!({"Name": "SALES"}))
        .await
        .expect_error(409, "NameAlreadyExists");
    let r = app
        .post(
            "CreateDepartment",
            &m.token,
            json!({"Name": "Support", "IncludeInWelcomeMenu": true, "MenuIndex": 1}),
        )
        .await;
    r.expect_error(409, "MenuIndexInUse");
    // A disabled department may keep the same number; a menu department without one takes the
    // lowest free one.
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"Name": "Last", "IncludeInWelcomeMenu": true, "MenuIndex": 99}),
    )
    .await
    .ok();
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"Name": "Old", "IncludeInWelcomeMenu": true, "MenuIndex": 1, "Enabled": false}),
    )
    .await
    .ok();
    let next = app
        .post(
            "CreateDepartment",
            &m.token,
            json!({"Name": "Support", "IncludeInWelcomeMenu": true}),
        )
        .await
        .ok();
    assert_eq!(next["MenuIndex"], 2);
    assert_eq!(next["NameInMenu"], "Support");
    let list = app.get("GetDepartmentList", &m.token, &[]).await.ok();
    assert_eq!(list["Departments"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn update_changes_only_the_fields_present() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let created = app
        .post(
            "CreateDepartment",
            &m.token,
            json!({"Name": "Sales", "WelcomeNew": "Hi", "IncludeInWelcomeMenu": true}),
        )
        .await
        .ok();
    let id = created["DepartmentID"].as_i64().unwrap();
    let updated = app
        .post(
            "UpdateDepartment",
            &m.token,
            json!({"DepartmentID": id.to_string(), "Name": "New department"}),
        )
        .await
        .ok();
    assert_eq!(updated["Name"], "New department");
    assert_eq!(updated["WelcomeNew"], "Hi");
    assert_eq!(updated["IncludeInWelcomeMenu"], true);
    assert_eq!(updated["MenuIndex"], created["MenuIndex"]);
    let cleared = app
        .post(
            "UpdateDepartment",
            &m.token,
            json!({"DepartmentID": id, "WelcomeNew": "", "Enabled": false}),
        )
        .await
        .ok();
    assert!(cleared["WelcomeNew"].is_null());
    assert_eq!(cleared["Enabled"], false);
    app.post(
        "UpdateDepartment",
        &m.token,
        json!({"DepartmentID": 999, "Name": "X"}),
    )
    .await
    .expect_error(404, "DepartmentNotFound");
    app.post("UpdateDepartment", &m.token, json!({"Name": "X"}))
        .await
        .expect_field_error("DepartmentID");
    app.post(
        "UpdateDepartment",
        &m.token,
        json!({"DepartmentID": id, "AutoTagID": [42]}),
    )
    .await
    .expect_field_error("AutoTagID");
    app.post(
        "UpdateDepartment",
        &m.token,
        json!({"DepartmentID": id, "MenuIndex": 0}),
    )
    .await
    .expect_field_error("MenuIndex");
    let after = app.get("GetDepartmentList", &m.token, &[]).await.ok();
    assert_eq!(
        after["Departments"][0]["Name"], "New department",
        "failed updates changed nothing"
    );
}

#[tokio::test]
async fn agents_read_departments_but_only_managers_change_them() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Sales").await;
    let a = app.agent(&m, &[d]).await;
    app.post("CreateDepartment", &a.token, json!({"Name": "Mine"}))
        .await
        .expect_error(403, "Forbidden");
    app.post(
        "UpdateDepartment",
        &a.token,
        json!({"DepartmentID": d, "Name": "Mine"}),
    )
    .await
    .expect_error(403, "Forbidden");
    let list = app.get("GetDepartmentList", &a.token, &[]).await.ok();
    assert_eq!(list["Departments"][0]["Name"], "Sales");
    app.post(
        "CreateDepartment",
        &m.token,
        json!({"IncludeInWelcomeMenu": true}),
    )
    .await
    .expect_field_error("Name");
}
