//! The release list: its query, its rows, its charts.

use crate::domain::{GroupId, Localized, ReleaseId, Status};
use serde::{Deserialize, Serialize};

/// Rows per page of the list, unless the user chooses another of [`PAGE_SIZES`].
pub const PAGE_SIZE: i64 = 25;
/// The page sizes the list offers.
pub const PAGE_SIZES: [i64; 3] = [25, 50, 100];
/// The most executor groups one filter names.
pub const MAX_GROUP_FILTERS: usize = 50;
/// The longest requester filter.
pub const MAX_REQUESTER_CHARS: usize = 100;

/// A column the list can be sorted by. Each is served by an index on `(column, id)`, so a
/// page deep in a sorted list costs what the first one does; a column no index can serve
/// (the delay, which moves with the clock; names kept in other tables) is not offered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    /// The release number (the order of registration).
    #[default]
    Number,
    /// "Fecha/Hora": when it was registered.
    Created,
    Priority,
    /// "Plazo": the planned end.
    Deadline,
}

impl SortColumn {
    pub const ALL: [SortColumn; 4] =
        [SortColumn::Number, SortColumn::Created, SortColumn::Priority, SortColumn::Deadline];

    pub fn code(self) -> &'static str {
        match self {
            SortColumn::Number => "number",
            SortColumn::Created => "created",
            SortColumn::Priority => "priority",
            SortColumn::Deadline => "deadline",
        }
    }

    pub fn from_code(code: &str) -> Option<SortColumn> {
        SortColumn::ALL.into_iter().find(|column| column.code() == code)
    }

    /// The direction a first click on the column's header sorts it: the newest first for
    /// the number and the date, the most urgent first for the priority (1 is the highest)
    /// and the deadline.
    pub fn first_descending(self) -> bool {
        matches!(self, SortColumn::Number | SortColumn::Created)
    }
}

/// The list's order: a column and its direction; releases that tie in the column follow
/// their numbers in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

/// The newest first.
impl Default for Sort {
    fn default() -> Self {
        Sort { column: SortColumn::Number, descending: true }
    }
}

impl Sort {
    /// As the address and the API write it: `priority` ascending, `-priority` descending.
    pub fn code(self) -> String {
        format!("{}{}", if self.descending { "-" } else { "" }, self.column.code())
    }

    /// What [`Sort::code`] writes; `None` for anything else.
    pub fn parse(text: &str) -> Option<Sort> {
        let text = text.trim();
        let (descending, column) = match text.strip_prefix('-') {
            Some(column) => (true, column),
            None => (false, text),
        };
        Some(Sort { column: SortColumn::from_code(column)?, descending })
    }

    /// The order a click on `column`'s header asks for: the other direction when the list
    /// is sorted by it already, else the column's first direction.
    pub fn clicked(self, column: SortColumn) -> Sort {
        if self.column == column {
            Sort { descending: !self.descending, ..self }
        } else {
            Sort { column, descending: column.first_descending() }
        }
    }
}

/// Days from one to another, both included, as the user's calendar reads them; either end
/// may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<chrono::NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<chrono::NaiveDate>,
}

impl DateRange {
    pub fn is_open(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    /// The range as instants (Unix seconds) in `zone`: from the first day's midnight, up to
    /// but not including the midnight after the last day.
    pub fn instants(&self, zone: &crate::domain::time_zone::ZoneOffsets) -> (Option<i64>, Option<i64>) {
        let midnight = |day: chrono::NaiveDate| zone.to_utc(day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp());
        (self.from.map(midnight), self.to.and_then(|day| day.succ_opt()).map(midnight))
    }
}

/// Whose releases the list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Releases whose open task the user holds.
    Mine,
    /// Releases whose open task belongs to one of the user's groups.
    #[serde(rename = "groups")]
    MyGroups,
    #[default]
    All,
}

impl Scope {
    pub fn code(self) -> &'static str {
        match self {
            Scope::Mine => "mine",
            Scope::MyGroups => "groups",
            Scope::All => "all",
        }
    }

    pub fn from_code(code: &str) -> Scope {
        match code {
            "mine" => Scope::Mine,
            "groups" => Scope::MyGroups,
            _ => Scope::All,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// A release number, or words that must all appear in the title.
    pub search: String,
    pub status: Option<Status>,
    pub scope: Scope,
    /// Zero-based; with a cursor below, only what the pager shows.
    pub page: i64,
    /// The page holds the releases numbered below this one (the "next page" link), so
    /// that a page deep in the list costs what the first one does.
    #[serde(default)]
    pub after: Option<i64>,
    /// The page holds the releases numbered above this one (the "previous page" link).
    #[serde(default)]
    pub before: Option<i64>,
    /// Only these priorities (1 highest to 5); any when empty.
    #[serde(default)]
    pub priorities: Vec<i64>,
    /// Only releases of these executor groups; any when empty.
    #[serde(default)]
    pub groups: Vec<GroupId>,
    /// Only releases past their deadline (suspended time not counted), not closed or cancelled.
    #[serde(default)]
    pub late_only: bool,
    /// Rows per page, one of [`PAGE_SIZES`].
    #[serde(default = "default_page_size")]
    pub page_size: i64,
    /// Only releases whose requester's name or user name holds this text (any case, any
    /// accents); any when empty.
    #[serde(default)]
    pub requester: String,
    /// Only releases registered on these days.
    #[serde(default)]
    pub registered: DateRange,
    /// Only releases whose planned end ("Plazo") falls on these days.
    #[serde(default)]
    pub due: DateRange,
    #[serde(default)]
    pub sort: Sort,
}

fn default_page_size() -> i64 {
    PAGE_SIZE
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            search: String::new(),
            status: None,
            scope: Scope::All,
            page: 0,
            after: None,
            before: None,
            priorities: Vec::new(),
            groups: Vec::new(),
            late_only: false,
            page_size: PAGE_SIZE,
            requester: String::new(),
            registered: DateRange::default(),
            due: DateRange::default(),
            sort: Sort::default(),
        }
    }
}

/// A list of numbers as the list's address and the API write it: `1,3`. `None` when a
/// part is not a number.
pub fn parse_numbers(text: &str) -> Option<Vec<i64>> {
    text.split(',').map(str::trim).filter(|part| !part.is_empty()).map(|part| part.parse().ok()).collect()
}

/// `numbers` as [`parse_numbers`] reads them.
pub fn join_numbers(numbers: impl IntoIterator<Item = i64>) -> String {
    numbers.into_iter().map(|n| n.to_string()).collect::<Vec<_>>().join(",")
}

impl ListQuery {
    /// The first page of the same filters.
    pub fn first_page(self) -> ListQuery {
        ListQuery { page: 0, after: None, before: None, ..self }
    }
}

/// One row of the list, as the columns of SPEC §3.1 show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReleaseRow {
    pub id: ReleaseId,
    pub title: String,
    pub requester: String,
    pub created_at: i64,
    pub priority: i64,
    pub planned_end: i64,
    /// Seconds past the deadline, not counting suspensions; zero when on time.
    pub delay_seconds: i64,
    pub status: Status,
    pub current_task: Option<Localized>,
    pub executor_group: String,
    pub responsible: Option<String>,
    /// What the user may do on opening it: confirm the assignment first, or not.
    pub access: crate::domain::flow::Access,
    /// The "Acción" menu's entries the user may take on it now.
    pub actions: Vec<crate::domain::actions::ReleaseAction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasePage {
    pub rows: Vec<ReleaseRow>,
    /// How many releases the filters select, counted up to `COUNT_LIMIT`.
    pub total: i64,
    /// More than `total` releases match: counting them all would cost more than the page.
    pub total_is_lower_bound: bool,
    pub page: i64,
    pub page_size: i64,
    pub has_next: bool,
}

/// The list counts its matches up to this many and then says "more than" ("1–25 de más de
/// 100"). Counting further costs a search more than its page: at a million releases,
/// counting to 1,000 was four fifths of a common search's time in the database
/// (BENCHMARKS.md, the twenty-seventh and twenty-ninth passes).
pub const COUNT_LIMIT: i64 = 100;

impl ListQuery {
    /// The search text's length and the page number; the rest is typed.
    pub fn check(&self) -> Result<(), crate::domain::validation::FieldError> {
        use crate::domain::validation::{check_length, check_page, Field, FieldError, Problem, MAX_SEARCH_CHARS};
        check_length(Field::Search, &self.search, MAX_SEARCH_CHARS)?;
        check_length(Field::Requester, &self.requester, MAX_REQUESTER_CHARS)?;
        for (field, range) in [(Field::RegisteredRange, &self.registered), (Field::DueRange, &self.due)] {
            if range.from.zip(range.to).is_some_and(|(from, to)| from > to) {
                return Err(FieldError { field, problem: Problem::ReversedRange });
            }
        }
        let out_of_range = |field| Err(FieldError { field, problem: Problem::OutOfRange });
        if self.priorities.iter().any(|p| !(1..=5).contains(p)) {
            return out_of_range(Field::Priority);
        }
        if self.groups.len() > MAX_GROUP_FILTERS {
            return Err(FieldError {
                field: Field::ExecutorGroup,
                problem: Problem::TooLong { max: MAX_GROUP_FILTERS },
            });
        }
        if !PAGE_SIZES.contains(&self.page_size) {
            return out_of_range(Field::PageSize);
        }
        check_page(self.page)
    }
}

/// Where a release stands against its deadline (suspended time not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    OnTime,
    /// The deadline is less than a day away.
    DueSoon,
    Late,
    /// Closed or cancelled: no deadline to meet any more.
    Finished,
}

impl Deadline {
    pub const ALL: [Deadline; 4] = [Deadline::OnTime, Deadline::DueSoon, Deadline::Late, Deadline::Finished];

    pub fn code(self) -> &'static str {
        match self {
            Deadline::OnTime => "on_time",
            Deadline::DueSoon => "due_soon",
            Deadline::Late => "late",
            Deadline::Finished => "finished",
        }
    }
}

/// How far ahead a deadline counts as due soon.
pub const DUE_SOON_SECONDS: i64 = 86_400;

/// The counts behind "Gráficos": the releases the list's filters select, grouped four ways.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartCounts {
    pub total: i64,
    pub by_status: Vec<(Status, i64)>,
    pub by_priority: Vec<(i64, i64)>,
    pub by_group: Vec<(String, i64)>,
    pub by_deadline: Vec<(Deadline, i64)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time_zone::ZoneOffsets;
    use chrono::NaiveDate;

    #[test]
    fn a_sort_reads_back_what_it_writes_and_a_click_turns_it() {
        for column in SortColumn::ALL {
            for descending in [false, true] {
                let sort = Sort { column, descending };
                assert_eq!(Sort::parse(&sort.code()), Some(sort));
            }
        }
        assert_eq!(Sort::default().code(), "-number");
        assert_eq!(Sort::parse("status"), None, "no index serves it: not offered");
        assert_eq!(Sort::parse("--priority"), None);
        let by_priority = Sort::default().clicked(SortColumn::Priority);
        assert_eq!(by_priority, Sort { column: SortColumn::Priority, descending: false }, "the most urgent first");
        assert_eq!(by_priority.clicked(SortColumn::Priority).code(), "-priority");
        assert_eq!(by_priority.clicked(SortColumn::Created).code(), "-created", "the newest first");
    }

    #[test]
    fn a_date_range_spans_whole_days_of_the_users_calendar() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d);
        let range = DateRange { from: day(2), to: day(3) };
        assert_eq!(range.instants(&ZoneOffsets::utc()), (Some(1_793_577_600), Some(1_793_750_400)));
        // São Paulo is three hours behind UTC: its midnight comes three hours later.
        let sao_paulo = ZoneOffsets { name: "America/Sao_Paulo".into(), initial: -3 * 3_600, transitions: vec![] };
        assert_eq!(range.instants(&sao_paulo), (Some(1_793_577_600 + 10_800), Some(1_793_750_400 + 10_800)));
        assert_eq!(DateRange { from: None, to: day(3) }.instants(&ZoneOffsets::utc()), (None, Some(1_793_750_400)));
        assert!(DateRange::default().is_open());

        let reversed = ListQuery { due: DateRange { from: day(3), to: day(2) }, ..Default::default() };
        let error = reversed.check().unwrap_err();
        assert_eq!(
            (error.field, error.problem),
            (crate::domain::validation::Field::DueRange, crate::domain::validation::Problem::ReversedRange)
        );
        let one_day = ListQuery { registered: DateRange { from: day(2), to: day(2) }, ..Default::default() };
        assert!(one_day.check().is_ok());
    }
}
