//! The relations' tables: one table of links per kind, whose primary key makes a second
//! link of the same item impossible, also when two people link it at the same instant; and
//! the catalogues they link to, searched through the term index.

use crate::domain::{ReleaseId, UserId};
use crate::model::relations::{
    Article, CatalogueHit, CataloguePage, ChangeItem, KnowledgeItem, MediaItem, ProblemItem, RelationKind, Relations,
    RoleItem, HITS_PER_PAGE,
};
use crate::store::search::{prefix_end, terms};
use crate::store::Db;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// Where a kind's links and catalogue live, and how its items are named.
struct Shape {
    links: &'static str,
    column: &'static str,
    catalogue: &'static str,
    /// The search-term kind of the catalogue.
    terms: &'static str,
    label: &'static str,
    detail: &'static str,
}

fn shape(kind: RelationKind) -> Shape {
    match kind {
        RelationKind::Problem => Shape {
            links: "release_problems",
            column: "problem_id",
            catalogue: "problems",
            terms: "problem",
            label: "c.title",
            detail: "c.status",
        },
        RelationKind::Knowledge => Shape {
            links: "release_knowledge",
            column: "article_id",
            catalogue: "knowledge_articles",
            terms: "knowledge",
            label: "c.title",
            detail: "c.language",
        },
        RelationKind::Media => Shape {
            links: "release_media",
            column: "media_id",
            catalogue: "media_items",
            terms: "media",
            label: "c.name",
            detail: "c.version",
        },
        RelationKind::Change => Shape {
            links: "release_changes",
            column: "change_id",
            catalogue: "changes",
            terms: "change",
            label: "c.title",
            detail: "c.status",
        },
        RelationKind::Role => Shape {
            links: "release_roles",
            column: "user_id",
            catalogue: "users",
            terms: "user",
            label: "c.full_name",
            detail: "c.username",
        },
    }
}

/// Everything linked to the release; `may_edit` is the caller's answer.
pub async fn linked(db: &Db, id: ReleaseId, may_edit: bool) -> Result<Relations, sqlx::Error> {
    let rows = |sql: &'static str| sqlx::query(sql).bind(id.0).fetch_all(&db.pool);
    let problems = rows(
        "SELECT c.id, c.title, c.status FROM release_problems l JOIN problems c ON c.id = l.problem_id
          WHERE l.release_id = $1 ORDER BY c.id",
    )
    .await?
    .iter()
    .map(|r| Ok(ProblemItem { id: r.try_get("id")?, title: r.try_get("title")?, status: r.try_get("status")? }))
    .collect::<Result<_, sqlx::Error>>()?;
    let knowledge = rows(
        "SELECT c.id, c.title, c.language FROM release_knowledge l JOIN knowledge_articles c ON c.id = l.article_id
          WHERE l.release_id = $1 ORDER BY c.id",
    )
    .await?
    .iter()
    .map(|r| Ok(KnowledgeItem { id: r.try_get("id")?, title: r.try_get("title")?, language: r.try_get("language")? }))
    .collect::<Result<_, sqlx::Error>>()?;
    let media = rows(
        "SELECT c.id, c.name, c.version, c.location, c.sha256 FROM release_media l JOIN media_items c ON c.id = l.media_id
          WHERE l.release_id = $1 ORDER BY c.id",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(MediaItem {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            version: r.try_get("version")?,
            location: r.try_get("location")?,
            sha256: r.try_get("sha256")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let roles = rows(
        "SELECT u.id, u.full_name, l.responsibility FROM release_roles l JOIN users u ON u.id = l.user_id
          WHERE l.release_id = $1 ORDER BY u.full_name",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(RoleItem {
            user: UserId(r.try_get("id")?),
            name: r.try_get("full_name")?,
            responsibility: r.try_get("responsibility")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let changes = rows(
        "SELECT c.id, c.title, c.status FROM release_changes l JOIN changes c ON c.id = l.change_id
          WHERE l.release_id = $1 ORDER BY c.id",
    )
    .await?
    .iter()
    .map(|r| Ok(ChangeItem { id: r.try_get("id")?, title: r.try_get("title")?, status: r.try_get("status")? }))
    .collect::<Result<_, sqlx::Error>>()?;
    Ok(Relations { problems, knowledge, media, roles, changes, may_edit })
}

/// The SQL of a catalogue search and its text parameters, in order. Searching starts from
/// the terms' index (a range per word prefix) and joins the catalogue by id.
pub fn search_sql(kind: RelationKind, text: &str, page: i64) -> (String, Vec<String>) {
    let s = shape(kind);
    let limit = HITS_PER_PAGE + 1;
    let offset = page.max(0) * HITS_PER_PAGE;
    let text = text.trim();
    let select = format!("SELECT DISTINCT c.id, {} AS label, {} AS detail", s.label, s.detail);
    if let Ok(number) = text.trim_start_matches('#').parse::<i64>() {
        let sql = format!("{select} FROM {} c WHERE c.id = {number} LIMIT 1", s.catalogue);
        return (sql, Vec::new());
    }
    let words = terms(text);
    let Some((first, rest)) = words.split_first() else {
        let sql = format!("{select} FROM {} c ORDER BY c.id DESC LIMIT {limit} OFFSET {offset}", s.catalogue);
        return (sql, Vec::new());
    };
    let mut params = vec![first.clone(), prefix_end(first)];
    let mut sql = format!(
        "{select} FROM search_terms t JOIN {} c ON c.id = t.item_id
          WHERE t.kind = '{}' AND t.term >= $1 AND t.term < $2",
        s.catalogue, s.terms
    );
    for word in rest {
        let n = params.len();
        sql.push_str(&format!(
            " AND c.id IN (SELECT item_id FROM search_terms WHERE kind = '{}' AND term >= ${} AND term < ${})",
            s.terms,
            n + 1,
            n + 2
        ));
        params.push(word.clone());
        params.push(prefix_end(word));
    }
    sql.push_str(&format!(" ORDER BY c.id DESC LIMIT {limit} OFFSET {offset}"));
    (sql, params)
}

pub async fn search(db: &Db, kind: RelationKind, text: &str, page: i64) -> Result<CataloguePage, sqlx::Error> {
    let (sql, params) = search_sql(kind, text, page);
    let mut query = sqlx::query(&sql);
    for param in &params {
        query = query.bind(param.as_str());
    }
    let mut hits: Vec<CatalogueHit> = query.fetch_all(&db.pool).await?.iter().map(hit).collect::<Result<_, _>>()?;
    let has_more = hits.len() as i64 > HITS_PER_PAGE;
    hits.truncate(HITS_PER_PAGE as usize);
    Ok(CataloguePage { hits, has_more })
}

fn hit(row: &AnyRow) -> Result<CatalogueHit, sqlx::Error> {
    Ok(CatalogueHit { id: row.try_get("id")?, label: row.try_get("label")?, detail: row.try_get("detail")? })
}

/// The item as the log names it, or `None` when it does not exist.
pub async fn item(db: &Db, kind: RelationKind, item: i64) -> Result<Option<CatalogueHit>, sqlx::Error> {
    let s = shape(kind);
    let sql =
        format!("SELECT c.id, {} AS label, {} AS detail FROM {} c WHERE c.id = $1", s.label, s.detail, s.catalogue);
    sqlx::query(&sql).bind(item).fetch_optional(&db.pool).await?.as_ref().map(hit).transpose()
}

pub async fn article_by_id(db: &Db, id: i64) -> Result<Option<Article>, sqlx::Error> {
    sqlx::query("SELECT id, title, language, body FROM knowledge_articles WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| {
            Ok(Article {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                language: r.try_get("language")?,
                body: r.try_get("body")?,
            })
        })
        .transpose()
}

/// Links `item` (for a role, the user, with their responsibility); false when it was
/// linked already.
pub async fn insert_link(
    conn: &mut AnyConnection,
    release: ReleaseId,
    kind: RelationKind,
    item: i64,
    responsibility: &str,
    by: UserId,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let s = shape(kind);
    let insert = if kind == RelationKind::Role {
        sqlx::query(
            "INSERT INTO release_roles (release_id, user_id, responsibility, linked_by, linked_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(release.0)
        .bind(item)
        .bind(responsibility)
        .bind(by.0)
        .bind(at)
        .execute(&mut *conn)
        .await
    } else {
        let sql =
            format!("INSERT INTO {} (release_id, {}, linked_by, linked_at) VALUES ($1, $2, $3, $4)", s.links, s.column);
        sqlx::query(&sql).bind(release.0).bind(item).bind(by.0).bind(at).execute(&mut *conn).await
    };
    match insert {
        Ok(_) => Ok(true),
        Err(error) if super::is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Removes the link of `item`; false when there was none.
pub async fn delete_link(
    conn: &mut AnyConnection,
    release: ReleaseId,
    kind: RelationKind,
    item: i64,
) -> Result<bool, sqlx::Error> {
    let s = shape(kind);
    let sql = format!("DELETE FROM {} WHERE release_id = $1 AND {} = $2", s.links, s.column);
    Ok(sqlx::query(&sql).bind(release.0).bind(item).execute(&mut *conn).await?.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_start_from_the_term_index_with_one_range_per_word() {
        let (sql, params) = search_sql(RelationKind::Problem, "Caída ERP", 0);
        assert!(sql.contains("FROM search_terms t JOIN problems c"), "{sql}");
        assert!(sql.contains("t.term >= $1 AND t.term < $2"));
        assert!(sql.contains("term >= $3 AND term < $4"));
        assert_eq!(params[0], "caida");
        assert_eq!(params[2], "erp");
    }

    #[test]
    fn a_number_finds_the_item_by_id_and_nothing_typed_lists_the_newest() {
        assert!(search_sql(RelationKind::Change, "#12", 0).0.ends_with("WHERE c.id = 12 LIMIT 1"));
        let (sql, params) = search_sql(RelationKind::Media, "  ", 2);
        assert!(sql.ends_with(&format!("ORDER BY c.id DESC LIMIT {} OFFSET {}", HITS_PER_PAGE + 1, 2 * HITS_PER_PAGE)));
        assert!(params.is_empty());
    }
}
