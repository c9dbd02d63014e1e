//! Department endpoints: CreateDepartment, UpdateDepartment, GetDepartmentList.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::agents::CHAT_LIMIT_MAX;
use super::audit::Acting;
use super::input::{Input, NoFields};
use super::params::{id, ids, Bool, Fields, Int, List};
use super::respond::{cached_json, json, run};
use super::schemas;
use super::session_auth::{Caller, Manager};
use crate::domain::{optional_text, required_text};
use crate::error::ApiResult;
use crate::service::departments::{self, DepartmentPatch, DepartmentView, MENU_INDEX_MAX};
use crate::service::Ctx;

const NAME_MAX: usize = 100;
const WELCOME_MAX: usize = 2000;

/// The department's fields, shared by create and update; every one optional here (Name is
/// required on create, which the service checks).
#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "PascalCase")]
pub struct DepartmentFields {
    /// Required by UpdateDepartment; ignored by CreateDepartment.
    #[serde(rename = "DepartmentID")]
    #[schema(schema_with = schemas::id)]
    pub department_id: Option<Int>,
    /// Required by CreateDepartment.
    #[schema(schema_with = schemas::text::<NAME_MAX>)]
    pub name: Option<String>,
    pub include_in_welcome_menu: Option<Bool>,
    /// Blank for none (the menu shows Name).
    #[schema(schema_with = schemas::optional_text::<NAME_MAX>)]
    pub name_in_menu: Option<String>,
    #[schema(schema_with = schemas::optional_text::<WELCOME_MAX>)]
    pub welcome_returning: Option<String>,
    /// May hold `#CUSTOMERNAME#`, `#POSITIONINQUEUE#` and `#DEPARTMENTNAME#`.
    #[schema(schema_with = schemas::optional_text::<WELCOME_MAX>)]
    pub welcome_new: Option<String>,
    #[schema(schema_with = schemas::int_range::<1, { MENU_INDEX_MAX as i64 }>)]
    pub menu_index: Option<Int>,
    pub enabled: Option<Bool>,
    /// Existing tags.
    #[serde(rename = "AutoTagID")]
    #[schema(schema_with = schemas::ids)]
    pub auto_tag_id: Option<List<Int>>,
    /// Open chats each agent may hold in this department (1-1000), unless the agent has a
    /// MaxChats of its own; 0 clears it (the desk's MaxChatsPerAgent applies).
    #[schema(schema_with = schemas::int_range::<0, CHAT_LIMIT_MAX>)]
    pub max_chats_per_agent: Option<Int>,
}

schemas::body_schema! {
    /// CreateDepartment's body: the department's fields, `Name` required.
    CreateDepartmentBody = DepartmentFields [schemas::required_fields([("Name", schemas::text::<NAME_MAX>())])]
}

schemas::body_schema! {
    /// UpdateDepartment's body: the department's fields, `DepartmentID` required.
    UpdateDepartmentBody = DepartmentFields [schemas::required_fields([("DepartmentID", schemas::id())])]
}

fn menu_index(i: Int) -> Result<i32, String> {
    match i32::try_from(i.0) {
        Ok(n) if (1..=MENU_INDEX_MAX).contains(&n) => Ok(n),
        _ => Err(format!(
            "must be between 1 and {MENU_INDEX_MAX}, not {}",
            i.0
        )),
    }
}

fn parse_fields(f: &mut Fields, d: DepartmentFields) -> Option<DepartmentPatch> {
    let name = f.check_opt("Name", d.name, |n| required_text(&n, NAME_MAX));
    let name_in_menu = f.check_opt("NameInMenu", d.name_in_menu, |n| {
        optional_text(&n, NAME_MAX)
    });
    let welcome_new = f.check_opt("WelcomeNew", d.welcome_new, |n| {
        optional_text(&n, WELCOME_MAX)
    });
    let welcome_returning = f.check_opt("WelcomeReturning", d.welcome_returning, |n| {
        optional_text(&n, WELCOME_MAX)
    });
    let menu_index = f.check_opt("MenuIndex", d.menu_index, menu_index);
    let auto_tag_ids = f.check_opt("AutoTagID", d.auto_tag_id, ids);
    let max_chats_per_agent = f.check_opt("MaxChatsPerAgent", d.max_chats_per_agent, |n| {
        super::agents::chat_limit(n.0)
    });
    Some(DepartmentPatch {
        name: name?,
        include_in_menu: d.include_in_welcome_menu.map(|b| b.0),
        name_in_menu: name_in_menu?,
        welcome_new: welcome_new?,
        welcome_returning: welcome_returning?,
        menu_index: menu_index?,
        enabled: d.enabled.map(|b| b.0),
        auto_tag_ids: auto_tag_ids?,
        max_chats_per_agent: max_chats_per_agent?,
    })
}

/// Creates a department (manager only).
#[utoipa::path(post, path = "/api/CreateDepartment", tag = "Departments", request_body = CreateDepartmentBody,
    responses((status = 200, body = DepartmentView), (status = 403, description = "Forbidden: managers only"),
              (status = 409, description = "NameAlreadyExists or MenuIndexInUse")))]
pub async fn create_department(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<DepartmentFields>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    if req.name.is_none() {
        f.add("Name", "is required");
    }
    let patch = parse_fields(&mut f, req);
    let patch = f.build(|| patch)?;
    Ok(json(
        run(&ctx, move |ctx| {
            departments::create_department(ctx, &actor, patch)
        })
        .await?,
    ))
}

/// Updates a department: only the fields present change (manager only).
#[utoipa::path(post, path = "/api/UpdateDepartment", tag = "Departments", request_body = UpdateDepartmentBody,
    responses((status = 200, body = DepartmentView), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "DepartmentNotFound"),
              (status = 409, description = "NameAlreadyExists or MenuIndexInUse")))]
pub async fn update_department(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(mut req): Input<DepartmentFields>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let department_id = f
        .require("DepartmentID", req.department_id.take())
        .and_then(|i| f.check("DepartmentID", id(i)));
    let patch = parse_fields(&mut f, req);
    let (department_id, patch) = f.build(|| Some((department_id?, patch?)))?;
    Ok(json(
        run(&ctx, move |ctx| {
            departments::update_department(ctx, &actor, department_id, patch)
        })
        .await?,
    ))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct DepartmentList {
    pub departments: Vec<DepartmentView>,
}

/// Every department with its settings and messages.
#[utoipa::path(get, path = "/api/GetDepartmentList", tag = "Departments", responses((status = 200, body = DepartmentList)))]
pub async fn get_department_list(
    ctx: web::Data<Ctx>,
    _: Caller,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    cached_json(&ctx, "GetDepartmentList", |ctx| {
        Ok(DepartmentList {
            departments: departments::get_department_list(ctx)?,
        })
    })
    .await
}
