//! Stands in for the web crate's PDF printer (tested with the real renderer there): each file
//! is named after its document, so a test can tell which were attached.

use std::future::Future;
use std::pin::Pin;
use tilaus_app::message::{Attachment, DocumentFiles};
use tilaus_app::{App, AppError, Principal};
use uuid::Uuid;

/// The bytes of every stand-in PDF.
pub const STAND_IN: &[u8] = b"%PDF-1.7 stand-in";

pub struct NamedFiles {
    /// The file name before the document id, e.g. `invoice`.
    pub prefix: &'static str,
}

impl DocumentFiles for NamedFiles {
    fn pdf<'a>(
        &'a self,
        _: &'a App,
        _: &'a Principal,
        document_id: Uuid,
    ) -> Pin<Box<dyn Future<Output = Result<Attachment, AppError>> + Send + 'a>> {
        Box::pin(async move {
            Ok(Attachment {
                file_name: format!("{}-{document_id}.pdf", self.prefix),
                content_type: "application/pdf".into(),
                bytes: STAND_IN.to_vec(),
            })
        })
    }
}
