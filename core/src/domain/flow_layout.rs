//! Places a flow's steps for drawing, from the graph alone: steps are ordered by their
//! distance from the start along transitions, and a transition that goes back to an
//! earlier step is a loop, drawn below the line of steps.

use crate::domain::flow::{FlowDefinition, END};
use std::collections::{HashMap, VecDeque};

/// Steps in drawing order (the end pseudo-step last) and each transition's direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLayout {
    pub order: Vec<String>,
    /// (from index, to index, outcome code, goes back)
    pub edges: Vec<(usize, usize, String, bool)>,
}

pub fn layout(flow: &FlowDefinition) -> FlowLayout {
    // Breadth-first from the start: a step's column is how many transitions away it is.
    let mut depth: HashMap<&str, usize> = HashMap::new();
    let mut queue = VecDeque::from([flow.start.as_str()]);
    depth.insert(flow.start.as_str(), 0);
    while let Some(step) = queue.pop_front() {
        let d = depth[step];
        for t in flow.transitions.iter().filter(|t| t.from == step && t.to != END) {
            if !depth.contains_key(t.to.as_str()) {
                depth.insert(t.to.as_str(), d + 1);
                queue.push_back(t.to.as_str());
            }
        }
    }
    let mut order: Vec<String> = flow.steps.iter().map(|s| s.code.clone()).collect();
    // Unreachable steps go last, in definition order.
    order.sort_by_key(|code| depth.get(code.as_str()).copied().unwrap_or(usize::MAX));
    order.push(END.to_owned());
    let index = |code: &str| order.iter().position(|c| c == code).unwrap_or(order.len() - 1);
    let edges = flow
        .transitions
        .iter()
        .map(|t| {
            let (from, to) = (index(&t.from), index(&t.to));
            (from, to, t.outcome.clone(), to <= from)
        })
        .collect();
    FlowLayout { order, edges }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_flow_reads_left_to_right_with_its_two_loops() {
        let flow: FlowDefinition = toml::from_str(include_str!("../../../flows/release.toml")).expect("flow");
        let layout = layout(&flow);
        assert_eq!(layout.order, ["register", "authorization", "execution", "review", "end"]);
        let back: Vec<_> = layout.edges.iter().filter(|e| e.3).map(|e| e.2.as_str()).collect();
        assert_eq!(back, ["not_resolved", "sent_back"]);
    }
}
