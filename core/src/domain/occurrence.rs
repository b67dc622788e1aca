//! A manual occurrence of the execution log, as CITSmart records them: category, origin,
//! time spent, description, the occurrence itself and the information for the user. The
//! categories and origins are catalogues of the administration: a draft names them by code,
//! and recording it checks that the code is one still offered.

use super::actions::ReleaseScope;
use super::flow::Refusal;
use super::permissions::Actor;
use super::validation::{check_length, check_required, Field, FieldError, Problem, MAX_CODE_CHARS};
use super::Permission;
use serde::{Deserialize, Serialize};

/// The longest description (a one-line summary).
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// The longest occurrence or information text.
pub const MAX_OCCURRENCE_CHARS: usize = 5_000;
/// A working week in minutes: more than that for one occurrence is a typing error.
pub const MAX_MINUTES: i64 = 7 * 24 * 60;

/// The form as the user filled it in: the category and origin by their codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OccurrenceDraft {
    pub category: String,
    pub origin: String,
    pub minutes: i64,
    pub description: String,
    pub occurrence: String,
    pub user_information: String,
}

/// An occurrence whose fields passed every check; whether its category and origin are
/// offered is the catalogues' to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub category: String,
    pub origin: String,
    pub minutes: i64,
    pub description: String,
    pub occurrence: String,
    pub user_information: String,
}

impl OccurrenceDraft {
    /// Every field is required; the time is whole minutes from 0 to a week.
    pub fn check(&self) -> Result<Occurrence, FieldError> {
        for (field, code) in [(Field::OccurrenceCategory, &self.category), (Field::OccurrenceOrigin, &self.origin)] {
            check_required(field, code)?;
            check_length(field, code, MAX_CODE_CHARS)?;
        }
        if !(0..=MAX_MINUTES).contains(&self.minutes) {
            return Err(FieldError { field: Field::TimeSpent, problem: Problem::OutOfRange });
        }
        for (field, text, max) in [
            (Field::OccurrenceDescription, &self.description, MAX_DESCRIPTION_CHARS),
            (Field::OccurrenceText, &self.occurrence, MAX_OCCURRENCE_CHARS),
            (Field::UserInformation, &self.user_information, MAX_OCCURRENCE_CHARS),
        ] {
            check_required(field, text)?;
            check_length(field, text, max)?;
        }
        Ok(Occurrence {
            category: self.category.trim().to_owned(),
            origin: self.origin.trim().to_owned(),
            minutes: self.minutes,
            description: self.description.trim().to_owned(),
            occurrence: self.occurrence.trim().to_owned(),
            user_information: self.user_information.trim().to_owned(),
        })
    }
}

/// Who may add an occurrence: members of a group that answers for the release and may
/// execute (its executor group, the group holding its task, or the flow's managing group).
pub fn check_may_record(scope: &ReleaseScope, actor: &Actor) -> Result<(), Refusal> {
    if actor.may_on(Permission::Execute, scope) {
        Ok(())
    } else {
        Err(Refusal::GroupLacksPermission { permission: Permission::Execute })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permissions::tests::actor;
    use crate::domain::GroupId;

    fn draft() -> OccurrenceDraft {
        OccurrenceDraft {
            category: "execution".into(),
            origin: "phone".into(),
            minutes: 15,
            description: "Llamada al proveedor".into(),
            occurrence: "Se confirmó la ventana del sábado.".into(),
            user_information: "La liberación sigue en plazo.".into(),
        }
    }

    #[test]
    fn a_complete_occurrence_passes_and_is_trimmed() {
        let mut typed = draft();
        typed.description = "  Llamada al proveedor ".into();
        let checked = typed.check().expect("valid");
        assert_eq!(checked.category, "execution");
        assert_eq!(checked.description, "Llamada al proveedor");
    }

    #[test]
    fn each_missing_or_wrong_field_is_named() {
        type Spoil = fn(&mut OccurrenceDraft);
        let cases: [(Spoil, Field, Problem); 6] = [
            (|d| d.category.clear(), Field::OccurrenceCategory, Problem::Required),
            (
                |d| d.origin = "p".repeat(MAX_CODE_CHARS + 1),
                Field::OccurrenceOrigin,
                Problem::TooLong { max: MAX_CODE_CHARS },
            ),
            (|d| d.minutes = -1, Field::TimeSpent, Problem::OutOfRange),
            (|d| d.minutes = MAX_MINUTES + 1, Field::TimeSpent, Problem::OutOfRange),
            (|d| d.occurrence = "   ".into(), Field::OccurrenceText, Problem::Required),
            (
                |d| d.description = "x".repeat(MAX_DESCRIPTION_CHARS + 1),
                Field::OccurrenceDescription,
                Problem::TooLong { max: MAX_DESCRIPTION_CHARS },
            ),
        ];
        for (spoil, field, problem) in cases {
            let mut typed = draft();
            spoil(&mut typed);
            assert_eq!(typed.check(), Err(FieldError { field, problem }));
        }
    }

    #[test]
    fn only_groups_that_answer_for_the_release_and_execute_may_record() {
        let flow: crate::domain::flow::FlowDefinition =
            toml::from_str(include_str!("../../../flows/release.toml")).expect("flow parses");
        let scope = ReleaseScope { executor_group: GroupId(10), task_group: None, flow: &flow };
        assert!(check_may_record(&scope, &actor(1, &[(10, &[Permission::Execute])])).is_ok());
        assert!(check_may_record(&scope, &actor(2, &[(11, &[Permission::Execute])])).is_err());
        assert!(check_may_record(&scope, &actor(3, &[(10, &[])])).is_err());
    }
}
