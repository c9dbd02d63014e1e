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
    InternalError,
    DatabaseUnavailable,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            ValidationFailed | VersionRequired | InvalidResetCode => StatusCode::BAD_REQUEST,
            InvalidSessionToken | InvalidCredentials | ApiKeyInvalid | AccountTokenInvalid => {
                StatusCode::UNAUTHORIZED
            }
            AgentDisabled | Forbidden => StatusCode::FORBIDDEN,
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
            TooManyLogonAttempts => StatusCode::TOO_MANY_REQUESTS,
            InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: BTreeMap<String, String>,
    pub retry_after_secs: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after_secs: None,
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

    /// An unexpected failure: the cause goes to the log, the client gets a generic sentence.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "unexpected error");
        Self::new(ErrorCode::InternalError, "An unexpected error occurred")
    }

    pub fn database_unavailable(cause: impl fmt::Display) -> Self {
        tracing::warn!(error = %cause, "database unavailable");
        Self::new(
            ErrorCode::DatabaseUnavailable,
            "The database is not available, try again shortly",
        )
        .with_retry_after(2)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
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
    code: String,
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
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
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
                Self::database_unavailable(&e)
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::database_unavailable(&e)
            }
            DieselError::DatabaseError(_, info) if is_busy(info.message()) => {
                Self::database_unavailable(&e)
            }
            _ => Self::internal(&e),
        }
    }
}

fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        Self::database_unavailable(e)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::internal(e)
    }
}
