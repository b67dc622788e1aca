//! "Ver flujo": the flow of a release with what happened in it.

use super::Ctx;
use crate::domain::{Localized, ReleaseId};
use crate::model::flow::{FlowEdge, FlowNode, FlowView, Visit};
use crate::store::Db;
use crate::Error;

#[derive(sqlx::FromRow)]
pub struct StoredVisit {
    #[sqlx(rename = "step_code")]
    pub step: String,
    #[sqlx(rename = "group_name")]
    pub group: String,
    pub assignee: Option<String>,
    pub created_at: i64,
    pub captured_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub outcome: Option<String>,
}

/// Every task of the release, oldest first.
async fn visits(db: &Db, release: ReleaseId) -> Result<Vec<StoredVisit>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.step_code, g.name AS group_name, u.full_name AS assignee, t.created_at,
                t.captured_at, t.finished_at, t.outcome
           FROM tasks t
           JOIN user_groups g ON g.id = t.group_id
           LEFT JOIN users u ON u.id = t.assignee_id
          WHERE t.release_id = $1
          ORDER BY t.id",
    )
    .bind(release.0)
    .fetch_all(&db.pool)
    .await
}

/// "Ver flujo": the release's flow laid out from its graph, where it stands, every visit
/// of a step with who did it and how long it took, and the "Acción" menu's actions taken
/// on it. Anyone logged in may read it.
pub async fn flow_view(ctx: &Ctx, id: ReleaseId) -> Result<FlowView, Error> {
    use crate::domain::flow::Executor;
    let db = &ctx.db;
    let release = crate::store::releases::load(db, id).await?;
    let flow = ctx.flows.get(db, release.flow_id).await?;
    let layout = crate::domain::flow_layout::layout(&flow);
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
    let visits = visits(db, id)
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
    let actions = crate::store::log::entries(db, id)
        .await?
        .into_iter()
        .filter_map(|entry| crate::commands::log::entry_view(&flow, &Default::default(), entry))
        .filter(|entry| entry.kind.is_release_action())
        .collect();
    Ok(FlowView { nodes, edges, current, visits, actions })
}
