//! Lenient request values, as AgentChat clients send them: integers as numbers or numeric strings
//! (`"ChatID": "408"`), booleans as `true` or `"true"`, lists as arrays or a single value.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::domain::attachment::Upload;
use crate::error::{ApiError, ApiResult};

/// An integer sent as a JSON number or a numeric string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Int(pub i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or a numeric string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Ok(Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                i64::try_from(v)
                    .map(Int)
                    .map_err(|_| E::custom("integer is too large"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Int, E> {
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(Int(v as i64))
                } else {
                    Err(E::custom("expected a whole number"))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Int, E> {
                v.trim()
                    .parse()
                    .map(Int)
                    .map_err(|_| E::custom(format!("`{v}` is not a whole number")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A boolean sent as `true`/`false`, `"true"`/`"false"` or `1`/`0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bool(pub bool);

impl<'de> Deserialize<'de> for Bool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bool;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true or false")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Bool, E> {
                Ok(Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bool, E> {
                match v {
                    0 => Ok(Bool(false)),
                    1 => Ok(Bool(true)),
                    _ => Err(E::custom("expected true or false")),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bool, E> {
                self.visit_i64(v as i64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bool, E> {
                match v.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" => Ok(Bool(true)),
                    "false" | "0" => Ok(Bool(false)),
                    _ => Err(E::custom(format!("`{v}` is not true or false"))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A list sent as an array or, from a query string, as one value or repeated keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Through a Value, so each item's error keeps its position.
        let value = serde_json::Value::deserialize(d)?;
        match value {
            serde_json::Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    T::deserialize(v).map_err(|e| de::Error::custom(format!("item {}: {e}", i + 1)))
                })
                .collect::<Result<Vec<T>, _>>()
                .map(List),
            serde_json::Value::Null => Ok(List(Vec::new())),
            // "1,2" from a query string or a hand-written body.
            serde_json::Value::String(s) if s.contains(',') => s
                .split(',')
                .map(|part| T::deserialize(serde_json::Value::String(part.trim().to_owned())))
                .collect::<Result<Vec<T>, _>>()
                .map(List)
                .map_err(de::Error::custom),
            other => T::deserialize(other)
                .map(|v| List(vec![v]))
                .map_err(|e| de::Error::custom(format!("expected a list or a single value: {e}"))),
        }
    }
}

impl List<Int> {
    pub fn ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.0.iter().map(|i| i.0).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

// The document gives the canonical form of each value; the lenient forms are in docs/api.md
// ("Request fields"). See `schemas` for the values with rules of their own.
impl PartialSchema for Int {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
            .description(Some("An integer (a numeric string is also taken)"))
            .into()
    }
}
impl ToSchema for Int {}

impl PartialSchema for Bool {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .description(Some(
                "true or false (\"true\", \"false\", 1 and 0 are also taken)",
            ))
            .into()
    }
}
impl ToSchema for Bool {}

impl<T: PartialSchema> PartialSchema for List<T> {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new().items(T::schema()).into()
    }
}
impl<T: PartialSchema> ToSchema for List<T> {}

/// A field of a `#[serde(flatten)]` struct. serde loses the path of an error inside a flattened
/// struct, so a value of the wrong type is kept with its error and reported under its own name
/// when the handler checks it ([`Fields::check`]).
#[derive(Clone, Debug)]
pub struct Flat<T>(pub Result<T, String>);

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Flat<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Ok(Flat(T::deserialize(value).map_err(|e| e.to_string())))
    }
}

/// A file sent as a base64 string (JSON, as the seeds show) or as a multipart file part.
#[derive(Clone, Debug)]
pub struct FileData {
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl<'de> Deserialize<'de> for FileData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FileDataVisitor)
    }
}

struct FileDataVisitor;

impl<'de> Visitor<'de> for FileDataVisitor {
    type Value = FileData;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("base64 text or a file")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<FileData, E> {
        Ok(FileData {
            file_name: None,
            content_type: None,
            bytes: decode_base64(s).map_err(E::custom)?,
        })
    }

    /// A multipart file part (its bytes as received, see `multipart::with_file_parts`), or an
    /// object with `FileName`, `ContentType` and `Base64`.
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<FileData, A::Error> {
        let mut file = FileData {
            file_name: None,
            content_type: None,
            bytes: Vec::new(),
        };
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                super::multipart::FILE_PART_KEY => {
                    let index: usize = map.next_value()?;
                    let part = super::multipart::take_file_part(index)
                        .ok_or_else(|| de::Error::custom("refers to no file part"))?;
                    file.file_name = part.file_name;
                    file.content_type = part.content_type;
                    file.bytes = part.bytes.into();
                    found = true;
                }
                "FileName" => file.file_name = map.next_value()?,
                "ContentType" => file.content_type = map.next_value()?,
                "Base64" => {
                    let text: String = map.next_value()?;
                    file.bytes = decode_base64(&text).map_err(de::Error::custom)?;
                    found = true;
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        if !found {
            return Err(de::Error::custom("expected base64 text or a file"));
        }
        Ok(file)
    }
}

/// Decodes base64 text once, straight from the text (an optional `data:...;base64,` prefix and
/// line breaks allowed); only text with white space in it is compacted first.
fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let data = text.split_once("base64,").map_or(text, |(_, data)| data);
    let engine = &base64::engine::general_purpose::STANDARD;
    let decoded = if data.bytes().any(|b| b.is_ascii_whitespace()) {
        let compact: Vec<u8> = data.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        engine.decode(compact)
    } else {
        engine.decode(data)
    };
    decoded.map_err(|e| format!("is not valid base64: {e}"))
}

impl FileData {
    /// The file checked against the allow-list; a name or type sent beside the file wins over the
    /// part's own.
    pub fn into_upload(
        self,
        name: Option<String>,
        declared_type: Option<String>,
    ) -> Result<Upload, String> {
        let name = name.or(self.file_name);
        let declared = declared_type.or(self.content_type);
        Upload::parse(self.bytes, name.as_deref(), declared.as_deref())
    }
}

impl PartialSchema for FileData {
    fn schema() -> RefOr<Schema> {
        let mut file = super::schemas::base64_file();
        file.description =
            Some("The file: base64 in JSON, or a file part in multipart/form-data".into());
        file.into()
    }
}
impl ToSchema for FileData {}

/// Collects field errors so one response names every bad field.
#[derive(Default)]
pub struct Fields {
    errors: BTreeMap<String, String>,
}

impl Fields {
    /// Records the error of `result` under `field`, returning the value when it is good.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(problem) => {
                self.errors.entry(field.to_owned()).or_insert(problem);
                None
            }
        }
    }

    /// Checks an optional value: `None` stays `None` without error.
    pub fn check_opt<T, U>(
        &mut self,
        field: &str,
        value: Option<T>,
        parse: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<Option<U>> {
        match value {
            None => Some(None),
            Some(v) => self.check(field, parse(v)).map(Some),
        }
    }

    pub fn require<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        self.check(field, value.ok_or_else(|| "is required".to_string()))
    }

    pub fn add(&mut self, field: &str, problem: impl Into<String>) {
        self.errors
            .entry(field.to_owned())
            .or_insert_with(|| problem.into());
    }

    /// The built value, or a 400 naming every field recorded.
    pub fn build<T>(self, make: impl FnOnce() -> Option<T>) -> ApiResult<T> {
        if !self.errors.is_empty() {
            return Err(ApiError::invalid_fields(self.errors));
        }
        make().ok_or_else(|| ApiError::internal("a checked field was missing"))
    }
}

/// Checks a single field: its error becomes a 400 naming it.
pub fn field<T>(name: &str, result: Result<T, String>) -> ApiResult<T> {
    result.map_err(|problem| ApiError::field(name, problem))
}

/// An id that must be positive.
pub fn id(value: Int) -> Result<i64, String> {
    if value.0 >= 1 {
        Ok(value.0)
    } else {
        Err(format!("must be a positive id, not {}", value.0))
    }
}

/// A count that starts at 1 (a message number).
pub fn positive(value: Int) -> Result<i64, String> {
    if value.0 >= 1 {
        Ok(value.0)
    } else {
        Err(format!("must be 1 or more, not {}", value.0))
    }
}

/// A list of positive ids, deduplicated.
pub fn ids(list: List<Int>) -> Result<Vec<i64>, String> {
    if let Some(bad) = list.0.iter().find(|i| i.0 < 1) {
        return Err(format!("must hold positive ids, not {}", bad.0));
    }
    Ok(list.ids())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn int_accepts_numbers_and_numeric_strings() {
        assert_eq!(serde_json::from_value::<Int>(json!(408)).unwrap(), Int(408));
        assert_eq!(
            serde_json::from_value::<Int>(json!("408")).unwrap(),
            Int(408)
        );
        assert!(serde_json::from_value::<Int>(json!("4o8")).is_err());
        assert!(serde_json::from_value::<Int>(json!(1.5)).is_err());
        assert!(serde_json::from_value::<Int>(json!(true)).is_err());
    }

    #[test]
    fn bool_accepts_strings() {
        assert_eq!(
            serde_json::from_value::<Bool>(json!("true")).unwrap(),
            Bool(true)
        );
        assert_eq!(
            serde_json::from_value::<Bool>(json!(false)).unwrap(),
            Bool(false)
        );
        assert!(serde_json::from_value::<Bool>(json!("yes")).is_err());
    }

    #[test]
    fn list_accepts_arrays_and_single_values() {
        let l: List<Int> = serde_json::from_value(json!(["2", 1, "2"])).unwrap();
        assert_eq!(l.ids(), vec![1, 2]);
        let l: List<Int> = serde_json::from_value(json!("7")).unwrap();
        assert_eq!(l.ids(), vec![7]);
        let l: List<Int> = serde_json::from_value(json!("1, 2")).unwrap();
        assert_eq!(l.ids(), vec![1, 2]);
        let e = serde_json::from_value::<List<Int>>(json!(["1", "x"])).unwrap_err();
        assert!(e.to_string().contains("item 2"), "{e}");
    }
}
