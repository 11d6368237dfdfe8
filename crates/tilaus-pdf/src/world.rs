//! The Typst `World` of one document: the bundled template as the main file, the document's
//! data and images as the only other files, the bundled fonts, and no package resolver — a
//! template can reach nothing outside memory, and rendering never touches the network.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, PathError, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

const TEMPLATE: &str = include_str!("../templates/document.typ");

/// Inter (SIL Open Font License, see `fonts/OFL.txt`): a sans-serif with tabular figures for
/// the money columns. Only the two weights the template uses, to keep the binary small.
static FONT_FILES: [&[u8]; 2] = [
    include_bytes!("../fonts/Inter-Regular.otf"),
    include_bytes!("../fonts/Inter-Bold.otf"),
];

/// Parsed once per process: the standard library and the fonts are the same for every document.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = FONT_FILES
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect();
    Shared {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

pub struct DocumentWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

impl DocumentWorld {
    /// `files` are absolute paths (`/data.json`) the template reads; `today` is what Typst's
    /// `datetime.today()` answers, fixed so that rendering is reproducible.
    pub fn new(files: Vec<(&str, Vec<u8>)>, today: Datetime) -> Result<Self, PathError> {
        let main = Source::new(file_id("/document.typ")?, TEMPLATE.to_owned());
        let files = files
            .into_iter()
            .map(|(path, data)| Ok((file_id(path)?, Bytes::new(data))))
            .collect::<Result<_, PathError>>()?;
        Ok(Self { main, files, today })
    }
}

fn file_id(path: &str) -> Result<FileId, PathError> {
    Ok(RootedPath::new(VirtualRoot::Project, VirtualPath::new(path)?).intern())
}

impl World for DocumentWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(TEMPLATE));
        }
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(PathBuf::from(format!("{id:?}"))))
    }

    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}
