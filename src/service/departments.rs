//! Departments: the queues chats wait in, with their welcome texts and place in the welcome menu.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::governance::audit;
use super::{conflict_as, Ctx};
use crate::db::DbConnection;
use crate::domain::audit::Actor;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::departments::{self as store, DepartmentRow, DepartmentValues};
use crate::store::tags;

/// A department as the API shows it.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct DepartmentView {
    #[serde(rename = "DepartmentID")]
    pub department_id: i64,
    pub name: String,
    pub include_in_welcome_menu: bool,
    pub name_in_menu: Option<String>,
    pub welcome_returning: Option<String>,
    pub welcome_new: Option<String>,
    pub menu_index: Option<i32>,
    pub enabled: bool,
    #[serde(rename = "AutoTagID")]
    pub auto_tag_ids: Vec<i64>,
    /// Open chats each agent may hold in this department (unless the agent has a MaxChats of
    /// its own); null: the desk's MaxChatsPerAgent.
    pub max_chats_per_agent: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(row: DepartmentRow, auto_tag_ids: Vec<i64>) -> DepartmentView {
    DepartmentView {
        department_id: row.id,
        name: row.name,
        include_in_welcome_menu: row.include_in_menu,
        name_in_menu: row.name_in_menu,
        welcome_returning: row.welcome_returning,
        welcome_new: row.welcome_new,
        menu_index: row.menu_index,
        enabled: row.enabled,
        auto_tag_ids,
        max_chats_per_agent: row.max_chats_per_agent,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// The fields of CreateDepartment and UpdateDepartment; `None` means "not sent". For the optional
/// texts `Some(None)` clears the text.
#[derive(Default)]
pub struct DepartmentPatch {
    pub name: Option<String>,
    pub include_in_menu: Option<bool>,
    pub name_in_menu: Option<Option<String>>,
    pub welcome_new: Option<Option<String>>,
    pub welcome_returning: Option<Option<String>>,
    pub menu_index: Option<i32>,
    pub enabled: Option<bool>,
    pub auto_tag_ids: Option<Vec<i64>>,
    /// `Some(None)` clears the department's limit.
    pub max_chats_per_agent: Option<Option<i32>>,
}

/// Menu options run from 1 to this.
pub const MENU_INDEX_MAX: i32 = 99;

const NAME_TAKEN: &str = "Another department already has this name";

/// CreateDepartment: a new queue; a menu department gets the lowest free menu option.
pub fn create_department(
    ctx: &Ctx,
    actor: &Actor,
    patch: DepartmentPatch,
) -> ApiResult<DepartmentView> {
    let name = patch
        .name
        .clone()
        .ok_or_else(|| ApiError::field("Name", "is required"))?;
    let now = ctx.now();
    let values = DepartmentValues {
        name_key: name.to_lowercase(),
        name,
        include_in_menu: patch.include_in_menu.unwrap_or(false),
        name_in_menu: patch.name_in_menu.clone().flatten(),
        menu_index: patch.menu_index,
        welcome_new: patch.welcome_new.clone().flatten(),
        welcome_returning: patch.welcome_returning.clone().flatten(),
        enabled: patch.enabled.unwrap_or(true),
        updated_at: now,
        max_chats_per_agent: patch.max_chats_per_agent.flatten(),
    };
    ctx.write_config(|c| {
        let values = checked(c, values, None)?;
        let id = store::insert(c, &values, now)?;
        save_auto_tags(c, id, patch.auto_tag_ids.as_deref().unwrap_or(&[]))?;
        tracing::info!(department_id = id, "department created");
        let view = load(c, id)?;
        let target = format!("Department {id}");
        audit::record(
            ctx,
            c,
            actor,
            "CreateDepartment",
            &target,
            None,
            audit::snapshot(&view),
        )?;
        Ok(view)
    })
    .map_err(conflict_as(ErrorCode::NameAlreadyExists, NAME_TAKEN))
}

/// UpdateDepartment: changes only the fields present.
pub fn update_department(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    patch: DepartmentPatch,
) -> ApiResult<DepartmentView> {
    ctx.write_config(|c| {
        let current = store::find(c, id)?.ok_or_else(|| not_found(id))?;
        let before = load(c, id)?;
        let name = patch.name.clone().unwrap_or(current.name);
        let values = DepartmentValues {
            name_key: name.to_lowercase(),
            name,
            include_in_menu: patch.include_in_menu.unwrap_or(current.include_in_menu),
            name_in_menu: patch.name_in_menu.clone().unwrap_or(current.name_in_menu),
            menu_index: patch.menu_index.or(current.menu_index),
            welcome_new: patch.welcome_new.clone().unwrap_or(current.welcome_new),
            welcome_returning: patch
                .welcome_returning
                .clone()
                .unwrap_or(current.welcome_returning),
            enabled: patch.enabled.unwrap_or(current.enabled),
            updated_at: ctx.now(),
            max_chats_per_agent: patch
                .max_chats_per_agent
                .unwrap_or(current.max_chats_per_agent),
        };
        let values = checked(c, values, Some(id))?;
        store::update(c, id, &values)?;
        if let Some(tag_ids) = &patch.auto_tag_ids {
            save_auto_tags(c, id, tag_ids)?;
        }
        let view = load(c, id)?;
        audit::record(
            ctx,
            c,
            actor,
            "UpdateDepartment",
            &format!("Department {id}"),
            audit::snapshot(&before),
            audit::snapshot(&view),
        )?;
        Ok(view)
    })
    .map_err(conflict_as(ErrorCode::NameAlreadyExists, NAME_TAKEN))
}

/// Applies the uniqueness rules and fills in the menu defaults: a menu department without a
/// `MenuIndex` takes the lowest free one, and shows its own name unless `NameInMenu` says otherwise.
fn checked(
    c: &mut DbConnection,
    mut values: DepartmentValues,
    id: Option<i64>,
) -> ApiResult<DepartmentValues> {
    if store::name_taken(c, &values.name_key, id)? {
        return Err(ApiError::conflict(ErrorCode::NameAlreadyExists, NAME_TAKEN));
    }
    if values.include_in_menu && values.enabled {
        let index = match values.menu_index {
            Some(i) => i,
            None => {
                let used = store::used_menu_indexes(c)?;
                (1..=MENU_INDEX_MAX)
                    .find(|i| !used.contains(i))
                    .ok_or_else(|| {
                        ApiError::conflict(
                            ErrorCode::MenuIndexInUse,
                            "Every menu option from 1 to 99 is taken",
                        )
                    })?
            }
        };
        if let Some(holder) = store::menu_index_holder(c, index, id)? {
            return Err(ApiError::conflict(
                ErrorCode::MenuIndexInUse,
                format!("Menu option {index} is already used by the department {holder}"),
            ));
        }
        values.menu_index = Some(index);
        if values.name_in_menu.is_none() {
            values.name_in_menu = Some(values.name.clone());
        }
    }
    Ok(values)
}

fn save_auto_tags(c: &mut DbConnection, department_id: i64, tag_ids: &[i64]) -> ApiResult<()> {
    let found = tags::existing_tag_ids(c, tag_ids)?;
    let missing: Vec<String> = tag_ids
        .iter()
        .filter(|id| !found.contains(id))
        .map(|id| id.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::field(
            "AutoTagID",
            format!("no tag with id {}", missing.join(", ")),
        ));
    }
    Ok(store::replace_auto_tags(c, department_id, tag_ids)?)
}

fn not_found(id: i64) -> ApiError {
    ApiError::new(
        ErrorCode::DepartmentNotFound,
        format!("Department {id} does not exist"),
    )
}

fn load(c: &mut DbConnection, id: i64) -> ApiResult<DepartmentView> {
    let row = store::find(c, id)?.ok_or_else(|| not_found(id))?;
    let tag_ids = store::auto_tag_ids(c, id)?;
    Ok(view(row, tag_ids))
}

/// GetDepartmentList: every department, enabled or not, with its auto-tags.
pub fn get_department_list(ctx: &Ctx) -> ApiResult<Vec<DepartmentView>> {
    ctx.read(|c| {
        let rows = store::list(c)?;
        let mut auto_tags = store::all_auto_tag_ids(c)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let ids = auto_tags.remove(&row.id).unwrap_or_default();
                view(row, ids)
            })
            .collect())
    })
}
