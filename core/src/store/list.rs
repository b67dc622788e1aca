//! The release list's statements: its filters, pages and counts, and the title words a
//! search is expanded to. Each is assembled with a `QueryBuilder`: table and column names
//! come from this file, every value is bound.

use crate::domain::permissions::Actor;
use crate::domain::time_zone::ZoneOffsets;
use crate::domain::{DeadlineClock, Localized, ReleaseId, Status, UserId};
use crate::model::list::{Deadline, ListQuery, Scope, Sort, SortColumn, COUNT_LIMIT, DUE_SOON_SECONDS};
use crate::store::kept::TitleWords;
use crate::store::releases::OpenTaskRow;
use crate::store::search::{prefix_end, terms, words};
use crate::store::{fold_for_search, numbered, parse_code, Backend, Db};
use sqlx::{Any, AnyConnection, QueryBuilder};

/// The releases the list's query selects, and the tables it reads them from.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The releases as `r`, joined to SQLite's full-text index `s` when searching words.
    from: &'static str,
    /// The release number, as the table that is read first yields it in order.
    number: &'static str,
    conditions: Vec<Condition>,
    sort: Sort,
    backend: Backend,
    /// Whether whoever reads the pages shows how many releases match (the list does, its
    /// export does not): see [`Filter::page_carries_count`].
    counted: bool,
    /// PostgreSQL, when each typed word stands for known title words: a line per typed
    /// word, its title words separated by spaces, as `release_search_walk` reads them
    /// (migration 0023).
    walk: Option<String>,
}

/// One condition of a filter, with the value it binds.
#[derive(Debug, Clone, PartialEq)]
enum Condition {
    /// The release so numbered.
    Number(i64),
    /// SQLite: the title matches this full-text query.
    Match(String),
    /// PostgreSQL: the title's words match this tsquery.
    TsQuery(String),
    Status(Status),
    /// The user holds the release's current task.
    HeldBy(UserId),
    /// The release's current task is in one of the user's groups.
    InGroupsOf(UserId),
    /// Beyond the release numbered `pivot` in the order a page is read: `expression`
    /// compared (`<`, `>`, `=`) with the pivot's number, or with the pivot's value of the
    /// sorted column `key`.
    Cursor {
        expression: &'static str,
        comparison: &'static str,
        pivot: i64,
        key: Option<&'static str>,
    },
    /// Of one of these priorities.
    Priorities(Vec<i64>),
    /// Of one of these executor groups.
    Groups(Vec<i64>),
    /// Past its deadline at this time, and neither closed nor cancelled.
    LateAt(i64),
    /// Registered by one of these users (none: nothing matches).
    Requesters(Vec<i64>),
    /// The column's instant within `[from, to)`; an open end is not compared.
    Between {
        column: &'static str,
        from: Option<i64>,
        to: Option<i64>,
    },
}

const RELEASES: &str = "releases r";
/// FTS5 yields matches by rowid: reading it first, the newest come first and a page or a
/// capped count stops early, however many releases match.
const SQLITE_SEARCH: &str = "release_search s JOIN releases r ON r.id = s.rowid";
/// The full-text index alone: it holds one row per release (triggers keep it so, and
/// releases are never deleted).
const SQLITE_SEARCH_ALONE: &str = "release_search s";
/// PostgreSQL keeps the titles' words in a narrow table of their own, one row per release
/// (migration 0020): a search reads the releases' rows only for the page it shows.
const POSTGRES_SEARCH: &str = "release_search s JOIN releases r ON r.id = s.id";
const POSTGRES_SEARCH_ALONE: &str = "release_search s";

impl Filter {
    /// What the capped count reads. A word search with no other condition counts in the
    /// full-text index alone: joining each match to its release cost a B-tree descent per
    /// match, 3 of the 4 ms of a count at a million releases.
    fn count_from(&self) -> &'static str {
        match self.from {
            SQLITE_SEARCH if self.words_alone() => SQLITE_SEARCH_ALONE,
            POSTGRES_SEARCH if self.words_alone() => POSTGRES_SEARCH_ALONE,
            from => from,
        }
    }

    /// Whether one plan serves the filter's statements whatever their values ([`Db::reads`]):
    /// words, a status, the late ones. Not a date range, a requester, groups or priorities:
    /// how many releases those select decides between walking the numbers and reading their
    /// own index. On PostgreSQL, a plan made for any range read every release of a range
    /// that holds them all: 78–124 ms a page against 9–10 ms at 100,000 releases
    /// (BENCHMARKS.md, the seventeenth pass).
    fn plans_alike(&self) -> bool {
        self.conditions.iter().all(|condition| {
            matches!(
                condition,
                Condition::Number(_)
                    | Condition::Match(_)
                    | Condition::TsQuery(_)
                    | Condition::Status(_)
                    | Condition::LateAt(_)
            )
        })
    }

    /// [`Filter::plans_alike`] for the page `window` starts: not after a cursor in another
    /// order than the number, which compares a range of that column.
    fn page_plans_alike(&self, window: &Window) -> bool {
        self.plans_alike()
            && (self.sort.column == SortColumn::Number || matches!(window, Window::Forward { after: None, .. }))
    }

    /// Whether the filter is a word search and nothing else.
    fn words_alone(&self) -> bool {
        matches!(self.conditions.as_slice(), [Condition::Match(_) | Condition::TsQuery(_)])
    }

    /// Whether a page in number order reads its matches from PostgreSQL's narrow table of
    /// words alone: a word search and nothing else.
    fn narrow_search(&self) -> bool {
        self.from == POSTGRES_SEARCH && self.words_alone() && self.sort.column == SortColumn::Number
    }

    /// Whether the statement of the page `window` starts also counts what the filter
    /// selects. A narrow search from the top reads every match through the words' index to
    /// keep the newest: counting them there spares the count its own pass over the index,
    /// most of its cost at a million releases.
    fn page_counts(&self, window: &Window) -> bool {
        self.narrow_search() && matches!(window, Window::Forward { after: None, .. })
    }

    /// The search's words as `release_search_walk` reads them, when it can read them: a word
    /// search and nothing else, of known title words only.
    fn walks(&self) -> Option<&str> {
        self.walk.as_deref().filter(|_| self.words_alone())
    }

    /// Whether the statement of a page also carries the capped count ([`count`]), as a
    /// subquery of its own that SQLite runs once: one statement less per page, each a
    /// hand-off to a connection's thread and back. Not on PostgreSQL, where the count and
    /// the page are planned apart ([`Filter::plans_alike`]).
    fn page_carries_count(&self) -> bool {
        self.counted && self.backend == Backend::Sqlite
    }

    /// The same releases, read by someone who does not show how many they are.
    pub fn uncounted(self) -> Filter {
        Filter { counted: false, ..self }
    }

    /// Pushes ` WHERE ` and the conditions, each binding its value; nothing without any.
    fn push_where(&self, sql: &mut QueryBuilder<'_, Any>) {
        for (index, condition) in self.conditions.iter().enumerate() {
            sql.push(if index == 0 { " WHERE " } else { " AND " });
            match condition {
                Condition::Number(number) => sql.push("r.id = ").push_bind(*number),
                Condition::Match(query) => sql.push("release_search MATCH ").push_bind(query.clone()),
                Condition::TsQuery(query) => {
                    sql.push("s.search_vector @@ to_tsquery('simple', ").push_bind(query.clone()).push(")")
                }
                Condition::Status(status) => sql.push("r.status = ").push_bind(status.code()),
                // The current task is the release's one open task: the partial indexes on
                // open tasks serve.
                Condition::HeldBy(user) => sql
                    .push("r.id IN (SELECT release_id FROM tasks WHERE finished_at IS NULL AND assignee_id = ")
                    .push_bind(user.0)
                    .push(")"),
                Condition::InGroupsOf(user) => sql
                    .push(
                        "r.id IN (SELECT release_id FROM tasks WHERE finished_at IS NULL
                                AND group_id IN (SELECT group_id FROM group_members WHERE user_id = ",
                    )
                    .push_bind(user.0)
                    .push("))"),
                Condition::Cursor { expression, comparison, pivot, key: None } => {
                    sql.push(format_args!("{expression} {comparison} ")).push_bind(*pivot)
                }
                Condition::Cursor { expression, comparison, pivot, key: Some(key) } => sql
                    .push(format_args!("{expression} {comparison} (SELECT {key} FROM releases WHERE id = "))
                    .push_bind(*pivot)
                    .push(")"),
                Condition::Priorities(priorities) => push_in(sql, "r.priority", priorities),
                Condition::Groups(groups) => push_in(sql, "r.executor_group_id", groups),
                Condition::LateAt(now) => {
                    sql.push("r.status NOT IN ('closed', 'cancelled') AND ");
                    push_due(sql, *now);
                    sql.push(" < ");
                    push_clock_end(sql, *now)
                }
                Condition::Requesters(users) => push_in(sql, "r.requester_id", users),
                Condition::Between { column, from, to } => {
                    let bounds = [(">=", *from), ("<", *to)];
                    let bounds = bounds.into_iter().filter_map(|(comparison, bound)| Some((comparison, bound?)));
                    for (index, (comparison, bound)) in bounds.enumerate() {
                        if index > 0 {
                            sql.push(" AND ");
                        }
                        sql.push(format_args!("r.{column} {comparison} ")).push_bind(bound);
                    }
                    &mut *sql
                }
            };
        }
    }
}

/// `column IN (…)` with each value bound; no values match nothing.
fn push_in<'b, 'q>(sql: &'b mut QueryBuilder<'q, Any>, column: &str, values: &[i64]) -> &'b mut QueryBuilder<'q, Any> {
    if values.is_empty() {
        return sql.push("1 = 0");
    }
    sql.push(format_args!("{column} IN ("));
    let mut list = sql.separated(", ");
    for value in values {
        list.push_bind(*value);
    }
    sql.push(")")
}

/// When the release's deadline clock stops counting: when it was stopped, else `now`.
fn push_clock_end<'b, 'q>(sql: &'b mut QueryBuilder<'q, Any>, now: i64) -> &'b mut QueryBuilder<'q, Any> {
    sql.push("COALESCE(r.clock_stopped_at, ").push_bind(now).push(")")
}

/// The release's deadline at `now`: the planned end moved by the time it spent suspended
/// (the same rule as the list's delay column, `DeadlineClock::delay`).
fn push_due(sql: &mut QueryBuilder<'_, Any>, now: i64) {
    sql.push("r.planned_end + r.suspended_seconds + CASE WHEN ");
    push_clock_end(sql, now);
    sql.push(" > r.suspended_since THEN ");
    push_clock_end(sql, now);
    sql.push(" - r.suspended_since ELSE 0 END");
}

/// For each typed word, the title words that start with it (see `title_words`). A word
/// missing here is searched as a prefix.
pub type Vocabulary = std::collections::HashMap<String, Vec<String>>;

/// The most title words a typed word is turned into; a shorter prefix stays a prefix.
const MAX_EXPANSION: i64 = 32;

/// How a full-text query is written: a known word quoted, "or", "and", a word as a prefix.
type Syntax = (fn(&str) -> String, &'static str, &'static str, fn(&str) -> String);

/// The full-text query for `words`: each must start a word of the title. The words are
/// letters and digits only (`terms` splits on everything else), so nothing in them is syntax.
fn match_query(backend: Backend, words: &[String], vocabulary: &Vocabulary) -> String {
    let (quote, or, and, prefix): Syntax = match backend {
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

/// The typed words as `release_search_walk` reads them: a line per word, the title words it
/// stands for separated by spaces. None when a typed word stays a prefix, or a title word
/// holds a separator (the parser that makes them splits on both).
fn walk_groups(words: &[String], vocabulary: &Vocabulary) -> Option<String> {
    let lines = words.iter().map(|typed| {
        let known = vocabulary.get(typed).filter(|known| !known.is_empty())?;
        known.iter().all(|word| !word.contains([' ', '\n'])).then(|| known.join(" "))
    });
    lines.collect::<Option<Vec<_>>>().map(|lines| lines.join("\n"))
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
/// ("migr:*", "migr"*) first merges every word's list under it. One statement for the
/// typed words this instance has not kept ([`crate::store::kept`]): a title word is never
/// removed, and a new one forgets what was kept.
async fn title_words(db: &Db, query: &ListQuery) -> Result<Vocabulary, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct TitleWord {
        typed: String,
        word: String,
    }
    let words = search_words(query);
    // The list without a search (most pages) asks nothing, not even what is kept.
    if words.is_empty() {
        return Ok(Vocabulary::new());
    }
    let (mut found, unread, ticket) = db.kept().lookup_title_words(words);
    if !unread.is_empty() {
        let mut sql = title_words_sql(&unread);
        let (sql, arguments) = numbered(&mut sql);
        // A range of one index, whatever the words.
        let rows: Vec<TitleWord> = sqlx::query_as_with(&sql, arguments).fetch_all(db.reads(true)).await?;
        // A typed word that starts too many title words stays a prefix; one that starts none
        // finds nothing either way: both are kept as none.
        let read: Vec<(String, TitleWords)> = unread
            .into_iter()
            .map(|typed| {
                let started: Vec<String> =
                    rows.iter().filter(|row| row.typed == typed).map(|row| row.word.clone()).collect();
                let expands = started.len() as i64 <= MAX_EXPANSION;
                (typed, if expands { started.into() } else { TitleWords::default() })
            })
            .collect();
        db.kept().keep_title_words(ticket, &read);
        found.extend(read);
    }
    Ok(found
        .into_iter()
        .filter(|(_, started)| !started.is_empty())
        .map(|(typed, words)| (typed, words.to_vec()))
        .collect())
}

/// The statement of `title_words`: for each typed word, the first title words from it on
/// that start with it.
fn title_words_sql(words: &[String]) -> QueryBuilder<'static, Any> {
    let mut sql = QueryBuilder::new("");
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT * FROM (SELECT CAST(")
            .push_bind(word.clone())
            .push(" AS TEXT) AS typed, word FROM release_title_words\n                                 WHERE word >= ")
            .push_bind(word.clone())
            .push(" AND word < ")
            .push_bind(prefix_end(word))
            .push(format_args!(" ORDER BY word LIMIT {}) w{i}", MAX_EXPANSION + 1));
    }
    sql
}

/// Records the words of a title just registered, inside the caller's transaction. On
/// SQLite only: on PostgreSQL a trigger takes them from the stored tsvector.
pub async fn remember_title_words(conn: &mut AnyConnection, backend: Backend, title: &str) -> Result<(), sqlx::Error> {
    let words = words(title);
    if backend != Backend::Sqlite || words.is_empty() {
        return Ok(());
    }
    let mut sql = QueryBuilder::new("INSERT INTO release_title_words (word) ");
    sql.push_values(&words, |mut row, word| {
        row.push_bind(word.as_str());
    });
    sql.push(" ON CONFLICT DO NOTHING");
    let (sql, arguments) = numbered(&mut sql);
    sqlx::query_with(&sql, arguments).execute(conn).await?;
    Ok(())
}

/// Records the words of a release's corrected title, inside the caller's transaction: on
/// PostgreSQL from its stored tsvector (the trigger sees registrations only).
pub async fn remember_edited_title_words(
    conn: &mut AnyConnection,
    backend: Backend,
    release: ReleaseId,
    title: &str,
) -> Result<(), sqlx::Error> {
    if backend == Backend::Sqlite {
        return remember_title_words(conn, backend, title).await;
    }
    sqlx::query(
        "INSERT INTO release_title_words
         SELECT DISTINCT unnest(tsvector_to_array(search_vector)) FROM releases WHERE id = $1
         ON CONFLICT DO NOTHING",
    )
    .bind(release.0)
    .execute(conn)
    .await?;
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

/// The users whose name or user name holds `text`, folded as the search folds titles (any
/// case, any accents). The users are few: their names are folded here rather than stored.
async fn requesters(db: &Db, text: &str) -> Result<Vec<i64>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Named {
        id: i64,
        username: String,
        full_name: String,
    }
    let wanted = fold_for_search(text.trim());
    let users: Vec<Named> = sqlx::query_as("SELECT id, username, full_name FROM users").fetch_all(&db.pool).await?;
    Ok(users
        .into_iter()
        .filter(|user| [&user.full_name, &user.username].iter().any(|name| fold_for_search(name).contains(&wanted)))
        .map(|user| user.id)
        .collect())
}

/// What a filter needs besides the query: who asks, when, and the calendar they read dates in.
pub struct Asking<'a> {
    pub actor: &'a Actor,
    pub now: i64,
    pub zone: &'a ZoneOffsets,
}

/// The releases `query` selects for who is `asking`: its words are first looked up among
/// the title words (see `title_words`), a requester among the users.
pub async fn filter(db: &Db, query: &ListQuery, asking: &Asking<'_>) -> Result<Filter, sqlx::Error> {
    let vocabulary = title_words(db, query).await?;
    let mut filter = filter_for(query, asking, db.backend, &vocabulary);
    if !query.requester.trim().is_empty() {
        filter.conditions.push(Condition::Requesters(requesters(db, &query.requester).await?));
    }
    Ok(filter)
}

fn filter_for(query: &ListQuery, asking: &Asking<'_>, backend: Backend, vocabulary: &Vocabulary) -> Filter {
    let (actor, now) = (asking.actor, asking.now);
    let mut filter = Filter {
        from: RELEASES,
        number: "r.id",
        conditions: vec![],
        sort: query.sort,
        backend,
        counted: true,
        walk: None,
    };
    if let Some(number) = search_number(query.search.trim()) {
        filter.conditions.push(Condition::Number(number));
    } else {
        let words = search_words(query);
        if !words.is_empty() {
            let query = match_query(backend, &words, vocabulary);
            match backend {
                Backend::Sqlite => {
                    filter.from = SQLITE_SEARCH;
                    filter.number = "s.rowid";
                    filter.conditions.push(Condition::Match(query));
                }
                Backend::Postgres => {
                    filter.from = POSTGRES_SEARCH;
                    filter.number = "s.id";
                    filter.conditions.push(Condition::TsQuery(query));
                    filter.walk = walk_groups(&words, vocabulary);
                }
            }
        }
    }
    if let Some(status) = query.status {
        filter.conditions.push(Condition::Status(status));
    }
    match query.scope {
        Scope::Mine => filter.conditions.push(Condition::HeldBy(actor.user)),
        Scope::MyGroups => filter.conditions.push(Condition::InGroupsOf(actor.user)),
        Scope::All => {}
    }
    if !query.priorities.is_empty() {
        filter.conditions.push(Condition::Priorities(query.priorities.clone()));
    }
    if !query.groups.is_empty() {
        filter.conditions.push(Condition::Groups(query.groups.iter().map(|g| g.0).collect()));
    }
    if query.late_only {
        filter.conditions.push(Condition::LateAt(now));
    }
    for (column, range) in [("created_at", &query.registered), ("planned_end", &query.due)] {
        if !range.is_open() {
            let (from, to) = range.instants(asking.zone);
            filter.conditions.push(Condition::Between { column, from, to });
        }
    }
    filter
}

/// How many releases the filter selects, counting no further than `COUNT_LIMIT + 1`:
/// beyond that the pager says "more than".
pub async fn count(db: &Db, filter: &Filter) -> Result<i64, sqlx::Error> {
    let mut sql = QueryBuilder::new("");
    push_count(&mut sql, filter);
    let (sql, arguments) = numbered(&mut sql);
    sqlx::query_scalar_with(&sql, arguments).fetch_one(db.reads(filter.plans_alike())).await
}

/// Pushes the statement of [`count`].
fn push_count(sql: &mut QueryBuilder<'_, Any>, filter: &Filter) {
    sql.push("SELECT COUNT(*) AS total FROM (SELECT 1 FROM ");
    match filter.walks() {
        Some(groups) => push_walk(sql, groups, i64::MAX, COUNT_LIMIT + 1),
        None => {
            sql.push(filter.count_from());
            filter.push_where(sql);
        }
    }
    sql.push(format_args!(" LIMIT {}) matches", COUNT_LIMIT + 1));
}

/// Pushes `release_search_walk(…) w`: the numbers below `below` that match `groups`, newest
/// first, read until `wanted` are found (migration 0023).
fn push_walk(sql: &mut QueryBuilder<'_, Any>, groups: &str, below: i64, wanted: i64) {
    sql.push("release_search_walk(").push_bind(groups.to_owned()).push(", ").push_bind(below);
    sql.push(", ").push_bind(wanted).push(") WITH ORDINALITY w (id, n)");
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
            (None, None) => Window::Forward { after: None, offset: query.page.saturating_mul(query.page_size) },
        }
    }
}

/// A release of a page, with the names the list shows and its current task.
#[derive(Debug, sqlx::FromRow)]
pub struct ListedRelease {
    pub id: i64,
    pub title: String,
    pub created_at: i64,
    pub priority: i64,
    pub planned_end: i64,
    pub status: String,
    pub flow_id: i64,
    pub executor_group_id: i64,
    pub suspended_seconds: i64,
    pub suspended_since: Option<i64>,
    pub clock_stopped_at: Option<i64>,
    pub requester: String,
    pub executor_group: String,
    pub step_es: Option<String>,
    pub step_pt: Option<String>,
    #[sqlx(flatten)]
    pub task: OpenTaskRow,
    /// How many releases the filter selects, when the page's statement counted them
    /// (`Filter::page_counts`, `Filter::page_carries_count`).
    #[sqlx(default)]
    pub matches: Option<i64>,
}

impl ListedRelease {
    pub fn clock(&self) -> DeadlineClock {
        DeadlineClock {
            planned_end: self.planned_end,
            paused_seconds: self.suspended_seconds,
            suspended_since: self.suspended_since,
            stopped_at: self.clock_stopped_at,
        }
    }

    pub fn status(&self) -> Result<Status, sqlx::Error> {
        parse_code(&self.status, "status", Status::from_code)
    }

    /// The name of the current step, when the flow has not ended.
    pub fn current_task(&self) -> Option<Localized> {
        self.step_es.clone().zip(self.step_pt.clone()).map(|(es, pt)| Localized { es, pt })
    }
}

/// The rows of one page, newest first.
pub struct Page {
    pub rows: Vec<ListedRelease>,
    /// The page's number: the first when a page back went past the top.
    pub page: i64,
    pub has_next: bool,
    /// How many releases the filter selects, when that is known without [`count`]: the
    /// page's statement counted them (each row carries it), or the first page is empty.
    pub matches: Option<i64>,
}

/// The page of the releases the filter selects that `query`'s page number and cursor name.
pub async fn page(db: &Db, filter: &Filter, query: &ListQuery) -> Result<Page, sqlx::Error> {
    let mut window = Window::of(query);
    let mut page = query.page;
    let size = query.page_size;
    let (mut rows, mut beyond) = page_rows(db, filter, &window, size).await?;
    if matches!(window, Window::Backward { .. }) && !beyond {
        // Back past the top (releases were added since): the first page, in full.
        window = Window::Forward { after: None, offset: 0 };
        page = 0;
        (rows, beyond) = page_rows(db, filter, &window, size).await?;
    }
    let has_next = match window {
        Window::Forward { .. } => beyond,
        Window::Backward { .. } => true,
    };
    let matches = match rows.first() {
        Some(row) => row.matches,
        None => matches!(window, Window::Forward { after: None, offset: 0 }).then_some(0),
    };
    Ok(Page { rows, page, has_next, matches })
}

/// The column a sort reads, bare and as the filtered releases `r` hold it. Each has an
/// index on `(column, id)`.
fn sort_key(column: SortColumn) -> (&'static str, &'static str) {
    match column {
        SortColumn::Number => ("id", "r.id"),
        SortColumn::Created => ("created_at", "r.created_at"),
        SortColumn::Priority => ("priority", "r.priority"),
        SortColumn::Deadline => ("planned_end", "r.planned_end"),
    }
}

/// The statement of the page of `size` rows `window` starts: one row more than a page.
fn page_sql(filter: &Filter, window: &Window, size: i64) -> QueryBuilder<'static, Any> {
    let mut sql = QueryBuilder::new(
        "SELECT r.id, r.title, r.created_at, r.priority, r.planned_end, r.status, r.flow_id, r.executor_group_id,
                r.suspended_seconds, r.suspended_since, r.clock_stopped_at,
                requester.full_name AS requester, executor.name AS executor_group,
                step.name_es AS step_es, step.name_pt AS step_pt,
                holder.full_name AS holder_name, r.current_step, t.id AS task_id,
                t.group_id AS task_group_id, task_group.name AS task_group_name, t.assignee_id",
    );
    if filter.page_counts(window) {
        sql.push(", r.matches");
    } else if filter.page_carries_count() {
        sql.push(", (");
        push_count(&mut sql, filter);
        sql.push(") AS matches");
    }
    sql.push("\n           FROM (");
    let direction = push_window(&mut sql, filter, window, size);
    let order = match filter.sort.column {
        SortColumn::Number => format!("r.id {direction}"),
        column => format!("{key} {direction}, r.id {direction}", key = sort_key(column).1),
    };
    sql.push(format_args!(
        ") r
           JOIN users requester ON requester.id = r.requester_id
           JOIN user_groups executor ON executor.id = r.executor_group_id
           LEFT JOIN flow_steps step ON step.flow_id = r.flow_id AND step.code = r.current_step
           LEFT JOIN tasks t ON t.id = r.current_task_id
           LEFT JOIN users holder ON holder.id = t.assignee_id
           LEFT JOIN user_groups task_group ON task_group.id = t.group_id
          ORDER BY {order}"
    ));
    sql
}

/// Pushes the statement of the releases of the page `window` starts, in the order they are
/// read (`DESC` or `ASC`, returned): a page back is read the other way and turned around.
///
/// After a cursor, a sort by another column than the number reads two index ranges and
/// keeps the first `size + 1` of both: the releases that tie with the cursor's release in
/// the column and follow it by number, then those beyond it in the column. Each is an
/// exact range of the `(column, id)` index in SQLite and PostgreSQL alike, where one
/// comparison of the pair scans every tie first.
fn push_window(sql: &mut QueryBuilder<'static, Any>, filter: &Filter, window: &Window, size: i64) -> &'static str {
    let (pivot, descending, offset) = match *window {
        Window::Forward { after, offset } => (after, filter.sort.descending, offset),
        Window::Backward { before } => (Some(before), !filter.sort.descending, 0),
    };
    let (direction, comparison) = if descending { ("DESC", "<") } else { ("ASC", ">") };
    let limit = size + 1;
    let select = |sql: &mut QueryBuilder<'static, Any>, filter: &Filter, order: &str, offset: i64| {
        sql.push("SELECT r.* FROM ").push(filter.from);
        filter.push_where(sql);
        sql.push(format_args!("\n                  ORDER BY {order} LIMIT {limit} OFFSET ")).push_bind(offset);
    };
    let past = |expression, comparison, key| {
        let mut past = filter.clone();
        past.conditions.push(Condition::Cursor { expression, comparison, pivot: pivot.unwrap_or(0), key });
        past
    };
    match (filter.sort.column, pivot) {
        // A word search alone on PostgreSQL: the page of matches, then their releases; from
        // the top, each match also carries how many there are (`Filter::page_counts`).
        _ if filter.narrow_search() => {
            let counts = filter.page_counts(window);
            let (counted, counting) = if counts { (", s.matches", ", COUNT(*) OVER () AS matches") } else { ("", "") };
            sql.push(format_args!("SELECT r.*{counted} FROM ("));
            match filter.walks().filter(|_| descending) {
                // Newest first, of known title words: walked a bucket of numbers at a time
                // until the page, and from the top its capped count, have their rows
                // (migration 0023).
                Some(groups) => {
                    let wanted = if counts { (COUNT_LIMIT + 1).max(offset + limit) } else { offset + limit };
                    sql.push(format_args!("SELECT w.id{counting} FROM "));
                    push_walk(sql, groups, pivot.unwrap_or(i64::MAX), wanted);
                    sql.push(" ORDER BY w.n");
                }
                // Otherwise from the narrow table, sorted by `id + 0`, which no index gives:
                // PostgreSQL then always finds the matches through the words' index and sorts
                // them, where by `id` it would walk the numbers down testing each, the whole
                // table for a search that finds few.
                None => {
                    let mut narrow = match pivot {
                        Some(_) => past(filter.number, comparison, None),
                        None => filter.clone(),
                    };
                    narrow.from = POSTGRES_SEARCH_ALONE;
                    sql.push(format_args!("SELECT s.id{counting} FROM ")).push(narrow.from);
                    narrow.push_where(sql);
                    sql.push(format_args!(" ORDER BY s.id + 0 {direction}"));
                }
            }
            // After a cursor the offset is 0 (`Window::of`).
            sql.push(format_args!(" LIMIT {limit} OFFSET ")).push_bind(offset);
            sql.push(") s JOIN releases r ON r.id = s.id");
        }
        (SortColumn::Number, None) => select(sql, filter, &format!("{} {direction}", filter.number), offset),
        (SortColumn::Number, Some(_)) => {
            select(sql, &past(filter.number, comparison, None), &format!("{} {direction}", filter.number), 0)
        }
        (column, None) => {
            let (_, key) = sort_key(column);
            select(sql, filter, &format!("{key} {direction}, r.id {direction}"), offset)
        }
        (column, Some(pivot)) => {
            let (bare, key) = sort_key(column);
            let mut ties = past("r.id", comparison, None);
            ties.conditions.push(Condition::Cursor { expression: key, comparison: "=", pivot, key: Some(bare) });
            sql.push("SELECT * FROM (");
            select(sql, &ties, &format!("r.id {direction}"), 0);
            sql.push(") ties UNION ALL SELECT * FROM (");
            select(sql, &past(key, comparison, Some(bare)), &format!("{key} {direction}, r.id {direction}"), 0);
            sql.push(format_args!(") beyond ORDER BY {bare} {direction}, id {direction} LIMIT {limit}"));
        }
    }
    direction
}

/// The rows of the page `window` starts, newest first, and whether more lie beyond them:
/// the statement reads one row more than a page.
async fn page_rows(
    db: &Db,
    filter: &Filter,
    window: &Window,
    size: i64,
) -> Result<(Vec<ListedRelease>, bool), sqlx::Error> {
    let mut sql = page_sql(filter, window, size);
    let (sql, arguments) = numbered(&mut sql);
    let mut rows: Vec<ListedRelease> =
        sqlx::query_as_with(&sql, arguments).fetch_all(db.reads(filter.page_plans_alike(window))).await?;
    let beyond = rows.len() as i64 > size;
    rows.truncate(usize::try_from(size).unwrap_or(0));
    if matches!(window, Window::Backward { .. }) {
        rows.reverse();
    }
    Ok((rows, beyond))
}

/// A group of a count: its key and how many releases it holds.
#[derive(sqlx::FromRow)]
struct Counted<K> {
    k: K,
    n: i64,
}

fn counts_sql(
    filter: &Filter,
    key: impl FnOnce(&mut QueryBuilder<'_, Any>),
    joins: &str,
) -> QueryBuilder<'static, Any> {
    let mut sql = QueryBuilder::new("SELECT ");
    key(&mut sql);
    sql.push(format_args!(
        " AS k, COUNT(*) AS n
           FROM {from}
           LEFT JOIN tasks t ON t.id = r.current_task_id
           {joins}
        ",
        from = filter.from
    ));
    filter.push_where(&mut sql);
    sql.push("\n          GROUP BY 1\n          ORDER BY 1");
    sql
}

/// One `GROUP BY` over the filtered releases: `key` pushes the grouped expression, `joins`
/// is what it needs beyond the task join the filters use.
async fn counts<K>(
    db: &Db,
    filter: &Filter,
    key: impl FnOnce(&mut QueryBuilder<'_, Any>),
    joins: &str,
) -> Result<Vec<(K, i64)>, sqlx::Error>
where
    K: Send + Unpin + for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    let mut sql = counts_sql(filter, key, joins);
    let (sql, arguments) = numbered(&mut sql);
    let rows: Vec<Counted<K>> = sqlx::query_as_with(&sql, arguments).fetch_all(&db.pool).await?;
    Ok(rows.into_iter().map(|row| (row.k, row.n)).collect())
}

/// The filtered releases by status; a status this build does not know is left out.
pub async fn by_status(db: &Db, filter: &Filter) -> Result<Vec<(Status, i64)>, sqlx::Error> {
    let counted: Vec<(String, i64)> = counts(
        db,
        filter,
        |sql| {
            sql.push("r.status");
        },
        "",
    )
    .await?;
    Ok(counted.into_iter().filter_map(|(code, n)| Some((Status::from_code(&code)?, n))).collect())
}

/// The filtered releases by priority.
pub async fn by_priority(db: &Db, filter: &Filter) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    counts(
        db,
        filter,
        |sql| {
            sql.push("r.priority");
        },
        "",
    )
    .await
}

/// The filtered releases by executor group, by name.
pub async fn by_group(db: &Db, filter: &Filter) -> Result<Vec<(String, i64)>, sqlx::Error> {
    counts(
        db,
        filter,
        |sql| {
            sql.push("g.name");
        },
        "JOIN user_groups g ON g.id = r.executor_group_id",
    )
    .await
}

/// The filtered releases by where they stand against their deadline at `now`.
pub async fn by_deadline(db: &Db, filter: &Filter, now: i64) -> Result<Vec<(Deadline, i64)>, sqlx::Error> {
    // Paused and suspended time moves the deadline, and a stopped clock counts up to when
    // it stopped.
    let deadline = |sql: &mut QueryBuilder<'_, Any>| {
        sql.push(
            "CASE WHEN r.status IN ('closed', 'cancelled') THEN 'finished'
              WHEN ",
        );
        push_due(sql, now);
        sql.push(" < ");
        push_clock_end(sql, now);
        sql.push(" THEN 'late'\n              WHEN r.clock_stopped_at IS NULL AND ");
        push_due(sql, now);
        sql.push(" < ")
            .push_bind(now)
            .push(format_args!(" + {DUE_SOON_SECONDS} THEN 'due_soon'\n              ELSE 'on_time' END"));
    };
    let counted: Vec<(String, i64)> = counts(db, filter, deadline, "").await?;
    Ok(counted
        .into_iter()
        .filter_map(|(code, n)| Some((Deadline::ALL.into_iter().find(|d| d.code() == code)?, n)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::GroupId;
    use crate::store::bound_values;

    fn asking(actor: &Actor, now: i64) -> Asking<'_> {
        static UTC: std::sync::LazyLock<ZoneOffsets> = std::sync::LazyLock::new(ZoneOffsets::utc);
        Asking { actor, now, zone: &UTC }
    }

    fn anyone() -> Actor {
        Actor { user: UserId(4), username: "ana".into(), full_name: "Ana".into(), memberships: vec![] }
    }

    /// The filter's WHERE clause as the database receives it, and the values it binds.
    fn where_clause(filter: &Filter) -> (String, Vec<String>) {
        let mut sql = QueryBuilder::new("");
        filter.push_where(&mut sql);
        let (sql, arguments) = numbered(&mut sql);
        (sql.trim().to_owned(), bound_values(&arguments))
    }

    fn text(value: &str) -> String {
        format!("Text({value:?})")
    }

    #[test]
    fn a_number_searches_the_release_number_and_words_search_the_title() {
        let by_number = filter_for(
            &ListQuery { search: " 53 ".into(), ..Default::default() },
            &asking(&anyone(), 0),
            Backend::Sqlite,
            &Vocabulary::new(),
        );
        assert_eq!(where_clause(&by_number), ("WHERE r.id = $1".into(), vec!["BigInt(53)".into()]));
        assert_eq!(by_number.from, RELEASES);

        let words = ListQuery { search: "Actualización  ERP".into(), ..Default::default() };
        let sqlite = filter_for(&words, &asking(&anyone(), 0), Backend::Sqlite, &Vocabulary::new());
        assert_eq!(
            where_clause(&sqlite),
            ("WHERE release_search MATCH $1".into(), vec![text("\"actualizacion\"* AND \"erp\"*")])
        );
        assert_eq!((sqlite.from, sqlite.number), (SQLITE_SEARCH, "s.rowid"));
        assert_eq!(sqlite.count_from(), SQLITE_SEARCH_ALONE);
        let with_status = ListQuery { status: Some(Status::Closed), ..words.clone() };
        let sqlite_with_status = filter_for(&with_status, &asking(&anyone(), 0), Backend::Sqlite, &Vocabulary::new());
        assert_eq!(sqlite_with_status.count_from(), SQLITE_SEARCH, "the status is a column of the release");
        assert_eq!(by_number.count_from(), RELEASES);
        let postgres = filter_for(&words, &asking(&anyone(), 0), Backend::Postgres, &Vocabulary::new());
        assert_eq!(
            where_clause(&postgres),
            ("WHERE s.search_vector @@ to_tsquery('simple', $1)".into(), vec![text("actualizacion:* & erp:*")])
        );
        assert_eq!((postgres.from, postgres.number), (POSTGRES_SEARCH, "s.id"));
        assert_eq!(postgres.count_from(), POSTGRES_SEARCH_ALONE);
        let postgres_with_status =
            filter_for(&with_status, &asking(&anyone(), 0), Backend::Postgres, &Vocabulary::new());
        assert_eq!(postgres_with_status.count_from(), POSTGRES_SEARCH);
    }

    #[test]
    fn a_typed_word_becomes_the_title_words_it_starts() {
        let words = ListQuery { search: "migr erp zzz".into(), ..Default::default() };
        let vocabulary = Vocabulary::from([
            ("migr".into(), vec!["migracion".into(), "migraciones".into()]),
            ("erp".into(), vec!["erp".into()]),
            ("zzz".into(), vec![]),
        ]);
        let postgres = filter_for(&words, &asking(&anyone(), 0), Backend::Postgres, &vocabulary);
        assert_eq!(postgres.conditions, [Condition::TsQuery("('erp') & ('migracion' | 'migraciones') & zzz:*".into())]);
        let sqlite = filter_for(&words, &asking(&anyone(), 0), Backend::Sqlite, &vocabulary);
        assert_eq!(
            sqlite.conditions,
            [Condition::Match("(\"erp\") AND (\"migracion\" OR \"migraciones\") AND \"zzz\"*".into())]
        );
        assert_eq!(quote_lexeme("o'neil\\x"), "'o''neil\\\\x'");
        assert_eq!(quote_fts5_term("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn full_text_syntax_typed_by_the_user_is_not_syntax() {
        let typed = ListQuery { search: "erp\" OR * NEAR(x) & !y:*".into(), ..Default::default() };
        let sqlite = filter_for(&typed, &asking(&anyone(), 0), Backend::Sqlite, &Vocabulary::new());
        assert_eq!(where_clause(&sqlite).1, [text("\"erp\"* AND \"near\"* AND \"or\"* AND \"x\"* AND \"y\"*")]);
        let only_syntax = filter_for(
            &ListQuery { search: "* & !".into(), ..Default::default() },
            &asking(&anyone(), 0),
            Backend::Postgres,
            &Vocabulary::new(),
        );
        assert_eq!(where_clause(&only_syntax), (String::new(), vec![]));
    }

    #[test]
    fn filters_number_their_parameters_in_order() {
        let query = ListQuery {
            search: "erp".into(),
            status: Some(Status::Approved),
            scope: Scope::Mine,
            ..Default::default()
        };
        let mut filter = filter_for(&query, &asking(&anyone(), 0), Backend::Postgres, &Vocabulary::new());
        filter.conditions.push(Condition::Cursor { expression: "r.id", comparison: "<", pivot: 90_000, key: None });
        let (sql, values) = where_clause(&filter);
        assert!(sql.starts_with("WHERE s.search_vector @@ to_tsquery('simple', $1) AND r.status = $2 AND"), "{sql}");
        assert!(sql.contains("assignee_id = $3) AND r.id < $4"), "{sql}");
        assert_eq!(values, [text("erp:*"), text("approved"), "BigInt(4)".into(), "BigInt(90000)".into()]);

        let query =
            ListQuery { priorities: vec![1, 2], groups: vec![GroupId(7)], late_only: true, ..Default::default() };
        let filter = filter_for(&query, &asking(&anyone(), 1_000), Backend::Sqlite, &Vocabulary::new());
        let (sql, values) = where_clause(&filter);
        assert!(sql.starts_with("WHERE r.priority IN ($1, $2) AND r.executor_group_id IN ($3) AND "), "{sql}");
        assert!(
            sql.contains("r.status NOT IN ('closed', 'cancelled') AND r.planned_end + r.suspended_seconds"),
            "{sql}"
        );
        assert_eq!(values[..3], ["BigInt(1)".to_owned(), "BigInt(2)".into(), "BigInt(7)".into()]);
        assert!(values[3..].iter().all(|v| v == "BigInt(1000)"), "the time is bound: {values:?}");
    }

    /// The page statement as the database receives it, and the values it binds.
    fn page_statement(query: &ListQuery) -> (String, Vec<String>) {
        page_statement_of(query, &Vocabulary::new())
    }

    fn page_statement_of(query: &ListQuery, vocabulary: &Vocabulary) -> (String, Vec<String>) {
        let filter = filter_for(query, &asking(&anyone(), 0), Backend::Postgres, vocabulary);
        let mut sql = page_sql(&filter, &Window::of(query), query.page_size);
        statement(&mut sql)
    }

    fn statement(sql: &mut QueryBuilder<'static, Any>) -> (String, Vec<String>) {
        let (sql, arguments) = numbered(sql);
        (sql.split_whitespace().collect::<Vec<_>>().join(" "), bound_values(&arguments))
    }

    #[test]
    fn a_search_of_known_title_words_on_postgresql_walks_the_numbers_newest_first() {
        let vocabulary = Vocabulary::from([
            ("migr".into(), vec!["migracion".into(), "migraciones".into()]),
            ("erp".into(), vec!["erp".into()]),
            ("zzz".into(), vec![]),
        ]);
        let top = ListQuery { search: "migr erp".into(), ..Default::default() };
        let groups = text("erp\nmigracion migraciones");
        let (sql, values) = page_statement_of(&top, &vocabulary);
        assert!(
            sql.contains(
                "FROM (SELECT r.*, s.matches FROM (SELECT w.id, COUNT(*) OVER () AS matches FROM \
                 release_search_walk($1, $2, $3) WITH ORDINALITY w (id, n) ORDER BY w.n LIMIT 26 OFFSET $4) s \
                 JOIN releases r ON r.id = s.id) r"
            ),
            "{sql}"
        );
        let unbounded = format!("BigInt({})", i64::MAX);
        let counted = format!("BigInt({})", COUNT_LIMIT + 1);
        assert_eq!(values, [groups.clone(), unbounded.clone(), counted.clone(), "BigInt(0)".into()]);
        // A typed page number far down walks as far as the page; a page after a cursor
        // walks below it, as far as the page, and counts apart.
        let (_, values) = page_statement_of(&ListQuery { page: 60, ..top.clone() }, &vocabulary);
        assert_eq!(values[2..], ["BigInt(1526)".to_owned(), "BigInt(1500)".into()]);
        let next = ListQuery { page: 1, after: Some(90), ..top.clone() };
        let (sql, values) = page_statement_of(&next, &vocabulary);
        assert!(sql.contains("(SELECT w.id FROM release_search_walk($1, $2, $3)"), "{sql}");
        assert_eq!(values, [groups.clone(), "BigInt(90)".into(), "BigInt(26)".into(), "BigInt(0)".into()]);
        let filter = filter_for(&next, &asking(&anyone(), 0), Backend::Postgres, &vocabulary);
        let mut count = QueryBuilder::new("");
        push_count(&mut count, &filter);
        assert_eq!(
            statement(&mut count),
            (
                format!(
                    "SELECT COUNT(*) AS total FROM (SELECT 1 FROM release_search_walk($1, $2, $3) WITH ORDINALITY w \
                     (id, n) LIMIT {}) matches",
                    COUNT_LIMIT + 1
                ),
                vec![groups, unbounded, counted]
            )
        );

        // Not walked: a page back, the oldest first, another condition, a word that stays a
        // prefix.
        let oldest_first = Sort { column: SortColumn::Number, descending: false };
        for other in [
            ListQuery { after: None, before: Some(9), ..next.clone() },
            ListQuery { sort: oldest_first, ..top.clone() },
            ListQuery { status: Some(Status::Approved), ..top.clone() },
            ListQuery { search: "migr zzz".into(), ..top.clone() },
        ] {
            let (sql, _) = page_statement_of(&other, &vocabulary);
            assert!(!sql.contains("release_search_walk") && sql.contains("s.search_vector @@"), "{sql}");
        }
    }

    #[test]
    fn a_sorted_page_after_a_cursor_reads_the_ties_then_the_rest_of_its_index() {
        let by_priority = Sort { column: SortColumn::Priority, descending: false };
        let (sql, values) = page_statement(&ListQuery { sort: by_priority, ..Default::default() });
        assert!(sql.contains("ORDER BY r.priority ASC, r.id ASC LIMIT 26 OFFSET $1"), "{sql}");
        assert_eq!(values, ["BigInt(0)"]);

        let next = ListQuery {
            sort: by_priority,
            page: 1,
            after: Some(77),
            status: Some(Status::Approved),
            ..Default::default()
        };
        let (sql, values) = page_statement(&next);
        assert!(
            sql.contains(
                "SELECT * FROM (SELECT r.* FROM releases r WHERE r.status = $1 AND r.id > $2 AND r.priority = \
                 (SELECT priority FROM releases WHERE id = $3) ORDER BY r.id ASC LIMIT 26 OFFSET $4) ties UNION ALL \
                 SELECT * FROM (SELECT r.* FROM releases r WHERE r.status = $5 AND r.priority > \
                 (SELECT priority FROM releases WHERE id = $6) ORDER BY r.priority ASC, r.id ASC LIMIT 26 OFFSET $7) \
                 beyond ORDER BY priority ASC, id ASC LIMIT 26) r"
            ),
            "{sql}"
        );
        assert!(sql.ends_with("ORDER BY r.priority ASC, r.id ASC"), "{sql}");
        assert_eq!(values[1..3], ["BigInt(77)".to_owned(), "BigInt(77)".into()]);

        // A page back of a descending sort reads upwards, and is turned around afterwards.
        let by_deadline = Sort { column: SortColumn::Deadline, descending: true };
        let back = ListQuery { sort: by_deadline, page: 3, before: Some(9), ..Default::default() };
        let (sql, _) = page_statement(&back);
        assert!(
            sql.contains("r.id > $1 AND r.planned_end = (SELECT planned_end FROM releases WHERE id = $2)"),
            "{sql}"
        );
        assert!(sql.contains("beyond ORDER BY planned_end ASC, id ASC LIMIT 26"), "{sql}");
    }

    #[test]
    fn a_word_search_alone_on_postgresql_pages_the_narrow_table_before_reading_releases() {
        let next = ListQuery { search: "erp".into(), page: 1, after: Some(90), ..Default::default() };
        let (sql, values) = page_statement(&next);
        assert!(
            sql.contains(
                "FROM (SELECT r.* FROM (SELECT s.id FROM release_search s WHERE s.search_vector @@ \
                 to_tsquery('simple', $1) AND s.id < $2 ORDER BY s.id + 0 DESC LIMIT 26 OFFSET $3) s \
                 JOIN releases r ON r.id = s.id) r"
            ),
            "{sql}"
        );
        assert_eq!(values, [text("erp:*"), "BigInt(90)".into(), "BigInt(0)".into()]);

        // With a condition on the releases, the matches are read with their releases.
        let (sql, _) = page_statement(&ListQuery { status: Some(Status::Approved), ..next });
        assert!(sql.contains("FROM release_search s JOIN releases r ON r.id = s.id WHERE s.search_vector @@"), "{sql}");
        assert!(sql.contains("AND s.id < $3 ORDER BY s.id DESC LIMIT 26"), "{sql}");
    }

    #[test]
    fn a_word_search_alone_on_postgres_counts_its_matches_in_the_page_from_the_top_only() {
        let words = ListQuery { search: "erp".into(), ..Default::default() };
        let (sql, _) = page_statement(&words);
        assert!(sql.contains("t.assignee_id, r.matches FROM (SELECT r.*, s.matches FROM (SELECT s.id, COUNT(*) OVER () AS matches FROM release_search s WHERE"), "{sql}");
        let by_page_number = ListQuery { page: 3, ..words.clone() };
        assert!(
            page_statement(&by_page_number).0.contains("COUNT(*) OVER ()"),
            "an offset is counted after the matches"
        );
        for beyond_a_cursor in [
            ListQuery { page: 1, after: Some(90), ..words.clone() },
            ListQuery { page: 1, before: Some(90), ..words.clone() },
        ] {
            let (sql, _) = page_statement(&beyond_a_cursor);
            assert!(!sql.contains("matches"), "a cursor's page holds only part of the matches: {sql}");
        }
        for not_alone in [
            ListQuery { status: Some(Status::Closed), ..words.clone() },
            ListQuery { sort: Sort { column: SortColumn::Priority, descending: true }, ..words.clone() },
            ListQuery::default(),
        ] {
            assert!(!page_statement(&not_alone).0.contains("matches"), "{not_alone:?}");
        }
        let sqlite = filter_for(&words, &asking(&anyone(), 0), Backend::Sqlite, &Vocabulary::new());
        assert!(!sqlite.page_counts(&Window::of(&words)), "FTS5 stops at the page: counting would read every match");
    }

    #[test]
    fn a_page_on_sqlite_carries_its_capped_count_unless_nobody_shows_it() {
        let words = ListQuery { search: "erp".into(), ..Default::default() };
        let statement = |filter: &Filter, query: &ListQuery| {
            let mut sql = page_sql(filter, &Window::of(query), query.page_size);
            let (sql, arguments) = numbered(&mut sql);
            (sql.split_whitespace().collect::<Vec<_>>().join(" "), bound_values(&arguments))
        };
        let sqlite = filter_for(&words, &asking(&anyone(), 0), Backend::Sqlite, &Vocabulary::new());
        let (sql, values) = statement(&sqlite, &words);
        assert!(
            sql.contains(&format!(
                "t.assignee_id, (SELECT COUNT(*) AS total FROM (SELECT 1 FROM release_search s \
                 WHERE release_search MATCH $1 LIMIT {}) matches) AS matches FROM (",
                COUNT_LIMIT + 1
            )),
            "{sql}"
        );
        assert_eq!(values, [text("\"erp\"*"), text("\"erp\"*"), "BigInt(0)".into()]);
        // After a cursor the count is still the filter's, not the cursor's.
        let next = ListQuery { page: 1, after: Some(90), ..words.clone() };
        let (sql, _) = statement(&sqlite, &next);
        assert!(sql.contains(&format!("MATCH $1 LIMIT {}) matches) AS matches", COUNT_LIMIT + 1)), "{sql}");
        assert!(sql.contains("MATCH $2 AND s.rowid < $3"), "{sql}");
        // The export shows no count; PostgreSQL plans the count apart.
        assert!(!statement(&sqlite.clone().uncounted(), &words).0.contains("COUNT"));
        let postgres = filter_for(&next, &asking(&anyone(), 0), Backend::Postgres, &Vocabulary::new());
        assert!(!statement(&postgres, &next).0.contains("COUNT"));
    }

    #[test]
    fn only_filters_whose_plan_no_value_changes_share_one_plan() {
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d);
        let alike = |query: ListQuery| {
            filter_for(&query, &asking(&anyone(), 0), Backend::Postgres, &Vocabulary::new()).plans_alike()
        };
        let words = ListQuery { search: "migr erp".into(), status: Some(Status::InExecution), ..Default::default() };
        assert!(alike(ListQuery::default()));
        assert!(alike(ListQuery { late_only: true, ..words.clone() }));
        assert!(!alike(ListQuery {
            registered: crate::model::list::DateRange { from: day(2), to: None },
            ..words.clone()
        }));
        assert!(!alike(ListQuery {
            due: crate::model::list::DateRange { from: None, to: day(3) },
            ..Default::default()
        }));
        assert!(!alike(ListQuery { priorities: vec![1], ..Default::default() }));
        assert!(!alike(ListQuery { scope: Scope::Mine, ..Default::default() }));
        let by_due = |after| {
            let sort = Sort { column: SortColumn::Deadline, descending: true };
            let query = ListQuery { sort, after, ..Default::default() };
            let filter = filter_for(&query, &asking(&anyone(), 0), Backend::Postgres, &Vocabulary::new());
            filter.page_plans_alike(&Window::of(&query))
        };
        assert!(by_due(None));
        assert!(!by_due(Some(90)), "a page after a cursor in another order compares a range of that column");
        let by_number = ListQuery { after: Some(90), ..Default::default() };
        assert!(filter_for(&by_number, &asking(&anyone(), 0), Backend::Postgres, &Vocabulary::new())
            .page_plans_alike(&Window::of(&by_number)));
    }

    #[test]
    fn a_requester_and_date_ranges_become_conditions() {
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d);
        let query = ListQuery {
            registered: crate::model::list::DateRange { from: day(2), to: None },
            due: crate::model::list::DateRange { from: day(2), to: day(3) },
            ..Default::default()
        };
        let mut filter = filter_for(&query, &asking(&anyone(), 0), Backend::Sqlite, &Vocabulary::new());
        filter.conditions.push(Condition::Requesters(vec![]));
        let (sql, values) = where_clause(&filter);
        assert_eq!(sql, "WHERE r.created_at >= $1 AND r.planned_end >= $2 AND r.planned_end < $3 AND 1 = 0");
        assert_eq!(values, ["BigInt(1793577600)", "BigInt(1793577600)", "BigInt(1793750400)"]);
    }

    #[test]
    fn a_cursor_chooses_the_window() {
        let deep = ListQuery { page: 400, after: Some(90_000), ..Default::default() };
        assert!(matches!(Window::of(&deep), Window::Forward { after: Some(90_000), offset: 0 }));
        let back = ListQuery { page: 399, before: Some(89_976), ..Default::default() };
        assert!(matches!(Window::of(&back), Window::Backward { before: 89_976 }));
        let typed = ListQuery { page: 2, ..Default::default() };
        assert!(matches!(Window::of(&typed), Window::Forward { after: None, offset: 50 }));
        let longer = ListQuery { page: 2, page_size: 100, ..Default::default() };
        assert!(matches!(Window::of(&longer), Window::Forward { after: None, offset: 200 }));
    }
}
