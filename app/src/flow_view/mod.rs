//! "Ver flujo" / "Visualizar fluxo": the release's flow as an SVG diagram computed from the
//! flow definition, with the current step highlighted, the steps already passed marked
//! with who did them and how long they took, loops drawn as such, and the same history
//! as a table beside it.

pub mod api;

use crate::domain::ReleaseId;
use crate::i18n::*;
use crate::language::{format_duration, localized, ErrorAlert};
use crate::log_entries::LogTable;
use crate::time_zone::use_zone;
use api::{release_flow, FlowView};
use leptos::prelude::*;
use std::collections::HashSet;

const NODE_W: i64 = 196;
const NODE_H: i64 = 64;
const GAP: i64 = 84;
const TOP: i64 = 70;
const MARGIN: i64 = 16;

fn node_x(index: usize) -> i64 {
    MARGIN + index as i64 * (NODE_W + GAP)
}

#[component]
pub fn FlowDiagram(release: ReleaseId) -> impl IntoView {
    let i18n = use_i18n();
    let flow = Resource::new(move || release, release_flow);
    view! {
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
            {move || {
                flow.get()
                    .map(|result| match result {
                        Ok(flow) => view! { <FlowPicture flow /> }.into_any(),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn FlowPicture(flow: FlowView) -> impl IntoView {
    let i18n = use_i18n();
    let count = flow.nodes.len();
    let width = node_x(count) + MARGIN;
    let height = TOP + NODE_H + 150;
    // Transitions this release actually took: consecutive visits.
    let taken: HashSet<(usize, usize)> = flow.visits.windows(2).map(|w| (w[0].node, w[1].node)).collect();
    let node_name = {
        let nodes = flow.nodes.clone();
        move |index: usize| match nodes.get(index).and_then(|n| n.name.clone()) {
            Some(name) => localized(i18n.get_locale(), &name),
            None => t_string!(i18n, flow.end).to_owned(),
        }
    };
    let edges = flow
        .edges
        .iter()
        .enumerate()
        .map(|(i, edge)| {
            let (from, to) = (edge.from, edge.to);
            let was_taken = taken.contains(&(from, to));
            let cy = TOP + NODE_H / 2;
            let (path, label_x, label_y) = if edge.back {
                let (x1, x2) = (node_x(from) + NODE_W / 2, node_x(to) + NODE_W / 2);
                let depth = 40 + 25 * (from as i64 - to as i64);
                let y = TOP + NODE_H;
                (
                    format!("M{x1},{y} C{x1},{} {x2},{} {x2},{}", y + depth, y + depth, y + 6),
                    (x1 + x2) / 2,
                    y + depth - 4,
                )
            } else if to == from + 1 {
                let (x1, x2) = (node_x(from) + NODE_W, node_x(to) - 6);
                (format!("M{x1},{cy} L{x2},{cy}"), (x1 + x2) / 2, cy - 8)
            } else {
                let (x1, x2) = (node_x(from) + NODE_W / 2, node_x(to) + NODE_W / 2);
                let lift = 30 + 12 * (to as i64 - from as i64);
                (
                    format!("M{x1},{TOP} C{x1},{} {x2},{} {x2},{}", TOP - lift, TOP - lift, TOP - 6),
                    (x1 + x2) / 2,
                    TOP - lift + 14,
                )
            };
            let label = edge.label.clone();
            let class =
                format!("edge{}{}", if edge.back { " back" } else { "" }, if was_taken { " taken" } else { "" });
            view! {
                <g class=class data-edge=i>
                    <path d=path marker-end="url(#arrow)" />
                    <text x=label_x y=label_y text-anchor="middle">{move || localized(i18n.get_locale(), &label)}</text>
                </g>
            }
        })
        .collect_view();
    let nodes = flow.nodes.iter().enumerate().map(|(index, node)| {
        let x = node_x(index);
        let visits: Vec<_> = flow.visits.iter().filter(|v| v.node == index).cloned().collect();
        let passed = visits.iter().filter(|v| v.finished_at.is_some()).count();
        let last_done = visits.iter().rev().find(|v| v.finished_at.is_some()).cloned();
        let is_current = flow.current == Some(index);
        let is_end = node.name.is_none();
        let class = format!(
            "node{}{}{}",
            if is_current { " current" } else { "" },
            if passed > 0 { " passed" } else { "" },
            if is_end { " end" } else { "" }
        );
        let name = node_name.clone();
        view! {
            <g class=class>
                {if is_end {
                    view! { <circle cx=x + NODE_W / 2 cy=TOP + NODE_H / 2 r="22" /> }.into_any()
                } else {
                    view! { <rect x=x y=TOP width=NODE_W height=NODE_H rx="8" /> }.into_any()
                }}
                <text x=x + NODE_W / 2 y=TOP + 24 text-anchor="middle" class="name">{move || name(index)}</text>
                {last_done.map(|visit| {
                    let who = visit.assignee.clone().unwrap_or_default();
                    let took = format_duration(visit.finished_at.unwrap_or_default() - visit.captured_at.unwrap_or(visit.created_at));
                    view! {
                        <text x=x + NODE_W / 2 y=TOP + 42 text-anchor="middle" class="who">{who}</text>
                        <text x=x + NODE_W / 2 y=TOP + 57 text-anchor="middle" class="took">
                            {if passed > 1 { format!("{took} · ×{passed}") } else { took }}
                        </text>
                    }
                })}
            </g>
        }
    }).collect_view();
    let current_name = flow.current.map(|i| node_name.clone()(i)).unwrap_or_default();
    view! {
        <div class="flow-view">
            <svg
                class="flow-diagram"
                viewBox=format!("0 0 {width} {height}")
                role="img"
                aria-labelledby="flow-svg-title flow-svg-desc"
            >
                <title id="flow-svg-title">{t!(i18n, flow.title)}</title>
                <desc id="flow-svg-desc">{t!(i18n, flow.description, current = current_name.clone())}</desc>
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" />
                    </marker>
                </defs>
                {edges}
                {nodes}
            </svg>
            <FlowHistory flow=flow.clone() />
            {(!flow.actions.is_empty())
                .then(|| {
                    let caption = Signal::derive(move || t_string!(i18n, flow.actions).to_owned());
                    view! {
                        <h3>{t!(i18n, flow.actions)}</h3>
                        <LogTable entries=flow.actions.clone() caption />
                    }
                })}
        </div>
    }
}

#[component]
fn FlowHistory(flow: FlowView) -> impl IntoView {
    let i18n = use_i18n();
    let zone = use_zone();
    let nodes = flow.nodes.clone();
    view! {
        <div class="table-wrap">
            <table class="flow-history">
                <caption>{t!(i18n, flow.history)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, log.task)}</th>
                        <th scope="col">{t!(i18n, list.executor_group)}</th>
                        <th scope="col">{t!(i18n, list.responsible)}</th>
                        <th scope="col">{t!(i18n, flow.started)}</th>
                        <th scope="col">{t!(i18n, flow.finished)}</th>
                        <th scope="col">{t!(i18n, flow.duration)}</th>
                        <th scope="col">{t!(i18n, field.outcome)}</th>
                    </tr>
                </thead>
                <tbody>
                    {flow.visits
                        .into_iter()
                        .map(|visit| {
                            let name = nodes.get(visit.node).and_then(|n| n.name.clone());
                            let outcome = visit.outcome.clone();
                            let started = visit.captured_at.unwrap_or(visit.created_at);
                            view! {
                                <tr>
                                    <td>{move || name.as_ref().map(|n| localized(i18n.get_locale(), n))}</td>
                                    <td>{visit.group}</td>
                                    <td>{visit.assignee}</td>
                                    <td>{move || zone.format(started)}</td>
                                    <td>{move || visit.finished_at.map(|end| zone.format(end))}</td>
                                    <td>{visit.finished_at.map(|end| format_duration(end - started))}</td>
                                    <td>{move || outcome.as_ref().map(|o| localized(i18n.get_locale(), o))}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
