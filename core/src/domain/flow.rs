//! The release flow: a graph of steps and transitions defined in `flows/*.toml`, and the
//! engine that decides, for a release, an acting user and an action, what happens —
//! or refuses with the reason. The server applies the answer in one transaction.

use super::actions::ReleaseScope;
use super::log::LogKind;
use super::permissions::Actor;
use super::validation::{ClosureDraft, FieldError};
use super::{ClosureOutcome, GroupId, Localized, Permission, Status, TaskId, UserId};
use serde::{Deserialize, Serialize};

/// The pseudo-step a transition goes to when the flow ends.
pub const END: &str = "end";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowDefinition {
    pub code: String,
    pub version: i64,
    pub start: String,
    pub steps: Vec<StepDef>,
    pub outcomes: Vec<OutcomeDef>,
    pub transitions: Vec<TransitionDef>,
}

/// Which group executes a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Executor {
    /// The executor group named on the release.
    ReleaseGroup,
    /// A fixed group, by name.
    Group(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDef {
    pub code: String,
    pub name: Localized,
    pub executor: Executor,
    /// The outcomes a task of this step can finish with, in the order offered.
    pub outcomes: Vec<String>,
    /// The status a release takes when someone captures this step's task.
    #[serde(default)]
    pub status_when_captured: Option<Status>,
    /// The step is finished through the Closure area, whose outcome picks the transition.
    #[serde(default)]
    pub needs_closure: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeDef {
    pub code: String,
    pub name: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionDef {
    pub from: String,
    pub outcome: String,
    /// A step code, or [`END`].
    pub to: String,
    /// The status the release takes when this transition fires.
    pub status: Status,
}

/// A flow definition that cannot run, found when it is loaded rather than mid-release.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    #[error("the flow has no steps")]
    NoSteps,
    #[error("the start step `{0}` is not defined")]
    UnknownStart(String),
    #[error("step `{0}` is defined twice")]
    DuplicateStep(String),
    #[error("a transition names the unknown step `{0}`")]
    UnknownStep(String),
    #[error("step `{step}` offers the undefined outcome `{outcome}`")]
    UnknownOutcome { step: String, outcome: String },
    #[error("step `{step}` has no transition for outcome `{outcome}`")]
    MissingTransition { step: String, outcome: String },
    #[error("step `{step}` has more than one transition for outcome `{outcome}`")]
    AmbiguousTransition { step: String, outcome: String },
    #[error("a transition from `{step}` fires on `{outcome}`, which the step does not offer")]
    UnofferedOutcome { step: String, outcome: String },
}

impl FlowDefinition {
    /// Checks that every step's outcomes are defined and lead to exactly one transition,
    /// and that every transition joins known steps.
    pub fn validate(&self) -> Result<(), DefinitionError> {
        if self.steps.is_empty() {
            return Err(DefinitionError::NoSteps);
        }
        if self.step(&self.start).is_none() {
            return Err(DefinitionError::UnknownStart(self.start.clone()));
        }
        for (i, step) in self.steps.iter().enumerate() {
            if self.steps[..i].iter().any(|s| s.code == step.code) {
                return Err(DefinitionError::DuplicateStep(step.code.clone()));
            }
            for outcome in &step.outcomes {
                if self.outcome(outcome).is_none() {
                    return Err(DefinitionError::UnknownOutcome { step: step.code.clone(), outcome: outcome.clone() });
                }
                let leading = self.transitions.iter().filter(|t| t.from == step.code && &t.outcome == outcome).count();
                let problem = DefinitionError::MissingTransition { step: step.code.clone(), outcome: outcome.clone() };
                match leading {
                    0 => return Err(problem),
                    1 => {}
                    _ => {
                        return Err(DefinitionError::AmbiguousTransition {
                            step: step.code.clone(),
                            outcome: outcome.clone(),
                        })
                    }
                }
            }
        }
        for transition in &self.transitions {
            let from =
                self.step(&transition.from).ok_or_else(|| DefinitionError::UnknownStep(transition.from.clone()))?;
            if transition.to != END && self.step(&transition.to).is_none() {
                return Err(DefinitionError::UnknownStep(transition.to.clone()));
            }
            if !from.outcomes.contains(&transition.outcome) {
                return Err(DefinitionError::UnofferedOutcome {
                    step: from.code.clone(),
                    outcome: transition.outcome.clone(),
                });
            }
        }
        Ok(())
    }

    pub fn step(&self, code: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.code == code)
    }

    pub fn outcome(&self, code: &str) -> Option<&OutcomeDef> {
        self.outcomes.iter().find(|o| o.code == code)
    }

    pub fn transition(&self, from: &str, outcome: &str) -> Option<&TransitionDef> {
        self.transitions.iter().find(|t| t.from == from && t.outcome == outcome)
    }

    /// How a release enters this flow: its start step, which the registration itself
    /// completes with the step's first outcome, and the transition that outcome follows.
    /// `None` only for a definition that `validate` would refuse.
    pub fn entry(&self) -> Option<FlowEntry<'_>> {
        let start = self.step(&self.start)?;
        let outcome = start.outcomes.first()?;
        let transition = self.transition(&start.code, outcome)?;
        Some(FlowEntry { start, outcome, transition, next: self.step(&transition.to) })
    }

    /// True when a step of this flow is executed by the group named `group`: that group
    /// answers for every release that follows the flow.
    pub fn names_group(&self, group: &str) -> bool {
        self.steps.iter().any(|s| matches!(&s.executor, Executor::Group(name) if name == group))
    }
}

/// How a release enters its flow (see [`FlowDefinition::entry`]).
#[derive(Debug, Clone, Copy)]
pub struct FlowEntry<'a> {
    pub start: &'a StepDef,
    pub outcome: &'a str,
    pub transition: &'a TransitionDef,
    /// The step the new release waits at; `None` if the flow ends at once.
    pub next: Option<&'a StepDef>,
}

/// Who holds a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub user: UserId,
    pub name: String,
}

/// The open task of a release, as the engine needs to see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenTask {
    pub id: TaskId,
    pub step: String,
    pub group: GroupId,
    pub group_name: String,
    pub assignee: Option<Holder>,
}

/// A release as the engine needs to see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseState {
    pub status: Status,
    pub row_version: i64,
    pub task: Option<OpenTask>,
}

/// Why an action is refused, in words the UI translates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    /// The release has no open task: its flow has ended.
    FlowEnded,
    /// The release is suspended.
    Suspended,
    /// The task belongs to a group the user is not in.
    NotInGroup { group: String },
    /// The user's group lacks the permission the action needs.
    GroupLacksPermission { permission: Permission },
    /// Someone else has captured the task.
    HeldByOther { holder: String },
    /// The task must be captured before it can be saved.
    NotCaptured,
    /// The release changed since the form was loaded.
    StaleVersion { current: i64 },
    /// The step cannot finish with that outcome.
    OutcomeNotAllowed { outcome: String },
    /// A field is missing or wrong.
    Invalid(FieldError),
    /// The item is already linked to the release.
    AlreadyLinked,
    /// A change that is still Registered, or was Cancelled, cannot be linked.
    ChangeNotLinkable { status: String },
    /// The action makes no sense while the release has this status.
    NotAllowedInStatus { status: Status },
    /// The change would leave no active user holding Administrar.
    LastAdministrator,
}

impl From<FieldError> for Refusal {
    fn from(error: FieldError) -> Self {
        Refusal::Invalid(error)
    }
}

/// What capturing a task does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// The task becomes the user's; the release takes `status`.
    Take { status: Status },
    /// The user already holds it: nothing to write.
    AlreadyYours,
}

/// The task that follows an advance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextTask {
    pub step: String,
    pub executor: Executor,
}

/// What finishing the current task does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advance {
    pub finished_task: TaskId,
    pub from_step: String,
    pub outcome: String,
    pub status: Status,
    /// `None` when the flow ends.
    pub next: Option<NextTask>,
}

impl Advance {
    /// The second log entry an advance gets besides "advanced": the execution resolved the
    /// release, or the release went back (not resolved at execution, sent back at review).
    pub fn follow_up(&self) -> Option<LogKind> {
        match self.outcome.as_str() {
            code if code == ClosureOutcome::Resolved.code() => Some(LogKind::Resolved),
            code if code == ClosureOutcome::NotResolved.code() || code == SENT_BACK => Some(LogKind::SentBack),
            _ => None,
        }
    }
}

/// The review's outcome that sends a release back to execution.
pub const SENT_BACK: &str = "sent_back";

/// The open task, unless the flow has ended or the release is suspended.
pub fn open_task(state: &ReleaseState) -> Result<&OpenTask, Refusal> {
    if state.status == Status::Suspended {
        return Err(Refusal::Suspended);
    }
    state.task.as_ref().ok_or(Refusal::FlowEnded)
}

/// What the user may do with a release when opening it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "access", rename_all = "snake_case")]
pub enum Access {
    /// The user holds the task: the form is editable.
    Execute,
    /// The task is free and the user may take it: confirm the assignment first.
    Capture,
    /// The user sees the release read-only, for this reason.
    ReadOnly { reason: Refusal },
}

/// Decides the [`Access`] of `actor` to a release in `state`.
pub fn access(state: &ReleaseState, actor: &Actor) -> Access {
    let task = match open_task(state) {
        Ok(task) => task,
        Err(reason) => return Access::ReadOnly { reason },
    };
    if let Err(reason) = check_may_execute(task, actor) {
        return Access::ReadOnly { reason };
    }
    match &task.assignee {
        None => Access::Capture,
        Some(holder) if holder.user == actor.user => Access::Execute,
        Some(holder) => Access::ReadOnly { reason: Refusal::HeldByOther { holder: holder.name.clone() } },
    }
}

/// Linking and unlinking: the user holding the current task (in its group, with Execute),
/// or anyone whose group has Delegate and answers for the release.
pub fn check_may_relate(state: &ReleaseState, scope: &ReleaseScope, actor: &Actor) -> Result<(), Refusal> {
    if actor.may_on(Permission::Delegate, scope) {
        return Ok(());
    }
    let task = open_task(state)?;
    check_may_execute(task, actor)?;
    match &task.assignee {
        Some(holder) if holder.user == actor.user => Ok(()),
        Some(holder) => Err(Refusal::HeldByOther { holder: holder.name.clone() }),
        None => Err(Refusal::NotCaptured),
    }
}

/// The user may execute `task`: they are in its group and the group has Execute.
pub fn check_may_execute(task: &OpenTask, actor: &Actor) -> Result<(), Refusal> {
    if !actor.is_member_of(task.group) {
        return Err(Refusal::NotInGroup { group: task.group_name.clone() });
    }
    if !actor.group_grants(task.group, Permission::Execute) {
        return Err(Refusal::GroupLacksPermission { permission: Permission::Execute });
    }
    Ok(())
}

/// Capturing the open task. Whether anyone else got there first at the same instant is
/// settled by the database; this decides whether the user may try at all.
pub fn capture(flow: &FlowDefinition, state: &ReleaseState, actor: &Actor) -> Result<Capture, Refusal> {
    let task = open_task(state)?;
    check_may_execute(task, actor)?;
    match &task.assignee {
        Some(holder) if holder.user == actor.user => Ok(Capture::AlreadyYours),
        Some(holder) => Err(Refusal::HeldByOther { holder: holder.name.clone() }),
        None => {
            let status = flow.step(&task.step).and_then(|s| s.status_when_captured).unwrap_or(state.status);
            Ok(Capture::Take { status })
        }
    }
}

/// Saving the release while keeping the task: the user holds the task and saw the latest
/// version. Returns the task being worked on.
pub fn check_save<'a>(state: &'a ReleaseState, actor: &Actor, expected_version: i64) -> Result<&'a OpenTask, Refusal> {
    let task = open_task(state)?;
    check_may_execute(task, actor)?;
    match &task.assignee {
        None => return Err(Refusal::NotCaptured),
        Some(holder) if holder.user != actor.user => return Err(Refusal::HeldByOther { holder: holder.name.clone() }),
        Some(_) => {}
    }
    if state.row_version != expected_version {
        return Err(Refusal::StaleVersion { current: state.row_version });
    }
    Ok(task)
}

/// Finishing the current task. On a step that needs the closure, the Closure area's
/// outcome picks the transition and must be complete; elsewhere `decision` does.
pub fn advance(
    flow: &FlowDefinition,
    state: &ReleaseState,
    actor: &Actor,
    expected_version: i64,
    decision: Option<&str>,
    closure: &ClosureDraft,
) -> Result<Advance, Refusal> {
    let task = check_save(state, actor, expected_version)?;
    let step = flow.step(&task.step).ok_or_else(|| Refusal::OutcomeNotAllowed { outcome: task.step.clone() })?;
    let outcome = if step.needs_closure {
        closure.check_for_advance()?.code().to_owned()
    } else {
        closure.check_for_save()?;
        match decision {
            Some(outcome) => outcome.to_owned(),
            None => {
                return Err(Refusal::Invalid(FieldError {
                    field: super::validation::Field::Outcome,
                    problem: super::validation::Problem::Required,
                }))
            }
        }
    };
    if !step.outcomes.contains(&outcome) {
        return Err(Refusal::OutcomeNotAllowed { outcome });
    }
    let transition =
        flow.transition(&step.code, &outcome).ok_or_else(|| Refusal::OutcomeNotAllowed { outcome: outcome.clone() })?;
    let next = if transition.to == END {
        None
    } else {
        let next_step =
            flow.step(&transition.to).ok_or_else(|| Refusal::OutcomeNotAllowed { outcome: outcome.clone() })?;
        Some(NextTask { step: next_step.code.clone(), executor: next_step.executor.clone() })
    };
    Ok(Advance { finished_task: task.id, from_step: step.code.clone(), outcome, status: transition.status, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permissions::tests::actor;
    use crate::domain::validation::{Field, Problem};
    use crate::domain::CategoryId;

    const EXECUTORS: i64 = 10;
    const MANAGERS: i64 = 20;

    #[test]
    fn a_release_enters_at_registration_and_waits_for_authorization() {
        let flow = release_flow();
        let entry = flow.entry().expect("the release flow has an entry");
        assert_eq!(entry.start.code, flow.start);
        assert_eq!(entry.outcome, entry.start.outcomes[0]);
        assert_eq!(entry.next.map(|s| s.code.as_str()), Some(entry.transition.to.as_str()));
        assert_ne!(entry.next.map(|s| s.code.as_str()), Some(flow.start.as_str()));
    }

    #[test]
    fn resolving_and_sending_back_get_their_own_log_entry() {
        let advance = |outcome: &str| Advance {
            finished_task: TaskId(1),
            from_step: "execution".into(),
            outcome: outcome.into(),
            status: Status::Resolved,
            next: None,
        };
        assert_eq!(advance("resolved").follow_up(), Some(LogKind::Resolved));
        assert_eq!(advance("not_resolved").follow_up(), Some(LogKind::SentBack));
        assert_eq!(advance(SENT_BACK).follow_up(), Some(LogKind::SentBack));
        assert_eq!(advance("approved").follow_up(), None);
    }

    fn release_flow() -> FlowDefinition {
        let flow: FlowDefinition = toml::from_str(include_str!("../../../flows/release.toml")).expect("flow parses");
        flow.validate().expect("flow is valid");
        flow
    }

    fn state(step: &str, status: Status, assignee: Option<i64>) -> ReleaseState {
        let group = if step == "execution" { EXECUTORS } else { MANAGERS };
        ReleaseState {
            status,
            row_version: 7,
            task: Some(OpenTask {
                id: TaskId(99),
                step: step.to_owned(),
                group: GroupId(group),
                group_name: format!("Group {group}"),
                assignee: assignee.map(|user| Holder { user: UserId(user), name: format!("User {user}") }),
            }),
        }
    }

    fn executor() -> Actor {
        actor(1, &[(EXECUTORS, &[Permission::Execute])])
    }

    fn manager() -> Actor {
        actor(2, &[(MANAGERS, &[Permission::Execute, Permission::Create])])
    }

    fn closure(outcome: ClosureOutcome, category: Option<i64>, info: &str) -> ClosureDraft {
        ClosureDraft {
            outcome: Some(outcome),
            solution_category: category.map(CategoryId),
            useful_information: info.to_owned(),
        }
    }

    fn step_after(
        step: &str,
        user: &Actor,
        decision: Option<&str>,
        closure: &ClosureDraft,
    ) -> (Status, Option<String>) {
        let advance = super::advance(
            &release_flow(),
            &state(step, Status::Approved, Some(user.user.0)),
            user,
            7,
            decision,
            closure,
        )
        .expect("advance allowed");
        (advance.status, advance.next.map(|n| n.step))
    }

    #[test]
    fn the_repository_flow_is_valid_and_starts_at_register() {
        let flow = release_flow();
        assert_eq!(flow.start, "register");
        assert_eq!(flow.step("execution").map(|s| &s.executor), Some(&Executor::ReleaseGroup));
    }

    #[test]
    fn every_transition_of_the_default_flow() {
        let none = ClosureDraft::default();
        let m = manager();
        let e = executor();
        assert_eq!(
            step_after("register", &m, Some("registered"), &none),
            (Status::Registered, Some("authorization".into()))
        );
        assert_eq!(
            step_after("authorization", &m, Some("approved"), &none),
            (Status::Approved, Some("execution".into()))
        );
        assert_eq!(step_after("authorization", &m, Some("rejected"), &none), (Status::Cancelled, None));
        let resolved = closure(ClosureOutcome::Resolved, Some(3), "deployed to production");
        assert_eq!(step_after("execution", &e, None, &resolved), (Status::Resolved, Some("review".into())));
        let failed = closure(ClosureOutcome::NotResolved, None, "database migration failed");
        assert_eq!(step_after("execution", &e, None, &failed), (Status::NotResolved, Some("authorization".into())));
        assert_eq!(step_after("review", &m, Some("accepted"), &none), (Status::Closed, None));
        assert_eq!(step_after("review", &m, Some("sent_back"), &none), (Status::Approved, Some("execution".into())));
    }

    #[test]
    fn execution_ignores_a_decision_and_follows_the_closure() {
        let failed = closure(ClosureOutcome::NotResolved, None, "rolled back");
        assert_eq!(step_after("execution", &executor(), Some("resolved"), &failed).0, Status::NotResolved);
    }

    #[test]
    fn capture_sets_in_execution_and_recognises_the_holder() {
        let flow = release_flow();
        let e = executor();
        assert_eq!(
            capture(&flow, &state("execution", Status::Approved, None), &e),
            Ok(Capture::Take { status: Status::InExecution })
        );
        assert_eq!(capture(&flow, &state("execution", Status::InExecution, Some(1)), &e), Ok(Capture::AlreadyYours));
        assert_eq!(
            capture(&flow, &state("review", Status::Resolved, None), &manager()),
            Ok(Capture::Take { status: Status::Resolved })
        );
    }

    #[test]
    fn capture_refusals_name_the_reason() {
        let flow = release_flow();
        let e = executor();
        assert_eq!(
            capture(&flow, &state("execution", Status::InExecution, Some(5)), &e),
            Err(Refusal::HeldByOther { holder: "User 5".into() })
        );
        assert_eq!(
            capture(&flow, &state("review", Status::Resolved, None), &e),
            Err(Refusal::NotInGroup { group: format!("Group {MANAGERS}") })
        );
        let member_without_execute = actor(3, &[(EXECUTORS, &[Permission::Create])]);
        assert_eq!(
            capture(&flow, &state("execution", Status::Approved, None), &member_without_execute),
            Err(Refusal::GroupLacksPermission { permission: Permission::Execute })
        );
        assert_eq!(capture(&flow, &state("execution", Status::Suspended, None), &e), Err(Refusal::Suspended));
        let ended = ReleaseState { status: Status::Closed, row_version: 1, task: None };
        assert_eq!(capture(&flow, &ended, &e), Err(Refusal::FlowEnded));
    }

    #[test]
    fn access_tells_execute_capture_or_read_only_with_the_reason() {
        let e = executor();
        assert_eq!(access(&state("execution", Status::InExecution, Some(1)), &e), Access::Execute);
        assert_eq!(access(&state("execution", Status::Approved, None), &e), Access::Capture);
        assert_eq!(
            access(&state("execution", Status::InExecution, Some(5)), &e),
            Access::ReadOnly { reason: Refusal::HeldByOther { holder: "User 5".into() } }
        );
        assert_eq!(
            access(&state("review", Status::Resolved, None), &e),
            Access::ReadOnly { reason: Refusal::NotInGroup { group: format!("Group {MANAGERS}") } }
        );
        let requester = actor(9, &[(EXECUTORS, &[])]);
        assert_eq!(
            access(&state("execution", Status::Approved, None), &requester),
            Access::ReadOnly { reason: Refusal::GroupLacksPermission { permission: Permission::Execute } }
        );
        assert_eq!(
            access(&state("execution", Status::Suspended, None), &e),
            Access::ReadOnly { reason: Refusal::Suspended }
        );
    }

    #[test]
    fn the_holder_or_a_delegate_may_relate() {
        let e = executor();
        let flow = release_flow();
        let relate = |state: &ReleaseState, actor: &Actor| {
            check_may_relate(state, &ReleaseScope::new(&flow, GroupId(EXECUTORS), state), actor)
        };
        assert_eq!(relate(&state("execution", Status::InExecution, Some(1)), &e), Ok(()));
        assert_eq!(relate(&state("execution", Status::Approved, None), &e), Err(Refusal::NotCaptured));
        assert_eq!(
            relate(&state("execution", Status::InExecution, Some(5)), &e),
            Err(Refusal::HeldByOther { holder: "User 5".into() })
        );
        let delegate = actor(7, &[(EXECUTORS, &[Permission::Delegate])]);
        assert_eq!(relate(&state("execution", Status::InExecution, Some(5)), &delegate), Ok(()));
        let other_group_delegate = actor(8, &[(30, &[Permission::Delegate])]);
        assert_eq!(
            relate(&state("execution", Status::InExecution, Some(5)), &other_group_delegate),
            Err(Refusal::NotInGroup { group: format!("Group {EXECUTORS}") })
        );
        let ended = ReleaseState { status: Status::Closed, row_version: 1, task: None };
        assert_eq!(relate(&ended, &e), Err(Refusal::FlowEnded));
    }

    #[test]
    fn save_refusals_name_the_reason() {
        let e = executor();
        assert_eq!(check_save(&state("execution", Status::Approved, None), &e, 7), Err(Refusal::NotCaptured));
        assert_eq!(
            check_save(&state("execution", Status::InExecution, Some(5)), &e, 7),
            Err(Refusal::HeldByOther { holder: "User 5".into() })
        );
        assert_eq!(
            check_save(&state("execution", Status::InExecution, Some(1)), &e, 6),
            Err(Refusal::StaleVersion { current: 7 })
        );
        assert!(check_save(&state("execution", Status::InExecution, Some(1)), &e, 7).is_ok());
        let outsider = actor(4, &[(30, &[Permission::Execute])]);
        assert!(matches!(
            check_save(&state("execution", Status::InExecution, Some(1)), &outsider, 7),
            Err(Refusal::NotInGroup { .. })
        ));
    }

    #[test]
    fn advance_refusals_name_the_reason() {
        let flow = release_flow();
        let e = executor();
        let held = state("execution", Status::InExecution, Some(1));
        let no_category = closure(ClosureOutcome::Resolved, None, "done");
        assert_eq!(
            advance(&flow, &held, &e, 7, None, &no_category),
            Err(Refusal::Invalid(FieldError { field: Field::SolutionCategory, problem: Problem::Required }))
        );
        let m = manager();
        let review = state("review", Status::Resolved, Some(2));
        assert_eq!(
            advance(&flow, &review, &m, 7, Some("approved"), &ClosureDraft::default()),
            Err(Refusal::OutcomeNotAllowed { outcome: "approved".into() })
        );
        assert_eq!(
            advance(&flow, &review, &m, 7, None, &ClosureDraft::default()),
            Err(Refusal::Invalid(FieldError { field: Field::Outcome, problem: Problem::Required }))
        );
        let complete = closure(ClosureOutcome::Resolved, Some(1), "ok");
        assert_eq!(advance(&flow, &held, &e, 3, None, &complete), Err(Refusal::StaleVersion { current: 7 }));
    }

    #[test]
    fn broken_definitions_are_refused_on_load() {
        let mut flow = release_flow();
        flow.transitions.retain(|t| !(t.from == "review" && t.outcome == "sent_back"));
        assert_eq!(
            flow.validate(),
            Err(DefinitionError::MissingTransition { step: "review".into(), outcome: "sent_back".into() })
        );
        let mut flow = release_flow();
        flow.transitions[0].to = "nowhere".into();
        assert_eq!(flow.validate(), Err(DefinitionError::UnknownStep("nowhere".into())));
        let mut flow = release_flow();
        flow.start = "missing".into();
        assert_eq!(flow.validate(), Err(DefinitionError::UnknownStart("missing".into())));
    }
}
