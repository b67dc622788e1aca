//! Cells of the CSV files the desk writes and reads, as spreadsheets open them: a cell that
//! begins like a formula would be run by the spreadsheet, so the desk never writes one and
//! never reads one.

/// What a formula begins with in the spreadsheets people open CSV files with.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a spreadsheet would read the cell as a formula.
pub fn is_formula(cell: &str) -> bool {
    cell.starts_with(FORMULA_STARTS)
}

/// The cell as written to a file: a leading apostrophe before what would be a formula.
pub fn inert(text: &str) -> String {
    if is_formula(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The text of a cell written by [`inert`]: its apostrophe taken away again.
pub fn restored(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if is_formula(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_go_out_inert_and_come_back_as_written() {
        for text in ["=SUM(A1)", "+1", "-x", "@cmd", "plain", "'quoted", ""] {
            let cell = inert(text);
            assert!(!is_formula(&cell), "{cell}");
            assert_eq!(restored(&cell), text);
        }
    }
}
