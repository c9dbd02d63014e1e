//! What a channel tells about its customer (`customerName`, `emailAddress`, `phoneNumber`): optional
//! details that never cost the customer's message. A malformed one is left out, and the answer
//! names it under `Ignored` with the reason, so the channel server can fix its side.

use std::collections::BTreeMap;

use super::params::Flat;

/// The details left out of one request, by field name.
#[derive(Default)]
pub struct Ignored(BTreeMap<String, String>);

impl Ignored {
    /// The detail parsed, `None` when it is absent, empty or malformed (then recorded).
    pub fn detail<T>(
        &mut self,
        field: &str,
        value: Option<Flat<String>>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let raw = match value?.0 {
            Ok(raw) => raw,
            Err(_) => {
                self.0.insert(field.to_owned(), "must be text".into());
                return None;
            }
        };
        if raw.trim().is_empty() {
            return None;
        }
        parse(&raw)
            .map_err(|why| self.0.insert(field.to_owned(), why))
            .ok()
    }

    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(v: serde_json::Value) -> Option<Flat<String>> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_malformed_detail_is_named_not_refused() {
        let mut ignored = Ignored::default();
        let parse = |s: &str| s.parse::<u8>().map_err(|e| e.to_string());
        assert_eq!(
            ignored.detail("a", flat(serde_json::json!("7")), parse),
            Some(7)
        );
        assert_eq!(
            ignored.detail("b", flat(serde_json::json!("x")), parse),
            None
        );
        assert_eq!(ignored.detail("c", flat(serde_json::json!(5)), parse), None);
        assert_eq!(
            ignored.detail("d", flat(serde_json::json!(" ")), parse),
            None
        );
        assert_eq!(ignored.detail("e", None, parse), None);
        let map = ignored.into_map();
        assert_eq!(map.keys().collect::<Vec<_>>(), vec!["b", "c"]);
        assert_eq!(map["c"], "must be text");
    }
}
