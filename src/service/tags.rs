//! Tag groups and tags. Deleting a tag is refused while a department auto-tags with it; otherwise
//! the tag is soft-deleted so chats tagged with it keep their history.

use serde::Serialize;
use utoipa::ToSchema;

use super::governance::audit;
use super::{conflict_as, Ctx};
use crate::db::DbConnection;
use crate::domain::audit::Actor;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::departments;
use crate::store::tags::{self as store, TagChanges, TagGroupChanges, TagGroupRow, TagRow};

/// A tag as the API shows it.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct TagView {
    #[serde(rename = "TagID")]
    pub tag_id: i64,
    #[serde(rename = "TagGroupID")]
    pub tag_group_id: i64,
    pub name: String,
    pub enabled: bool,
}

/// A tag group with its tags.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct TagGroupView {
    #[serde(rename = "TagGroupID")]
    pub tag_group_id: i64,
    pub name: String,
    pub enabled: bool,
    pub tags: Vec<TagView>,
}

fn tag_view(row: TagRow) -> TagView {
    TagView {
        tag_id: row.id,
        tag_group_id: row.group_id,
        name: row.name,
        enabled: row.enabled,
    }
}

fn group_view(row: TagGroupRow, tags: Vec<TagView>) -> TagGroupView {
    TagGroupView {
        tag_group_id: row.id,
        name: row.name,
        enabled: row.enabled,
        tags,
    }
}

const GROUP_NAME_TAKEN: &str = "Another tag group already has this name";
const TAG_NAME_TAKEN: &str = "Another tag in this group already has this name";

fn group_not_found(id: i64) -> ApiError {
    ApiError::new(
        ErrorCode::TagGroupNotFound,
        format!("Tag group {id} does not exist"),
    )
}

fn tag_not_found(id: i64) -> ApiError {
    ApiError::new(ErrorCode::TagNotFound, format!("Tag {id} does not exist"))
}

/// CreateTagGroup: group names are unique, whatever their case.
pub fn create_tag_group(
    ctx: &Ctx,
    actor: &Actor,
    name: String,
    enabled: bool,
) -> ApiResult<TagGroupView> {
    ctx.write_config(|c| {
        let key = name.to_lowercase();
        if store::group_name_taken(c, &key, None)? {
            return Err(ApiError::conflict(
                ErrorCode::NameAlreadyExists,
                GROUP_NAME_TAKEN,
            ));
        }
        let id = store::insert_group(c, &name, &key, enabled, ctx.now())?;
        let view = load_group(c, id)?;
        audit::record(
            ctx,
            c,
            actor,
            "CreateTagGroup",
            &format!("Tag group {id}"),
            None,
            audit::snapshot(&view),
        )?;
        Ok(view)
    })
    .map_err(conflict_as(ErrorCode::NameAlreadyExists, GROUP_NAME_TAKEN))
}

/// UpdateTagGroup: changes the name or enabled flag sent.
pub fn update_tag_group(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    name: Option<String>,
    enabled: Option<bool>,
) -> ApiResult<TagGroupView> {
    ctx.write_config(|c| {
        let before = load_group(c, id)?;
        let key = name.as_ref().map(|n| n.to_lowercase());
        if let Some(key) = &key {
            if store::group_name_taken(c, key, Some(id))? {
                return Err(ApiError::conflict(
                    ErrorCode::NameAlreadyExists,
                    GROUP_NAME_TAKEN,
                ));
            }
        }
        store::update_group(
            c,
            id,
            &TagGroupChanges {
                name,
                name_key: key,
                enabled,
            },
        )?;
        let view = load_group(c, id)?;
        audit::record(
            ctx,
            c,
            actor,
            "UpdateTagGroup",
            &format!("Tag group {id}"),
            audit::snapshot(&before),
            audit::snapshot(&view),
        )?;
        Ok(view)
    })
    .map_err(conflict_as(ErrorCode::NameAlreadyExists, GROUP_NAME_TAKEN))
}

fn load_group(c: &mut DbConnection, id: i64) -> ApiResult<TagGroupView> {
    let row = store::find_group(c, id)?.ok_or_else(|| group_not_found(id))?;
    let tags = store::list_tags_of_group(c, id)?
        .into_iter()
        .map(tag_view)
        .collect();
    Ok(group_view(row, tags))
}

/// CreateTag: tag names are unique within their group, whatever their case.
pub fn create_tag(
    ctx: &Ctx,
    actor: &Actor,
    group_id: i64,
    name: String,
    enabled: bool,
) -> ApiResult<TagView> {
    ctx.write_config(|c| {
        if store::find_group(c, group_id)?.is_none() {
            return Err(ApiError::field(
                "TagGroupID",
                format!("no tag group with id {group_id}"),
            ));
        }
        let key = name.to_lowercase();
        if store::tag_name_taken(c, group_id, &key, None)? {
            return Err(ApiError::conflict(
                ErrorCode::NameAlreadyExists,
                TAG_NAME_TAKEN,
            ));
        }
        let id = store::insert_tag(c, group_id, &name, &key, enabled, ctx.now())?;
        let view = load_tag(c, id)?;
        audit::record(
            ctx,
            c,
            actor,
            "CreateTag",
            &format!("Tag {id}"),
            None,
            audit::snapshot(&view),
        )?;
        Ok(view)
    })
    .map_err(conflict_as(ErrorCode::NameAlreadyExists, TAG_NAME_TAKEN))
}

/// UpdateTag: changes the name or enabled flag sent.
pub fn update_tag(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    name: Option<String>,
    enabled: Option<bool>,
) -> ApiResult<TagView> {
    ctx.write_config(|c| {
        let current = store::find_tag(c, id)?.ok_or_else(|| tag_not_found(id))?;
        let before = load_tag(c, id)?;
        let key = name.as_ref().map(|n| n.to_lowercase());
        if let Some(key) = &key {
            if store::tag_name_taken(c, current.group_id, key, Some(id))? {
                return Err(ApiError::conflict(
                    ErrorCode::NameAlreadyExists,
                    TAG_NAME_TAKEN,
                ));
            }
        }
        store::update_tag(
            c,
            id,
            &TagChanges {
                name,
                name_key: key,
                enabled,
            },
        )?;
        let view = load_tag(c, id)?;
        audit::record(
            ctx,
            c,
            actor,
            "UpdateTag",
            &format!("Tag {id}"),
            audit::snapshot(&before),
            audit::snapshot(&view),
        )?;
        Ok(view)
    })
    .map_err(conflict_as(ErrorCode::NameAlreadyExists, TAG_NAME_TAKEN))
}

/// DeleteTag: refused while a department still auto-tags with it (409 `TagInUse` naming them).
pub fn delete_tag(ctx: &Ctx, actor: &Actor, id: i64) -> ApiResult<()> {
    ctx.write_config(|c| {
        let before = load_tag(c, id)?;
        let users = departments::names_auto_tagging(c, id)?;
        if !users.is_empty() {
            return Err(ApiError::conflict(
                ErrorCode::TagInUse,
                format!(
                    "The departments {} auto-tag with this tag; remove it from them first",
                    users.join(", ")
                ),
            ));
        }
        store::soft_delete_tag(c, id, ctx.now())?;
        audit::record(
            ctx,
            c,
            actor,
            "DeleteTag",
            &format!("Tag {id}"),
            audit::snapshot(&before),
            None,
        )?;
        Ok(())
    })
}

fn load_tag(c: &mut DbConnection, id: i64) -> ApiResult<TagView> {
    store::find_tag(c, id)?
        .map(tag_view)
        .ok_or_else(|| tag_not_found(id))
}

/// GetTagList: every group with its tags.
pub fn get_tag_list(ctx: &Ctx) -> ApiResult<Vec<TagGroupView>> {
    ctx.read(|c| {
        let groups = store::list_groups(c)?;
        let tags = store::list_tags(c)?;
        Ok(groups
            .into_iter()
            .map(|g| {
                let mine = tags
                    .iter()
                    .filter(|t| t.group_id == g.id)
                    .cloned()
                    .map(tag_view)
                    .collect();
                group_view(g, mine)
            })
            .collect())
    })
}
