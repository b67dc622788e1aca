//! The release list: its query, its rows, its charts.

use crate::domain::{GroupId, Localized, ReleaseId, Status};
use serde::{Deserialize, Serialize};

/// Rows per page of the list, unless the user chooses another of [`PAGE_SIZES`].
pub const PAGE_SIZE: i64 = 25;
/// The page sizes the list offers.
pub const PAGE_SIZES: [i64; 3] = [25, 50, 100];
/// The most executor groups one filter names.
pub const MAX_GROUP_FILTERS: usize = 50;

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

/// The list counts its matches up to this many and then says "more than".
pub const COUNT_LIMIT: i64 = 1_000;

impl ListQuery {
    /// The search text's length and the page number; the rest is typed.
    pub fn check(&self) -> Result<(), crate::domain::validation::FieldError> {
        use crate::domain::validation::{check_length, check_page, Field, FieldError, Problem, MAX_SEARCH_CHARS};
        check_length(Field::Search, &self.search, MAX_SEARCH_CHARS)?;
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
