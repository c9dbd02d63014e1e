//! What a channel server asks before and around a chat: the origin allow-list and IP block-list,
//! the queue, and the widget's configuration.

use serde::Serialize;
use utoipa::ToSchema;

use super::working_hours::{get_working_hours, WorkingHoursView};
use super::{settings, Ctx};
use crate::domain::attachment;
use crate::domain::netlist::{origin_allowed, IpRange};
use crate::domain::settings::SettingKey;
use crate::error::ApiResult;
use crate::store::{agents, chats, departments};

/// checkOriginAndIP's answer.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct OriginCheckView {
    pub allowed: bool,
    pub origin_allowed: bool,
    #[serde(rename = "IPAllowed")]
    pub ip_allowed: bool,
}

/// checkOriginAndIP: may this page's origin embed the widget, and is the visitor's IP not blocked?
pub fn check_origin_and_ip(
    ctx: &Ctx,
    origin: &str,
    ip: std::net::IpAddr,
) -> ApiResult<OriginCheckView> {
    let lists = whitelisted_domains_and_blacklisted_ips(ctx)?;
    let origin_ok = origin_allowed(origin, &lists.whitelisted_domains);
    let ip_ok = !lists
        .blacklisted_ips
        .iter()
        .filter_map(|r| IpRange::parse(r).ok())
        .any(|r| r.contains(ip));
    Ok(OriginCheckView {
        allowed: origin_ok && ip_ok,
        origin_allowed: origin_ok,
        ip_allowed: ip_ok,
    })
}

/// The origin allow-list and the IP block-list.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct AccessListsView {
    /// Empty: every origin may embed the widget.
    pub whitelisted_domains: Vec<String>,
    #[serde(rename = "BlacklistedIPs")]
    pub blacklisted_ips: Vec<String>,
}

/// whitelistedDomainsAndBlacklistedIPs: the lists as the settings hold them.
pub fn whitelisted_domains_and_blacklisted_ips(ctx: &Ctx) -> ApiResult<AccessListsView> {
    ctx.read(|c| {
        Ok(AccessListsView {
            whitelisted_domains: settings::list(c, SettingKey::WhitelistedDomains)?,
            blacklisted_ips: settings::list(c, SettingKey::BlacklistedIPs)?,
        })
    })
}

/// One department's queue, as requestChatQueue shows it.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct DepartmentQueueView {
    #[serde(rename = "DepartmentID")]
    pub department_id: i64,
    pub name: String,
    pub waiting: i64,
    pub online_agents: i64,
    pub longest_wait_seconds: i64,
    /// The position a chat entering the queue now would get.
    pub next_position: i64,
}

/// requestChatQueue's answer.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct ChatQueueView {
    pub waiting: i64,
    pub online_agents: i64,
    pub departments: Vec<DepartmentQueueView>,
}

/// requestChatQueue: waiting chats, online agents and the next queue position, per department.
pub fn request_chat_queue(ctx: &Ctx) -> ApiResult<ChatQueueView> {
    ctx.read(|c| {
        let waiting = chats::waiting_by_department(c)?;
        let online = agents::online_by_department(c)?;
        let now = ctx.now();
        let departments = departments::enabled(c)?
            .into_iter()
            .map(|d| {
                let (count, oldest) = waiting
                    .iter()
                    .find(|(id, _, _)| *id == Some(d.id))
                    .map(|(_, n, oldest)| (*n, *oldest))
                    .unwrap_or((0, None));
                DepartmentQueueView {
                    department_id: d.id,
                    name: d.name,
                    waiting: count,
                    online_agents: online
                        .iter()
                        .find(|(id, _)| *id == d.id)
                        .map_or(0, |(_, n)| *n),
                    longest_wait_seconds: oldest.map_or(0, |t| (now - t).num_seconds().max(0)),
                    next_position: count + 1,
                }
            })
            .collect::<Vec<_>>();
        Ok(ChatQueueView {
            waiting: waiting.iter().map(|(_, n, _)| n).sum(),
            online_agents: agents::count_online(c)?,
            departments,
        })
    })
}

/// One option of the welcome menu.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct MenuEntryView {
    pub menu_index: Option<i32>,
    pub name: String,
    #[serde(rename = "DepartmentID")]
    pub department_id: i64,
}

/// requestChatConfig's answer: what the widget shows.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct ChatConfigView {
    pub company_name: String,
    pub menu: Vec<MenuEntryView>,
    pub working_hours: WorkingHoursView,
    pub open_now: bool,
    pub out_of_hours_message: String,
    #[serde(rename = "MaxAttachmentMB")]
    pub max_attachment_mb: i64,
    pub allowed_attachment_types: Vec<&'static str>,
}

/// requestChatConfig: company, department menu, working hours, texts and attachment limits.
pub fn request_chat_config(ctx: &Ctx) -> ApiResult<ChatConfigView> {
    let working_hours = get_working_hours(ctx)?;
    ctx.read(|c| {
        let menu = departments::menu(c)?
            .into_iter()
            .map(|d| MenuEntryView {
                menu_index: d.menu_index,
                name: d.name_in_menu.unwrap_or(d.name),
                department_id: d.id,
            })
            .collect();
        Ok(ChatConfigView {
            company_name: settings::text(c, SettingKey::CompanyName)?,
            menu,
            open_now: working_hours.open_now,
            working_hours,
            out_of_hours_message: settings::text(c, SettingKey::OutOfHoursMessage)?,
            max_attachment_mb: settings::number(c, SettingKey::MaxAttachmentMB)?,
            allowed_attachment_types: attachment::ALLOWED.iter().map(|(mime, _)| *mime).collect(),
        })
    })
}
