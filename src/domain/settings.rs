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
    WhitelistedDomains,
    BlacklistedIPs,
    RoutingMode,
    PreferLastAgent,
    RequeueAfterOfflineMinutes,
    UnassignedAlertSeconds,
    AlertMailMinutes,
    AskForRating,
    WebChatAskName,
    WebChatAskEmail,
    WebChatTexts,
    RetentionDays,
    AuditRetentionDays,
}

/// A validated value, in the JSON type it is shown as.
#[derive(Clone, Debug, PartialEq)]
pub enum SettingValue {
    Text(String),
    Number(i64),
    List(Vec<String>),
    Flag(bool),
}

impl SettingValue {
    /// The text stored in the settings table.
    pub fn to_stored(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Number(n) => n.to_string(),
            Self::List(items) => serde_json::to_string(items).unwrap_or_else(|_| "[]".into()),
            Self::Flag(on) => on.to_string(),
        }
    }

    /// The value as GetSettings shows it.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Text(s) => serde_json::Value::String(s.clone()),
            Self::Number(n) => serde_json::Value::from(*n),
            Self::List(items) => serde_json::Value::from(items.clone()),
            Self::Flag(on) => serde_json::Value::Bool(*on),
        }
    }
}

/// What a setting's value must be: one rule for validation and for the API document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingRule {
    /// A text (`required_text`) of at most this many characters.
    Text(usize),
    /// An IANA time zone name.
    TimeZone,
    /// A whole number from the first to the second.
    Number(i64, i64),
    /// Domain names (the widget's origin allow-list).
    Domains,
    /// IP addresses or CIDR ranges.
    IpRanges,
    /// A `RoutingMode` name.
    RoutingMode,
    /// true or false.
    Flag,
    /// One of these words (any case).
    Choice(&'static [&'static str]),
    /// A JSON object of texts (string values only) of at most this many characters in all.
    Texts(usize),
}

/// How the web chat asks for a detail before the first message.
pub const ASK_CHOICES: &[&str] = &["off", "optional", "required"];

/// The longest time zone name taken.
pub const TIME_ZONE_MAX: usize = 64;

/// The most entries a list setting keeps: the lists are checked on every widget call.
pub const LIST_MAX: usize = 500;

impl SettingKey {
    /// Every key, in the documented order.
    pub const ALL: [SettingKey; 18] = [
        Self::CompanyName,
        Self::TimeZone,
        Self::OutOfHoursMessage,
        Self::MaxChatsPerAgent,
        Self::MaxAttachmentMB,
        Self::WhitelistedDomains,
        Self::BlacklistedIPs,
        Self::RoutingMode,
        Self::PreferLastAgent,
        Self::RequeueAfterOfflineMinutes,
        Self::UnassignedAlertSeconds,
        Self::AlertMailMinutes,
        Self::AskForRating,
        Self::WebChatAskName,
        Self::WebChatAskEmail,
        Self::WebChatTexts,
        Self::RetentionDays,
        Self::AuditRetentionDays,
    ];

    /// The key's name on the wire and in the table.
    pub fn name(self) -> &'static str {
        match self {
            Self::CompanyName => "CompanyName",
            Self::TimeZone => "TimeZone",
            Self::OutOfHoursMessage => "OutOfHoursMessage",
            Self::MaxChatsPerAgent => "MaxChatsPerAgent",
            Self::MaxAttachmentMB => "MaxAttachmentMB",
            Self::WhitelistedDomains => "WhitelistedDomains",
            Self::BlacklistedIPs => "BlacklistedIPs",
            Self::RoutingMode => "RoutingMode",
            Self::PreferLastAgent => "PreferLastAgent",
            Self::RequeueAfterOfflineMinutes => "RequeueAfterOfflineMinutes",
            Self::UnassignedAlertSeconds => "UnassignedAlertSeconds",
            Self::AlertMailMinutes => "AlertMailMinutes",
            Self::AskForRating => "AskForRating",
            Self::WebChatAskName => "WebChatAskName",
            Self::WebChatAskEmail => "WebChatAskEmail",
            Self::WebChatTexts => "WebChatTexts",
            Self::RetentionDays => "RetentionDays",
            Self::AuditRetentionDays => "AuditRetentionDays",
        }
    }

    /// The key with this name, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The value a desk has until a manager sets one.
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
            Self::WhitelistedDomains | Self::BlacklistedIPs => SettingValue::List(Vec::new()),
            Self::RoutingMode => SettingValue::Text(super::routing::RoutingMode::Manual.name().into()),
            Self::PreferLastAgent => SettingValue::Flag(true),
            Self::RequeueAfterOfflineMinutes => SettingValue::Number(0),
            Self::UnassignedAlertSeconds => SettingValue::Number(0),
            Self::AlertMailMinutes => SettingValue::Number(15),
            Self::AskForRating => SettingValue::Flag(true),
            Self::WebChatAskName | Self::WebChatAskEmail => SettingValue::Text("off".into()),
            Self::WebChatTexts => SettingValue::Text("{}".into()),
            // Chats are kept for ever until a manager chooses otherwise.
            Self::RetentionDays => SettingValue::Number(0),
            Self::AuditRetentionDays => SettingValue::Number(365),
        }
    }

    /// What the key's value must be.
    pub fn rule(self) -> SettingRule {
        match self {
            Self::CompanyName => SettingRule::Text(100),
            Self::OutOfHoursMessage => SettingRule::Text(2000),
            Self::TimeZone => SettingRule::TimeZone,
            Self::MaxChatsPerAgent => SettingRule::Number(0, 1000),
            Self::MaxAttachmentMB => SettingRule::Number(1, 25),
            Self::WhitelistedDomains => SettingRule::Domains,
            Self::BlacklistedIPs => SettingRule::IpRanges,
            Self::RoutingMode => SettingRule::RoutingMode,
            Self::PreferLastAgent => SettingRule::Flag,
            Self::RequeueAfterOfflineMinutes => SettingRule::Number(0, 1440),
            Self::UnassignedAlertSeconds => SettingRule::Number(0, 86_400),
            Self::AlertMailMinutes => SettingRule::Number(1, 1440),
            Self::AskForRating => SettingRule::Flag,
            Self::WebChatAskName | Self::WebChatAskEmail => SettingRule::Choice(ASK_CHOICES),
            Self::WebChatTexts => SettingRule::Texts(8000),
            Self::RetentionDays => SettingRule::Number(0, 36_500),
            // At least a month: the log is what answers "who changed this last week".
            Self::AuditRetentionDays => SettingRule::Number(30, 36_500),
        }
    }

    /// Validates a value from a request (a JSON string or number) against [`Self::rule`].
    pub fn validate(self, raw: &serde_json::Value) -> Result<SettingValue, String> {
        match self.rule() {
            SettingRule::Text(max) => text(raw, max).map(SettingValue::Text),
            SettingRule::TimeZone => {
                let name = text(raw, TIME_ZONE_MAX)?;
                name.parse::<Tz>()
                    .map(|_| SettingValue::Text(name.clone()))
                    .map_err(|_| {
                        format!("`{name}` is not an IANA time zone name like Africa/Johannesburg")
                    })
            }
            SettingRule::Number(min, max) => number(raw, min, max).map(SettingValue::Number),
            SettingRule::Domains => list(raw, super::netlist::parse_domain).map(SettingValue::List),
            SettingRule::IpRanges => list(raw, |s| {
                super::netlist::IpRange::parse(s).map(|r| r.to_string())
            })
            .map(SettingValue::List),
            SettingRule::RoutingMode => super::routing::RoutingMode::parse(&text(raw, 20)?)
                .map(|mode| SettingValue::Text(mode.name().into())),
            SettingRule::Flag => flag(raw).map(SettingValue::Flag),
            SettingRule::Choice(words) => {
                let word = text(raw, 40)?.to_ascii_lowercase();
                match words.iter().find(|w| **w == word) {
                    Some(w) => Ok(SettingValue::Text((*w).to_owned())),
                    None => Err(format!("must be one of {}", words.join(", "))),
                }
            }
            SettingRule::Texts(max) => texts(raw, max).map(SettingValue::Text),
        }
    }

    /// Reads a stored value back; a value that no longer validates falls back to the default.
    pub fn from_stored(self, stored: &str) -> SettingValue {
        let raw = match self.default_value() {
            SettingValue::Number(_) => stored.parse::<i64>().map(serde_json::Value::from).ok(),
            SettingValue::Text(_) => Some(serde_json::Value::String(stored.to_owned())),
            SettingValue::List(_) => serde_json::from_str(stored).ok(),
            SettingValue::Flag(_) => Some(serde_json::Value::String(stored.to_owned())),
        };
        raw.and_then(|v| self.validate(&v).ok())
            .unwrap_or_else(|| self.default_value())
    }
}

/// A JSON object of texts, as an object or as its JSON text; stored as compact JSON.
fn texts(raw: &serde_json::Value, max: usize) -> Result<String, String> {
    let parsed;
    let object = match raw {
        serde_json::Value::Object(o) => o,
        serde_json::Value::String(s) => {
            parsed = serde_json::from_str::<serde_json::Value>(s)
                .map_err(|_| "must be a JSON object of texts".to_string())?;
            parsed
                .as_object()
                .ok_or_else(|| "must be a JSON object of texts".to_string())?
        }
        _ => return Err("must be a JSON object of texts".into()),
    };
    if let Some((key, _)) = object.iter().find(|(_, v)| !v.is_string()) {
        return Err(format!("`{key}` must be a text"));
    }
    let compact = serde_json::to_string(object).map_err(|e| e.to_string())?;
    if compact.chars().count() > max {
        return Err(format!("must be at most {max} characters in all"));
    }
    Ok(compact)
}

fn text(raw: &serde_json::Value, max: usize) -> Result<String, String> {
    match raw {
        serde_json::Value::String(s) => super::required_text(s, max),
        _ => Err("must be a string".into()),
    }
}

/// A list as a JSON array of strings or one comma-separated string; each item parsed, duplicates dropped.
fn list(
    raw: &serde_json::Value,
    parse: impl Fn(&str) -> Result<String, String>,
) -> Result<Vec<String>, String> {
    let items: Vec<String> = match raw {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| "must hold strings".to_string())
            })
            .collect::<Result<_, _>>()?,
        serde_json::Value::String(s) => s.split(',').map(str::to_owned).collect(),
        _ => return Err("must be a list of strings".into()),
    };
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let parsed = parse(item)?;
        if !out.contains(&parsed) {
            out.push(parsed);
        }
    }
    if out.len() > LIST_MAX {
        return Err(format!("must have at most {LIST_MAX} entries"));
    }
    Ok(out)
}

/// A yes/no as JSON `true`/`false` or the strings "true"/"false".
fn flag(raw: &serde_json::Value) -> Result<bool, String> {
    match raw {
        serde_json::Value::Bool(on) => Ok(*on),
        serde_json::Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(true),
        serde_json::Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(false),
        _ => Err("must be true or false".into()),
    }
}

fn number(raw: &serde_json::Value, min: i64, max: i64) -> Result<i64, String> {
    let n = match raw {
        // A whole number sent as a float (2.0) counts, as for every integer field.
        serde_json::Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
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
    fn lists_of_domains_and_ip_ranges() {
        let v = SettingKey::BlacklistedIPs
            .validate(&json!(["10.0.0.0/8", "192.0.2.7", "10.0.0.0/8"]))
            .unwrap();
        assert_eq!(
            v,
            SettingValue::List(vec!["10.0.0.0/8".into(), "192.0.2.7".into()])
        );
        assert!(SettingKey::BlacklistedIPs
            .validate(&json!(["10.0.0.0/99"]))
            .is_err());
        let v = SettingKey::WhitelistedDomains
            .validate(&json!("example.com, Shop.Example.org"))
            .unwrap();
        assert_eq!(
            v,
            SettingValue::List(vec!["example.com".into(), "shop.example.org".into()])
        );
        assert_eq!(
            SettingKey::WhitelistedDomains.from_stored(&v.to_stored()),
            v
        );
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
