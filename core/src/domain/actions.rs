//! The actions of the "Acción" menu beside the flow itself: Delegate, Suspend, Reactivate,
//! Reopen and Cancel. Each is governed by one group permission, counted only where that
//! group answers for the release, and allowed only in the statuses where it makes sense.

use super::flow::{open_task, FlowDefinition, Refusal, ReleaseState, StepDef};
use super::permissions::Actor;
use super::{code_enum, GroupId, Permission, Status, UserId};

code_enum!(
    /// An entry of the "Acción" menu.
    ReleaseAction {
        Delegate = "delegate",
        Suspend = "suspend",
        Reactivate = "reactivate",
        Reopen = "reopen",
        Cancel = "cancel",
    }
);

impl ReleaseAction {
    /// The group permission the action needs.
    pub fn permission(self) -> Permission {
        match self {
            ReleaseAction::Delegate => Permission::Delegate,
            ReleaseAction::Suspend => Permission::Suspend,
            ReleaseAction::Reactivate => Permission::Reactivate,
            ReleaseAction::Reopen => Permission::Reopen,
            ReleaseAction::Cancel => Permission::Cancel,
        }
    }
}

/// The groups that answer for a release: a group's permission counts on it when the group
/// is its executor group, holds its open task, or executes a step of its flow by name (the
/// group that authorizes and reviews every release, "Gestión de Cambios" in the default flow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseScope<'a> {
    pub executor_group: GroupId,
    pub task_group: Option<GroupId>,
    pub flow: &'a FlowDefinition,
}

impl<'a> ReleaseScope<'a> {
    pub fn new(flow: &'a FlowDefinition, executor_group: GroupId, state: &ReleaseState) -> Self {
        ReleaseScope { executor_group, task_group: state.task.as_ref().map(|t| t.group), flow }
    }
}

impl Actor {
    /// True when one of the user's groups holds `permission` and answers for the release.
    pub fn may_on(&self, permission: Permission, scope: &ReleaseScope) -> bool {
        self.memberships.iter().any(|m| {
            m.permissions.contains(&permission)
                && (m.group == scope.executor_group
                    || Some(m.group) == scope.task_group
                    || scope.flow.names_group(&m.group_name))
        })
    }
}

/// Who may correct a release's registered data: its requester, or anyone whose group may
/// register releases; never once it is closed or cancelled.
pub fn check_may_edit(status: Status, requester: UserId, actor: &Actor) -> Result<(), Refusal> {
    if status.is_final() {
        Err(Refusal::NotAllowedInStatus { status })
    } else if actor.user == requester || actor.may(Permission::Create) {
        Ok(())
    } else {
        Err(Refusal::GroupLacksPermission { permission: Permission::Create })
    }
}

/// Whether `actor` may take `action` on a release in `state`, or why not: the missing
/// permission first, then what the release's status forbids.
pub fn check_action(
    action: ReleaseAction,
    state: &ReleaseState,
    scope: &ReleaseScope,
    actor: &Actor,
) -> Result<(), Refusal> {
    let permission = action.permission();
    if !actor.may_on(permission, scope) {
        return Err(Refusal::GroupLacksPermission { permission });
    }
    let status = state.status;
    let refused_in = |allowed: bool| if allowed { Ok(()) } else { Err(Refusal::NotAllowedInStatus { status }) };
    match action {
        // The task changes hands: there must be one, and it must not be paused.
        ReleaseAction::Delegate => open_task(state).map(|_| ()),
        ReleaseAction::Suspend => refused_in(!status.is_final() && status != Status::Suspended),
        ReleaseAction::Reactivate => refused_in(status == Status::Suspended),
        ReleaseAction::Reopen => refused_in(status == Status::Closed),
        ReleaseAction::Cancel => refused_in(!status.is_final()),
    }
}

/// The actions the menu offers: only those the user may take on the release now.
pub fn available_actions(state: &ReleaseState, scope: &ReleaseScope, actor: &Actor) -> Vec<ReleaseAction> {
    ReleaseAction::ALL.iter().copied().filter(|action| check_action(*action, state, scope, actor).is_ok()).collect()
}

/// Where "Reabrir" takes a closed release: the step finished through the Closure area, with
/// the status a release has when the flow enters that step.
pub fn reopen_target(flow: &FlowDefinition) -> Option<(&StepDef, Status)> {
    let step = flow.steps.iter().find(|s| s.needs_closure)?;
    let status = flow.transitions.iter().find(|t| t.to == step.code).map_or(Status::Approved, |t| t.status);
    Some((step, status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::flow::{Holder, OpenTask};
    use crate::domain::permissions::tests::actor;
    use crate::domain::TaskId;

    const N1: i64 = 10;
    const N2: i64 = 11;
    const MANAGERS: i64 = 20;

    fn flow() -> FlowDefinition {
        toml::from_str(include_str!("../../../flows/release.toml")).expect("flow parses")
    }

    fn state(status: Status, open: bool) -> ReleaseState {
        ReleaseState {
            status,
            row_version: 3,
            task: open.then(|| OpenTask {
                id: TaskId(1),
                step: "execution".into(),
                group: GroupId(N1),
                group_name: "Despliegue N1".into(),
                assignee: Some(Holder { user: UserId(1), name: "Ana".into() }),
            }),
        }
    }

    /// The default flow, loaded once for the tests' scopes.
    static FLOW: std::sync::LazyLock<FlowDefinition> = std::sync::LazyLock::new(flow);

    fn scope(state: &ReleaseState) -> ReleaseScope<'static> {
        ReleaseScope::new(&FLOW, GroupId(N1), state)
    }

    fn manager() -> Actor {
        let mut manager = actor(
            2,
            &[(
                MANAGERS,
                &[
                    Permission::Delegate,
                    Permission::Suspend,
                    Permission::Reactivate,
                    Permission::Reopen,
                    Permission::Cancel,
                ],
            )],
        );
        manager.memberships[0].group_name = "Gestión de Cambios".into();
        manager
    }

    #[test]
    fn the_managing_group_of_the_flow_may_act_on_every_release() {
        let open = state(Status::InExecution, true);
        assert_eq!(
            available_actions(&open, &scope(&open), &manager()),
            vec![ReleaseAction::Delegate, ReleaseAction::Suspend, ReleaseAction::Cancel]
        );
        let suspended = state(Status::Suspended, true);
        assert_eq!(
            available_actions(&suspended, &scope(&suspended), &manager()),
            vec![ReleaseAction::Reactivate, ReleaseAction::Cancel]
        );
        let closed = state(Status::Closed, false);
        assert_eq!(available_actions(&closed, &scope(&closed), &manager()), vec![ReleaseAction::Reopen]);
        let cancelled = state(Status::Cancelled, false);
        assert!(available_actions(&cancelled, &scope(&cancelled), &manager()).is_empty());
    }

    #[test]
    fn an_executor_group_delegates_only_its_own_releases() {
        let ana = actor(1, &[(N1, &[Permission::Execute, Permission::Delegate])]);
        let lucia = actor(3, &[(N2, &[Permission::Execute, Permission::Delegate])]);
        let open = state(Status::InExecution, true);
        assert_eq!(available_actions(&open, &scope(&open), &ana), vec![ReleaseAction::Delegate]);
        assert!(available_actions(&open, &scope(&open), &lucia).is_empty());
        assert_eq!(
            check_action(ReleaseAction::Delegate, &open, &scope(&open), &lucia),
            Err(Refusal::GroupLacksPermission { permission: Permission::Delegate })
        );
        assert_eq!(
            check_action(ReleaseAction::Suspend, &open, &scope(&open), &ana),
            Err(Refusal::GroupLacksPermission { permission: Permission::Suspend })
        );
    }

    #[test]
    fn status_refusals_name_the_status() {
        let m = manager();
        let approved = state(Status::Approved, true);
        assert_eq!(
            check_action(ReleaseAction::Reactivate, &approved, &scope(&approved), &m),
            Err(Refusal::NotAllowedInStatus { status: Status::Approved })
        );
        assert_eq!(
            check_action(ReleaseAction::Reopen, &approved, &scope(&approved), &m),
            Err(Refusal::NotAllowedInStatus { status: Status::Approved })
        );
        let suspended = state(Status::Suspended, true);
        assert_eq!(check_action(ReleaseAction::Delegate, &suspended, &scope(&suspended), &m), Err(Refusal::Suspended));
        let closed = state(Status::Closed, false);
        assert_eq!(
            check_action(ReleaseAction::Cancel, &closed, &scope(&closed), &m),
            Err(Refusal::NotAllowedInStatus { status: Status::Closed })
        );
    }

    #[test]
    fn reopening_returns_to_the_execution_step_as_approved() {
        let flow = flow();
        let (step, status) = reopen_target(&flow).expect("the flow has an execution step");
        assert_eq!((step.code.as_str(), status), ("execution", Status::Approved));
    }

    #[test]
    fn the_requester_or_a_creator_may_correct_an_open_release() {
        let requester = actor(1, &[(N1, &[])]);
        let creator = actor(2, &[(MANAGERS, &[Permission::Create])]);
        let executor = actor(3, &[(N1, &[Permission::Execute])]);
        for status in Status::ALL {
            let open = !status.is_final();
            assert_eq!(check_may_edit(*status, UserId(1), &requester).is_ok(), open, "{status:?}");
            assert_eq!(check_may_edit(*status, UserId(1), &creator).is_ok(), open, "{status:?}");
            assert!(check_may_edit(*status, UserId(1), &executor).is_err(), "{status:?}");
        }
    }
}
