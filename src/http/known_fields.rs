//! Which fields a request type knows, and what to do with the ones it doesn't.
//!
//! serde drops a field a struct doesn't declare without a word: a client that misspells
//! `Notifications` (or sends one an endpoint never took) gets a 200 and wonders why nothing
//! changed. [`Input`](super::input::Input) asks the type for its field names (the list serde's
//! derive hands to `deserialize_struct`, aliases included) and refuses the others with a 400 naming
//! them; a scope that must never lose what it is sent (the channel API: a customer's message is
//! taken whatever else came with it) sets [`UnknownFields::Ignore`], and the fields are named in
//! the answer's `Ignored` object instead.

use std::collections::BTreeMap;

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::{Map, Value};

use crate::error::ApiError;

/// What [`Input`](super::input::Input) does with a field its type doesn't declare. Refused unless
/// the scope says otherwise (`.app_data(UnknownFields::Ignore)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownFields {
    Refuse,
    /// Take the request, and name the fields in the answer (see [`name_ignored`]).
    Ignore,
}

/// The fields a request left unread, kept in its extensions for [`name_ignored`].
#[derive(Clone, Debug, Default)]
pub struct IgnoredFields(pub BTreeMap<String, String>);

/// What an unknown field is told.
pub const NOT_A_FIELD: &str = "is not a field of this endpoint";

/// The names `T` declares, or `None` when its derive doesn't say (a `#[serde(flatten)]` struct
/// reads a map, and can't be checked this way: keep request types flat).
pub fn declared<'de, T: Deserialize<'de>>() -> Option<&'static [&'static str]> {
    let mut fields = None;
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// The keys of `fields` that `T` doesn't declare, sorted.
pub fn unknown<'de, T: Deserialize<'de>>(fields: &Map<String, Value>) -> Vec<String> {
    let Some(known) = declared::<T>() else {
        return Vec::new();
    };
    fields
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// A 400 naming every unknown field.
pub fn refusal(unknown: &[String]) -> ApiError {
    ApiError::invalid_fields(
        unknown
            .iter()
            .map(|k| (k.clone(), NOT_A_FIELD.to_owned()))
            .collect(),
    )
}

/// Middleware for a scope set to [`UnknownFields::Ignore`]: a JSON object answer gets the fields
/// the request left unread under `Ignored` (`{"Field": "why"}`), merged with an `Ignored` the
/// handler may already have written.
pub async fn name_ignored(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let ignored = res.request().extensions_mut().remove::<IgnoredFields>();
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let named = is_json && res.status().is_success();
    let Some(IgnoredFields(ignored)) = ignored.filter(|i| !i.0.is_empty() && named) else {
        return Ok(res.map_into_boxed_body());
    };
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    // A JSON answer of this API is a few hundred bytes, read whole already by the handler.
    let bytes = to_bytes(body)
        .await
        .map_err(|_| actix_web::Error::from(ApiError::internal("answer body could not be read")))?;
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut answer)) => {
            let entry = answer
                .entry("Ignored")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(named) = entry {
                for (field, why) in ignored {
                    named.entry(field).or_insert(Value::String(why));
                }
            }
            serde_json::to_vec(&Value::Object(answer)).unwrap_or_else(|_| bytes.to_vec())
        }
        _ => bytes.to_vec(),
    };
    head.headers_mut().remove(CONTENT_LENGTH);
    head.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let res = head.set_body(BoxBody::new(body));
    Ok(ServiceResponse::new(req, res))
}

/// Records the field list serde's derive passes to `deserialize_struct`, and fails every other
/// call: it never reads a value.
struct Probe<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(de::Error::custom("field names read"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    #[allow(dead_code)]
    struct Probed {
        #[serde(rename = "CustomerID", alias = "CustomrID")]
        customer_id: Option<i64>,
        name: String,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Flattened {
        #[serde(flatten)]
        inner: Probed,
    }

    #[test]
    fn the_declared_names_and_aliases_are_known() {
        let known = declared::<Probed>().unwrap();
        for name in ["CustomerID", "CustomrID", "Name"] {
            assert!(known.contains(&name), "{name} in {known:?}");
        }
        let sent = serde_json::json!({"CustomrID": "4", "Name": "x", "Nmae": "y"});
        assert_eq!(
            unknown::<Probed>(sent.as_object().unwrap()),
            vec!["Nmae".to_owned()]
        );
    }

    #[test]
    fn a_flattened_type_is_not_checked() {
        assert!(declared::<Flattened>().is_none());
        assert!(declared::<i64>().is_none());
    }
}
