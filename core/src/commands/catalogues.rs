//! "Catálogos": the administration of every catalogue (list, create, edit, retire), and its
//! CSV files: "Exportar CSV" writes a catalogue, "Importar CSV" previews a file and imports
//! all of its lines or none. Each requires Administrar; each change is logged with the item
//! before and after, in the transaction that makes it.

use super::admin::{authorize, finish};
use super::Ctx;
use crate::domain::validation::{check_code, FieldError};
use crate::model::admin::AdminChange;
use crate::model::catalogues::{
    Catalogue, CatalogueDraft, CatalogueItem, Column, ImportAction, ImportError, ImportLine, ImportProblem,
    ImportReport, ItemFields, ACTIVE_COLUMN, MAX_ERRORS_LISTED, MAX_IMPORT_LINES,
};
use crate::spreadsheet::{inert, is_formula, restored};
use crate::store::catalogues as store;
use crate::Error;
use std::collections::HashMap;

/// Every item of the catalogue, retired ones too.
pub async fn items(ctx: &Ctx, catalogue: Catalogue) -> Result<Vec<CatalogueItem>, Error> {
    authorize(ctx)?;
    Ok(store::items(&ctx.db, catalogue).await?)
}

/// An item of `catalogue` trimmed and checked: its code, and the column values `value`
/// gives. The forms' drafts and the files' lines are both read through here.
fn checked(
    catalogue: Catalogue,
    code: &str,
    active: bool,
    value: impl Fn(Column) -> String,
) -> Result<CatalogueDraft, FieldError> {
    let code = code.trim().to_owned();
    check_code(&code)?;
    Ok(CatalogueDraft { code, active, fields: ItemFields::read(catalogue, value)? })
}

/// Adds an item to the catalogue. A taken code is refused.
pub async fn create_item(ctx: &Ctx, catalogue: Catalogue, draft: &CatalogueDraft) -> Result<CatalogueItem, Error> {
    authorize(ctx)?;
    let draft = checked(catalogue, &draft.code, draft.active, |column| draft.fields.value(column))?;
    let mut tx = ctx.db.begin_write().await?;
    let Some(id) = store::insert_item(&mut tx, catalogue, &draft).await? else {
        return Err(code_taken());
    };
    let after = CatalogueItem { id, code: draft.code, active: draft.active, fields: draft.fields };
    finish(ctx, tx, &AdminChange::ItemCreated { catalogue, after: after.clone() }).await?;
    Ok(after)
}

fn code_taken() -> Error {
    use crate::domain::validation::{Field, Problem};
    FieldError { field: Field::Code, problem: Problem::Taken }.into()
}

/// Changes an item's columns, or retires it or offers it again (`active`). Its code stays.
pub async fn update_item(
    ctx: &Ctx,
    catalogue: Catalogue,
    id: i64,
    draft: &CatalogueDraft,
) -> Result<CatalogueItem, Error> {
    authorize(ctx)?;
    let fields = ItemFields::read(catalogue, |column| draft.fields.value(column))?;
    let mut tx = ctx.db.begin_write().await?;
    let before = store::item(&mut tx, catalogue, id).await?.ok_or(Error::NotFound)?;
    let after = CatalogueItem { fields, active: draft.active, ..before.clone() };
    if after == before {
        return Ok(after);
    }
    store::update_item(&mut tx, catalogue, &after).await?;
    finish(ctx, tx, &AdminChange::ItemUpdated { catalogue, before, after: after.clone() }).await?;
    Ok(after)
}

/// "Exportar CSV": the catalogue as a file that "Importar CSV" reads back: the header of
/// [`Catalogue::csv_header`], then one line per item, retired ones too (`active` 0).
pub async fn export_csv(ctx: &Ctx, catalogue: Catalogue) -> Result<String, Error> {
    authorize(ctx)?;
    let mut items = store::items(&ctx.db, catalogue).await?;
    // Named choices in the order they are offered; records (listed newest first) as made.
    if !catalogue.is_named() {
        items.reverse();
    }
    let failed = |error: csv::Error| {
        tracing::error!(%error, "cannot write a catalogue as CSV");
        Error::Internal
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(catalogue.csv_header()).map_err(failed)?;
    for item in &items {
        let mut record = vec![inert(&item.code)];
        record.extend(catalogue.columns().iter().map(|column| inert(&item.fields.value(*column))));
        record.push(if item.active { "1" } else { "0" }.to_owned());
        writer.write_record(&record).map_err(failed)?;
    }
    let bytes = writer.into_inner().map_err(|error| failed(error.into_error().into()))?;
    String::from_utf8(bytes).map_err(|_| Error::Internal)
}

/// A good line of a file.
struct FileLine {
    line: usize,
    draft: CatalogueDraft,
}

/// Reads a catalogue file: its good lines, and every problem of the file or of a line.
/// UTF-8 (with or without a byte-order mark), the header first, separated by commas or (as
/// Spanish and Portuguese spreadsheets save) semicolons.
fn read_file(catalogue: Catalogue, bytes: &[u8]) -> (Vec<FileLine>, Vec<ImportError>) {
    let whole = |problem| (Vec::new(), vec![ImportError { line: None, problem }]);
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let line = bytes[..error.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
            return (Vec::new(), vec![ImportError { line: Some(line), problem: ImportProblem::NotUtf8 }]);
        }
    };
    if text.trim().is_empty() {
        return whole(ImportProblem::Empty);
    }
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains(';') && !first_line.contains(',') { b';' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    // A record's line in the file. The reader places a record at the end of the line before
    // it: the line breaks (and blank lines) from there on come before the record.
    let line_at = |byte: u64| {
        let (before, after) = text.as_bytes().split_at((byte as usize).min(text.len()));
        let breaks = |bytes: &[u8]| bytes.iter().filter(|b| **b == b'\n').count();
        let gap = after.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        breaks(before) + breaks(&after[..gap]) + 1
    };
    let mut records = reader.records();
    let expected = catalogue.csv_header();
    let header_matches = match records.next() {
        Some(Ok(header)) => {
            header.len() == expected.len()
                && header.iter().zip(&expected).all(|(cell, name)| cell.trim().eq_ignore_ascii_case(name))
        }
        _ => false,
    };
    if !header_matches {
        return (
            Vec::new(),
            vec![ImportError { line: Some(1), problem: ImportProblem::WrongHeader { expected: expected.join(",") } }],
        );
    }
    let (mut lines, mut errors) = (Vec::new(), Vec::new());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, record) in records.enumerate() {
        if index == MAX_IMPORT_LINES {
            return whole(ImportProblem::TooManyLines { max: MAX_IMPORT_LINES });
        }
        let (line, result) = match record {
            Ok(record) => {
                let line = record.position().map_or(index + 2, |p| line_at(p.byte()));
                (line, read_line(catalogue, &record, &expected))
            }
            Err(error) => (error.position().map_or(index + 2, |p| line_at(p.byte())), Err(ImportProblem::Unreadable)),
        };
        match result {
            Ok(draft) => match seen.get(&draft.code) {
                Some(first_line) => errors.push(ImportError {
                    line: Some(line),
                    problem: ImportProblem::RepeatedCode { first_line: *first_line },
                }),
                None => {
                    seen.insert(draft.code.clone(), line);
                    lines.push(FileLine { line, draft });
                }
            },
            Err(problem) => errors.push(ImportError { line: Some(line), problem }),
        }
    }
    if lines.is_empty() && errors.is_empty() {
        return whole(ImportProblem::Empty);
    }
    (lines, errors)
}

/// One line of a file as a draft, or what is wrong with it.
fn read_line(
    catalogue: Catalogue,
    record: &csv::StringRecord,
    header: &[&str],
) -> Result<CatalogueDraft, ImportProblem> {
    if record.len() != header.len() {
        return Err(ImportProblem::WrongColumnCount { expected: header.len(), found: record.len() });
    }
    if let Some((_, name)) = record.iter().zip(header).find(|(cell, _)| is_formula(cell)) {
        return Err(ImportProblem::Formula { column: (*name).to_owned() });
    }
    let cell = |name: &str| {
        header.iter().position(|h| *h == name).and_then(|i| record.get(i)).map(restored).unwrap_or_default()
    };
    let active = match cell(ACTIVE_COLUMN).trim() {
        "1" => true,
        "0" => false,
        _ => return Err(ImportProblem::NotActiveFlag),
    };
    checked(catalogue, cell(header[0]), active, |column| cell(column.code()).to_owned()).map_err(ImportProblem::Field)
}

/// "Importar CSV": reads the file and tells, line by line, what importing it does (create,
/// update the item of the same code, or leave it as it is), and every problem. With `apply`
/// and no problem at all, imports every line in one transaction, each change logged;
/// otherwise changes nothing.
pub async fn import_csv(ctx: &Ctx, catalogue: Catalogue, bytes: &[u8], apply: bool) -> Result<ImportReport, Error> {
    authorize(ctx)?;
    let (lines, mut errors) = read_file(catalogue, bytes);
    let unlisted_errors = errors.len().saturating_sub(MAX_ERRORS_LISTED);
    errors.truncate(MAX_ERRORS_LISTED);
    let codes: Vec<&str> = lines.iter().map(|line| line.draft.code.as_str()).collect();
    // Only an import writes: a preview reads outside the write transaction.
    let mut tx = if apply && errors.is_empty() { Some(ctx.db.begin_write().await?) } else { None };
    let found = match tx.as_mut() {
        Some(tx) => store::items_by_code(tx, catalogue, &codes).await?,
        None => store::items_by_code(&mut *ctx.db.pool.acquire().await?, catalogue, &codes).await?,
    };
    let existing: HashMap<String, CatalogueItem> = found.into_iter().map(|item| (item.code.clone(), item)).collect();
    let mut report = ImportReport { lines: Vec::with_capacity(lines.len()), errors, unlisted_errors, imported: false };
    let mut changes = Vec::new();
    for FileLine { line, draft } in lines {
        let label = draft.fields.label();
        let action = match existing.get(&draft.code) {
            None => ImportAction::Create,
            Some(item) if item.fields == draft.fields && item.active == draft.active => ImportAction::Unchanged,
            Some(_) => ImportAction::Update,
        };
        report.lines.push(ImportLine { line, code: draft.code.clone(), label, action });
        changes.push((action, draft));
    }
    let Some(mut tx) = tx else {
        return Ok(report);
    };
    for (action, draft) in changes {
        let change = match (action, existing.get(&draft.code)) {
            (ImportAction::Create, _) => {
                let id = store::insert_item(&mut tx, catalogue, &draft).await?.ok_or(Error::Conflict)?;
                let after = CatalogueItem { id, code: draft.code, active: draft.active, fields: draft.fields };
                AdminChange::ItemCreated { catalogue, after }
            }
            (ImportAction::Update, Some(before)) => {
                let after = CatalogueItem { fields: draft.fields, active: draft.active, ..before.clone() };
                store::update_item(&mut tx, catalogue, &after).await?;
                AdminChange::ItemUpdated { catalogue, before: before.clone(), after }
            }
            _ => continue,
        };
        crate::store::admin::append_change(&mut tx, ctx.actor.user, ctx.now, &change).await?;
    }
    tx.commit().await?;
    // The solution categories offered are kept between requests.
    ctx.db.configuration_changed();
    report.imported = true;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &[u8]) -> (Vec<FileLine>, Vec<ImportError>) {
        read_file(Catalogue::Problems, text)
    }

    fn only_problem(text: &[u8]) -> (Option<usize>, ImportProblem) {
        let (lines, errors) = problems(text);
        assert!(lines.is_empty() || errors.len() == 1, "{errors:?}");
        let error = errors.into_iter().next().expect("a problem");
        (error.line, error.problem)
    }

    #[test]
    fn good_lines_are_read_with_their_line_numbers() {
        let file = "\u{feff}code,title,status,active\r\nP-1,Caída del portal,known_error,1\r\n\r\nP-2,\"Lento, a veces\",closed,0\r\n";
        let (lines, errors) = problems(file.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(lines.iter().map(|l| (l.line, l.draft.code.as_str())).collect::<Vec<_>>(), [(2, "P-1"), (4, "P-2")]);
        assert!(!lines[1].draft.active);
        let semicolons = "code;title;status;active\nP-1;Caída;registered;1\n";
        assert_eq!(problems(semicolons.as_bytes()).0.len(), 1);
    }

    #[test]
    fn bad_files_are_refused_whole() {
        assert_eq!(only_problem(b""), (None, ImportProblem::Empty));
        assert_eq!(only_problem(b"code,title,status,active\n"), (None, ImportProblem::Empty));
        assert_eq!(
            only_problem(b"code,title,active\nP-1,x,1\n").1,
            ImportProblem::WrongHeader { expected: "code,title,status,active".into() }
        );
        assert_eq!(
            only_problem(b"code,title,status,active\nP-1,Ca\xEDda,registered,1\n"),
            (Some(2), ImportProblem::NotUtf8)
        );
        let mut big = String::from("code,title,status,active\n");
        for i in 0..=MAX_IMPORT_LINES {
            big.push_str(&format!("P-{i},t,registered,1\n"));
        }
        assert_eq!(only_problem(big.as_bytes()), (None, ImportProblem::TooManyLines { max: MAX_IMPORT_LINES }));
    }

    #[test]
    fn bad_lines_are_named_with_why() {
        let file = "code,title,status,active\n\
                    P-1,=HYPERLINK(\"x\"),registered,1\n\
                    P-2,ok,unknown,1\n\
                    P-3,ok,registered,yes\n\
                    P-4,ok\n\
                    P 5,ok,registered,1\n\
                    P-6,ok,registered,1\n\
                    P-6,again,registered,1\n\
                    P-7,'=not a formula,registered,1\n";
        let (lines, errors) = problems(file.as_bytes());
        let found: Vec<_> = errors.iter().map(|e| (e.line.unwrap_or(0), e.problem.clone())).collect();
        use crate::domain::validation::{Field, Problem};
        assert_eq!(
            found,
            [
                (2, ImportProblem::Formula { column: "title".into() }),
                (3, ImportProblem::Field(FieldError { field: Field::Status, problem: Problem::Unknown })),
                (4, ImportProblem::NotActiveFlag),
                (5, ImportProblem::WrongColumnCount { expected: 4, found: 2 }),
                (6, ImportProblem::Field(FieldError { field: Field::Code, problem: Problem::InvalidCharacters })),
                (8, ImportProblem::RepeatedCode { first_line: 7 }),
            ]
        );
        assert_eq!(lines.iter().map(|l| l.draft.fields.label()).collect::<Vec<_>>(), ["ok", "=not a formula"]);
    }
}
