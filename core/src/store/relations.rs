//! The relations' tables: one table of links per kind, whose primary key makes a second
//! link of the same item impossible, also when two people link it at the same instant; and
//! the catalogues they link to, searched through the term index.

use crate::domain::{ReleaseId, UserId};
use crate::model::relations::{
    Article, CatalogueHit, CataloguePage, ChangeItem, KnowledgeItem, MediaItem, ProblemItem, RelationKind, Relations,
    RoleItem, HITS_PER_PAGE,
};
use crate::store::search::{prefix_end, terms};
use crate::store::{numbered, Db};
use sqlx::{Any, AnyConnection, QueryBuilder};

/// Where a kind's links and catalogue live, and how its items are named.
struct Shape {
    links: &'static str,
    column: &'static str,
    catalogue: &'static str,
    /// The search-term kind of the catalogue.
    terms: &'static str,
    label: &'static str,
    detail: &'static str,
    /// Which items a search offers and a new link may name, when not all: a deactivated
    /// user or a retired item stays on the releases that name them, but is offered no more.
    offered: Option<&'static str>,
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
            offered: Some("c.active = 1"),
        },
        RelationKind::Knowledge => Shape {
            links: "release_knowledge",
            column: "article_id",
            catalogue: "knowledge_articles",
            terms: "knowledge",
            label: "c.title",
            detail: "c.language",
            offered: Some("c.active = 1"),
        },
        RelationKind::Media => Shape {
            links: "release_media",
            column: "media_id",
            catalogue: "media_items",
            terms: "media",
            label: "c.name",
            detail: "c.version",
            offered: Some("c.active = 1"),
        },
        RelationKind::Change => Shape {
            links: "release_changes",
            column: "change_id",
            catalogue: "changes",
            terms: "change",
            label: "c.title",
            detail: "c.status",
            offered: Some("c.active = 1"),
        },
        RelationKind::Role => Shape {
            links: "release_roles",
            column: "user_id",
            catalogue: "users",
            terms: "user",
            label: "c.full_name",
            detail: "c.username",
            offered: Some("c.active = 1"),
        },
    }
}

/// Everything linked to the release; `may_edit` is the caller's answer.
pub async fn linked(db: &Db, id: ReleaseId, may_edit: bool) -> Result<Relations, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Titled {
        id: i64,
        title: String,
        status: String,
    }
    #[derive(sqlx::FromRow)]
    struct Knowledge {
        id: i64,
        title: String,
        language: String,
    }
    #[derive(sqlx::FromRow)]
    struct Media {
        id: i64,
        name: String,
        version: String,
        location: String,
        sha256: String,
    }
    #[derive(sqlx::FromRow)]
    struct Role {
        id: i64,
        full_name: String,
        responsibility: String,
    }
    let problems: Vec<Titled> = sqlx::query_as(
        "SELECT c.id, c.title, c.status FROM release_problems l JOIN problems c ON c.id = l.problem_id
          WHERE l.release_id = $1 ORDER BY c.id",
    )
    .bind(id.0)
    .fetch_all(&db.pool)
    .await?;
    let knowledge: Vec<Knowledge> = sqlx::query_as(
        "SELECT c.id, c.title, c.language FROM release_knowledge l JOIN knowledge_articles c ON c.id = l.article_id
          WHERE l.release_id = $1 ORDER BY c.id",
    )
    .bind(id.0)
    .fetch_all(&db.pool)
    .await?;
    let media: Vec<Media> = sqlx::query_as(
        "SELECT c.id, c.name, c.version, c.location, c.sha256 FROM release_media l JOIN media_items c ON c.id = l.media_id
          WHERE l.release_id = $1 ORDER BY c.id",
    )
    .bind(id.0)
    .fetch_all(&db.pool)
    .await?;
    let roles: Vec<Role> = sqlx::query_as(
        "SELECT u.id, u.full_name, l.responsibility FROM release_roles l JOIN users u ON u.id = l.user_id
          WHERE l.release_id = $1 ORDER BY u.full_name",
    )
    .bind(id.0)
    .fetch_all(&db.pool)
    .await?;
    let changes: Vec<Titled> = sqlx::query_as(
        "SELECT c.id, c.title, c.status FROM release_changes l JOIN changes c ON c.id = l.change_id
          WHERE l.release_id = $1 ORDER BY c.id",
    )
    .bind(id.0)
    .fetch_all(&db.pool)
    .await?;
    Ok(Relations {
        problems: problems.into_iter().map(|c| ProblemItem { id: c.id, title: c.title, status: c.status }).collect(),
        knowledge: knowledge
            .into_iter()
            .map(|c| KnowledgeItem { id: c.id, title: c.title, language: c.language })
            .collect(),
        media: media
            .into_iter()
            .map(|c| MediaItem { id: c.id, name: c.name, version: c.version, location: c.location, sha256: c.sha256 })
            .collect(),
        roles: roles
            .into_iter()
            .map(|u| RoleItem { user: UserId(u.id), name: u.full_name, responsibility: u.responsibility })
            .collect(),
        changes: changes.into_iter().map(|c| ChangeItem { id: c.id, title: c.title, status: c.status }).collect(),
        may_edit,
    })
}

/// The statement of a catalogue search. Searching starts from the terms' index (a range
/// per word prefix) and joins the catalogue by id. Run it with [`numbered`].
pub fn search_sql(kind: RelationKind, text: &str, page: i64) -> QueryBuilder<'static, Any> {
    let s = shape(kind);
    let limit = HITS_PER_PAGE + 1;
    let offset = page.max(0) * HITS_PER_PAGE;
    let text = text.trim();
    let mut sql =
        QueryBuilder::new(format!("SELECT DISTINCT c.id, {} AS label, {} AS detail FROM ", s.label, s.detail));
    let offered = s.offered.map(|condition| format!(" AND {condition}")).unwrap_or_default();
    if let Ok(number) = text.trim_start_matches('#').parse::<i64>() {
        sql.push(format_args!("{} c WHERE c.id = ", s.catalogue)).push_bind(number).push(offered).push(" LIMIT 1");
        return sql;
    }
    let words = terms(text);
    let Some((first, rest)) = words.split_first() else {
        let offered = s.offered.map(|condition| format!(" WHERE {condition}")).unwrap_or_default();
        sql.push(format_args!("{} c{offered} ORDER BY c.id DESC LIMIT {limit} OFFSET ", s.catalogue)).push_bind(offset);
        return sql;
    };
    // The kind is a constant of the shape, written in like its tables' names. Bound, it is
    // hidden from PostgreSQL's plan for any value of a prepared statement, which then looks
    // cheaper than the plans for the values given and replaces them sooner.
    sql.push(format_args!(
        "search_terms t JOIN {} c ON c.id = t.item_id
          WHERE t.kind = '{}'{offered} AND t.term >= ",
        s.catalogue, s.terms
    ))
    .push_bind(first.clone())
    .push(" AND t.term < ")
    .push_bind(prefix_end(first));
    for word in rest {
        sql.push(format_args!(
            " AND c.id IN (SELECT item_id FROM search_terms WHERE kind = '{}' AND term >= ",
            s.terms
        ))
        .push_bind(word.clone())
        .push(" AND term < ")
        .push_bind(prefix_end(word))
        .push(")");
    }
    sql.push(format_args!(" ORDER BY c.id DESC LIMIT {limit} OFFSET ")).push_bind(offset);
    sql
}

/// A catalogue item as a search or the log shows it.
#[derive(sqlx::FromRow)]
struct Hit {
    id: i64,
    label: String,
    detail: String,
}

impl From<Hit> for CatalogueHit {
    fn from(hit: Hit) -> CatalogueHit {
        CatalogueHit { id: hit.id, label: hit.label, detail: hit.detail }
    }
}

pub async fn search(db: &Db, kind: RelationKind, text: &str, page: i64) -> Result<CataloguePage, sqlx::Error> {
    let mut sql = search_sql(kind, text, page);
    let (sql, arguments) = numbered(&mut sql);
    let hits: Vec<Hit> = sqlx::query_as_with(&sql, arguments).fetch_all(&db.pool).await?;
    let mut hits: Vec<CatalogueHit> = hits.into_iter().map(CatalogueHit::from).collect();
    let has_more = hits.len() as i64 > HITS_PER_PAGE;
    hits.truncate(HITS_PER_PAGE as usize);
    Ok(CataloguePage { hits, has_more })
}

/// The item as the log names it, or `None` when it does not exist (or, `offered_only`, is
/// no longer offered for new links).
pub async fn item(
    db: &Db,
    kind: RelationKind,
    item: i64,
    offered_only: bool,
) -> Result<Option<CatalogueHit>, sqlx::Error> {
    let s = shape(kind);
    let mut sql = QueryBuilder::new(format!(
        "SELECT c.id, {} AS label, {} AS detail FROM {} c WHERE c.id = ",
        s.label, s.detail, s.catalogue
    ));
    sql.push_bind(item);
    if let Some(condition) = s.offered.filter(|_| offered_only) {
        sql.push(format_args!(" AND {condition}"));
    }
    let (sql, arguments) = numbered(&mut sql);
    let hit: Option<Hit> = sqlx::query_as_with(&sql, arguments).fetch_optional(&db.pool).await?;
    Ok(hit.map(CatalogueHit::from))
}

pub async fn article_by_id(db: &Db, id: i64) -> Result<Option<Article>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        title: String,
        language: String,
        body: String,
    }
    let row: Option<Row> = sqlx::query_as("SELECT id, title, language, body FROM knowledge_articles WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| Article { id: r.id, title: r.title, language: r.language, body: r.body }))
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
        let mut sql = QueryBuilder::new(format!(
            "INSERT INTO {} (release_id, {}, linked_by, linked_at) VALUES (",
            s.links, s.column
        ));
        sql.separated(", ").push_bind(release.0).push_bind(item).push_bind(by.0).push_bind(at);
        sql.push(")");
        let (sql, arguments) = numbered(&mut sql);
        sqlx::query_with(&sql, arguments).execute(&mut *conn).await
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
    let mut sql = QueryBuilder::new(format!("DELETE FROM {} WHERE release_id = ", s.links));
    sql.push_bind(release.0).push(format_args!(" AND {} = ", s.column)).push_bind(item);
    let (sql, arguments) = numbered(&mut sql);
    Ok(sqlx::query_with(&sql, arguments).execute(&mut *conn).await?.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::bound_values;

    /// The statement as the database receives it, and the values it binds.
    fn statement(kind: RelationKind, text: &str, page: i64) -> (String, Vec<String>) {
        let mut sql = search_sql(kind, text, page);
        let (sql, arguments) = numbered(&mut sql);
        (sql, bound_values(&arguments))
    }

    #[test]
    fn searches_start_from_the_term_index_with_one_range_per_word() {
        let (sql, values) = statement(RelationKind::Problem, "Caída ERP", 0);
        assert!(sql.contains("FROM search_terms t JOIN problems c"), "{sql}");
        assert!(sql.contains("t.kind = 'problem' AND c.active = 1 AND t.term >= $1 AND t.term < $2"), "{sql}");
        assert!(sql.contains("kind = 'problem' AND term >= $3 AND term < $4"), "{sql}");
        assert!(sql.ends_with(&format!("ORDER BY c.id DESC LIMIT {} OFFSET $5", HITS_PER_PAGE + 1)), "{sql}");
        assert_eq!(values[..2], [r#"Text("caida")"#, r#"Text("caida\u{10ffff}")"#]);
        assert_eq!(values[2], r#"Text("erp")"#);
        assert_eq!(values[4], "BigInt(0)");
    }

    #[test]
    fn deactivated_users_and_retired_items_are_not_offered() {
        for kind in RelationKind::ALL {
            for text in ["ana", "#4", ""] {
                let (sql, _) = statement(*kind, text, 0);
                assert!(sql.contains("c.active = 1"), "{kind:?} {text:?}: {sql}");
            }
        }
    }

    #[test]
    fn a_number_finds_the_item_by_id_and_nothing_typed_lists_the_newest() {
        let (sql, values) = statement(RelationKind::Change, "#12", 0);
        assert!(sql.ends_with("FROM changes c WHERE c.id = $1 AND c.active = 1 LIMIT 1"), "{sql}");
        assert_eq!(values, ["BigInt(12)"]);
        let (sql, values) = statement(RelationKind::Media, "  ", 2);
        let newest =
            format!("FROM media_items c WHERE c.active = 1 ORDER BY c.id DESC LIMIT {} OFFSET $1", HITS_PER_PAGE + 1);
        assert!(sql.ends_with(&newest), "{sql}");
        assert_eq!(values, [format!("BigInt({})", 2 * HITS_PER_PAGE)]);
    }
}
