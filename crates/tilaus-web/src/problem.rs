//! RFC 9457 problem documents: every error leaves the API in this one shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tilaus_app::AppError;
use tilaus_domain::validation::FieldError;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field-level errors: a JSON pointer into the request and what is wrong there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
    /// For state conflicts: the order's current state and where it may go from there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_states: Option<Vec<String>>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("https://tilaus.dev/problems/{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            current_state: None,
            allowed_states: None,
        }
    }

    pub fn not_found(detail: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed-request", detail)
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.pointer, one.detail),
            many => format!("{} fields are invalid", many.len()),
        };
        Problem {
            errors,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", detail)
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; the request changed nothing",
        )
    }

    pub(crate) fn into_response_value(self) -> Response {
        self.into_response()
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Maps every app error to its problem, once.
impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Unauthenticated(detail) => {
                Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
            }
            e @ AppError::TooManyAttempts { .. } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-attempts",
                e.to_string(),
            ),
            AppError::Forbidden(detail) => Problem::new(StatusCode::FORBIDDEN, "forbidden", detail),
            AppError::NotFound(what) => Problem::not_found(&format!("{what} not found")),
            AppError::Invalid(errors) => Problem::invalid(errors.0),
            AppError::State(e) => Problem {
                current_state: Some(e.current.as_str().into()),
                allowed_states: Some(e.allowed.iter().map(|s| s.as_str().to_owned()).collect()),
                ..Problem::new(StatusCode::CONFLICT, "order-state", e.to_string())
            },
            AppError::Conflict(detail) => Problem::new(StatusCode::CONFLICT, "conflict", detail),
            e @ AppError::ProviderUnavailable(_) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "provider-unavailable",
                e.to_string(),
            ),
            e @ AppError::Amount(_) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "amount-too-large",
                e.to_string(),
            ),
            e @ AppError::IdempotencyInFlight => {
                Problem::new(StatusCode::CONFLICT, "idempotency-in-flight", e.to_string())
            }
            e @ AppError::IdempotencyMismatch => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-mismatch",
                e.to_string(),
            ),
            AppError::Store(e) => {
                tracing::error!(error = %e, "store failure");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database could not complete the request; it changed nothing, please retry",
                )
            }
            e @ (AppError::Export(_) | AppError::Io(_)) => {
                tracing::error!(error = %e, "export failure");
                Problem::internal()
            }
        }
    }
}

/// Lets handlers return `Result<_, AppError>` directly.
pub(crate) struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        Problem::from(self.0).into_response()
    }
}
