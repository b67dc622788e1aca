//! Word-prefix search backed by the `search_terms` table: each item's folded words are
//! stored beside it, so a type-ahead for "migr" is an index range scan on (kind, term)
//! in both databases, however large the catalogue.

use super::fold_for_search;
use sqlx::AnyConnection;

/// The longest term stored; longer words are cut (their prefixes still match).
const MAX_TERM_CHARS: usize = 40;

/// The distinct folded words of `text`, as stored and as searched.
pub fn terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = words(text).iter().map(|w| w.chars().take(MAX_TERM_CHARS).collect()).collect();
    terms.dedup();
    terms
}

/// The distinct folded words of `text`, whole and sorted: letters and digits, as the
/// full-text indexes split them.
pub fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = fold_for_search(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    words.sort();
    words.dedup();
    words
}

/// The exclusive upper bound of the terms that start with `prefix`.
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Stores the terms of `text` for item `id` of `kind`, inside the caller's transaction.
pub async fn index_terms(conn: &mut AnyConnection, kind: &str, id: i64, text: &str) -> Result<(), sqlx::Error> {
    for term in terms(text) {
        sqlx::query("INSERT INTO search_terms (kind, term, item_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(kind)
            .bind(term)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Replaces the terms of item `id` of `kind` by those of `text`, inside the caller's
/// transaction.
pub async fn reindex_terms(conn: &mut AnyConnection, kind: &str, id: i64, text: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM search_terms WHERE kind = $1 AND item_id = $2")
        .bind(kind)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    index_terms(conn, kind, id, text).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_folded_distinct_words() {
        assert_eq!(terms("Migración de VPN: migración 2.0"), ["0", "2", "de", "migracion", "vpn"]);
        assert!(terms("  ¡¿ ").is_empty());
        let long = "x".repeat(MAX_TERM_CHARS + 5);
        assert_eq!(terms(&format!("{long} b")), ["b".to_owned(), "x".repeat(MAX_TERM_CHARS)]);
        assert_eq!(words(&format!("{long} b")), ["b".to_owned(), long]);
    }

    #[test]
    fn a_prefix_range_holds_exactly_the_words_that_start_with_it() {
        let end = prefix_end("migr");
        for inside in ["migr", "migracion", "migrar"] {
            assert!(inside >= "migr" && inside < end.as_str(), "{inside}");
        }
        for outside in ["mig", "mih", "n"] {
            assert!(!(outside >= "migr" && outside < end.as_str()), "{outside}");
        }
    }
}
