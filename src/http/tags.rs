//! Tag endpoints: CreateTagGroup, UpdateTagGroup, CreateTag, UpdateTag, DeleteTag, GetTagList.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::audit::Acting;
use super::input::{Input, NoFields};
use super::params::{field, id, Bool, Fields, Int};
use super::respond::{cached_json, json, run, success, Success};
use super::schemas;
use super::session_auth::{Caller, Manager};
use crate::domain::required_text;
use crate::error::ApiResult;
use crate::service::tags::{self, TagGroupView, TagView};
use crate::service::Ctx;

const NAME_MAX: usize = 100;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateTagGroupRequest {
    #[schema(schema_with = schemas::text::<NAME_MAX>)]
    pub name: String,
    /// Defaults to true.
    pub enabled: Option<Bool>,
}

/// Creates a tag group (manager only).
#[utoipa::path(post, path = "/api/CreateTagGroup", tag = "Tags", request_body = CreateTagGroupRequest,
    responses((status = 200, body = TagGroupView), (status = 403, description = "Forbidden: managers only"),
              (status = 409, description = "NameAlreadyExists")))]
pub async fn create_tag_group(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<CreateTagGroupRequest>,
) -> ApiResult<HttpResponse> {
    let name = field("Name", required_text(&req.name, NAME_MAX))?;
    let enabled = req.enabled.is_none_or(|b| b.0);
    Ok(json(
        run(&ctx, move |ctx| {
            tags::create_tag_group(ctx, &actor, name, enabled)
        })
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateTagGroupRequest {
    #[serde(rename = "TagGroupID")]
    #[schema(schema_with = schemas::id)]
    pub tag_group_id: Int,
    #[schema(schema_with = schemas::text::<NAME_MAX>)]
    pub name: Option<String>,
    pub enabled: Option<Bool>,
}

/// Renames, enables or disables a tag group (manager only).
#[utoipa::path(post, path = "/api/UpdateTagGroup", tag = "Tags", request_body = UpdateTagGroupRequest,
    responses((status = 200, body = TagGroupView), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "TagGroupNotFound"), (status = 409, description = "NameAlreadyExists")))]
pub async fn update_tag_group(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<UpdateTagGroupRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let group_id = f.check("TagGroupID", id(req.tag_group_id));
    let name = f.check_opt("Name", req.name, |n| required_text(&n, NAME_MAX));
    let (group_id, name) = f.build(|| Some((group_id?, name?)))?;
    let enabled = req.enabled.map(|b| b.0);
    Ok(json(
        run(&ctx, move |ctx| {
            tags::update_tag_group(ctx, &actor, group_id, name, enabled)
        })
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateTagRequest {
    /// An existing tag group.
    #[serde(rename = "TagGroupID")]
    #[schema(schema_with = schemas::id)]
    pub tag_group_id: Int,
    #[schema(schema_with = schemas::text::<NAME_MAX>)]
    pub name: String,
    /// Defaults to true.
    pub enabled: Option<Bool>,
}

/// Creates a tag in a group (manager only).
#[utoipa::path(post, path = "/api/CreateTag", tag = "Tags", request_body = CreateTagRequest,
    responses((status = 200, body = TagView), (status = 403, description = "Forbidden: managers only"),
              (status = 409, description = "NameAlreadyExists")))]
pub async fn create_tag(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<CreateTagRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let group_id = f.check("TagGroupID", id(req.tag_group_id));
    let name = f.check("Name", required_text(&req.name, NAME_MAX));
    let (group_id, name) = f.build(|| Some((group_id?, name?)))?;
    let enabled = req.enabled.is_none_or(|b| b.0);
    Ok(json(
        run(&ctx, move |ctx| {
            tags::create_tag(ctx, &actor, group_id, name, enabled)
        })
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateTagRequest {
    #[serde(rename = "TagID")]
    #[schema(schema_with = schemas::id)]
    pub tag_id: Int,
    #[schema(schema_with = schemas::text::<NAME_MAX>)]
    pub name: Option<String>,
    pub enabled: Option<Bool>,
}

/// Renames, enables or disables a tag (manager only).
#[utoipa::path(post, path = "/api/UpdateTag", tag = "Tags", request_body = UpdateTagRequest,
    responses((status = 200, body = TagView), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "TagNotFound"), (status = 409, description = "NameAlreadyExists")))]
pub async fn update_tag(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<UpdateTagRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let tag_id = f.check("TagID", id(req.tag_id));
    let name = f.check_opt("Name", req.name, |n| required_text(&n, NAME_MAX));
    let (tag_id, name) = f.build(|| Some((tag_id?, name?)))?;
    let enabled = req.enabled.map(|b| b.0);
    Ok(json(
        run(&ctx, move |ctx| {
            tags::update_tag(ctx, &actor, tag_id, name, enabled)
        })
        .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteTagRequest {
    /// The tag to delete.
    #[serde(rename = "TagID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub tag_id: Int,
}

/// Deletes a tag; refused with 409 TagInUse while a department auto-tags with it (manager only).
#[utoipa::path(delete, path = "/api/DeleteTag", tag = "Tags",
    params(DeleteTagRequest),
    responses((status = 200, body = Success), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "TagNotFound"), (status = 409, description = "TagInUse")))]
pub async fn delete_tag(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<DeleteTagRequest>,
) -> ApiResult<HttpResponse> {
    let tag_id = field("TagID", id(req.tag_id))?;
    run(&ctx, move |ctx| tags::delete_tag(ctx, &actor, tag_id)).await?;
    Ok(success())
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TagList {
    pub tag_groups: Vec<TagGroupView>,
}

/// Every tag group with its tags.
#[utoipa::path(get, path = "/api/GetTagList", tag = "Tags", responses((status = 200, body = TagList)))]
pub async fn get_tag_list(
    ctx: web::Data<Ctx>,
    _: Caller,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    cached_json(&ctx, "GetTagList", |ctx| {
        Ok(TagList {
            tag_groups: tags::get_tag_list(ctx)?,
        })
    })
    .await
}
