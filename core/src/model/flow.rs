//! The flow of a release with what happened in it, for "Ver flujo".

use crate::domain::Localized;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowNode {
    pub code: String,
    /// `None` for the end of the flow.
    pub name: Option<Localized>,
    /// Who executes it: a group name, or the release's executor group.
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowEdge {
    pub from: usize,
    pub to: usize,
    pub label: Localized,
    pub back: bool,
}

/// One visit of a step: who did it and how long it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub node: usize,
    pub group: String,
    pub assignee: Option<String>,
    pub created_at: i64,
    pub captured_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub outcome: Option<Localized>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowView {
    pub nodes: Vec<FlowNode>,
    pub edges: Vec<FlowEdge>,
    pub current: Option<usize>,
    pub visits: Vec<Visit>,
    /// Delegations, suspensions, reactivations, reopenings and cancellation, oldest first.
    pub actions: Vec<crate::model::log::LogEntryView>,
}
