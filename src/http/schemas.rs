//! The OpenAPI schemas of validated request values, for `#[schema(schema_with = ...)]` and
//! `#[schema(value_type = param::..., inline)]` for parameters. Each one states what the validation function it names accepts,
//! built from the same constants and domain lists, so a generated client or a fuzzer sends values
//! the server takes and the document can't drift from the rules.
//!
//! The document gives each value in its canonical form (ids as JSON integers, booleans as `true` /
//! `false`); the server also takes the lenient forms docs/api.md lists (numeric strings, `"true"`,
//! a single value for a list), which are left out so that generated clients get plain types.
//! Where the server counts a text's length after trimming, the schema counts the text as sent:
//! stricter by the white space at its ends, never looser.

use utoipa::openapi::schema::{
    AdditionalProperties, AllOfBuilder, AnyOfBuilder, ArrayBuilder, KnownFormat, Object,
    ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr};

use crate::domain::attachment::ALLOWED as ATTACHMENT_TYPES;
use crate::domain::chat::ChatState;
use crate::domain::report::{Grouping, Period, ReportKind};
use crate::domain::routing::RoutingMode;
use crate::domain::settings::{self, SettingKey, SettingRule};
use crate::domain::{AgentStatus, Notification, Password, Role};

/// Control characters other than tab, LF and CR: what `required_text` and `optional_text` refuse
/// (`char::is_control`, the Unicode Cc category).
const CONTROL: &str = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f";
/// Every control character and white space: a text needs one character outside these.
const BLANK_OR_CONTROL: &str = r"\s\x00-\x1f\x7f-\x9f";

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn integer(min: i64, max: Option<i64>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(min))
        .maximum(max)
}

fn words(values: impl IntoIterator<Item = &'static str>) -> Object {
    string().enum_values(Some(values)).build()
}

fn numbers(values: impl IntoIterator<Item = i64>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .enum_values(Some(values))
        .build()
}

fn list_of(item: impl Into<RefOr<Schema>>, min_items: usize) -> RefOr<Schema> {
    let item: RefOr<Schema> = item.into();
    ArrayBuilder::new()
        .items(item)
        .min_items(Some(min_items))
        .into()
}

/// `params::id`: an id, 1 or more.
pub fn id() -> Object {
    integer(1, None).build()
}

/// `params::ids`: positive ids; duplicates are dropped.
pub fn ids() -> RefOr<Schema> {
    list_of(id(), 0)
}

/// A whole number from `MIN` to `MAX` (paging, menu positions, message numbers).
pub fn int_range<const MIN: i64, const MAX: i64>() -> Object {
    integer(MIN, Some(MAX)).build()
}

/// A whole number of at least `MIN` (`After`, a message id).
pub fn int_from<const MIN: i64>() -> Object {
    integer(MIN, None).build()
}

/// `domain::required_text`: at most `MAX` characters, not blank, no control characters but tab,
/// CR and LF.
pub fn text<const MAX: usize>() -> Object {
    text_of(MAX)
}

fn text_of(max: usize) -> Object {
    string()
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(format!(
            "^[^{CONTROL}]*[^{BLANK_OR_CONTROL}][^{CONTROL}]*$"
        )))
        .build()
}

/// `domain::optional_text`: as [`text`], but blank means "none".
pub fn optional_text<const MAX: usize>() -> Object {
    string()
        .max_length(Some(MAX))
        .pattern(Some(format!("^[^{CONTROL}]*$")))
        .build()
}

/// The address part of [`email`]: stricter than `EmailAddress::parse` (ASCII only, no empty
/// labels), never looser.
const EMAIL: &str = r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+";

/// `EmailAddress::parse`.
pub fn email() -> Object {
    string()
        .max_length(Some(254))
        .pattern(Some(format!("^{EMAIL}$")))
        .build()
}

/// UpdateCustomer's `EmailAddress`: an address, or blank to keep the one on file.
pub fn blank_or_email() -> Object {
    string()
        .max_length(Some(254))
        .pattern(Some(format!(r"^(\s*|{EMAIL})$")))
        .build()
}

/// Digits of a phone number (`PhoneNumber`): 7 to 15, E.164's length.
const PHONE_DIGITS: &str = "[0-9]{7,15}";

/// `PhoneNumber::parse` and `parse_digits_adding_plus`: the `+` may be left out. (Spaces, dashes,
/// dots and parentheses between the digits are also taken, and left out here.)
pub fn phone() -> Object {
    string()
        .pattern(Some(format!(r"^\+?{PHONE_DIGITS}$")))
        .build()
}

/// An agent's `MobileNumber`: a [`phone`] number, or blank for none.
pub fn blank_or_phone() -> Object {
    string()
        .pattern(Some(format!(r"^(\s*|\+?{PHONE_DIGITS})$")))
        .build()
}

/// `PhoneNumber::parse_international`: the `+` required.
pub fn international_phone() -> Object {
    string()
        .pattern(Some(format!(r"^\+{PHONE_DIGITS}$")))
        .build()
}

/// `Password::parse`: a new password.
pub fn new_password() -> Object {
    string()
        .min_length(Some(Password::MIN_CHARS))
        .max_length(Some(Password::MAX_CHARS))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .build()
}

/// AgentLogon's `Password`: whatever was set, not empty.
pub fn password() -> Object {
    string()
        .min_length(Some(1))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .build()
}

/// A `ResetCode` as mailed: not blank.
pub fn reset_code() -> Object {
    string().pattern(Some(r"\S")).build()
}

/// `Role::from_id`.
pub fn role_id() -> Object {
    numbers([Role::Agent, Role::Manager].map(|r| r.id().into()))
}

/// `AgentStatus::from_id`.
pub fn status_id() -> Object {
    use AgentStatus::*;
    numbers([Offline, Busy, OnBreak, Online].map(|s| s.id().into()))
}

/// `Notification::parse`, a list.
pub fn notifications() -> RefOr<Schema> {
    list_of(words([Notification::NAME_UNASSIGNED]), 0)
}

/// `ChatState::parse`: GetChatList's `ChatType` (any case).
pub fn chat_type() -> Object {
    use ChatState::*;
    words([Unassigned, Open, Closed].map(ChatState::name))
}

/// GetChatList's `Selector` (any case).
pub fn selector() -> Object {
    words(["none", "private", "unread"])
}

/// `Period::parse`: DataInsight's `Period` (any case).
pub fn period() -> Object {
    use Period::*;
    words([Day, Week, Month, Year].map(Period::name))
}

/// `ReportKind::from_id`.
pub fn report_id() -> Object {
    numbers(ReportKind::ALL.map(|k| k.id().into()))
}

/// `report::parse_groupings`: at least one (any case).
pub fn groupings() -> RefOr<Schema> {
    use Grouping::*;
    list_of(words([Day, Week, Month].map(Grouping::name)), 1)
}

/// `report::parse_format` (any case).
pub fn report_format() -> Object {
    words(["CSV"])
}

/// `report::parse_delivery` (any case).
pub fn report_delivery() -> Object {
    words(["EMAIL"])
}

/// `hours::weekday`: 1 = Monday .. 7 = Sunday.
pub fn weekday() -> Object {
    integer(1, Some(7)).build()
}

/// `report::parse_weekdays`: at least one weekday.
pub fn weekdays() -> RefOr<Schema> {
    list_of(weekday(), 1)
}

/// `HhMm::parse`: 00:00 to 24:00 (24:00 ends a day open until midnight).
pub fn hh_mm() -> Object {
    string()
        .pattern(Some(r"^\s*(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)\s*$"))
        .build()
}

/// `report::parse_send_time`: 00:00 to 23:59.
pub fn time_of_day() -> Object {
    string()
        .pattern(Some(r"^\s*([01][0-9]|2[0-3]):[0-5][0-9]\s*$"))
        .build()
}

/// `attachment::content_type`: a type on the allow-list. (`application/octet-stream` is also
/// taken, leaving the type to the file name's extension.)
pub fn attachment_type() -> Object {
    words(ATTACHMENT_TYPES.iter().map(|(mime, _)| *mime))
}

/// A file sent as base64 (`params::FileData`; a `data:...;base64,` prefix is also taken), not
/// empty, padded, with the unused bits of the last group zero (as the decoder requires).
pub fn base64_file() -> Object {
    string()
        .min_length(Some(4))
        .pattern(Some(concat!(
            "^([A-Za-z0-9+/]{4})*",
            "([A-Za-z0-9+/]{4}|[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)$"
        )))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Byte)))
        .build()
}

/// A body schema: the derived schema `base` and further rules (`allOf`), for what a derived
/// schema can't state: one fields struct serving two endpoints (CreateDepartment needs `Name`,
/// UpdateDepartment `DepartmentID`), or rules across fields.
pub fn base_and(base: &str, rules: impl IntoIterator<Item = RefOr<Schema>>) -> RefOr<Schema> {
    let mut all_of = AllOfBuilder::new().item(Ref::from_schema_name(base));
    for rule in rules {
        all_of = all_of.item(rule);
    }
    all_of.into()
}

/// The fields must be present, restated so they can't be null.
pub fn required_fields(fields: impl IntoIterator<Item = (&'static str, Object)>) -> RefOr<Schema> {
    let mut object = ObjectBuilder::new();
    for (name, schema) in fields {
        object = object.property(name, schema).required(name);
    }
    object.into()
}

/// At least one of the fields is present (and valid as given).
pub fn any_of_fields(fields: impl IntoIterator<Item = (&'static str, Object)>) -> RefOr<Schema> {
    let mut any_of = AnyOfBuilder::new();
    for field in fields {
        any_of = any_of.item(required_fields([field]));
    }
    any_of.into()
}

/// When `field` is present (and not null), so is `then` (and valid as given).
pub fn present_requires(field: &str, then: (&'static str, Object)) -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(ObjectBuilder::new().property(field, ObjectBuilder::new().schema_type(Type::Null)))
        .item(required_fields([then]))
        .into()
}

/// Declares `$body`, a request body's schema: `$base`'s and the rules given (see [`base_and`]).
macro_rules! body_schema {
    ($(#[$doc:meta])* $body:ident = $base:ty [ $($rule:expr),+ $(,)? ]) => {
        $(#[$doc])*
        pub struct $body;

        impl utoipa::PartialSchema for $body {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::http::schemas::base_and(
                    &<$base as utoipa::ToSchema>::name(),
                    [$($rule),+],
                )
            }
        }

        impl utoipa::ToSchema for $body {
            fn schemas(
                schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>,
            ) {
                schemas.push((
                    <$base as utoipa::ToSchema>::name().into_owned(),
                    <$base as utoipa::PartialSchema>::schema(),
                ));
                <$base as utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}
pub(crate) use body_schema;

/// `netlist::parse_domain`: a domain name, `*.` allowed before it; a blank entry is skipped.
fn domain() -> Object {
    string()
        .max_length(Some(253))
        .pattern(Some(r"^\s*((\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)?\s*$"))
        .build()
}

/// An IPv4 address's part, 0 to 255 without leading zeros (as Rust parses addresses).
const IPV4_OCTET: &str = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

/// `netlist::IpRange::parse`: an IPv4 address or range, or an IPv6 address; a blank entry is
/// skipped.
fn ip_range() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(string().pattern(Some(format!(
            r"^(\s*|({IPV4_OCTET}\.){{3}}{IPV4_OCTET}(/(3[0-2]|[12]?[0-9]))?)$"
        ))))
        .item(string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Ipv6))))
        .into()
}

/// A setting's value, by `SettingKey::rule`.
fn setting_value(rule: SettingRule) -> RefOr<Schema> {
    let list = |item: RefOr<Schema>| -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(item)
            .max_items(Some(settings::LIST_MAX))
            .into()
    };
    match rule {
        SettingRule::Text(max) => text_of(max).into(),
        SettingRule::TimeZone => words(chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())).into(),
        SettingRule::Number(min, max) => integer(min, Some(max)).build().into(),
        SettingRule::Domains => list(domain().into()),
        SettingRule::IpRanges => list(ip_range()),
        SettingRule::RoutingMode => {
            use RoutingMode::*;
            words([Manual, RoundRobin, LeastBusy].map(RoutingMode::name)).into()
        }
        SettingRule::Flag => ObjectBuilder::new().schema_type(Type::Boolean).into(),
        SettingRule::Choice(choices) => words(choices.iter().copied()).into(),
        SettingRule::Texts(max) => text_of(max).into(),
    }
}

/// The value one setting takes (CreateFirstManager's `CompanyName` and `TimeZone`).
pub fn setting(key: SettingKey) -> RefOr<Schema> {
    setting_value(key.rule())
}

/// UpdateSettings' `Settings`: objects of known keys (one each, as GetSettings answers), each
/// with a value its key takes.
pub fn settings_list() -> RefOr<Schema> {
    let mut entry = ObjectBuilder::new()
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .description(Some("One key and its value"));
    for key in SettingKey::ALL {
        entry = entry.property(key.name(), setting_value(key.rule()));
    }
    ArrayBuilder::new().items(entry).into()
}

/// A TCP port, 0 to 65535.
const PORT: &str =
    "([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

/// CreateChannel's `ChatServer`: an http(s) base URL with a host name, without query, fragment
/// or credentials. (An IP address is also taken where CHANNEL_ALLOWED_NETWORKS allows it; a
/// name must not resolve to a refused address.)
pub fn chat_server_url() -> Object {
    string()
        .max_length(Some(2000))
        .pattern(Some(format!(
            r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:{PORT})?(/[A-Za-z0-9._~%!$&'()*+,;=:@-]*)*$"
        )))
        .build()
}

/// The channel API's fields, by the Omnidesk patterns `domain::channel_fields` checks.
pub mod channel {
    use super::*;

    /// `chatServer`.
    pub fn chat_server() -> Object {
        string().pattern(Some(r"^[a-zA-Z0-9.:/-]{5,2000}$")).build()
    }

    /// `chatSessionID`.
    pub fn chat_session_id() -> Object {
        string()
            .min_length(Some(10))
            .max_length(Some(65))
            .pattern(Some(r"^\+?[a-zA-Z0-9-]+$"))
            .build()
    }

    /// `chatAccountToken`: the pattern; the token must also be the calling channel's.
    pub fn chat_account_token() -> Object {
        string().pattern(Some("^[a-zA-Z0-9]{10,256}$")).build()
    }

    /// `customerName`: a name kept when it holds letters and marks of any script, digits, spaces
    /// and `. ' - ,` (at most 100 characters once control and format characters are dropped);
    /// otherwise left out and named under the answer's `Ignored`. Never refuses the message.
    pub fn customer_name() -> Object {
        string()
            .description(Some(
                "The customer's name: letters and marks of any script, digits, spaces and . ' - , \
                 (control and format characters dropped, at most 100 characters). A name that \
                 breaks the rule is left out and named under Ignored; the message is still taken.",
            ))
            .build()
    }

    /// `emailAddress`: kept when it is an address, else left out and named under `Ignored`.
    pub fn email() -> Object {
        string()
            .description(Some(
                "The customer's email address; one that is not an address is left out and named \
                 under Ignored (the message is still taken). Empty = none.",
            ))
            .build()
    }

    /// `phoneNumber`: kept when it is 7 to 15 digits, with or without `+`; else left out and
    /// named under `Ignored`.
    pub fn phone() -> Object {
        string()
            .description(Some(
                "The customer's phone number: 7 to 15 digits, with or without a leading + (spaces, \
                 - . ( ) removed). Another value is left out and named under Ignored (the message \
                 is still taken). Empty = none.",
            ))
            .build()
    }

    /// `url` of a message: at most 2000 characters, empty for none.
    pub fn message_url() -> Object {
        string().max_length(Some(2000)).build()
    }

    /// `url` of a visited page: 4 to 2000 characters.
    pub fn visited_url() -> Object {
        string().min_length(Some(4)).max_length(Some(2000)).build()
    }

    /// `messageNumber` of a message: 1 to 50.
    pub fn message_number() -> Object {
        integer(1, Some(50)).build()
    }

    /// `event`: typing or not (any case).
    pub fn typing_event() -> Object {
        words(["startedtyping", "stoppedtyping"])
    }

    /// `origin`: a host name.
    pub fn origin() -> Object {
        string().pattern(Some(r"^[a-zA-Z0-9.-]{1,253}$")).build()
    }

    /// `ip`: an IPv4 or IPv6 address, at least 5 characters.
    pub fn ip() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(string().pattern(Some(format!(r"^({IPV4_OCTET}\.){{3}}{IPV4_OCTET}$"))))
            .item(
                string()
                    .min_length(Some(5))
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Ipv6))),
            )
            .into()
    }
}

/// Stand-ins for the rules above in `#[param(value_type = ..., inline)]`: a parameter given its
/// schema with `schema_with` loses its description and whether it is required.
pub mod param {
    use super::*;
    use crate::http::chats::{NOTE_MAX, PAGE_MAX, PAGE_SIZE_MAX, TERM_MAX};

    macro_rules! param_types {
        ($($(#[$doc:meta])* $name:ident => $schema:expr;)+) => {$(
            $(#[$doc])*
            pub struct $name;

            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    $schema.into()
                }
            }

            impl utoipa::ToSchema for $name {}
        )+};
    }

    param_types! {
        /// [`id`].
        Id => id();
        /// A page number.
        Page => int_range::<1, PAGE_MAX>();
        /// A page's size.
        PageSize => int_range::<1, PAGE_SIZE_MAX>();
        /// A message id to list after.
        After => int_from::<0>();
        /// GetChatList's `Term`.
        Term => optional_text::<TERM_MAX>();
        /// GetChatList's `After` (`ListPosition::parse`): `<microseconds>.<chat id>` or
        /// `-.<chat id>`, as `Cursor.Next` gives it.
        ListAfter => string()
            .pattern(Some(r"^\s*(-|-?[0-9]{1,19})\.[1-9][0-9]{0,18}\s*$"))
            .build();
        /// TransferChat's `Note`.
        Note => optional_text::<NOTE_MAX>();
        /// [`chat_type`].
        ChatType => chat_type();
        /// [`selector`].
        Selector => selector();
        /// [`period`].
        Period => period();
        /// [`phone`].
        Phone => phone();
        /// [`email`].
        Email => email();
    }
}

/// `domain::webhook::parse_events`: names of the event stream's catalogue, or `*` alone.
pub fn webhook_events() -> RefOr<Schema> {
    let names = crate::domain::live::Topic::ALL
        .map(crate::domain::live::Topic::name)
        .into_iter()
        .chain(["*"]);
    list_of(words(names), 1)
}
