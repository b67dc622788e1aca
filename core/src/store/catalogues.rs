//! The catalogues' tables, as the administration reads and writes them: one table per
//! catalogue, its columns named after [`Column`]s. The records releases link to are also
//! indexed for the relation pickers' search. Writes run inside the caller's transaction.

use crate::model::catalogues::{Catalogue, CatalogueDraft, CatalogueItem, Column, ItemFields};
use crate::store::search::{index_terms, reindex_terms};
use crate::store::{fold_for_search, numbered, Db};
use sqlx::{AnyConnection, QueryBuilder};

/// The table of a catalogue: a constant, written into the statements like every table name.
fn table(catalogue: Catalogue) -> &'static str {
    match catalogue {
        Catalogue::SolutionCategories => "solution_categories",
        Catalogue::SuspensionReasons => "suspension_reasons",
        Catalogue::OccurrenceCategories => "occurrence_categories",
        Catalogue::OccurrenceOrigins => "occurrence_origins",
        Catalogue::Problems => "problems",
        Catalogue::KnowledgeArticles => "knowledge_articles",
        Catalogue::DefinitiveMedia => "media_items",
        Catalogue::Changes => "changes",
    }
}

/// The kind under which the relation pickers search the catalogue's items, when they do;
/// the named catalogues are offered in order (`position`) instead.
fn search_kind(catalogue: Catalogue) -> Option<&'static str> {
    match catalogue {
        Catalogue::SolutionCategories
        | Catalogue::SuspensionReasons
        | Catalogue::OccurrenceCategories
        | Catalogue::OccurrenceOrigins => None,
        Catalogue::Problems => Some("problem"),
        Catalogue::KnowledgeArticles => Some("knowledge"),
        Catalogue::DefinitiveMedia => Some("media"),
        Catalogue::Changes => Some("change"),
    }
}

fn select(catalogue: Catalogue) -> String {
    let columns: Vec<&str> = catalogue.columns().iter().map(|c| c.code()).collect();
    format!("SELECT id, code, active, {} FROM {}", columns.join(", "), table(catalogue))
}

/// A row of any catalogue: the columns it lacks are left out of its statement.
#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    code: Option<String>,
    active: i64,
    #[sqlx(default)]
    name_es: Option<String>,
    #[sqlx(default)]
    name_pt: Option<String>,
    #[sqlx(default)]
    title: Option<String>,
    #[sqlx(default)]
    status: Option<String>,
    #[sqlx(default)]
    language: Option<String>,
    #[sqlx(default)]
    body: Option<String>,
    #[sqlx(default)]
    name: Option<String>,
    #[sqlx(default)]
    version: Option<String>,
    #[sqlx(default)]
    location: Option<String>,
    #[sqlx(default)]
    sha256: Option<String>,
}

impl ItemRow {
    fn column(&self, column: Column) -> String {
        let value = match column {
            Column::NameEs => &self.name_es,
            Column::NamePt => &self.name_pt,
            Column::Title => &self.title,
            Column::Status => &self.status,
            Column::Language => &self.language,
            Column::Body => &self.body,
            Column::Name => &self.name,
            Column::Version => &self.version,
            Column::Location => &self.location,
            Column::Sha256 => &self.sha256,
        };
        value.clone().unwrap_or_default()
    }

    fn item(self, catalogue: Catalogue) -> Result<CatalogueItem, sqlx::Error> {
        // Stored items went through the same checks: one that fails them was written by hand.
        let fields = ItemFields::read(catalogue, |column| self.column(column)).map_err(|error| {
            sqlx::Error::Decode(format!("{} item {} is not valid: {error:?}", catalogue.code(), self.id).into())
        })?;
        Ok(CatalogueItem { id: self.id, code: self.code.unwrap_or_default(), active: self.active != 0, fields })
    }
}

/// Every item of the catalogue, retired ones too: the named ones in the order they are
/// offered, the records newest first.
pub async fn items(db: &Db, catalogue: Catalogue) -> Result<Vec<CatalogueItem>, sqlx::Error> {
    let order = if catalogue.is_named() { "position, id" } else { "id DESC" };
    let rows: Vec<ItemRow> =
        sqlx::query_as(&format!("{} ORDER BY {order}", select(catalogue))).fetch_all(&db.pool).await?;
    rows.into_iter().map(|row| row.item(catalogue)).collect()
}

/// The item `id`, read through the caller's transaction.
pub async fn item(
    conn: &mut AnyConnection,
    catalogue: Catalogue,
    id: i64,
) -> Result<Option<CatalogueItem>, sqlx::Error> {
    let row: Option<ItemRow> =
        sqlx::query_as(&format!("{} WHERE id = $1", select(catalogue))).bind(id).fetch_optional(&mut *conn).await?;
    row.map(|row| row.item(catalogue)).transpose()
}

/// The items of the catalogue whose codes are among `codes`, read through the caller's
/// transaction.
pub async fn items_by_code(
    conn: &mut AnyConnection,
    catalogue: Catalogue,
    codes: &[&str],
) -> Result<Vec<CatalogueItem>, sqlx::Error> {
    let mut found = Vec::new();
    // A statement's parameters are bounded (SQLite: 32,766): the codes go in slices.
    for slice in codes.chunks(1_000) {
        let mut sql = QueryBuilder::new(format!("{} WHERE code IN (", select(catalogue)));
        let mut list = sql.separated(", ");
        for code in slice {
            list.push_bind(code.to_string());
        }
        sql.push(")");
        let (sql, arguments) = numbered(&mut sql);
        let rows: Vec<ItemRow> = sqlx::query_as_with(&sql, arguments).fetch_all(&mut *conn).await?;
        for row in rows {
            found.push(row.item(catalogue)?);
        }
    }
    Ok(found)
}

/// Adds an item (at the end of a named catalogue); `Ok(None)` when its code is taken.
pub async fn insert_item(
    conn: &mut AnyConnection,
    catalogue: Catalogue,
    draft: &CatalogueDraft,
) -> Result<Option<i64>, sqlx::Error> {
    let table = table(catalogue);
    let mut sql = QueryBuilder::new(format!("INSERT INTO {table} (code, active"));
    for column in catalogue.columns() {
        sql.push(", ").push(column.code());
    }
    let kind = search_kind(catalogue);
    sql.push(if kind.is_some() { ", search_text" } else { ", position" });
    sql.push(") SELECT ").push_bind(draft.code.clone()).push(", ").push_bind(i64::from(draft.active));
    for column in catalogue.columns() {
        sql.push(", ").push_bind(draft.fields.value(*column));
    }
    match kind {
        Some(_) => sql.push(", ").push_bind(fold_for_search(&draft.fields.label())),
        None => sql.push(format_args!(", (SELECT COALESCE(MAX(position), 0) + 1 FROM {table})")),
    };
    sql.push(" RETURNING id");
    let (sql, arguments) = numbered(&mut sql);
    let id: i64 = match sqlx::query_scalar_with(&sql, arguments).fetch_one(&mut *conn).await {
        Ok(id) => id,
        Err(error) if crate::store::is_unique_violation(&error) => return Ok(None),
        Err(error) => return Err(error),
    };
    if let Some(kind) = kind {
        index_terms(conn, kind, id, &draft.fields.label()).await?;
    }
    Ok(Some(id))
}

/// Stores an item's columns and whether it is offered; its code stays.
pub async fn update_item(
    conn: &mut AnyConnection,
    catalogue: Catalogue,
    item: &CatalogueItem,
) -> Result<(), sqlx::Error> {
    let mut sql = QueryBuilder::new(format!("UPDATE {} SET active = ", table(catalogue)));
    sql.push_bind(i64::from(item.active));
    for column in catalogue.columns() {
        sql.push(format_args!(", {} = ", column.code())).push_bind(item.fields.value(*column));
    }
    let kind = search_kind(catalogue);
    if kind.is_some() {
        sql.push(", search_text = ").push_bind(fold_for_search(&item.fields.label()));
    }
    sql.push(" WHERE id = ").push_bind(item.id);
    let (sql, arguments) = numbered(&mut sql);
    sqlx::query_with(&sql, arguments).execute(&mut *conn).await?;
    if let Some(kind) = kind {
        reindex_terms(conn, kind, item.id, &item.fields.label()).await?;
    }
    Ok(())
}
