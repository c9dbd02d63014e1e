//! The audit log's plain types: who acted (an agent or the desk itself, from which address) and
//! what changed, as the fields before and after, with secrets left out.

use serde_json::{Map, Value};

/// Who made a change: an agent's session, or the desk itself (a background pass, a logon attempt
/// that no session speaks for yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// `None` for the desk itself, or for an attempt on an account no one proved to be.
    pub agent_id: Option<i64>,
    /// The agent's name at the time, or `system`.
    pub name: String,
    /// The client's address as the logon limits see it (`ClientAddress`); `None` for the desk.
    pub address: Option<String>,
}

impl Actor {
    /// The desk itself: background passes (retention, session expiry).
    pub fn system() -> Self {
        Self {
            agent_id: None,
            name: "system".into(),
            address: None,
        }
    }

    /// An agent calling with a session, from `address`.
    pub fn agent(caller: &super::Caller, address: std::net::IpAddr) -> Self {
        Self {
            agent_id: Some(caller.agent_id),
            name: caller.name.clone(),
            address: Some(address.to_string()),
        }
    }

    /// Someone at `address` who has not proved who they are (a logon, a password reset), about the
    /// account `agent_id` when one is known.
    pub fn anonymous(agent_id: Option<i64>, name: &str, address: std::net::IpAddr) -> Self {
        Self {
            agent_id,
            name: name.to_owned(),
            address: Some(address.to_string()),
        }
    }
}

/// Whether a field's value must never be stored in the log: passwords, their hashes, tokens,
/// keys, secrets and codes. Matched on the name, so a field added later is covered by its name.
pub fn is_secret(field: &str) -> bool {
    let lower = field.to_ascii_lowercase();
    ["password", "secret", "token", "apikey", "hash", "code"]
        .iter()
        .any(|s| lower.contains(s))
}

/// The changed fields of an object, as `{"Field": {"Before": .., "After": ..}}`.
///
/// `before` is `None` for a creation and `after` is `None` for a deletion; then every (non-null)
/// field of the other side is listed. A secret field that changed is listed with both values
/// `"[redacted]"`, so the log says a password was set without saying what it was. Values that are
/// not objects are compared whole, under the field `Value`.
pub fn changes(before: Option<&Value>, after: Option<&Value>) -> Map<String, Value> {
    let as_object = |v: Option<&Value>| -> Map<String, Value> {
        match v {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(other) => Map::from_iter([("Value".to_owned(), other.clone())]),
        }
    };
    let (b, a) = (as_object(before), as_object(after));
    let mut names: Vec<&String> = b.keys().chain(a.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Map::new();
    for name in names {
        let old = b.get(name).cloned().unwrap_or(Value::Null);
        let new = a.get(name).cloned().unwrap_or(Value::Null);
        if old == new {
            continue;
        }
        let (old, new) = if is_secret(name) {
            let mark = |v: &Value| match v {
                Value::Null => Value::Null,
                _ => Value::String("[redacted]".into()),
            };
            (mark(&old), mark(&new))
        } else {
            (old, new)
        };
        let mut pair = Map::new();
        pair.insert("Before".into(), old);
        pair.insert("After".into(), new);
        out.insert(name.clone(), Value::Object(pair));
    }
    out
}

/// Keeps only the fields named: for a view that carries more than the change is about.
pub fn only(value: Value, fields: &[&str]) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| fields.contains(&k.as_str()))
                .collect(),
        ),
        other => other,
    }
}

/// Drops the fields named: values that move on their own (status, last seen) and are no change.
pub fn without(value: Value, fields: &[&str]) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| !fields.contains(&k.as_str()))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changed_fields_are_listed() {
        let before = json!({"Name": "Sales", "Enabled": true});
        let after = json!({"Name": "Sales team", "Enabled": true});
        let c = changes(Some(&before), Some(&after));
        assert_eq!(
            Value::Object(c),
            json!({"Name": {"Before": "Sales", "After": "Sales team"}})
        );
    }

    #[test]
    fn creations_and_deletions_list_every_field() {
        let row = json!({"Name": "Sales", "MenuIndex": null});
        let created = changes(None, Some(&row));
        assert_eq!(
            Value::Object(created),
            json!({"Name": {"Before": null, "After": "Sales"}})
        );
        let deleted = changes(Some(&row), None);
        assert_eq!(
            Value::Object(deleted),
            json!({"Name": {"Before": "Sales", "After": null}})
        );
    }

    #[test]
    fn secrets_never_appear() {
        let before = json!({"PasswordHash": "$argon2id$old", "SigningSecret": "s1"});
        let after = json!({"PasswordHash": "$argon2id$new", "SigningSecret": "s1"});
        let c = changes(Some(&before), Some(&after));
        assert_eq!(
            Value::Object(c),
            json!({"PasswordHash": {"Before": "[redacted]", "After": "[redacted]"}})
        );
        assert!(is_secret("ApiKey") && is_secret("ResetCode") && !is_secret("Name"));
    }
}
