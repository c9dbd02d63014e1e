//! Desk settings: UpdateSettings validates every key before changing any, GetSettings shows each
//! key with its stored or default value.

use std::collections::HashMap;

use chrono_tz::Tz;
use diesel::QueryResult;

use super::governance::audit;
use super::Ctx;
use crate::db::DbConnection;
use crate::domain::audit::Actor;
use crate::domain::routing::RoutingMode;
use crate::domain::settings::{SettingKey, SettingValue};
use crate::error::ApiResult;
use crate::store::settings as store;

/// Every key with its current value, in the documented order.
pub fn current(c: &mut DbConnection) -> QueryResult<Vec<(SettingKey, SettingValue)>> {
    let stored: HashMap<String, String> = store::all(c)?.into_iter().collect();
    Ok(SettingKey::ALL
        .into_iter()
        .map(|k| {
            let value = stored
                .get(k.name())
                .map_or_else(|| k.default_value(), |s| k.from_stored(s));
            (k, value)
        })
        .collect())
}

/// GetSettings: every key with its stored or default value.
pub fn get_settings(ctx: &Ctx) -> ApiResult<Vec<(SettingKey, SettingValue)>> {
    ctx.read(current)
}

/// The settings as of at most a second ago (see `cache`), for hot paths that need no transaction.
pub fn cached(ctx: &Ctx) -> ApiResult<std::sync::Arc<Vec<(SettingKey, SettingValue)>>> {
    ctx.cache.settings.get_or_load(|| ctx.read(current))
}

/// [`cached`], read on the caller's connection when stale: for code that already holds one (a
/// thread must never wait for a second connection while it holds one).
pub fn cached_on(
    ctx: &Ctx,
    c: &mut DbConnection,
) -> ApiResult<std::sync::Arc<Vec<(SettingKey, SettingValue)>>> {
    ctx.cache
        .settings
        .get_or_load(|| current(c).map_err(Into::into))
}

/// A numeric setting from [`cached`].
pub fn cached_number(ctx: &Ctx, key: SettingKey) -> ApiResult<i64> {
    Ok(number_in(&cached(ctx)?, key))
}

/// A numeric setting from [`cached_on`].
pub fn cached_number_on(ctx: &Ctx, c: &mut DbConnection, key: SettingKey) -> ApiResult<i64> {
    Ok(number_in(&cached_on(ctx, c)?, key))
}

fn number_in(settings: &[(SettingKey, SettingValue)], key: SettingKey) -> i64 {
    settings
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| match v {
            SettingValue::Number(n) => Some(*n),
            _ => None,
        })
        .unwrap_or(0)
}

/// UpdateSettings: stores already-validated values in one transaction.
pub fn update_settings(
    ctx: &Ctx,
    actor: &Actor,
    changes: Vec<(SettingKey, SettingValue)>,
) -> ApiResult<Vec<(SettingKey, SettingValue)>> {
    ctx.write_config(|c| {
        let before = current(c)?;
        let now = ctx.now();
        for (key, value) in &changes {
            store::put(c, key.name(), &value.to_stored(), now)?;
        }
        let after = current(c)?;
        audit::record(
            ctx,
            c,
            actor,
            "UpdateSettings",
            "Settings",
            audit::settings_snapshot(&before),
            audit::settings_snapshot(&after),
        )?;
        Ok(after)
    })
}

/// The desk's time zone.
pub fn time_zone(c: &mut DbConnection) -> QueryResult<Tz> {
    let stored = store::get(c, SettingKey::TimeZone.name())?;
    Ok(stored.and_then(|s| s.parse().ok()).unwrap_or(Tz::UTC))
}

/// A numeric setting's current value.
pub fn number(c: &mut DbConnection, key: SettingKey) -> QueryResult<i64> {
    let value =
        store::get(c, key.name())?.map_or_else(|| key.default_value(), |s| key.from_stored(&s));
    Ok(match value {
        SettingValue::Number(n) => n,
        _ => 0,
    })
}

/// A text setting's current value.
pub fn text(c: &mut DbConnection, key: SettingKey) -> QueryResult<String> {
    let value =
        store::get(c, key.name())?.map_or_else(|| key.default_value(), |s| key.from_stored(&s));
    Ok(match value {
        SettingValue::Text(s) => s,
        other => other.to_stored(),
    })
}

/// A list setting's current value.
pub fn list(c: &mut DbConnection, key: SettingKey) -> QueryResult<Vec<String>> {
    let value =
        store::get(c, key.name())?.map_or_else(|| key.default_value(), |s| key.from_stored(&s));
    Ok(match value {
        SettingValue::List(items) => items,
        _ => Vec::new(),
    })
}

/// The settings automatic assignment, presence and alerts follow, as of at most a second ago.
#[derive(Clone, Debug)]
pub struct RoutingRules {
    pub mode: RoutingMode,
    pub prefer_last_agent: bool,
    /// Minutes an Offline agent's chats wait before returning to the queue; 0 = never.
    pub requeue_after_offline_minutes: i64,
    /// Seconds a chat waits before its alert; 0 = no alerts.
    pub unassigned_alert_seconds: i64,
    pub alert_mail_minutes: i64,
}

pub fn routing_rules(ctx: &Ctx) -> ApiResult<RoutingRules> {
    let all = cached(ctx)?;
    let value = |key: SettingKey| {
        all.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| key.default_value())
    };
    let number = |key| match value(key) {
        SettingValue::Number(n) => n,
        _ => 0,
    };
    Ok(RoutingRules {
        mode: match value(SettingKey::RoutingMode) {
            SettingValue::Text(name) => RoutingMode::parse(&name).unwrap_or(RoutingMode::Manual),
            _ => RoutingMode::Manual,
        },
        prefer_last_agent: matches!(value(SettingKey::PreferLastAgent), SettingValue::Flag(true)),
        requeue_after_offline_minutes: number(SettingKey::RequeueAfterOfflineMinutes),
        unassigned_alert_seconds: number(SettingKey::UnassignedAlertSeconds),
        alert_mail_minutes: number(SettingKey::AlertMailMinutes),
    })
}
