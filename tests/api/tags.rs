//! Tag groups and tags.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn groups_and_tags_are_created_updated_and_listed() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let g = app
        .post(
            "CreateTagGroup",
            &m.token,
            json!({"Name": "Product Enquiries", "Enabled": true}),
        )
        .await
        .ok();
    let gid = g["TagGroupID"].as_i64().unwrap();
    let t = app
        .post(
            "CreateTag",
            &m.token,
            json!({"TagGroupID": gid.to_string(), "Name": "Warranty Enquiries", "Enabled": true}),
        )
        .await
        .ok();
    let tid = t["TagID"].as_i64().unwrap();
    let t = app
        .post(
            "UpdateTag",
            &m.token,
            json!({"TagID": tid.to_string(), "Name": "Updated Name", "Enabled": false}),
        )
        .await
        .ok();
    assert_eq!(
        (t["Name"].as_str(), t["Enabled"].as_bool()),
        (Some("Updated Name"), Some(false))
    );
    let g = app
        .post(
            "UpdateTagGroup",
            &m.token,
            json!({"TagGroupID": gid, "Name": "Updated Group"}),
        )
        .await
        .ok();
    assert_eq!(
        (g["Name"].as_str(), g["Enabled"].as_bool()),
        (Some("Updated Group"), Some(true))
    );
    // An update that sends only the id changes nothing and says so with the current object.
    let same = app
        .post("UpdateTag", &m.token, json!({"TagID": tid}))
        .await
        .ok();
    assert_eq!(same["Name"], "Updated Name");
    let same = app
        .post(
            "UpdateTagGroup",
            &m.token,
            json!({"TagGroupID": gid, "Name": null}),
        )
        .await
        .ok();
    assert_eq!(same["Name"], "Updated Group");
    let list = app.get("GetTagList", &m.token, &[]).await.ok();
    assert_eq!(list["TagGroups"][0]["Name"], "Updated Group");
    assert_eq!(list["TagGroups"][0]["Tags"][0]["Name"], "Updated Name");
    assert_eq!(list["TagGroups"][0]["Tags"][0]["Enabled"], false);
}

#[tokio::test]
async fn tag_rules() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let gid = app.tag_group(&m, "G").await;
    app.post("CreateTagGroup", &m.token, json!({"Name": "g"}))
        .await
        .expect_error(409, "NameAlreadyExists");
    app.post(
        "CreateTag",
        &m.token,
        json!({"TagGroupID": 999, "Name": "X"}),
    )
    .await
    .expect_field_error("TagGroupID");
    app.post(
        "CreateTag",
        &m.token,
        json!({"TagGroupID": gid, "Name": ""}),
    )
    .await
    .expect_field_error("Name");
    app.post(
        "CreateTag",
        &m.token,
        json!({"TagGroupID": gid, "Name": "Dup"}),
    )
    .await
    .ok();
    app.post(
        "CreateTag",
        &m.token,
        json!({"TagGroupID": gid, "Name": "DUP"}),
    )
    .await
    .expect_error(409, "NameAlreadyExists");
    app.post("UpdateTag", &m.token, json!({"TagID": 999, "Name": "X"}))
        .await
        .expect_error(404, "TagNotFound");
    app.post(
        "UpdateTagGroup",
        &m.token,
        json!({"TagGroupID": 999, "Name": "X"}),
    )
    .await
    .expect_error(404, "TagGroupNotFound");
}

#[tokio::test]
async fn a_tag_used_for_auto_tagging_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let gid = app.tag_group(&m, "G").await;
    let tid = app
        .post(
            "CreateTag",
            &m.token,
            json!({"TagGroupID": gid, "Name": "Auto"}),
        )
        .await
        .ok()["TagID"]
        .as_i64()
        .unwrap();
    let d = app
        .post(
            "CreateDepartment",
            &m.token,
            json!({"Name": "Sales", "AutoTagID": [tid]}),
        )
        .await
        .ok();
    let tag = tid.to_string();
    let r = app.delete("DeleteTag", &m.token, &[("TagID", &tag)]).await;
    r.expect_error(409, "TagInUse");
    assert!(r.body["Error"]["Message"]
        .as_str()
        .unwrap()
        .contains("Sales"));
    app.post(
        "UpdateDepartment",
        &m.token,
        json!({"DepartmentID": d["DepartmentID"], "AutoTagID": []}),
    )
    .await
    .ok();
    assert_eq!(
        app.delete("DeleteTag", &m.token, &[("TagID", &tag)])
            .await
            .ok()["Success"],
        true
    );
    let list = app.get("GetTagList", &m.token, &[]).await.ok();
    assert_eq!(list["TagGroups"][0]["Tags"], json!([]));
    app.delete("DeleteTag", &m.token, &[("TagID", &tag)])
        .await
        .expect_error(404, "TagNotFound");
    app.delete("DeleteTag", &m.token, &[])
        .await
        .expect_field_error("TagID");
    // The name is free again once the tag is gone.
    app.post(
        "CreateTag",
        &m.token,
        json!({"TagGroupID": gid, "Name": "Auto"}),
    )
    .await
    .ok();
}

#[tokio::test]
async fn agents_read_tags_but_only_managers_change_them() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    let gid = app.tag_group(&m, "G").await;
    app.post("CreateTagGroup", &a.token, json!({"Name": "Mine"}))
        .await
        .expect_error(403, "Forbidden");
    app.post(
        "UpdateTagGroup",
        &a.token,
        json!({"TagGroupID": gid, "Name": "Mine"}),
    )
    .await
    .expect_error(403, "Forbidden");
    app.post(
        "CreateTag",
        &a.token,
        json!({"TagGroupID": gid, "Name": "Mine"}),
    )
    .await
    .expect_error(403, "Forbidden");
    app.post("UpdateTag", &a.token, json!({"TagID": 1, "Name": "Mine"}))
        .await
        .expect_error(403, "Forbidden");
    app.delete("DeleteTag", &a.token, &[("TagID", "1")])
        .await
        .expect_error(403, "Forbidden");
    app.get("GetTagList", &a.token, &[]).await.ok();
}
