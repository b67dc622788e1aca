//! The catalogues an administrator keeps ("Catálogos"): the named choices of the forms
//! (solution categories, suspension reasons, occurrence categories and origins) and the records releases link to (problems,
//! knowledge articles, definitive media, changes). Every item has an external code, which
//! a CSV import matches to update rather than duplicate, and may be retired: a retired item
//! stays on the releases that chose or link it, but is offered no more.

use crate::domain::validation::{check_length, check_required, Field, FieldError, Problem};
use crate::domain::validation::{MAX_CODE_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS};
use crate::domain::{code_enum, Localized};
use serde::{Deserialize, Serialize};

code_enum!(
    /// A catalogue of the administration.
    Catalogue {
        SolutionCategories = "solution_categories",
        SuspensionReasons = "suspension_reasons",
        OccurrenceCategories = "occurrence_categories",
        OccurrenceOrigins = "occurrence_origins",
        Problems = "problems",
        KnowledgeArticles = "knowledge_articles",
        DefinitiveMedia = "definitive_media",
        Changes = "changes",
    }
);

code_enum!(
    /// A column of a catalogue, besides its code and whether it is offered: a field of its
    /// form and a column of its CSV files, under this code.
    Column {
        NameEs = "name_es",
        NamePt = "name_pt",
        Title = "title",
        Status = "status",
        Language = "language",
        Body = "body",
        Name = "name",
        Version = "version",
        Location = "location",
        Sha256 = "sha256",
    }
);

code_enum!(
    /// Where a problem stands in the problem management that owns it.
    ProblemStatus {
        Registered = "registered",
        InAnalysis = "in_analysis",
        KnownError = "known_error",
        Resolved = "resolved",
        Closed = "closed",
    }
);

code_enum!(
    /// Where a change stands in the change management that owns it.
    ChangeStatus {
        Registered = "registered",
        Approved = "approved",
        InProgress = "in_progress",
        Implemented = "implemented",
        Closed = "closed",
        Cancelled = "cancelled",
    }
);

impl ChangeStatus {
    /// A change still registered, or cancelled, cannot be linked to a release (SPEC §3).
    pub fn may_be_linked(self) -> bool {
        !matches!(self, ChangeStatus::Registered | ChangeStatus::Cancelled)
    }
}

code_enum!(
    /// The language a knowledge article is written in.
    ArticleLanguage {
        Es = "es",
        Pt = "pt",
    }
);

impl Catalogue {
    /// A catalogue of choices offered in order (by position), not a catalogue of records.
    pub fn is_named(self) -> bool {
        matches!(
            self,
            Catalogue::SolutionCategories
                | Catalogue::SuspensionReasons
                | Catalogue::OccurrenceCategories
                | Catalogue::OccurrenceOrigins
        )
    }

    /// The columns of the catalogue's form and files, in order.
    pub fn columns(self) -> &'static [Column] {
        use Column::*;
        match self {
            Catalogue::SolutionCategories
            | Catalogue::SuspensionReasons
            | Catalogue::OccurrenceCategories
            | Catalogue::OccurrenceOrigins => &[NameEs, NamePt],
            Catalogue::Problems => &[Title, Status],
            Catalogue::KnowledgeArticles => &[Title, Language, Body],
            Catalogue::DefinitiveMedia => &[Name, Version, Location, Sha256],
            Catalogue::Changes => &[Title, Status],
        }
    }

    /// The codes a column accepts, when it is a choice.
    pub fn choices(self, column: Column) -> Option<Vec<&'static str>> {
        match (self, column) {
            (Catalogue::Problems, Column::Status) => Some(ProblemStatus::ALL.iter().map(|s| s.code()).collect()),
            (Catalogue::Changes, Column::Status) => Some(ChangeStatus::ALL.iter().map(|s| s.code()).collect()),
            (_, Column::Language) => Some(ArticleLanguage::ALL.iter().map(|l| l.code()).collect()),
            _ => None,
        }
    }

    /// The header of the catalogue's CSV files: `code`, its columns, `active`.
    pub fn csv_header(self) -> Vec<&'static str> {
        let mut header = vec![CODE_COLUMN];
        header.extend(self.columns().iter().map(|c| c.code()));
        header.push(ACTIVE_COLUMN);
        header
    }
}

/// The first column of every catalogue file: the item's external code.
pub const CODE_COLUMN: &str = "code";
/// The last column of every catalogue file: `1` when the item is offered, `0` when retired.
pub const ACTIVE_COLUMN: &str = "active";

/// The longest version of a definitive medium.
pub const MAX_VERSION_CHARS: usize = 64;
/// The longest location of a definitive medium.
pub const MAX_LOCATION_CHARS: usize = 1_000;

/// What an item holds besides its code, by the shape of its catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum ItemFields {
    /// A choice with a name in each language.
    Named {
        name: Localized,
    },
    Problem {
        title: String,
        status: ProblemStatus,
    },
    Article {
        title: String,
        language: ArticleLanguage,
        body: String,
    },
    /// A build in the definitive media library, with its checksum.
    Medium {
        name: String,
        version: String,
        location: String,
        sha256: String,
    },
    Change {
        title: String,
        status: ChangeStatus,
    },
}

impl ItemFields {
    /// An empty item of the catalogue, as a new item's form starts.
    pub fn blank(catalogue: Catalogue) -> ItemFields {
        // Every column is text or the first of its choices: always readable.
        Self::read(catalogue, |column| {
            catalogue.choices(column).and_then(|codes| codes.first().copied()).unwrap_or_default().to_owned()
        })
        .unwrap_or(ItemFields::Named { name: Localized::default() })
    }

    /// The value of a column as a form shows it and a file holds it (choices by code).
    pub fn value(&self, column: Column) -> String {
        let text = match (self, column) {
            (ItemFields::Named { name }, Column::NameEs) => &name.es,
            (ItemFields::Named { name }, Column::NamePt) => &name.pt,
            (ItemFields::Problem { title, .. }, Column::Title)
            | (ItemFields::Article { title, .. }, Column::Title)
            | (ItemFields::Change { title, .. }, Column::Title) => title,
            (ItemFields::Problem { status, .. }, Column::Status) => return status.code().to_owned(),
            (ItemFields::Change { status, .. }, Column::Status) => return status.code().to_owned(),
            (ItemFields::Article { language, .. }, Column::Language) => return language.code().to_owned(),
            (ItemFields::Article { body, .. }, Column::Body) => body,
            (ItemFields::Medium { name, .. }, Column::Name) => name,
            (ItemFields::Medium { version, .. }, Column::Version) => version,
            (ItemFields::Medium { location, .. }, Column::Location) => location,
            (ItemFields::Medium { sha256, .. }, Column::Sha256) => sha256,
            _ => return String::new(),
        };
        text.clone()
    }

    /// The names of an item of a named catalogue.
    pub fn name(&self) -> Option<&Localized> {
        match self {
            ItemFields::Named { name } => Some(name),
            _ => None,
        }
    }

    /// The name the item is known by: its Spanish name, title or medium name.
    pub fn label(&self) -> String {
        match self {
            ItemFields::Named { name } => name.es.clone(),
            ItemFields::Problem { title, .. }
            | ItemFields::Article { title, .. }
            | ItemFields::Change { title, .. } => title.clone(),
            ItemFields::Medium { name, .. } => name.clone(),
        }
    }

    /// The item of `catalogue` whose columns hold `value(column)`, trimmed and checked:
    /// texts required and not too long, choices among their codes, a checksum of 64
    /// hexadecimal digits. Every form and every file line is read through here.
    pub fn read(catalogue: Catalogue, value: impl Fn(Column) -> String) -> Result<ItemFields, FieldError> {
        let text = |column: Column| -> Result<String, FieldError> {
            let raw = value(column);
            let text = raw.trim();
            check_required(column.field(), text)?;
            check_length(column.field(), text, column.max_chars())?;
            Ok(text.to_owned())
        };
        let choice = |column: Column| -> Result<String, FieldError> {
            let code = value(column).trim().to_owned();
            check_required(column.field(), &code)?;
            Ok(code)
        };
        let unknown = |column: Column| FieldError { field: column.field(), problem: Problem::Unknown };
        Ok(match catalogue {
            Catalogue::SolutionCategories
            | Catalogue::SuspensionReasons
            | Catalogue::OccurrenceCategories
            | Catalogue::OccurrenceOrigins => {
                ItemFields::Named { name: Localized { es: text(Column::NameEs)?, pt: text(Column::NamePt)? } }
            }
            Catalogue::Problems => ItemFields::Problem {
                title: text(Column::Title)?,
                status: ProblemStatus::from_code(&choice(Column::Status)?).ok_or(unknown(Column::Status))?,
            },
            Catalogue::Changes => ItemFields::Change {
                title: text(Column::Title)?,
                status: ChangeStatus::from_code(&choice(Column::Status)?).ok_or(unknown(Column::Status))?,
            },
            Catalogue::KnowledgeArticles => ItemFields::Article {
                title: text(Column::Title)?,
                language: ArticleLanguage::from_code(&choice(Column::Language)?).ok_or(unknown(Column::Language))?,
                body: text(Column::Body)?,
            },
            Catalogue::DefinitiveMedia => {
                let sha256 = text(Column::Sha256)?.to_ascii_lowercase();
                if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(FieldError { field: Field::Sha256, problem: Problem::InvalidCharacters });
                }
                ItemFields::Medium {
                    name: text(Column::Name)?,
                    version: text(Column::Version)?,
                    location: text(Column::Location)?,
                    sha256,
                }
            }
        })
    }
}

impl Column {
    /// The longest text the column holds.
    pub fn max_chars(self) -> usize {
        match self {
            Column::Body => MAX_TEXT_CHARS,
            Column::Version => MAX_VERSION_CHARS,
            Column::Location => MAX_LOCATION_CHARS,
            Column::Sha256 => 64,
            Column::Status | Column::Language => MAX_CODE_CHARS,
            Column::NameEs | Column::NamePt | Column::Title | Column::Name => MAX_TITLE_CHARS,
        }
    }

    /// The field a column's errors name.
    pub fn field(self) -> Field {
        match self {
            Column::NameEs => Field::NameEs,
            Column::NamePt => Field::NamePt,
            Column::Title => Field::Title,
            Column::Status => Field::Status,
            Column::Language => Field::Language,
            Column::Body => Field::Body,
            Column::Name => Field::Name,
            Column::Version => Field::Version,
            Column::Location => Field::Location,
            Column::Sha256 => Field::Sha256,
        }
    }
}

/// An item of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CatalogueItem {
    pub id: i64,
    /// The external code: set at creation, never changed; a file's line names the item by it.
    pub code: String,
    /// Offered for new choices and links; a retired item stays where it was chosen.
    pub active: bool,
    pub fields: ItemFields,
}

/// What the item form sends, and what a file's line holds. The code is read at creation
/// only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueDraft {
    pub code: String,
    pub active: bool,
    pub fields: ItemFields,
}

/// How many of a file's problems a report lists.
pub const MAX_ERRORS_LISTED: usize = 500;

/// The largest catalogue file: its header and this many lines.
pub const MAX_IMPORT_LINES: usize = 10_000;

/// What is wrong with a catalogue file, or with one of its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImportProblem {
    /// The file holds no line to import.
    Empty,
    /// The file is not text in UTF-8 (the encoding every spreadsheet can save as).
    NotUtf8,
    /// More lines than [`MAX_IMPORT_LINES`].
    TooManyLines { max: usize },
    /// The first line is not the catalogue's header.
    WrongHeader { expected: String },
    /// The line has another number of columns than the header.
    WrongColumnCount { expected: usize, found: usize },
    /// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`).
    Formula { column: String },
    /// The `active` column holds something else than `1` or `0`.
    NotActiveFlag,
    /// The code appears on an earlier line of the file too.
    RepeatedCode { first_line: usize },
    /// A field of the line is wrong.
    Field(FieldError),
    /// The line cannot be read as CSV (an unclosed quote).
    Unreadable,
}

/// A problem of the file: on its line `line` (the header is line 1), or of the whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportError {
    pub line: Option<usize>,
    pub problem: ImportProblem,
}

/// What importing a line does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Create,
    Update,
    /// The item already holds exactly this.
    Unchanged,
}

/// A good line of the file, as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    pub line: usize,
    pub code: String,
    pub label: String,
    pub action: ImportAction,
}

/// The preview of a file, or what its import did (`imported`). A file with any error is
/// not imported at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub lines: Vec<ImportLine>,
    /// The first problems, at most [`MAX_ERRORS_LISTED`].
    pub errors: Vec<ImportError>,
    /// How many more problems the file has.
    pub unlisted_errors: usize,
    pub imported: bool,
}

impl ImportReport {
    /// How many lines create, update or leave an item.
    pub fn count(&self, action: ImportAction) -> usize {
        self.lines.iter().filter(|line| line.action == action).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_reads_back_what_it_writes() {
        for catalogue in Catalogue::ALL {
            let blank = ItemFields::blank(*catalogue);
            let filled = ItemFields::read(*catalogue, |column| match catalogue.choices(column) {
                Some(codes) => codes.last().copied().unwrap_or_default().to_owned(),
                None if column == Column::Sha256 => "AB".repeat(32),
                None => format!(" {} ", column.code()),
            })
            .unwrap();
            let again = ItemFields::read(*catalogue, |column| filled.value(column)).unwrap();
            assert_eq!(again, filled, "{catalogue:?}");
            assert_ne!(filled, blank, "{catalogue:?}");
            assert_eq!(catalogue.csv_header().len(), catalogue.columns().len() + 2);
        }
    }

    #[test]
    fn wrong_values_name_their_field() {
        let problem = |status: &str| {
            ItemFields::read(Catalogue::Problems, |c| if c == Column::Status { status.into() } else { "T".into() })
        };
        assert_eq!(problem("nope").unwrap_err(), FieldError { field: Field::Status, problem: Problem::Unknown });
        assert_eq!(problem(" ").unwrap_err(), FieldError { field: Field::Status, problem: Problem::Required });
        let medium = ItemFields::read(Catalogue::DefinitiveMedia, |c| match c {
            Column::Sha256 => "xyz".into(),
            _ => "v".into(),
        });
        assert_eq!(medium.unwrap_err().field, Field::Sha256);
    }

    #[test]
    fn registered_and_cancelled_changes_are_not_linked() {
        let linkable: Vec<_> = ChangeStatus::ALL.iter().filter(|s| s.may_be_linked()).collect();
        assert_eq!(
            linkable,
            [&ChangeStatus::Approved, &ChangeStatus::InProgress, &ChangeStatus::Implemented, &ChangeStatus::Closed]
        );
    }
}
