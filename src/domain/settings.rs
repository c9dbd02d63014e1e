//! The desk's settings: which keys exist, what values they take and their defaults.

use chrono_tz::Tz;

/// A settings key. Values travel as JSON strings or numbers and are stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingKey {
    CompanyName,
    TimeZone,
    OutOfHoursMessage,
    MaxChatsPerAgent,
    MaxAttachmentMB,
}

/// A validated value, in the JSON type it is shown as.
#[derive(Clone, Debug, PartialEq)]
pub enum SettingValue {
    Text(String),
    Number(i64),
}

impl SettingValue {
    pub fn to_stored(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Number(n) => n.to_string(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Text(s) => serde_json::Value::String(s.clone()),
            Self::Number(n) => serde_json::Value::from(*n),
        }
    }
}

impl SettingKey {
    pub const ALL: [SettingKey; 5] = [
        Self::CompanyName,
        Self::TimeZone,
        Self::OutOfHoursMessage,
        Self::MaxChatsPerAgent,
        Self::MaxAttachmentMB,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::CompanyName => "CompanyName",
            Self::TimeZone => "TimeZone",
            Self::OutOfHoursMessage => "OutOfHoursMessage",
            Self::MaxChatsPerAgent => "MaxChatsPerAgent",
            Self::MaxAttachmentMB => "MaxAttachmentMB",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn default_value(self) -> SettingValue {
        match self {
            Self::CompanyName => SettingValue::Text("agentdesk".into()),
            Self::TimeZone => SettingValue::Text("UTC".into()),
            Self::OutOfHoursMessage => SettingValue::Text(
                "Thank you for your message. We are closed right now and will answer as soon as we open."
                    .into(),
            ),
            Self::MaxChatsPerAgent => SettingValue::Number(5),
            Self::MaxAttachmentMB => SettingValue::Number(10),
        }
    }

    /// Validates a value from a request (a JSON string or number).
    pub fn validate(self, raw: &serde_json::Value) -> Result<SettingValue, String> {
        match self {
            Self::CompanyName => text(raw, 100).map(SettingValue::Text),
            Self::OutOfHoursMessage => text(raw, 2000).map(SettingValue::Text),
            Self::TimeZone => {
                let name = text(raw, 64)?;
                name.parse::<Tz>()
                    .map(|_| SettingValue::Text(name.clone()))
                    .map_err(|_| {
                        format!("`{name}` is not an IANA time zone name like Africa/Johannesburg")
                    })
            }
            Self::MaxChatsPerAgent => number(raw, 0, 1000).map(SettingValue::Number),
            Self::MaxAttachmentMB => number(raw, 1, 100).map(SettingValue::Number),
        }
    }

    /// Reads a stored value back; a value that no longer validates falls back to the default.
    pub fn from_stored(self, stored: &str) -> SettingValue {
        let raw = match self.default_value() {
            SettingValue::Number(_) => stored.parse::<i64>().map(serde_json::Value::from).ok(),
            SettingValue::Text(_) => Some(serde_json::Value::String(stored.to_owned())),
        };
        raw.and_then(|v| self.validate(&v).ok())
            .unwrap_or_else(|| self.default_value())
    }
}

fn text(raw: &serde_json::Value, max: usize) -> Result<String, String> {
    match raw {
        serde_json::Value::String(s) => super::required_text(s, max),
        _ => Err("must be a string".into()),
    }
}

fn number(raw: &serde_json::Value, min: i64, max: i64) -> Result<i64, String> {
    let n = match raw {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| "must be a whole number".to_string())?;
    if !(min..=max).contains(&n) {
        return Err(format!("must be between {min} and {max}"));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validates_each_key() {
        assert!(SettingKey::TimeZone
            .validate(&json!("Africa/Johannesburg"))
            .is_ok());
        assert!(SettingKey::TimeZone.validate(&json!("Mars/Base")).is_err());
        assert_eq!(
            SettingKey::MaxChatsPerAgent.validate(&json!("3")).unwrap(),
            SettingValue::Number(3)
        );
        assert!(SettingKey::MaxChatsPerAgent.validate(&json!(-1)).is_err());
        assert!(SettingKey::MaxAttachmentMB.validate(&json!(0)).is_err());
        assert!(SettingKey::CompanyName.validate(&json!(5)).is_err());
        assert!(SettingKey::parse("Nope").is_none());
    }

    #[test]
    fn bad_stored_values_fall_back_to_defaults() {
        assert_eq!(
            SettingKey::MaxChatsPerAgent.from_stored("x"),
            SettingValue::Number(5)
        );
        assert_eq!(
            SettingKey::CompanyName.from_stored("Acme"),
            SettingValue::Text("Acme".into())
        );
    }
}
