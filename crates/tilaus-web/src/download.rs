//! Files for download, shared by the JSON API and the admin UI.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tilaus_app::export::ExportFormat;
use tilaus_app::order::ListQuery;
use tilaus_app::{App, AppError, Principal};

/// The filtered order list as an XLSX or CSV attachment.
pub(crate) async fn export(
    app: &App,
    principal: &Principal,
    filter: &ListQuery,
    format: ExportFormat,
) -> Result<Response, AppError> {
    // The export goes to an unlinked temporary file and streams from there: memory stays
    // bounded and a failure halfway never sends a truncated file with a 200.
    let path = std::env::temp_dir().join(format!("tilaus-export-{}", uuid::Uuid::now_v7()));
    let file = std::fs::File::create(&path).map_err(AppError::from)?;
    let written = app
        .export_orders(principal, filter, format, std::io::BufWriter::new(file))
        .await;
    let opened = tokio::fs::File::open(&path).await;
    let _ = std::fs::remove_file(&path);
    written?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(
        opened.map_err(AppError::from)?,
    ));
    let disposition = format!("attachment; filename=\"orders.{}\"", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
