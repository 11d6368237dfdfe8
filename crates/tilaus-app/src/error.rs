use tilaus_domain::money::AmountError;
use tilaus_domain::order::StateError;
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::StoreError;

/// Why a use case refused or failed. The web layer maps each variant once to an HTTP problem.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No credentials, or credentials that are unknown, malformed or revoked.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// Too many failed logins for the account or from the client address.
    #[error("too many failed logins; try again in {minutes} minutes")]
    TooManyAttempts { minutes: i64 },
    /// The principal's role does not allow the action.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist in the principal's shop (or at all: the two are not told apart).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The order's state does not allow the action.
    #[error(transparent)]
    State(#[from] StateError),
    #[error("{0}")]
    Conflict(String),
    #[error("the amounts are too large: {0}")]
    Amount(#[from] AmountError),
    #[error("a request with this Idempotency-Key is still being processed; retry later")]
    IdempotencyInFlight,
    #[error("this Idempotency-Key was already used with a different request body")]
    IdempotencyMismatch,
    /// A payment provider did not answer (or answered with a server error): try again later.
    #[error("the payment provider is unavailable: {0}")]
    ProviderUnavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("export failed: {0}")]
    Export(#[from] tilaus_integrations::export::ExportError),
    #[error("I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

impl AppError {
    pub fn invalid(pointer: &str, detail: impl Into<String>) -> Self {
        AppError::Invalid(ValidationErrors::single(pointer, detail))
    }
}
