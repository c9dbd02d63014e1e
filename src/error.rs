//! The one error type of the API: a stable code clients can match on, the HTTP status that goes
//! with it, a human sentence and, for validation, the fields at fault.

use std::collections::BTreeMap;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;

/// Stable error codes. The name is the wire value; the status goes with the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    ValidationFailed,
    VersionRequired,
    InvalidResetCode,
    InvalidSessionToken,
    InvalidCredentials,
    ApiKeyInvalid,
    AccountTokenInvalid,
    AgentDisabled,
    SetupCodeInvalid,
    Forbidden,
    NotFound,
    AgentNotFound,
    DepartmentNotFound,
    TagNotFound,
    TagGroupNotFound,
    CannedResponseNotFound,
    ChannelNotFound,
    ChatNotFound,
    CustomerNotFound,
    AttachmentNotFound,
    NoChatWaiting,
    MethodNotAllowed,
    Conflict,
    EmailAlreadyExists,
    NameAlreadyExists,
    MenuIndexInUse,
    TagInUse,
    LastManager,
    AlreadySetUp,
    RatingAlreadyGiven,
    ChatNotAssigned,
    ChatAlreadyAssigned,
    ChatAssignedToAnotherAgent,
    ChatClosed,
    ChatNotQueued,
    AgentNotOnline,
    AgentNotInDepartment,
    AgentAtCapacity,
    NoActiveChat,
    TagDisabled,
    DepartmentDisabled,
    PayloadTooLarge,
    UnsupportedMediaType,
    ClientVersionTooOld,
    TooManyLogonAttempts,
    TooManyStreams,
    WidgetKeyInvalid,
    VisitorTokenInvalid,
    OriginNotAllowed,
    TooManyRequests,
    InternalError,
    DatabaseUnavailable,
    ServerBusy,
}

impl ErrorCode {
    /// The code as clients read it on the wire. Written out, not derived from the variant's name,
    /// so renaming a variant can't change the API.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ValidationFailed => "ValidationFailed",
            VersionRequired => "VersionRequired",
            InvalidResetCode => "InvalidResetCode",
            InvalidSessionToken => "InvalidSessionToken",
            InvalidCredentials => "InvalidCredentials",
            ApiKeyInvalid => "ApiKeyInvalid",
            AccountTokenInvalid => "AccountTokenInvalid",
            AgentDisabled => "AgentDisabled",
            SetupCodeInvalid => "SetupCodeInvalid",
            AlreadySetUp => "AlreadySetUp",
            RatingAlreadyGiven => "RatingAlreadyGiven",
            Forbidden => "Forbidden",
            NotFound => "NotFound",
            AgentNotFound => "AgentNotFound",
            DepartmentNotFound => "DepartmentNotFound",
            TagNotFound => "TagNotFound",
            TagGroupNotFound => "TagGroupNotFound",
            CannedResponseNotFound => "CannedResponseNotFound",
            ChannelNotFound => "ChannelNotFound",
            ChatNotFound => "ChatNotFound",
            CustomerNotFound => "CustomerNotFound",
            AttachmentNotFound => "AttachmentNotFound",
            NoChatWaiting => "NoChatWaiting",
            MethodNotAllowed => "MethodNotAllowed",
            Conflict => "Conflict",
            EmailAlreadyExists => "EmailAlreadyExists",
            NameAlreadyExists => "NameAlreadyExists",
            MenuIndexInUse => "MenuIndexInUse",
            TagInUse => "TagInUse",
            LastManager => "LastManager",
            ChatNotAssigned => "ChatNotAssigned",
            ChatAlreadyAssigned => "ChatAlreadyAssigned",
            ChatAssignedToAnotherAgent => "ChatAssignedToAnotherAgent",
            ChatClosed => "ChatClosed",
            ChatNotQueued => "ChatNotQueued",
            AgentNotOnline => "AgentNotOnline",
            AgentNotInDepartment => "AgentNotInDepartment",
            AgentAtCapacity => "AgentAtCapacity",
            NoActiveChat => "NoActiveChat",
            TagDisabled => "TagDisabled",
            DepartmentDisabled => "DepartmentDisabled",
            PayloadTooLarge => "PayloadTooLarge",
            UnsupportedMediaType => "UnsupportedMediaType",
            ClientVersionTooOld => "ClientVersionTooOld",
            TooManyLogonAttempts => "TooManyLogonAttempts",
            TooManyStreams => "TooManyStreams",
            WidgetKeyInvalid => "WidgetKeyInvalid",
            VisitorTokenInvalid => "VisitorTokenInvalid",
            OriginNotAllowed => "OriginNotAllowed",
            TooManyRequests => "TooManyRequests",
            InternalError => "InternalError",
            DatabaseUnavailable => "DatabaseUnavailable",
            ServerBusy => "ServerBusy",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            ValidationFailed | VersionRequired | InvalidResetCode => StatusCode::BAD_REQUEST,
            InvalidSessionToken | InvalidCredentials | ApiKeyInvalid | AccountTokenInvalid
            | WidgetKeyInvalid | VisitorTokenInvalid => StatusCode::UNAUTHORIZED,
            AgentDisabled | SetupCodeInvalid | Forbidden | OriginNotAllowed => {
                StatusCode::FORBIDDEN
            }
            NotFound
            | AgentNotFound
            | DepartmentNotFound
            | TagNotFound
            | TagGroupNotFound
            | CannedResponseNotFound
            | ChannelNotFound
            | ChatNotFound
            | CustomerNotFound
            | AttachmentNotFound
            | NoChatWaiting => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Conflict
            | EmailAlreadyExists
            | NameAlreadyExists
            | MenuIndexInUse
            | TagInUse
            | LastManager
            | AlreadySetUp
            | RatingAlreadyGiven
            | ChatNotAssigned
            | ChatAlreadyAssigned
            | ChatAssignedToAnotherAgent
            | ChatClosed
            | ChatNotQueued
            | AgentNotOnline
            | AgentNotInDepartment
            | AgentAtCapacity
            | NoActiveChat
            | TagDisabled
            | DepartmentDisabled => StatusCode::CONFLICT,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ClientVersionTooOld => StatusCode::UPGRADE_REQUIRED,
            TooManyLogonAttempts | TooManyStreams | TooManyRequests => {
                StatusCode::TOO_MANY_REQUESTS
            }
            InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            DatabaseUnavailable | ServerBusy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as the API answers it. The cause of an unexpected failure travels with it, for the
/// log only: the request middleware (`telemetry::log_request`) logs it once, in the request's span.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: BTreeMap<String, String>,
    pub retry_after_secs: Option<u64>,
    cause: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after_secs: None,
            cause: None,
        }
    }

    /// A 400 naming one field.
    pub fn field(field: impl Into<String>, problem: impl Into<String>) -> Self {
        let mut fields = BTreeMap::new();
        fields.insert(field.into(), problem.into());
        Self::invalid_fields(fields)
    }

    /// A 400 naming every field at fault.
    pub fn invalid_fields(fields: BTreeMap<String, String>) -> Self {
        let message = match fields.iter().next() {
            Some((name, problem)) if fields.len() == 1 => format!("{name}: {problem}"),
            _ => format!("{} fields are invalid", fields.len()),
        };
        Self {
            fields,
            ..Self::new(ErrorCode::ValidationFailed, message)
        }
    }

    /// Names the request field the error is about.
    pub fn on_field(mut self, field: &str) -> Self {
        self.fields.insert(field.to_owned(), self.message.clone());
        self
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(code, message)
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }

    /// An unexpected failure: the client gets a generic sentence, the cause is kept for the log.
    pub fn internal(cause: impl fmt::Display) -> Self {
        Self {
            cause: Some(cause.to_string()),
            ..Self::new(ErrorCode::InternalError, "An unexpected error occurred")
        }
    }

    /// The database can't be reached (or is busy): 503 with `Retry-After`, the cause kept for the log.
    pub fn database_unavailable(cause: impl fmt::Display) -> Self {
        Self {
            cause: Some(cause.to_string()),
            ..Self::new(
                ErrorCode::DatabaseUnavailable,
                "The database is not available, try again shortly",
            )
        }
        .with_retry_after(2)
    }

    /// Too many expensive requests (password checks, uploads) are in flight: 503 with
    /// `Retry-After`, before any of the work is done.
    pub fn server_busy(what: &str, retry_after_secs: u64) -> Self {
        Self::new(
            ErrorCode::ServerBusy,
            format!("The server is busy with other {what}; try again shortly"),
        )
        .with_retry_after(retry_after_secs)
    }

    /// What really went wrong, when the client was told something generic.
    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }
}

/// `code: message`; the alternate form (`{:#}`, for logs) adds the cause when there is one.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        match &self.cause {
            Some(cause) if f.alternate() => write!(f, " ({cause})"),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for ApiError {}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorDetail<'a> {
    code: &'static str,
    message: &'a str,
    fields: &'a BTreeMap<String, String>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after_secs {
            response.insert_header(("Retry-After", secs.to_string()));
        }
        if self.code == ErrorCode::PayloadTooLarge {
            // The rest of the body is not wanted: close the connection rather than read it all.
            response.force_close();
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str(),
                message: &self.message,
                fields: &self.fields,
            },
        })
    }
}

impl From<DieselError> for ApiError {
    fn from(e: DieselError) -> Self {
        match &e {
            DieselError::NotFound => {
                Self::new(ErrorCode::NotFound, "The requested item does not exist")
            }
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::conflict(
                ErrorCode::Conflict,
                "The change conflicts with an existing item",
            ),
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                Self::conflict(
                    ErrorCode::Conflict,
                    "The change refers to an item that does not exist or is still in use",
                )
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                crate::db::note_connection_trouble();
                Self::database_unavailable(&e)
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::database_unavailable(&e)
            }
            DieselError::DatabaseError(_, info) if is_busy(info.message()) => {
                Self::database_unavailable(&e)
            }
            _ => {
                // An unexpected error may be a connection that died mid-query.
                crate::db::note_connection_trouble();
                Self::internal(&e)
            }
        }
    }
}

fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        crate::db::note_connection_trouble();
        Self::database_unavailable(e)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_codes_are_the_documented_names() {
        for (code, wire) in [
            (ErrorCode::ValidationFailed, "ValidationFailed"),
            (ErrorCode::InvalidSessionToken, "InvalidSessionToken"),
            (
                ErrorCode::ChatAssignedToAnotherAgent,
                "ChatAssignedToAnotherAgent",
            ),
            (ErrorCode::DatabaseUnavailable, "DatabaseUnavailable"),
        ] {
            assert_eq!((code.as_str(), code.to_string()), (wire, wire.to_owned()));
        }
    }

    #[test]
    fn the_cause_is_kept_for_the_log_not_the_client() {
        let e = ApiError::internal("disk on fire");
        assert_eq!(e.message, "An unexpected error occurred");
        assert_eq!(e.cause(), Some("disk on fire"));
        assert_eq!(e.to_string(), "InternalError: An unexpected error occurred");
        assert_eq!(
            format!("{e:#}"),
            "InternalError: An unexpected error occurred (disk on fire)"
        );
        let body = actix_web::body::to_bytes(e.error_response().into_body());
        let body = futures_util::FutureExt::now_or_never(body)
            .unwrap()
            .unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("fire"));
    }
}
