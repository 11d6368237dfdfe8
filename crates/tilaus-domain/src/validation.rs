//! Field-level input errors, each pointing at the offending field (RFC 6901 JSON pointer).

/// One thing wrong with one field of the input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// JSON pointer to the field, e.g. `/lines/0/quantity`.
    pub pointer: String,
    /// What is wrong, in words a developer can act on.
    pub detail: String,
}

/// Everything wrong with an input; never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("the input has {} invalid field(s)", .0.len())]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn push(&mut self, pointer: impl Into<String>, detail: impl Into<String>) {
        self.0.push(FieldError {
            pointer: pointer.into(),
            detail: detail.into(),
        });
    }

    /// One error for one field.
    pub fn single(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.push(pointer, detail);
        errors
    }

    /// Records `result`'s error under `pointer` and passes its value on.
    pub fn check<T>(&mut self, pointer: impl Into<String>, result: Result<T, String>) -> Option<T> {
        result.map_err(|detail| self.push(pointer, detail)).ok()
    }

    /// `Err(self)` when anything was recorded.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
