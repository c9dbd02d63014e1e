//! Settings endpoints: UpdateSettings, GetSettings. Both use the seed's shape, a list of
//! single-key objects (`{"Settings":[{"CompanyName":"Channel"}]}`), so a client can read, edit and
//! send back the same document.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::audit::Acting;
use super::input::{Input, NoFields};
use super::params::Fields;
use super::respond::{cached_json, json, run};
use super::schemas;
use super::session_auth::{Caller, Manager};
use crate::domain::settings::{SettingKey, SettingValue};
use crate::error::ApiResult;
use crate::service::{settings, Ctx};

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SettingsDocument {
    /// Objects of one key each: CompanyName, TimeZone, OutOfHoursMessage, MaxChatsPerAgent,
    /// MaxAttachmentMB, WhitelistedDomains, BlacklistedIPs.
    #[schema(schema_with = schemas::settings_list)]
    pub settings: Vec<Map<String, Value>>,
}

fn document(values: Vec<(SettingKey, SettingValue)>) -> SettingsDocument {
    SettingsDocument {
        settings: values
            .into_iter()
            .map(|(k, v)| {
                let mut m = Map::new();
                m.insert(k.name().to_owned(), v.to_json());
                m
            })
            .collect(),
    }
}

/// Validates every key first: an unknown key or bad value names the key and changes nothing.
fn parse_changes(doc: SettingsDocument) -> ApiResult<Vec<(SettingKey, SettingValue)>> {
    let mut f = Fields::default();
    let mut changes = Vec::new();
    for (name, raw) in doc.settings.into_iter().flatten() {
        match SettingKey::parse(&name) {
            None => f.add(&name, "is not a setting"),
            Some(key) => {
                if let Some(value) = f.check(&name, key.validate(&raw)) {
                    changes.retain(|(k, _)| *k != key);
                    changes.push((key, value));
                }
            }
        }
    }
    f.build(|| Some(changes))
}

/// Changes the settings listed (manager only); returns every setting.
#[utoipa::path(post, path = "/api/UpdateSettings", tag = "Settings", request_body = SettingsDocument,
    responses((status = 200, body = SettingsDocument), (status = 400, description = "ValidationFailed naming the key"),
              (status = 403, description = "Forbidden: managers only")))]
pub async fn update_settings(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(doc): Input<SettingsDocument>,
) -> ApiResult<HttpResponse> {
    let changes = parse_changes(doc)?;
    Ok(json(document(
        run(&ctx, move |ctx| {
            settings::update_settings(ctx, &actor, changes)
        })
        .await?,
    )))
}

/// Every setting with its current value.
#[utoipa::path(get, path = "/api/GetSettings", tag = "Settings", responses((status = 200, body = SettingsDocument)))]
pub async fn get_settings(
    ctx: web::Data<Ctx>,
    _: Caller,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    cached_json(&ctx, "GetSettings", |ctx| {
        Ok(document(settings::get_settings(ctx)?))
    })
    .await
}
