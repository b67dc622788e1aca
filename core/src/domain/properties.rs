//! Property tests of the domain rules: the flow engine over any sequence of operations on a
//! release, which "Acción" menu entries an actor may take, and the checks of what users type.
//!
//! The engine only decides; the server writes. [`Desk`] mirrors those writes (see
//! `release_form/db.rs` and `release_actions/db.rs`) so that sequences of operations can be
//! followed from a release just registered under the repository's `flows/release.toml`.

use super::actions::{check_action, reopen_target, ReleaseAction, ReleaseScope};
use super::flow::{
    self, access, check_may_relate, Access, Capture, DefinitionError, Executor, FlowDefinition, Holder, OpenTask,
    Refusal, ReleaseState, StepDef, END,
};
use super::occurrence::{check_may_record, OccurrenceDraft, MAX_DESCRIPTION_CHARS, MAX_MINUTES, MAX_OCCURRENCE_CHARS};
use super::permissions::{self, Actor, Membership};
use super::priority::{priority, Level};
use super::validation::{
    check_length, check_new_password, check_page, check_planned_time, check_required, ClosureDraft, Field, FieldError,
    Problem, MAX_CODE_CHARS, MAX_PAGE, MAX_PASSWORD_CHARS, MAX_TEXT_CHARS, MIN_PASSWORD_CHARS, PLANNED_TIMES,
};
use super::{CategoryId, ClosureOutcome, DeadlineClock, GroupId, Permission, Status, TaskId, UserId};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, subsequence, Index};
use std::sync::LazyLock;

/// The repository's flow, as the server loads it.
static FLOW: LazyLock<FlowDefinition> = LazyLock::new(|| {
    let flow: FlowDefinition = toml::from_str(include_str!("../../../flows/release.toml")).expect("flow parses");
    flow.validate().expect("flow is valid");
    flow
});

/// The group the flow names for authorization and review.
const MANAGING: &str = "Gestión de Cambios";
const MANAGERS: i64 = 20;
/// Executor groups that releases name.
const N1: i64 = 10;
const N2: i64 = 11;
/// A group with no part in the releases unless a task is delegated to it.
const OUTSIDERS: i64 = 30;
const GROUPS: [i64; 4] = [N1, N2, MANAGERS, OUTSIDERS];
/// A group that never answers for any release.
const NOBODY: i64 = 99;
/// Users are 1..=USERS; user 1 is also the all-powerful [`admin`].
const USERS: i64 = 4;

fn group_name(group: i64) -> String {
    if group == MANAGERS {
        MANAGING.to_owned()
    } else {
        format!("Group {group}")
    }
}

fn holder(user: i64) -> Holder {
    Holder { user: UserId(user), name: format!("User {user}") }
}

/// The actor of the domain's tests, in `groups`, the managing group under its flow name.
fn make_actor(user: i64, groups: &[(i64, Vec<Permission>)]) -> Actor {
    let groups: Vec<(i64, &[Permission])> = groups.iter().map(|(g, p)| (*g, p.as_slice())).collect();
    let mut actor = permissions::tests::actor(user, &groups);
    for m in &mut actor.memberships {
        m.group_name = group_name(m.group.0);
    }
    actor
}

/// User 1, in every group with every permission.
fn admin() -> Actor {
    everything(1)
}

fn everything(user: i64) -> Actor {
    make_actor(user, &GROUPS.map(|g| (g, Permission::ALL.to_vec())))
}

fn permissions() -> impl Strategy<Value = Vec<Permission>> {
    subsequence(Permission::ALL.to_vec(), 0..=Permission::ALL.len())
}

/// Any user, in up to three of the groups, each group with any permissions.
fn actor() -> impl Strategy<Value = Actor> {
    (1..=USERS, btree_map(select(GROUPS.to_vec()), permissions(), 0..=3))
        .prop_map(|(user, groups)| make_actor(user, &Vec::from_iter(groups)))
}

/// Mostly actors able to make progress, so that sequences reach every part of the flow.
fn busy_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![3 => Just(admin()), 1 => Just(everything(2)), 1 => actor()]
}

fn step_codes() -> Vec<String> {
    FLOW.steps.iter().map(|s| s.code.clone()).collect()
}

/// An open task at any step of the flow, of any group, free or held by anyone.
fn any_task() -> impl Strategy<Value = OpenTask> {
    (1..1_000i64, select(step_codes()), select(GROUPS.to_vec()), option::of(1..=USERS)).prop_map(
        |(id, step, group, assignee)| OpenTask {
            id: TaskId(id),
            step,
            group: GroupId(group),
            group_name: group_name(group),
            assignee: assignee.map(holder),
        },
    )
}

/// Any combination of status and task, reachable or not.
fn any_state() -> impl Strategy<Value = ReleaseState> {
    (select(Status::ALL), 0..4i64, option::of(any_task())).prop_map(|(status, row_version, task)| ReleaseState {
        status,
        row_version,
        task,
    })
}

/// A release in any state, its executor group, and any actor looking at it.
fn situation() -> impl Strategy<Value = (ReleaseState, GroupId, Actor)> {
    (any_state(), select(vec![GroupId(N1), GroupId(N2)]), actor())
}

/// The outcomes of the flow, a missing decision, or any text.
fn decision() -> impl Strategy<Value = Option<String>> {
    let codes: Vec<String> = FLOW.outcomes.iter().map(|o| o.code.clone()).collect();
    prop_oneof![4 => select(codes).prop_map(Some), 1 => Just(None), 1 => "\\PC{0,12}".prop_map(Some)]
}

fn closure() -> impl Strategy<Value = ClosureDraft> {
    let info = prop_oneof![Just(String::new()), Just(" \n\t".to_owned()), "[a-zñç]{1,8}( [a-zñç]{1,8}){0,3}"];
    (option::of(select(ClosureOutcome::ALL)), option::of(1..5i64), info).prop_map(|(outcome, category, info)| {
        ClosureDraft { outcome, solution_category: category.map(CategoryId), useful_information: info }
    })
}

/// A Closure area filled in completely.
fn complete(outcome: ClosureOutcome) -> ClosureDraft {
    ClosureDraft { outcome: Some(outcome), solution_category: Some(CategoryId(1)), useful_information: "done".into() }
}

/// Mostly complete, so that executions get finished; or filled in any way.
fn filled_closure() -> impl Strategy<Value = ClosureDraft> {
    prop_oneof![
        2 => Just(complete(ClosureOutcome::Resolved)),
        1 => Just(complete(ClosureOutcome::NotResolved)),
        2 => closure(),
    ]
}

/// What the user picks to finish a task.
#[derive(Debug, Clone)]
enum Decision {
    /// The first outcome the current step offers: the way forward in the repository's flow.
    Forward,
    /// One of the outcomes the current step offers.
    Offered(Index),
    /// Anything: another step's outcome, none, or any text.
    Typed(Option<String>),
}

/// One thing a user does to a release.
#[derive(Debug, Clone)]
enum Op {
    Capture(Actor),
    /// `stale`: the form was loaded before the last change.
    Save {
        actor: Actor,
        stale: bool,
    },
    Advance {
        actor: Actor,
        stale: bool,
        decision: Decision,
        closure: ClosureDraft,
    },
    Delegate {
        actor: Actor,
        group: i64,
        user: Option<i64>,
    },
    /// Suspend, Reactivate, Reopen or Cancel.
    Act(ReleaseAction, Actor),
    /// Whatever moves the release on: see [`Desk::forward`].
    Forward,
}

/// Operations weighted so that sequences go through the whole flow, and past its end, more
/// often than a cancellation ends them.
fn op() -> impl Strategy<Value = Op> {
    let stale = prop::bool::weighted(0.15);
    let decision = prop_oneof![
        3 => Just(Decision::Forward),
        1 => any::<Index>().prop_map(Decision::Offered),
        1 => decision().prop_map(Decision::Typed),
    ];
    let act = |action| busy_actor().prop_map(move |actor| Op::Act(action, actor));
    prop_oneof![
        30 => busy_actor().prop_map(Op::Capture),
        10 => (busy_actor(), stale).prop_map(|(actor, stale)| Op::Save { actor, stale }),
        50 => (busy_actor(), stale, decision, filled_closure())
            .prop_map(|(actor, stale, decision, closure)| Op::Advance { actor, stale, decision, closure }),
        10 => (busy_actor(), select(GROUPS.to_vec()), option::of(1..=USERS))
            .prop_map(|(actor, group, user)| Op::Delegate { actor, group, user }),
        6 => act(ReleaseAction::Suspend),
        10 => act(ReleaseAction::Reactivate),
        10 => act(ReleaseAction::Reopen),
        1 => act(ReleaseAction::Cancel),
        30 => Just(Op::Forward),
    ]
}

/// A release as the server keeps it: its state, its executor group and the status a
/// suspension will return to.
#[derive(Debug, Clone)]
struct Desk {
    state: ReleaseState,
    executor_group: GroupId,
    suspended_from: Option<Status>,
    tasks_opened: i64,
}

impl Desk {
    /// A release just registered: its start step finished, waiting free at the next one.
    fn registered(executor_group: i64) -> Desk {
        let start = FLOW.step(&FLOW.start).expect("start step");
        let first = FLOW.transition(&start.code, &start.outcomes[0]).expect("the registration's transition");
        let mut desk = Desk {
            state: ReleaseState { status: first.status, row_version: 0, task: None },
            executor_group: GroupId(executor_group),
            suspended_from: None,
            tasks_opened: 1,
        };
        desk.open(&first.to);
        desk
    }

    fn scope(&self) -> ReleaseScope<'static> {
        ReleaseScope::new(&FLOW, self.executor_group, &self.state)
    }

    /// Opens the free task of `step`, for the group that executes it; at [`END`], none.
    fn open(&mut self, step: &str) {
        self.state.task = match FLOW.step(step) {
            None => None,
            Some(step) => {
                let group = match &step.executor {
                    Executor::ReleaseGroup => self.executor_group.0,
                    Executor::Group(name) => {
                        assert_eq!(name, MANAGING, "the flow names an unknown group");
                        MANAGERS
                    }
                };
                self.tasks_opened += 1;
                Some(OpenTask {
                    id: TaskId(self.tasks_opened),
                    step: step.code.clone(),
                    group: GroupId(group),
                    group_name: group_name(group),
                    assignee: None,
                })
            }
        };
    }

    /// Lets the domain decide `op` and, when it accepts, writes what the server writes.
    fn apply(&mut self, op: &Op) -> Result<(), Refusal> {
        let expected = |stale: bool| if stale { self.state.row_version - 1 } else { self.state.row_version };
        match op {
            Op::Capture(actor) => match flow::capture(&FLOW, &self.state, actor)? {
                Capture::AlreadyYours => return Ok(()),
                Capture::Take { status } => {
                    let task = self.state.task.as_mut().expect("a capture takes the open task");
                    task.assignee = Some(holder(actor.user.0));
                    self.state.status = status;
                }
            },
            Op::Save { actor, stale } => {
                flow::check_save(&self.state, actor, expected(*stale))?;
            }
            Op::Advance { actor, stale, decision, closure } => {
                let offered = self.state.task.as_ref().and_then(|t| FLOW.step(&t.step)).map(|s| &s.outcomes);
                let decision = match decision {
                    Decision::Forward => offered.map(|o| o[0].clone()),
                    Decision::Offered(i) => offered.map(|o| o[i.index(o.len())].clone()),
                    Decision::Typed(decision) => decision.clone(),
                };
                let advance = flow::advance(&FLOW, &self.state, actor, expected(*stale), decision.as_deref(), closure)?;
                let task = self.state.task.as_ref().expect("an advance finishes the open task");
                assert_eq!((advance.finished_task, advance.from_step.as_str()), (task.id, task.step.as_str()));
                let transition =
                    FLOW.transition(&task.step, &advance.outcome).expect("the advance follows a transition");
                assert_eq!(advance.status, transition.status);
                let next = advance.next.as_ref().map(|n| n.step.clone());
                assert_eq!(next.as_deref().unwrap_or(END), transition.to);
                self.state.status = advance.status;
                self.open(next.as_deref().unwrap_or(END));
            }
            Op::Delegate { actor, group, user } => {
                check_action(ReleaseAction::Delegate, &self.state, &self.scope(), actor)?;
                let task = self.state.task.as_mut().expect("delegating hands over the open task");
                if FLOW.step(&task.step).is_some_and(|s| s.executor == Executor::ReleaseGroup) {
                    self.executor_group = GroupId(*group);
                }
                task.group = GroupId(*group);
                task.group_name = group_name(*group);
                task.assignee = user.map(holder);
            }
            Op::Forward => unreachable!("resolved by Desk::forward"),
            Op::Act(action, actor) => {
                check_action(*action, &self.state, &self.scope(), actor)?;
                match action {
                    ReleaseAction::Suspend => {
                        self.suspended_from = Some(self.state.status);
                        self.state.status = Status::Suspended;
                    }
                    ReleaseAction::Reactivate => {
                        self.state.status = self.suspended_from.take().unwrap_or(Status::Approved);
                    }
                    ReleaseAction::Reopen => {
                        let (step, status) = reopen_target(&FLOW).expect("the flow has a closure step");
                        self.state.status = status;
                        self.open(&step.code);
                    }
                    ReleaseAction::Cancel => {
                        self.state.status = Status::Cancelled;
                        self.suspended_from = None;
                        self.state.task = None;
                    }
                    ReleaseAction::Delegate => unreachable!("delegation is Op::Delegate"),
                }
            }
        }
        self.state.row_version += 1;
        Ok(())
    }

    /// The next thing [`admin`] does to move the release on: reactivate it, take its task,
    /// finish it with the step's first outcome (the way forward in the repository's flow) and
    /// a resolved closure, or reopen it once closed; `None` once cancelled.
    fn forward(&self) -> Option<Op> {
        let admin = admin();
        Some(match (self.state.status, &self.state.task) {
            (Status::Closed, _) => Op::Act(ReleaseAction::Reopen, admin),
            (Status::Suspended, _) => Op::Act(ReleaseAction::Reactivate, admin),
            (_, None) => return None,
            (_, Some(task)) => match &task.assignee {
                None => Op::Capture(admin),
                Some(h) if h.user != admin.user => {
                    Op::Delegate { group: task.group.0, user: Some(admin.user.0), actor: admin }
                }
                Some(_) => {
                    let closure = complete(ClosureOutcome::Resolved);
                    Op::Advance { actor: admin, stale: false, decision: Decision::Forward, closure }
                }
            },
        })
    }

    /// What must hold of any release the desk can reach.
    fn check_invariants(&self) -> Result<(), TestCaseError> {
        let status = self.state.status;
        prop_assert_eq!(status.is_final(), self.state.task.is_none(), "final ⇔ no open task: {:?}", self);
        prop_assert_eq!(status == Status::Suspended, self.suspended_from.is_some(), "{:?}", self);
        if let Some(from) = self.suspended_from {
            prop_assert!(!from.is_final() && from != Status::Suspended, "suspended from {:?}", from);
        }
        if let Some(task) = &self.state.task {
            let step = FLOW.step(&task.step);
            prop_assert!(step.is_some(), "the task is at `{}`, not a step of the flow", task.step);
            let live = self.suspended_from.unwrap_or(status);
            prop_assert!(
                statuses_at(step.unwrap()).contains(&live),
                "status {:?} is not one the flow gives at `{}`",
                live,
                task.step
            );
        }
        Ok(())
    }
}

/// The statuses the flow can give a release waiting at `step`: those of the transitions that
/// enter it, the one capturing it sets, and the one reopening to it sets.
fn statuses_at(step: &StepDef) -> Vec<Status> {
    let entering = FLOW.transitions.iter().filter(|t| t.to == step.code).map(|t| t.status);
    let reopened = reopen_target(&FLOW).filter(|(s, _)| s.code == step.code).map(|(_, status)| status);
    entering.chain(step.status_when_captured).chain(reopened).collect()
}

/// Moves the release on until it is Closed; `None` if it gets stuck on the way.
fn drive_to_closed(mut desk: Desk) -> Option<Desk> {
    for _ in 0..4 * FLOW.steps.len() {
        if desk.state.status == Status::Closed {
            return Some(desk);
        }
        let op = desk.forward()?;
        desk.apply(&op).ok()?;
    }
    None
}

proptest! {
    /// From a release just registered, whatever anyone does: every reachable state is valid,
    /// suspended and ended releases refuse the flow's operations, whatever is accepted was
    /// permitted to the actor, reactivating returns the status before the suspension, and a
    /// release that was not cancelled can still be closed.
    #[test]
    fn any_sequence_of_operations_keeps_the_release_valid(
        executor_group in select(vec![N1, N2]),
        ops in vec(op(), 0..60),
    ) {
        let mut desk = Desk::registered(executor_group);
        desk.check_invariants()?;
        for op in &ops {
            let Some(op) = (match op {
                Op::Forward => desk.forward(),
                op => Some(op.clone()),
            }) else {
                continue;
            };
            let op = &op;
            let before = desk.clone();
            let answer = desk.apply(op);
            if answer.is_err() {
                prop_assert_eq!(&desk.state, &before.state, "a refusal changed the release");
            }
            let flow_op = match op {
                Op::Capture(actor) | Op::Save { actor, .. } | Op::Advance { actor, .. } => Some(actor),
                _ => None,
            };
            if let Some(actor) = flow_op {
                if before.state.status == Status::Suspended {
                    prop_assert_eq!(&answer, &Err(Refusal::Suspended), "{:?} on a suspended release", op);
                } else if before.state.status.is_final() {
                    prop_assert_eq!(&answer, &Err(Refusal::FlowEnded), "{:?} on an ended release", op);
                }
                if answer.is_ok() {
                    let task = before.state.task.as_ref().expect("accepted on an open task");
                    prop_assert!(actor.group_grants(task.group, Permission::Execute), "{:?} accepted", op);
                }
            }
            if let (Op::Capture(_), Ok(()), Some(task)) = (op, &answer, &before.state.task) {
                let step = FLOW.step(&task.step).expect("a step of the flow");
                if task.assignee.is_none() {
                    prop_assert_eq!(desk.state.status, step.status_when_captured.unwrap_or(before.state.status));
                }
            }
            if let (Op::Act(action, actor), Ok(())) = (op, &answer) {
                prop_assert!(actor.may_on(action.permission(), &before.scope()), "{:?} accepted", op);
                if *action == ReleaseAction::Reactivate {
                    prop_assert_eq!(Some(desk.state.status), before.suspended_from);
                }
            }
            if let (Op::Advance { actor, stale, .. } | Op::Save { actor, stale }, Ok(())) = (op, &answer) {
                prop_assert!(!stale, "a stale form was accepted");
                let task = before.state.task.as_ref().expect("accepted on an open task");
                prop_assert_eq!(task.assignee.as_ref().map(|h| h.user), Some(actor.user), "saved by a non-holder");
            }
            desk.check_invariants()?;
        }
        if desk.state.status != Status::Cancelled {
            prop_assert!(drive_to_closed(desk.clone()).is_some(), "stuck: {:?}", desk);
        }
    }

    /// The page's access and the capture itself agree: the page offers to capture exactly
    /// when capturing would take the task, and shows read-only with the reason it would refuse.
    #[test]
    fn access_agrees_with_capture(state in any_state(), actor in actor()) {
        let expected = match flow::capture(&FLOW, &state, &actor) {
            Ok(Capture::Take { .. }) => Access::Capture,
            Ok(Capture::AlreadyYours) => Access::Execute,
            Err(reason) => Access::ReadOnly { reason },
        };
        prop_assert_eq!(access(&state, &actor), expected);
    }

    /// Whatever the state: a suspended release refuses capture, save and advance as
    /// suspended; one without a task as ended; otherwise a user outside the task's group,
    /// or whose group lacks Execute, is refused; a capture takes the step's status.
    #[test]
    fn the_flow_operations_refuse_whoever_may_not_execute(
        state in any_state(),
        actor in actor(),
        version in 0..4i64,
        decision in decision(),
        closure in closure(),
    ) {
        let answers = [
            flow::capture(&FLOW, &state, &actor).map(|_| ()),
            flow::check_save(&state, &actor, version).map(|_| ()),
            flow::advance(&FLOW, &state, &actor, version, decision.as_deref(), &closure).map(|_| ()),
        ];
        let expected = match &state.task {
            _ if state.status == Status::Suspended => Some(Refusal::Suspended),
            None => Some(Refusal::FlowEnded),
            Some(task) if !actor.is_member_of(task.group) => {
                Some(Refusal::NotInGroup { group: task.group_name.clone() })
            }
            Some(task) if !actor.group_grants(task.group, Permission::Execute) => {
                Some(Refusal::GroupLacksPermission { permission: Permission::Execute })
            }
            Some(_) => None,
        };
        if let Some(refusal) = expected {
            for answer in &answers {
                prop_assert_eq!(answer, &Err(refusal.clone()));
            }
        }
        if let (Ok(Capture::Take { status }), Some(task)) = (flow::capture(&FLOW, &state, &actor), &state.task) {
            prop_assert!(task.assignee.is_none());
            let step = FLOW.step(&task.step).expect("a step of the flow");
            prop_assert_eq!(status, step.status_when_captured.unwrap_or(state.status));
        }
    }

    /// Saving and advancing need the task held by the user and the version they loaded.
    #[test]
    fn save_needs_the_holder_and_the_current_version(state in any_state(), actor in actor(), version in 0..4i64) {
        let answer = flow::check_save(&state, &actor, version);
        if let Some(task) = state.task.as_ref().filter(|_| state.status != Status::Suspended) {
            if actor.group_grants(task.group, Permission::Execute) {
                let expected = match &task.assignee {
                    None => Err(Refusal::NotCaptured),
                    Some(h) if h.user != actor.user => Err(Refusal::HeldByOther { holder: h.name.clone() }),
                    Some(_) if version != state.row_version => {
                        Err(Refusal::StaleVersion { current: state.row_version })
                    }
                    Some(_) => Ok(task),
                };
                prop_assert_eq!(answer, expected);
            }
        }
    }

    /// The holder advancing with a fresh form: on a step decided by the user, exactly the
    /// step's outcomes are accepted and follow their transition; on the closure step the
    /// decision is ignored. The flow ends exactly when the new status is final.
    #[test]
    fn advance_follows_exactly_the_offered_outcomes(
        step in select(step_codes()),
        status in select(Status::ALL).prop_filter("live", |s| *s != Status::Suspended),
        decision in decision(),
        other in decision(),
        closure in closure(),
    ) {
        let actor = admin();
        let state = ReleaseState {
            status,
            row_version: 1,
            task: Some(OpenTask {
                id: TaskId(5),
                step: step.clone(),
                group: GroupId(N1),
                group_name: group_name(N1),
                assignee: Some(holder(actor.user.0)),
            }),
        };
        let def = FLOW.step(&step).expect("a step of the flow");
        let answer = flow::advance(&FLOW, &state, &actor, 1, decision.as_deref(), &closure);
        if def.needs_closure {
            prop_assert_eq!(&answer, &flow::advance(&FLOW, &state, &actor, 1, other.as_deref(), &closure));
            if let Err(refusal) = closure.check_for_advance() {
                prop_assert_eq!(&answer, &Err(Refusal::Invalid(refusal)));
            }
        } else {
            match decision.as_deref() {
                None => prop_assert_eq!(
                    &answer,
                    &Err(Refusal::Invalid(FieldError { field: Field::Outcome, problem: Problem::Required }))
                ),
                Some(outcome) if !def.outcomes.iter().any(|o| o == outcome) => {
                    prop_assert_eq!(&answer, &Err(Refusal::OutcomeNotAllowed { outcome: outcome.to_owned() }))
                }
                Some(_) => prop_assert!(answer.is_ok(), "{:?}", answer),
            }
        }
        if let Ok(advance) = answer {
            prop_assert!(def.outcomes.contains(&advance.outcome));
            let transition = FLOW.transition(&step, &advance.outcome).expect("a transition");
            prop_assert_eq!(advance.status, transition.status);
            prop_assert_eq!(advance.next.is_none(), advance.status.is_final());
            if let Some(next) = advance.next {
                prop_assert_eq!(FLOW.step(&next.step).map(|s| &s.executor), Some(&next.executor));
            }
        }
    }

    /// Linking: the holder of the task, or a delegate of a group that answers for the release.
    #[test]
    fn only_the_holder_or_a_delegate_may_relate(
        (state, executor_group, actor) in situation(),
    ) {
        let scope = ReleaseScope::new(&FLOW, executor_group, &state);
        let allowed = check_may_relate(&state, &scope, &actor).is_ok();
        let delegate = holds_answering(&actor, Permission::Delegate, executor_group, &state);
        let holds = access(&state, &actor) == Access::Execute;
        prop_assert_eq!(allowed, delegate || holds);
    }

    /// The "Acción" menu: an action is allowed exactly when a group of the actor that answers
    /// for the release holds its permission and the release's status allows it; otherwise the
    /// refusal names the missing permission first, then the status.
    #[test]
    fn actions_need_the_permission_in_an_answering_group_and_a_fitting_status(
        action in select(ReleaseAction::ALL),
        (state, executor_group, actor) in situation(),
    ) {
        let scope = ReleaseScope::new(&FLOW, executor_group, &state);
        let permission = action.permission();
        let expected = if !holds_answering(&actor, permission, executor_group, &state) {
            Err(Refusal::GroupLacksPermission { permission })
        } else {
            status_rule(action, &state)
        };
        prop_assert_eq!(check_action(action, &state, &scope, &actor), expected);

        // Taking the permission away refuses whatever the state; granting it in a group that
        // does not answer for the release changes nothing.
        let mut without = actor.clone();
        for m in &mut without.memberships {
            m.permissions.retain(|p| *p != permission);
        }
        prop_assert_eq!(
            check_action(action, &state, &scope, &without),
            Err(Refusal::GroupLacksPermission { permission })
        );
        let mut elsewhere = without.clone();
        elsewhere.memberships.push(Membership {
            group: GroupId(NOBODY),
            group_name: group_name(NOBODY),
            permissions: Permission::ALL.to_vec(),
        });
        prop_assert_eq!(
            check_action(action, &state, &scope, &elsewhere),
            Err(Refusal::GroupLacksPermission { permission })
        );
    }

    /// Recording an occurrence needs Execute in a group that answers for the release.
    #[test]
    fn occurrences_need_execute_in_an_answering_group(
        (state, executor_group, actor) in situation(),
    ) {
        let scope = ReleaseScope::new(&FLOW, executor_group, &state);
        let expected = holds_answering(&actor, Permission::Execute, executor_group, &state);
        prop_assert_eq!(check_may_record(&scope, &actor).is_ok(), expected);
    }

    /// A broken flow file is refused when loaded: without any one transition, with any one
    /// transition twice, or with a transition to a step that does not exist.
    #[test]
    fn a_flow_missing_doubling_or_misdirecting_a_transition_is_refused(
        index in 0..FLOW.transitions.len(),
        nowhere in "[a-z_]{1,12}".prop_filter("not a step", |s| s != END && FLOW.step(s).is_none()),
    ) {
        let t = FLOW.transitions[index].clone();
        let mut missing = FLOW.clone();
        missing.transitions.remove(index);
        prop_assert_eq!(
            missing.validate(),
            Err(DefinitionError::MissingTransition { step: t.from.clone(), outcome: t.outcome.clone() })
        );
        let mut doubled = FLOW.clone();
        doubled.transitions.push(t.clone());
        prop_assert_eq!(
            doubled.validate(),
            Err(DefinitionError::AmbiguousTransition { step: t.from.clone(), outcome: t.outcome.clone() })
        );
        let mut misdirected = FLOW.clone();
        misdirected.transitions[index].to = nowhere.clone();
        prop_assert_eq!(misdirected.validate(), Err(DefinitionError::UnknownStep(nowhere)));
    }

    /// The repository's flow: a transition ends the flow exactly when it sets a final status,
    /// and none sets Suspended, which only the "Acción" menu gives.
    #[test]
    fn the_flow_ends_exactly_with_a_final_status(index in 0..FLOW.transitions.len()) {
        let t = &FLOW.transitions[index];
        prop_assert_eq!(t.to == END, t.status.is_final(), "{:?}", t);
        prop_assert_ne!(t.status, Status::Suspended);
    }
}

/// Some group of `actor` holds `permission` and answers for the release: it is its executor
/// group, holds its task, or is the group the flow names.
fn holds_answering(actor: &Actor, permission: Permission, executor_group: GroupId, state: &ReleaseState) -> bool {
    actor.memberships.iter().any(|m| {
        m.permissions.contains(&permission)
            && (m.group == executor_group
                || state.task.as_ref().is_some_and(|t| t.group == m.group)
                || m.group_name == MANAGING)
    })
}

/// What the status of the release allows of each action (SPEC), written out.
fn status_rule(action: ReleaseAction, state: &ReleaseState) -> Result<(), Refusal> {
    use Status::*;
    let status = state.status;
    let allowed = match action {
        ReleaseAction::Delegate if status == Suspended => return Err(Refusal::Suspended),
        ReleaseAction::Delegate if state.task.is_none() => return Err(Refusal::FlowEnded),
        ReleaseAction::Delegate => true,
        ReleaseAction::Suspend => matches!(status, Registered | Approved | InExecution | Resolved | NotResolved),
        ReleaseAction::Reactivate => status == Suspended,
        ReleaseAction::Reopen => status == Closed,
        ReleaseAction::Cancel => !matches!(status, Cancelled | Closed),
    };
    if allowed {
        Ok(())
    } else {
        Err(Refusal::NotAllowedInStatus { status })
    }
}

#[test]
fn the_flow_names_the_managing_group_the_tests_assume() {
    assert!(FLOW.names_group(MANAGING));
    assert!(GROUPS.iter().filter(|g| **g != MANAGERS).all(|g| !FLOW.names_group(&group_name(*g))));
}

/// White space as Unicode defines it, which `trim` removes.
const WHITE: &[char] =
    &[' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{a0}', '\u{1680}', '\u{2003}', '\u{2028}', '\u{3000}'];

/// Characters that have broken text handling elsewhere: controls, NUL, invisible ones,
/// combining marks, characters of several bytes, emoji; or any character at all.
fn tricky_char() -> impl Strategy<Value = char> {
    let tricky = vec![
        '\u{7}',
        '\u{1b}',
        '\u{7f}',
        '\u{200b}',
        '\u{200d}',
        '\u{feff}',
        '\u{301}',
        '\u{20dd}',
        'ç',
        'ñ',
        'ã',
        '€',
        '😀',
        '\u{10ffff}',
        'x',
        '<',
        '"',
        '\'',
    ];
    prop_oneof![80 => any::<char>(), 80 => select(tricky), 40 => select(WHITE), 1 => Just('\0')]
}

fn white() -> impl Strategy<Value = String> {
    vec(select(WHITE), 0..4).prop_map(String::from_iter)
}

/// Text of `len` characters, tricky ones included.
fn text_of(len: impl Strategy<Value = usize>) -> impl Strategy<Value = String> {
    len.prop_flat_map(|n| vec(tricky_char(), n)).prop_map(String::from_iter)
}

/// Text of any length up to a few characters past `max`, mostly short or near the limit.
fn text_near(max: usize) -> impl Strategy<Value = String> {
    text_of(prop_oneof![0..12usize, max.saturating_sub(3)..=max + 3])
}

/// Either nothing but white space, or something between white space.
fn typed_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        1 => white(),
        4 => (white(), text_near(max), white()).prop_map(|(a, b, c)| format!("{a}{b}{c}")),
    ]
}

/// Mostly a short text between white space, else anything [`typed_text`] gives.
fn mostly_short(max: usize) -> impl Strategy<Value = String> {
    let short = (white(), text_of(1..40usize), white()).prop_map(|(a, b, c)| format!("{a}{b}{c}"));
    prop_oneof![2 => short, 1 => typed_text(max)]
}

/// An occurrence every field of which is valid.
fn occurrence_draft() -> OccurrenceDraft {
    OccurrenceDraft {
        category: "follow_up".into(),
        origin: "chat".into(),
        minutes: 30,
        description: "Seguimiento".into(),
        occurrence: "El proveedor confirmó la ventana.".into(),
        user_information: "Sigue en plazo.".into(),
    }
}

fn refused<T>(field: Field, problem: Problem) -> Result<T, FieldError> {
    Err(FieldError { field, problem })
}

/// What the length check must find wrong with `text`: a NUL (PostgreSQL cannot store it),
/// else more than `max` characters.
fn length_problem(text: &str, max: usize) -> Option<Problem> {
    if text.contains('\0') {
        Some(Problem::InvalidCharacters)
    } else if text.chars().count() > max {
        Some(Problem::TooLong { max })
    } else {
        None
    }
}

fn checked_length<T: Default>(field: Field, text: &str, max: usize) -> Result<T, FieldError> {
    length_problem(text, max).map_or(Ok(T::default()), |problem| refused(field, problem))
}

fn blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

proptest! {
    /// A limit counts characters, not bytes, whatever they are; the error names the field.
    #[test]
    fn length_limits_count_characters(c in tricky_char(), n in 0..400usize, max in 0..300usize) {
        let text = c.to_string().repeat(n);
        let answer = check_length(Field::Title, &text, max);
        if n <= max && c != '\0' {
            prop_assert_eq!(answer, Ok(()));
        } else {
            prop_assert_eq!(answer, checked_length(Field::Title, &text, max));
            prop_assert!(answer.is_err());
        }
    }

    /// A NUL anywhere in a text is refused as an invalid character, whatever its length.
    #[test]
    fn a_nul_anywhere_is_refused(before in text_of(0..50usize), after in text_of(0..50usize), max in 0..200usize) {
        let text = format!("{before}\0{after}");
        let answer = check_length(Field::Complement, &text, max);
        prop_assert_eq!(answer, refused(Field::Complement, Problem::InvalidCharacters));
        let draft = ClosureDraft { useful_information: text, ..complete(ClosureOutcome::NotResolved) };
        let invalid = refused(Field::UsefulInformation, Problem::InvalidCharacters);
        prop_assert_eq!(draft.check_for_save(), invalid);
        prop_assert_eq!(draft.check_for_advance(), invalid.map(|()| ClosureOutcome::NotResolved));
    }

    /// Huge texts (up to a million characters of several bytes) are refused, not choked on.
    #[test]
    fn huge_texts_are_refused(c in tricky_char(), n in MAX_TEXT_CHARS + 1..1_000_000usize) {
        let draft = ClosureDraft { useful_information: c.to_string().repeat(n), ..ClosureDraft::default() };
        let expected = checked_length(Field::UsefulInformation, &draft.useful_information, MAX_TEXT_CHARS);
        prop_assert!(expected.is_err());
        prop_assert_eq!(draft.check_for_save(), expected);
        prop_assert_eq!(draft.check_for_advance(), expected.map(|()| ClosureOutcome::Resolved));
    }

    /// A required text is missing exactly when it is only white space.
    #[test]
    fn required_means_something_besides_white_space(text in typed_text(20)) {
        let answer = check_required(Field::Reason, &text);
        if blank(&text) {
            prop_assert_eq!(answer, Err(FieldError { field: Field::Reason, problem: Problem::Required }));
        } else {
            prop_assert_eq!(answer, Ok(()));
        }
    }

    /// The Closure area: a save only limits the length; finishing the execution also needs an
    /// outcome, a category when resolved and the information, and names the first that fails.
    #[test]
    fn closure_is_checked_field_by_field(
        outcome in option::of(select(ClosureOutcome::ALL)),
        category in option::of(any::<i64>()),
        info in typed_text(MAX_TEXT_CHARS),
    ) {
        let draft = ClosureDraft { outcome, solution_category: category.map(CategoryId), useful_information: info };
        let info = &draft.useful_information;
        prop_assert_eq!(draft.check_for_save(), checked_length(Field::UsefulInformation, info, MAX_TEXT_CHARS));
        let expected = match (length_problem(info, MAX_TEXT_CHARS), outcome) {
            (Some(problem), _) => refused(Field::UsefulInformation, problem),
            (None, None) => refused(Field::Outcome, Problem::Required),
            (None, Some(ClosureOutcome::Resolved)) if category.is_none() => {
                refused(Field::SolutionCategory, Problem::Required)
            }
            (None, Some(_)) if blank(info) => refused(Field::UsefulInformation, Problem::Required),
            (None, Some(outcome)) => Ok(outcome),
        };
        prop_assert_eq!(draft.check_for_advance(), expected);
    }

    /// An occurrence is accepted exactly when every field is valid, is stored trimmed, and an
    /// error names a field that really is wrong, in the way it says.
    #[test]
    fn occurrences_are_accepted_exactly_when_every_field_is_valid(
        category in mostly_short(MAX_CODE_CHARS),
        origin in mostly_short(MAX_CODE_CHARS),
        minutes in prop_oneof![3 => 0..=MAX_MINUTES, 1 => any::<i64>()],
        description in mostly_short(MAX_DESCRIPTION_CHARS),
        occurrence in mostly_short(MAX_OCCURRENCE_CHARS),
        user_information in mostly_short(MAX_OCCURRENCE_CHARS),
    ) {
        let draft = OccurrenceDraft { category, origin, minutes, description, occurrence, user_information };
        let texts = [
            (Field::OccurrenceCategory, &draft.category, MAX_CODE_CHARS),
            (Field::OccurrenceOrigin, &draft.origin, MAX_CODE_CHARS),
            (Field::OccurrenceDescription, &draft.description, MAX_DESCRIPTION_CHARS),
            (Field::OccurrenceText, &draft.occurrence, MAX_OCCURRENCE_CHARS),
            (Field::UserInformation, &draft.user_information, MAX_OCCURRENCE_CHARS),
        ];
        let minutes_fit = (0..=MAX_MINUTES).contains(&draft.minutes);
        let valid = minutes_fit
            && texts.iter().all(|(_, text, max)| !blank(text) && length_problem(text, *max).is_none());
        match draft.check() {
            Ok(checked) => {
                prop_assert!(valid, "accepted {:?}", draft);
                prop_assert_eq!(&checked.category, draft.category.trim());
                prop_assert_eq!(&checked.origin, draft.origin.trim());
                prop_assert_eq!(checked.minutes, draft.minutes);
                prop_assert_eq!(&checked.description, draft.description.trim());
                prop_assert_eq!(&checked.occurrence, draft.occurrence.trim());
                prop_assert_eq!(&checked.user_information, draft.user_information.trim());
            }
            Err(FieldError { field, problem }) => {
                prop_assert!(!valid, "refused {:?} with {:?} {:?}", draft, field, problem);
                let wrong = match (field, problem) {
                    (Field::TimeSpent, Problem::OutOfRange) => !minutes_fit,
                    (field, problem) => texts.iter().any(|(f, text, max)| {
                        *f == field
                            && match problem {
                                Problem::Required => blank(text),
                                Problem::TooLong { max: named } => named == *max && text.chars().count() > *max,
                                Problem::InvalidCharacters => text.contains('\0'),
                                _ => false,
                            }
                    }),
                };
                prop_assert!(wrong, "{:?} {:?} names no real problem of {:?}", field, problem, draft);
            }
        }
    }

    /// Whatever number arrives as the time spent, only whole minutes from 0 to a week pass.
    #[test]
    fn time_spent_is_zero_to_a_week(
        minutes in prop_oneof![
            any::<i64>(),
            -3..=3i64,
            MAX_MINUTES - 3..=MAX_MINUTES + 3,
            select(vec![i64::MIN, i64::MIN + 1, i64::MAX - 1, i64::MAX]),
        ],
    ) {
        let draft = OccurrenceDraft { minutes, ..occurrence_draft() };
        let answer = draft.check().map(|o| o.minutes);
        if (0..=MAX_MINUTES).contains(&minutes) {
            prop_assert_eq!(answer, Ok(minutes));
        } else {
            prop_assert_eq!(answer, refused(Field::TimeSpent, Problem::OutOfRange));
        }
    }

    /// Planned dates are this century's, whatever number arrives; the error names the field.
    #[test]
    fn planned_dates_are_of_this_century(
        seconds in prop_oneof![
            any::<i64>(),
            PLANNED_TIMES,
            select(vec![i64::MIN, -1, 0, i64::MAX]),
            (-3..=3i64).prop_map(|d| PLANNED_TIMES.start() + d),
            (-3..=3i64).prop_map(|d| PLANNED_TIMES.end() + d),
        ],
        field in select(vec![Field::PlannedStart, Field::PlannedEnd]),
    ) {
        let answer = check_planned_time(field, seconds);
        if PLANNED_TIMES.contains(&seconds) {
            prop_assert_eq!(answer, Ok(()));
        } else {
            prop_assert_eq!(answer, refused(field, Problem::OutOfRange));
        }
    }

    /// Only pages 0 to MAX_PAGE may be asked for, whatever number arrives.
    #[test]
    fn pages_are_zero_to_the_maximum(
        page in prop_oneof![any::<i64>(), -3..=3i64, MAX_PAGE - 3..=MAX_PAGE + 3, select(vec![i64::MIN, i64::MAX])],
    ) {
        let answer = check_page(page);
        if (0..=MAX_PAGE).contains(&page) {
            prop_assert_eq!(answer, Ok(()));
        } else {
            prop_assert_eq!(answer, refused(Field::Page, Problem::OutOfRange));
        }
    }

    /// A new password is accepted exactly when it has 8 to 1,000 characters, no NUL, and is
    /// repeated exactly; otherwise the first of these that fails is named.
    #[test]
    fn a_new_password_is_long_enough_and_repeated_exactly(
        new in prop_oneof![
            text_of(0..2 * MIN_PASSWORD_CHARS),
            text_of(MAX_PASSWORD_CHARS - 2..=MAX_PASSWORD_CHARS + 2),
        ],
        typo in option::of(text_of(0..2 * MIN_PASSWORD_CHARS)),
    ) {
        let repeat = typo.unwrap_or_else(|| new.clone());
        let expected = if new.chars().count() < MIN_PASSWORD_CHARS {
            refused(Field::NewPassword, Problem::TooShort { min: MIN_PASSWORD_CHARS })
        } else if let Some(problem) = length_problem(&new, MAX_PASSWORD_CHARS) {
            refused(Field::NewPassword, problem)
        } else if new != repeat {
            refused(Field::PasswordRepeat, Problem::Mismatch)
        } else {
            Ok(())
        };
        prop_assert_eq!(check_new_password(&new, &repeat), expected);
    }

    /// Impact and urgency are 1, 2 or 3, whatever number arrives.
    #[test]
    fn levels_are_one_to_three(value in prop_oneof![any::<i64>(), -2..6i64]) {
        let level = Level::new(value);
        prop_assert_eq!(level.is_some(), (1..=3).contains(&value));
        if let Some(level) = level {
            prop_assert_eq!(level.value(), value);
        }
    }

    /// The priority is 1 to 5, the same whichever of impact and urgency is which, and never
    /// more urgent (smaller) when either of them is less.
    #[test]
    fn priority_is_one_to_five_and_follows_its_levels(a in 1..=3i64, b in 1..=3i64, c in 1..=3i64) {
        let level = |v| Level::new(v).expect("1..=3");
        let p = priority(level(a), level(b));
        prop_assert!((1..=5).contains(&p));
        prop_assert_eq!(p, priority(level(b), level(a)));
        prop_assert_eq!(a <= c, p <= priority(level(c), level(b)));
    }

    /// The delay is never negative, zero when cancelled, counts no paused time, does not
    /// grow while suspended, and once the clock stopped stays what it was then.
    #[test]
    fn delay_counts_only_running_time_past_the_deadline(
        planned_end in 0..4_102_444_800i64,
        now in 0..4_102_444_800i64,
        later in 0..10_000_000i64,
        paused_seconds in 0..100_000_000i64,
        since in option::of(0..4_102_444_800i64),
        stopped in option::of(0..4_102_444_800i64),
        status in select(Status::ALL),
    ) {
        let clock = DeadlineClock { planned_end, paused_seconds, suspended_since: since, stopped_at: stopped };
        let delay = clock.delay(status, now);
        prop_assert!(delay >= 0);
        if status == Status::Cancelled || (status.is_final() && stopped.is_none()) {
            prop_assert_eq!(delay, 0);
        }
        prop_assert!(delay <= (stopped.unwrap_or(now) - planned_end).max(0));
        let after = clock.delay(status, now + later);
        prop_assert!(after >= delay, "the delay shrank as time passed");
        if since.is_some_and(|s| s <= now) || stopped.is_some() {
            prop_assert_eq!(after, delay, "the delay grew while the clock was stopped");
        }
        if since.is_none() && stopped.is_none() && !status.is_final() {
            prop_assert_eq!(delay, (now - planned_end - paused_seconds).max(0));
        }
    }
}
