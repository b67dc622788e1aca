//! The flow of a release with what happened in it, for "Ver flujo".

use crate::domain::{Localized, ReleaseId};
use crate::error::AppError;
use leptos::prelude::*;
use crate::codec::StrictJson;
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
    pub actions: Vec<crate::execution_log::api::LogEntryView>,
}

#[server(prefix = "/api", endpoint = "release_flow", input = StrictJson, output = crate::codec::JsonText)]
pub async fn release_flow(id: ReleaseId) -> Result<FlowView, AppError> {
    use crate::auth::session::{require_actor, use_db};
    use crate::domain::flow::Executor;
    require_actor().await?;
    let db = use_db()?;
    let flows = crate::auth::session::use_flows()?;
    let release = crate::release_form::db::load(&db, id).await?;
    let flow = flows.get(&db, release.flow_id).await?;
    let layout = super::layout::layout(&flow);
    let nodes = layout
        .order
        .iter()
        .map(|code| {
            let step = flow.step(code);
            FlowNode {
                code: code.clone(),
                name: step.map(|s| s.name.clone()),
                group: step.map(|s| match &s.executor {
                    Executor::Group(name) => name.clone(),
                    Executor::ReleaseGroup => String::new(),
                }),
            }
        })
        .collect();
    let edges = layout
        .edges
        .iter()
        .map(|(from, to, outcome, back)| FlowEdge {
            from: *from,
            to: *to,
            label: flow
                .outcome(outcome)
                .map(|o| o.name.clone())
                .unwrap_or(Localized { es: outcome.clone(), pt: outcome.clone() }),
            back: *back,
        })
        .collect();
    let node_of = |code: &str| layout.order.iter().position(|c| c == code);
    let visits = super::db::visits(&db, id)
        .await?
        .into_iter()
        .filter_map(|v| {
            Some(Visit {
                node: node_of(&v.step)?,
                group: v.group,
                assignee: v.assignee,
                created_at: v.created_at,
                captured_at: v.captured_at,
                finished_at: v.finished_at,
                outcome: v.outcome.as_deref().and_then(|o| flow.outcome(o)).map(|o| o.name.clone()),
            })
        })
        .collect();
    let current = release.state.task.as_ref().and_then(|t| node_of(&t.step));
    let actions = crate::execution_log::db::entries(&db, id)
        .await?
        .into_iter()
        .filter_map(|entry| crate::execution_log::api::entry_view(&flow, entry))
        .filter(|entry| entry.kind.is_release_action())
        .collect();
    Ok(FlowView { nodes, edges, current, visits, actions })
}
