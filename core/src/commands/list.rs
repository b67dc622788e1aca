//! The list's queries. Filters become numbered parameters, never spliced text.

use super::Ctx;
use crate::domain::actions::{available_actions, ReleaseScope};
use crate::domain::flow::{self, FlowDefinition, ReleaseState};
use crate::domain::permissions::Actor;
use crate::domain::{delay_seconds, GroupId, Localized, ReleaseId, Status};
use crate::model::list::{
    ChartCounts, Deadline, ListQuery, ReleasePage, ReleaseRow, Scope, COUNT_LIMIT, DUE_SOON_SECONDS, PAGE_SIZE,
};
use crate::store::search::{terms, words};
use crate::store::{code_column, row_parameters, values_rows, AnyQuery, Backend, Db};
use crate::Error;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;

/// A WHERE clause with its parameters, numbered as they are pushed, and the tables it reads.
#[derive(Clone)]
struct Filter {
    /// The releases as `r`, joined to SQLite's full-text index `s` when searching words.
    from: &'static str,
    /// The release number, as the table that is read first yields it in order.
    number: &'static str,
    conditions: Vec<String>,
    texts: Vec<(usize, String)>,
    numbers: Vec<(usize, i64)>,
    count: usize,
}

const RELEASES: &str = "releases r";
/// FTS5 yields matches by rowid: reading it first, the newest come first and a page or a
/// capped count stops early, however many releases match.
const SQLITE_SEARCH: &str = "release_search s JOIN releases r ON r.id = s.rowid";
/// The full-text index alone: it holds one row per release (triggers keep it so, and
/// releases are never deleted).
const SQLITE_SEARCH_ALONE: &str = "release_search s";

impl Filter {
    fn next(&mut self) -> usize {
        self.count += 1;
        self.count
    }

    fn text(&mut self, condition: impl Fn(usize) -> String, value: String) {
        let n = self.next();
        self.conditions.push(condition(n));
        self.texts.push((n, value));
    }

    fn number(&mut self, condition: impl Fn(usize) -> String, value: i64) {
        let n = self.next();
        self.conditions.push(condition(n));
        self.numbers.push((n, value));
    }

    /// What the capped count reads. A word search with no other condition counts in the
    /// full-text index alone: joining each match to its release cost a B-tree descent per
    /// match, 3 of the 4 ms of a count at a million releases.
    fn count_from(&self) -> &'static str {
        if self.from == SQLITE_SEARCH && self.conditions.len() == 1 {
            SQLITE_SEARCH_ALONE
        } else {
            self.from
        }
    }

    fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// Binds the parameters in their numbered order.
    fn bind<'q>(&'q self, mut query: AnyQuery<'q>) -> AnyQuery<'q> {
        for n in 1..=self.count {
            if let Some((_, text)) = self.texts.iter().find(|(i, _)| *i == n) {
                query = query.bind(text.as_str());
            } else if let Some((_, number)) = self.numbers.iter().find(|(i, _)| *i == n) {
                query = query.bind(*number);
            }
        }
        query
    }
}

/// For each typed word, the title words that start with it (see `title_words`). A word
/// missing here is searched as a prefix.
type Vocabulary = std::collections::HashMap<String, Vec<String>>;

/// The most title words a typed word is turned into; a shorter prefix stays a prefix.
const MAX_EXPANSION: i64 = 32;

/// The full-text query for `words`: each must start a word of the title. The words are
/// letters and digits only (`terms` splits on everything else), so nothing in them is syntax.
fn match_query(backend: Backend, words: &[String], vocabulary: &Vocabulary) -> String {
    let (quote, or, and, prefix): (fn(&str) -> String, _, _, fn(&str) -> String) = match backend {
        Backend::Sqlite => (quote_fts5_term, " OR ", " AND ", |w| format!("\"{w}\"*")),
        Backend::Postgres => (quote_lexeme, " | ", " & ", |w| format!("{w}:*")),
    };
    words
        .iter()
        .map(|w| match vocabulary.get(w) {
            Some(known) if !known.is_empty() => {
                format!("({})", known.iter().map(|k| quote(k)).collect::<Vec<_>>().join(or))
            }
            _ => prefix(w),
        })
        .collect::<Vec<_>>()
        .join(and)
}

/// A stored title word as an FTS5 string, whatever it holds.
fn quote_fts5_term(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

/// A stored title word as a tsquery operand, whatever it holds.
fn quote_lexeme(word: &str) -> String {
    format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''"))
}

/// The search's words, unless it names a release number.
fn search_words(query: &ListQuery) -> Vec<String> {
    let search = query.search.trim();
    if search_number(search).is_some() {
        Vec::new()
    } else {
        terms(search)
    }
}

fn search_number(search: &str) -> Option<i64> {
    search.strip_prefix('#').unwrap_or(search).parse::<i64>().ok()
}

/// The title words each typed word starts, from `release_title_words`: both full-text
/// indexes find whole words in a few milliseconds at a million releases, where a prefix
/// ("migr:*", "migr"*) first merges every word's list under it. One statement for all the
/// typed words.
async fn title_words(db: &Db, query: &ListQuery) -> Result<Vocabulary, sqlx::Error> {
    let mut vocabulary = Vocabulary::new();
    let words = search_words(query);
    if words.is_empty() {
        return Ok(vocabulary);
    }
    let per_word: Vec<String> = (0..words.len())
        .map(|i| {
            let parameters = row_parameters(i, 2);
            let (typed, end) = (&parameters[0], &parameters[1]);
            format!(
                "SELECT * FROM (SELECT CAST({typed} AS TEXT) AS typed, word FROM release_title_words
                                 WHERE word >= {typed} AND word < {end} ORDER BY word LIMIT {}) w{i}",
                MAX_EXPANSION + 1
            )
        })
        .collect();
    let sql = per_word.join(" UNION ALL ");
    let mut statement = sqlx::query(&sql);
    for word in &words {
        statement = statement.bind(word.as_str()).bind(crate::store::search::prefix_end(word));
    }
    for row in statement.fetch_all(&db.pool).await? {
        vocabulary.entry(row.try_get("typed")?).or_insert_with(Vec::new).push(row.try_get("word")?);
    }
    // A typed word that starts too many title words stays a prefix; one that starts none
    // finds nothing either way.
    vocabulary.retain(|_, known| known.len() as i64 <= MAX_EXPANSION);
    Ok(vocabulary)
}

/// Records the words of a title just registered, inside the caller's transaction. On
/// SQLite only: on PostgreSQL a trigger takes them from the stored tsvector.
pub async fn remember_title_words(conn: &mut AnyConnection, backend: Backend, title: &str) -> Result<(), sqlx::Error> {
    let words = words(title);
    if backend != Backend::Sqlite || words.is_empty() {
        return Ok(());
    }
    let sql =
        format!("INSERT INTO release_title_words (word) VALUES {} ON CONFLICT DO NOTHING", values_rows(words.len(), 1));
    let mut statement = sqlx::query(&sql);
    for word in &words {
        statement = statement.bind(word.as_str());
    }
    statement.execute(conn).await?;
    Ok(())
}

/// Records the words of every title, as the full-text index holds them: after a bulk load
/// on SQLite, which scans the index once.
pub async fn remember_all_title_words(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    // `WHERE true` tells SQLite's parser that ON CONFLICT is not a join constraint.
    sqlx::query("INSERT INTO release_title_words (word) SELECT term FROM release_search_terms WHERE true ON CONFLICT DO NOTHING")
        .execute(conn)
        .await?;
    Ok(())
}

fn filter_for(query: &ListQuery, actor: &Actor, backend: Backend, vocabulary: &Vocabulary) -> Filter {
    let mut filter =
        Filter { from: RELEASES, number: "r.id", conditions: vec![], texts: vec![], numbers: vec![], count: 0 };
    if let Some(number) = search_number(query.search.trim()) {
        filter.number(|n| format!("r.id = ${n}"), number);
    } else {
        let words = search_words(query);
        if !words.is_empty() {
            let query = match_query(backend, &words, vocabulary);
            match backend {
                Backend::Sqlite => {
                    filter.from = SQLITE_SEARCH;
                    filter.number = "s.rowid";
                    filter.text(|n| format!("release_search MATCH ${n}"), query);
                }
                Backend::Postgres => {
                    filter.text(|n| format!("r.search_vector @@ to_tsquery('simple', ${n})"), query);
                }
            }
        }
    }
    if let Some(status) = query.status {
        filter.text(|n| format!("r.status = ${n}"), status.code().to_owned());
    }
    // The current task is the release's one open task: the partial indexes on open tasks serve.
    match query.scope {
        Scope::Mine => filter.number(
            |n| format!("r.id IN (SELECT release_id FROM tasks WHERE finished_at IS NULL AND assignee_id = ${n})"),
            actor.user.0,
        ),
        Scope::MyGroups => filter.number(
            |n| {
                format!(
                    "r.id IN (SELECT release_id FROM tasks WHERE finished_at IS NULL
                                AND group_id IN (SELECT group_id FROM group_members WHERE user_id = ${n}))"
                )
            },
            actor.user.0,
        ),
        Scope::All => {}
    }
    filter
}

/// Where a page starts, and so which way the rows are read.
enum Window {
    /// Newest first from the top, or after `after`'s cursor.
    Forward { after: Option<i64>, offset: i64 },
    /// Oldest first above `before`, then turned around.
    Backward { before: i64 },
}

impl Window {
    fn of(query: &ListQuery) -> Window {
        match (query.after, query.before) {
            (Some(after), _) => Window::Forward { after: Some(after), offset: 0 },
            (None, Some(before)) => Window::Backward { before },
            // A page number without a cursor (a typed or old address): counted from the top.
            (None, None) => Window::Forward { after: None, offset: query.page.saturating_mul(PAGE_SIZE) },
        }
    }
}

/// A page of the releases the query selects, newest first, each with what the user may
/// do on it. Filters, search and paging run in the database.
pub async fn list(ctx: &Ctx, query: &ListQuery) -> Result<ReleasePage, Error> {
    query.check()?;
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    let vocabulary = title_words(db, query).await?;
    let filter = filter_for(query, actor, db.backend, &vocabulary);
    // Counting stops at COUNT_LIMIT + 1: beyond that the pager says "more than".
    let count_sql = format!(
        "SELECT COUNT(*) AS total FROM (SELECT 1 FROM {from} {where_clause} LIMIT {limit}) matches",
        from = filter.count_from(),
        where_clause = filter.sql(),
        limit = COUNT_LIMIT + 1
    );
    let counted: i64 = filter.bind(sqlx::query(&count_sql)).fetch_one(&db.pool).await?.try_get("total")?;

    let mut window = Window::of(query);
    let mut page = query.page;
    let (mut rows, mut beyond) = page_rows(db, &filter, &window).await?;
    if matches!(window, Window::Backward { .. }) && !beyond {
        // Back past the top (releases were added since): the first page, in full.
        window = Window::Forward { after: None, offset: 0 };
        page = 0;
        (rows, beyond) = page_rows(db, &filter, &window).await?;
    }
    let has_next = match window {
        Window::Forward { .. } => beyond,
        Window::Backward { .. } => true,
    };
    let mut release_rows = Vec::with_capacity(rows.len());
    for row in &rows {
        let flow = flows.get(db, row.try_get("flow_id")?).await?;
        release_rows.push(release_row(row, &flow, actor, now)?);
    }
    Ok(ReleasePage {
        rows: release_rows,
        total: counted.min(COUNT_LIMIT),
        total_is_lower_bound: counted > COUNT_LIMIT,
        page,
        page_size: PAGE_SIZE,
        has_next,
    })
}

/// The rows of the page `window` starts, newest first, and whether more lie beyond them.
async fn page_rows(db: &Db, filter: &Filter, window: &Window) -> Result<(Vec<AnyRow>, bool), sqlx::Error> {
    let mut filter = filter.clone();
    let (order, offset) = match *window {
        Window::Forward { after, offset } => {
            if let Some(after) = after {
                let number = filter.number;
                filter.number(|n| format!("{number} < ${n}"), after);
            }
            ("DESC", offset)
        }
        Window::Backward { before } => {
            let number = filter.number;
            filter.number(|n| format!("{number} > ${n}"), before);
            ("ASC", 0)
        }
    };
    // One row more than the page tells whether there is a page beyond it.
    let rows_sql = format!(
        "SELECT r.id, r.title, r.created_at, r.priority, r.planned_end, r.status, r.flow_id, r.executor_group_id,
                r.suspended_seconds, r.suspended_since,
                requester.full_name AS requester, executor.name AS executor_group,
                step.name_es AS step_es, step.name_pt AS step_pt,
                holder.full_name AS holder_name, r.current_step, t.id AS task_id,
                t.group_id AS task_group_id, task_group.name AS task_group_name, t.assignee_id
           FROM (SELECT r.* FROM {from} {where_clause}
                  ORDER BY {number} {order} LIMIT {limit} OFFSET {offset}) r
           JOIN users requester ON requester.id = r.requester_id
           JOIN user_groups executor ON executor.id = r.executor_group_id
           LEFT JOIN flow_steps step ON step.flow_id = r.flow_id AND step.code = r.current_step
           LEFT JOIN tasks t ON t.id = r.current_task_id
           LEFT JOIN users holder ON holder.id = t.assignee_id
           LEFT JOIN user_groups task_group ON task_group.id = t.group_id
          ORDER BY r.id {order}",
        from = filter.from,
        number = filter.number,
        where_clause = filter.sql(),
        limit = PAGE_SIZE + 1,
    );
    let mut rows = filter.bind(sqlx::query(&rows_sql)).fetch_all(&db.pool).await?;
    let beyond = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    if matches!(window, Window::Backward { .. }) {
        rows.reverse();
    }
    Ok((rows, beyond))
}

/// One `GROUP BY` over the filtered releases: `key` is the grouped expression, `joins` what
/// it needs beyond the task join the filters use. Parameters after the filter's are `extra`.
async fn counts<K>(
    db: &Db,
    filter: &Filter,
    key: &str,
    joins: &str,
    extra: &[i64],
    decode: impl Fn(&AnyRow) -> Result<Option<K>, sqlx::Error>,
) -> Result<Vec<(K, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT {key} AS k, COUNT(*) AS n
           FROM {from}
           LEFT JOIN tasks t ON t.id = r.current_task_id
           {joins}
         {where_clause}
          GROUP BY 1
          ORDER BY 1",
        from = filter.from,
        where_clause = filter.sql()
    );
    let mut query = filter.bind(sqlx::query(&sql));
    for value in extra {
        query = query.bind(*value);
    }
    let mut counted = Vec::new();
    for row in query.fetch_all(&db.pool).await? {
        if let Some(key) = decode(&row)? {
            counted.push((key, row.try_get("n")?));
        }
    }
    Ok(counted)
}

/// The charts' counts, each computed by the database for the list's filters.
pub async fn charts(ctx: &Ctx, query: &ListQuery) -> Result<ChartCounts, Error> {
    query.check()?;
    let (db, actor, now) = (&ctx.db, &ctx.actor, ctx.now);
    let vocabulary = title_words(db, query).await?;
    let filter = filter_for(query, actor, db.backend, &vocabulary);
    let text = |row: &AnyRow| row.try_get::<String, _>("k");
    let mut by_status = counts(db, &filter, "r.status", "", &[], |row| Ok(Status::from_code(&text(row)?))).await?;
    by_status.sort_by_key(|(status, _)| Status::ALL.iter().position(|s| s == status));
    let by_priority = counts(db, &filter, "r.priority", "", &[], |row| Ok(Some(row.try_get::<i64, _>("k")?))).await?;
    let by_group = counts(db, &filter, "g.name", "JOIN user_groups g ON g.id = r.executor_group_id", &[], |row| {
        Ok(Some(text(row)?))
    })
    .await?;
    // The same rule as the list's delay column: suspended time moves the deadline.
    let now_param = filter.count + 1;
    let due = format!("r.planned_end + r.suspended_seconds + COALESCE(${now_param} - r.suspended_since, 0)");
    let deadline = format!(
        "CASE WHEN r.status IN ('closed', 'cancelled') THEN 'finished'
              WHEN {due} < ${now_param} THEN 'late'
              WHEN {due} < ${now_param} + {DUE_SOON_SECONDS} THEN 'due_soon'
              ELSE 'on_time' END"
    );
    let mut by_deadline = counts(db, &filter, &deadline, "", &[now], |row| {
        let code = text(row)?;
        Ok(Deadline::ALL.into_iter().find(|d| d.code() == code))
    })
    .await?;
    by_deadline.sort_by_key(|(deadline, _)| *deadline as u8);
    let total = by_status.iter().map(|(_, n)| n).sum();
    Ok(ChartCounts { total, by_status, by_priority, by_group, by_deadline })
}

fn release_row(row: &AnyRow, flow: &FlowDefinition, actor: &Actor, now: i64) -> Result<ReleaseRow, sqlx::Error> {
    let status = code_column(row, "status", Status::from_code)?;
    let planned_end: i64 = row.try_get("planned_end")?;
    let step_es: Option<String> = row.try_get("step_es")?;
    let step_pt: Option<String> = row.try_get("step_pt")?;
    let task = crate::store::releases::open_task_of(row)?;
    let responsible = task.as_ref().and_then(|t| t.assignee.as_ref()).map(|h| h.name.clone());
    let state = ReleaseState { status, row_version: 0, task };
    let scope = ReleaseScope::new(flow, GroupId(row.try_get("executor_group_id")?), &state);
    let actions = available_actions(&state, &scope, actor);
    let access = flow::access(&state, actor);
    Ok(ReleaseRow {
        id: ReleaseId(row.try_get("id")?),
        title: row.try_get("title")?,
        requester: row.try_get("requester")?,
        created_at: row.try_get("created_at")?,
        priority: row.try_get("priority")?,
        planned_end,
        delay_seconds: delay_seconds(
            planned_end,
            now,
            status,
            row.try_get("suspended_seconds")?,
            row.try_get("suspended_since")?,
        ),
        status,
        current_task: step_es.zip(step_pt).map(|(es, pt)| Localized { es, pt }),
        executor_group: row.try_get("executor_group")?,
        responsible,
        access,
        actions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;

    fn anyone() -> Actor {
        Actor { user: UserId(4), username: "ana".into(), full_name: "Ana".into(), memberships: vec![] }
    }

    #[test]
    fn a_number_searches_the_release_number_and_words_search_the_title() {
        let by_number = filter_for(
            &ListQuery { search: " 53 ".into(), ..Default::default() },
            &anyone(),
            Backend::Sqlite,
            &Vocabulary::new(),
        );
        assert_eq!(by_number.sql(), "WHERE r.id = $1");
        assert_eq!(by_number.numbers, vec![(1, 53)]);
        assert_eq!(by_number.from, RELEASES);

        let words = ListQuery { search: "Actualización  ERP".into(), ..Default::default() };
        let sqlite = filter_for(&words, &anyone(), Backend::Sqlite, &Vocabulary::new());
        assert_eq!(sqlite.sql(), "WHERE release_search MATCH $1");
        assert_eq!(sqlite.texts, vec![(1, "\"actualizacion\"* AND \"erp\"*".into())]);
        assert_eq!((sqlite.from, sqlite.number), (SQLITE_SEARCH, "s.rowid"));
        assert_eq!(sqlite.count_from(), SQLITE_SEARCH_ALONE);
        let with_status = ListQuery { status: Some(Status::Closed), ..words.clone() };
        let sqlite_with_status = filter_for(&with_status, &anyone(), Backend::Sqlite, &Vocabulary::new());
        assert_eq!(sqlite_with_status.count_from(), SQLITE_SEARCH, "the status is a column of the release");
        assert_eq!(by_number.count_from(), RELEASES);
        let postgres = filter_for(&words, &anyone(), Backend::Postgres, &Vocabulary::new());
        assert_eq!(postgres.sql(), "WHERE r.search_vector @@ to_tsquery('simple', $1)");
        assert_eq!(postgres.texts, vec![(1, "actualizacion:* & erp:*".into())]);
    }

    #[test]
    fn a_typed_word_becomes_the_title_words_it_starts() {
        let words = ListQuery { search: "migr erp zzz".into(), ..Default::default() };
        let vocabulary = Vocabulary::from([
            ("migr".into(), vec!["migracion".into(), "migraciones".into()]),
            ("erp".into(), vec!["erp".into()]),
            ("zzz".into(), vec![]),
        ]);
        let postgres = filter_for(&words, &anyone(), Backend::Postgres, &vocabulary);
        assert_eq!(postgres.texts, vec![(1, "('erp') & ('migracion' | 'migraciones') & zzz:*".into())]);
        let sqlite = filter_for(&words, &anyone(), Backend::Sqlite, &vocabulary);
        assert_eq!(sqlite.texts, vec![(1, "(\"erp\") AND (\"migracion\" OR \"migraciones\") AND \"zzz\"*".into())]);
        assert_eq!(quote_lexeme("o'neil\\x"), "'o''neil\\\\x'");
        assert_eq!(quote_fts5_term("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn full_text_syntax_typed_by_the_user_is_not_syntax() {
        let typed = ListQuery { search: "erp\" OR * NEAR(x) & !y:*".into(), ..Default::default() };
        let sqlite = filter_for(&typed, &anyone(), Backend::Sqlite, &Vocabulary::new());
        assert_eq!(sqlite.texts, vec![(1, "\"erp\"* AND \"near\"* AND \"or\"* AND \"x\"* AND \"y\"*".into())]);
        let only_syntax = filter_for(
            &ListQuery { search: "* & !".into(), ..Default::default() },
            &anyone(),
            Backend::Postgres,
            &Vocabulary::new(),
        );
        assert_eq!(only_syntax.sql(), "");
    }

    #[test]
    fn filters_number_their_parameters_in_order() {
        let query = ListQuery {
            search: "erp".into(),
            status: Some(Status::Approved),
            scope: Scope::Mine,
            ..Default::default()
        };
        let filter = filter_for(&query, &anyone(), Backend::Postgres, &Vocabulary::new());
        let sql = filter.sql();
        assert!(sql.starts_with("WHERE r.search_vector @@ to_tsquery('simple', $1) AND r.status = $2 AND"), "{sql}");
        assert!(sql.contains("assignee_id = $3"), "{sql}");
        assert_eq!(filter.numbers, vec![(3, 4)]);
    }

    #[test]
    fn a_cursor_chooses_the_window() {
        let deep = ListQuery { page: 400, after: Some(90_000), ..Default::default() };
        assert!(matches!(Window::of(&deep), Window::Forward { after: Some(90_000), offset: 0 }));
        let back = ListQuery { page: 399, before: Some(89_976), ..Default::default() };
        assert!(matches!(Window::of(&back), Window::Backward { before: 89_976 }));
        let typed = ListQuery { page: 2, ..Default::default() };
        assert!(matches!(Window::of(&typed), Window::Forward { after: None, offset: 50 }));
    }
}
