//! Errors of the JavaScript surface. Core errors keep the core's messages word for word; the
//! wasm layer only adds where in the input they occurred (`fields[3]: …`).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] ves_core::Error),

    #[error("{at}: {source}")]
    At { at: String, source: Box<Error> },

    /// Input the core never sees in this form (a JS value that is not JSON, a bad number).
    #[error("{0}")]
    Input(String),
}

impl From<ves_core::ProofError> for Error {
    fn from(e: ves_core::ProofError) -> Self {
        Error::Core(e.into())
    }
}

impl Error {
    /// Prefixes the error with where it happened, e.g. `fields[3]`.
    pub fn at(self, at: impl Into<String>) -> Self {
        Error::At {
            at: at.into(),
            source: Box::new(self),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Parses JSON text into `T`; serde's message names the missing or mistyped field.
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| Error::Core(ves_core::Error::Json(format!("{what}: {e}"))))
}
