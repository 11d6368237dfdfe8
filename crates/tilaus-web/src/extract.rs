//! Request extractors that turn every malformed input into a problem document.

use crate::{MAX_BODY, Problem};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use tilaus_app::{App, AppError, Principal};
use tilaus_domain::validation::FieldError;

/// The authenticated caller, from `Authorization: Bearer <api_token>`.
pub struct Auth(pub Principal);

impl FromRequestParts<App> for Auth {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .ok_or_else(|| {
                Problem::from(AppError::Unauthenticated(
                    "send Authorization: Bearer <api_token>",
                ))
            })?;
        Ok(Auth(app.authenticate_token(token).await?))
    }
}

/// A JSON body with its raw bytes (for idempotency fingerprints). Malformed JSON is 400; a
/// well-formed body of the wrong shape is 422 with a pointer to the offending field.
pub struct JsonBody<T> {
    pub value: T,
    pub raw: axum::body::Bytes,
}

impl<T: DeserializeOwned> FromRequest<App> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, _: &App) -> Result<Self, Self::Rejection> {
        let raw = axum::body::to_bytes(request.into_body(), MAX_BODY)
            .await
            .map_err(|_| {
                Problem::new(
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "body-too-large",
                    format!("the body must be at most {MAX_BODY} bytes"),
                )
            })?;
        let value = parse_json(&raw)?;
        Ok(JsonBody { value, raw })
    }
}

/// A JSON body that may be left out: none (or only whitespace) means the defaults.
pub(crate) fn optional_json<T: DeserializeOwned + Default>(raw: &[u8]) -> Result<T, Problem> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse_json(raw)
    }
}

pub(crate) fn parse_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, Problem> {
    // Syntax first, so that broken JSON is told apart from JSON of the wrong shape.
    let tree: serde_json::Value = serde_json::from_slice(raw)
        .map_err(|e| Problem::bad_request(format!("the body is not valid JSON: {e}")))?;
    serde_path_to_error::deserialize(tree).map_err(|e| {
        let pointer = json_pointer(e.path());
        Problem::invalid(vec![FieldError {
            pointer,
            detail: e.inner().to_string(),
        }])
    })
}

fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } => pointer.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => pointer.push_str(variant),
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
}

/// A path id; anything that is not a UUID is simply not found.
pub struct Id(pub uuid::Uuid);

impl FromRequestParts<App> for Id {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(text) =
            axum::extract::Path::<String>::from_request_parts(parts, app)
                .await
                .map_err(|_| Problem::not_found("not found"))?;
        uuid::Uuid::parse_str(&text)
            .map(Id)
            .map_err(|_| Problem::not_found("not found"))
    }
}

/// Query parameters (repeatable ones as lists); a wrong type is a 422 naming the parameter.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<App> for QueryParams<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        axum_extra::extract::Query::<T>::from_request_parts(parts, app)
            .await
            .map(|q| QueryParams(q.0))
            .map_err(|e| {
                Problem::invalid(vec![FieldError {
                    pointer: "/query".into(),
                    detail: e.body_text(),
                }])
            })
    }
}
