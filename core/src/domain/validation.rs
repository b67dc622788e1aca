//! Limits and required fields of what users type, checked on the server before any write.

use super::{CategoryId, ClosureOutcome};
use serde::{Deserialize, Serialize};

/// The longest useful information, description or other free text the desk accepts.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// The longest title.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest user name.
pub const MAX_USERNAME_CHARS: usize = 100;
/// The longest search text.
pub const MAX_SEARCH_CHARS: usize = 200;

/// A field of a form that validation can name in its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Outcome,
    SolutionCategory,
    UsefulInformation,
    Title,
    Description,
    VersionLabel,
    PlannedStart,
    PlannedEnd,
    ReleaseType,
    Risk,
    ExecutorGroup,
    Impact,
    Urgency,
    Search,
    Page,
    Username,
    Password,
    NewPassword,
    PasswordRepeat,
    FullName,
    Responsibility,
    DelegateGroup,
    DelegateUser,
    Justification,
    Complement,
    Reason,
    OccurrenceCategory,
    OccurrenceOrigin,
    TimeSpent,
    OccurrenceDescription,
    OccurrenceText,
    UserInformation,
    GroupName,
    Groups,
    Email,
    TimeZone,
    Language,
    Code,
    NameEs,
    NamePt,
    Status,
    Body,
    Name,
    Version,
    Location,
    Sha256,
    /// An access token's expiry ("Caduca").
    Expiry,
    /// The list's priority filter.
    Priority,
    /// The list's rows per page.
    PageSize,
    /// The list's requester filter.
    Requester,
    /// The list's registration dates ("Registro desde / hasta").
    RegisteredRange,
    /// The list's deadline dates ("Plazo desde / hasta").
    DueRange,
    /// A webhook's URL, secret and events.
    WebhookUrl,
    WebhookSecret,
    WebhookEvents,
    /// An attachment's file name.
    FileName,
}

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
    },
    OutOfRange,
    EndBeforeStart,
    TooShort {
        min: usize,
    },
    /// The repetition differs from what it repeats.
    Mismatch,
    /// A character that has no place in typed text (NUL).
    InvalidCharacters,
    /// Another record already has this value (a user name).
    Taken,
    /// No record has this name (a group to join).
    Unknown,
    /// A range whose last day comes before its first.
    ReversedRange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

/// In English, for the command line and the logs: the pages translate (`app::language`).
impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = format!("{:?}", self.field);
        match self.problem {
            Problem::Required => write!(f, "{field} is required"),
            Problem::TooLong { max } => write!(f, "{field} may have at most {max} characters"),
            Problem::OutOfRange => write!(f, "{field} is out of range"),
            Problem::EndBeforeStart => write!(f, "the planned end must come after the planned start"),
            Problem::TooShort { min } => write!(f, "{field} needs at least {min} characters"),
            Problem::Mismatch => write!(f, "{field} does not match"),
            Problem::InvalidCharacters => write!(f, "{field} contains characters that are not allowed"),
            Problem::Taken => write!(f, "{field} is taken"),
            Problem::Unknown => write!(f, "{field} names nothing that exists"),
            Problem::ReversedRange => write!(f, "{field} ends before it starts"),
        }
    }
}

/// Checks that `text` is at most `max` characters (not bytes: "ç" is one), and has no NUL
/// character, which no keyboard types and PostgreSQL cannot store in text.
pub fn check_length(field: Field, text: &str, max: usize) -> Result<(), FieldError> {
    if text.contains('\0') {
        Err(FieldError { field, problem: Problem::InvalidCharacters })
    } else if text.chars().count() > max {
        Err(FieldError { field, problem: Problem::TooLong { max } })
    } else {
        Ok(())
    }
}

/// Checks that `text` has something other than white space.
pub fn check_required(field: Field, text: &str) -> Result<(), FieldError> {
    if text.trim().is_empty() {
        Err(FieldError { field, problem: Problem::Required })
    } else {
        Ok(())
    }
}

/// Planned dates the desk accepts, in Unix seconds: from 2000-01-01 to 2100-01-01.
pub const PLANNED_TIMES: std::ops::RangeInclusive<i64> = 946_684_800..=4_102_444_800;

/// Checks that a planned date is a real date of this century, not a typo or an overflow.
pub fn check_planned_time(field: Field, seconds: i64) -> Result<(), FieldError> {
    if PLANNED_TIMES.contains(&seconds) {
        Ok(())
    } else {
        Err(FieldError { field, problem: Problem::OutOfRange })
    }
}

/// The highest page number a list or search may ask for (pages start at 0): beyond any
/// real list, and far from an offset that could overflow.
pub const MAX_PAGE: i64 = 100_000;

/// Checks a requested page number.
pub fn check_page(page: i64) -> Result<(), FieldError> {
    if (0..=MAX_PAGE).contains(&page) {
        Ok(())
    } else {
        Err(FieldError { field: Field::Page, problem: Problem::OutOfRange })
    }
}

/// The longest e-mail address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// An e-mail address, or nothing: one `@` with text on both sides and a dot in the domain,
/// no spaces. Whether it receives mail is for the mail server to say.
pub fn check_email(email: &str) -> Result<(), FieldError> {
    if email.is_empty() {
        return Ok(());
    }
    check_length(Field::Email, email, MAX_EMAIL_CHARS)?;
    let well_formed = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if well_formed {
        Ok(())
    } else {
        Err(FieldError { field: Field::Email, problem: Problem::OutOfRange })
    }
}

/// The longest code of a catalogue item.
pub const MAX_CODE_CHARS: usize = 64;

/// A catalogue item's code: what imports and other systems name it by, so letters, digits
/// and `_ - .` only.
pub fn check_code(code: &str) -> Result<(), FieldError> {
    check_required(Field::Code, code)?;
    check_length(Field::Code, code, MAX_CODE_CHARS)?;
    if code.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) {
        Ok(())
    } else {
        Err(FieldError { field: Field::Code, problem: Problem::InvalidCharacters })
    }
}

/// The shortest password a user may choose.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest password accepted; longer ones are refused before hashing.
pub const MAX_PASSWORD_CHARS: usize = 1_000;

/// A new password: long enough, not absurdly long, and typed the same twice.
pub fn check_new_password(new: &str, repeat: &str) -> Result<(), FieldError> {
    let length = new.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(FieldError { field: Field::NewPassword, problem: Problem::TooShort { min: MIN_PASSWORD_CHARS } });
    }
    check_length(Field::NewPassword, new, MAX_PASSWORD_CHARS)?;
    if new != repeat {
        return Err(FieldError { field: Field::PasswordRepeat, problem: Problem::Mismatch });
    }
    Ok(())
}

/// The Closure area as the user filled it in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ClosureDraft {
    pub outcome: Option<ClosureOutcome>,
    pub solution_category: Option<CategoryId>,
    pub useful_information: String,
}

impl ClosureDraft {
    /// What any save requires: only the length limit, so a draft can be kept half-done.
    pub fn check_for_save(&self) -> Result<(), FieldError> {
        check_length(Field::UsefulInformation, &self.useful_information, MAX_TEXT_CHARS)
    }

    /// What finishing the execution requires: an outcome; Resolved needs the solution
    /// category and the useful information, Not resolved needs the information (the reason).
    pub fn check_for_advance(&self) -> Result<ClosureOutcome, FieldError> {
        self.check_for_save()?;
        let outcome = self.outcome.ok_or(FieldError { field: Field::Outcome, problem: Problem::Required })?;
        if outcome == ClosureOutcome::Resolved && self.solution_category.is_none() {
            return Err(FieldError { field: Field::SolutionCategory, problem: Problem::Required });
        }
        check_required(Field::UsefulInformation, &self.useful_information)?;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(outcome: Option<ClosureOutcome>, category: Option<i64>, info: &str) -> ClosureDraft {
        ClosureDraft { outcome, solution_category: category.map(CategoryId), useful_information: info.to_owned() }
    }

    #[test]
    fn an_email_is_empty_or_well_formed() {
        for good in ["", "ana@example.com", "a.b+c@sub.example.org"] {
            assert_eq!(check_email(good), Ok(()), "{good}");
        }
        for bad in ["ana", "@example.com", "ana@", "ana@example", "ana@@example.com", "a na@example.com", "ana@.com"] {
            assert_eq!(
                check_email(bad),
                Err(FieldError { field: Field::Email, problem: Problem::OutOfRange }),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_nul_character_is_refused_and_names_the_field() {
        let error = check_length(Field::Title, "ab\0c", 10).unwrap_err();
        assert_eq!((error.field, error.problem), (Field::Title, Problem::InvalidCharacters));
        assert!(check_length(Field::Title, "ab\u{202e}c\t\n", 10).is_ok(), "other control characters are text");
    }

    #[test]
    fn planned_dates_are_dates_of_this_century() {
        assert!(check_planned_time(Field::PlannedStart, 1_900_000_000).is_ok());
        for wrong in [-1, 0, i64::MAX, 4_102_444_801] {
            assert_eq!(check_planned_time(Field::PlannedEnd, wrong).unwrap_err().problem, Problem::OutOfRange);
        }
        assert_eq!(check_page(-1).unwrap_err().field, Field::Page);
        assert!(check_page(MAX_PAGE + 1).is_err() && check_page(0).is_ok() && check_page(MAX_PAGE).is_ok());
    }

    #[test]
    fn a_new_password_is_long_enough_and_repeated_exactly() {
        let short = check_new_password("çççç", "çççç").unwrap_err();
        assert_eq!((short.field, short.problem), (Field::NewPassword, Problem::TooShort { min: MIN_PASSWORD_CHARS }));
        let typo = check_new_password("correct horse", "correct hose").unwrap_err();
        assert_eq!((typo.field, typo.problem), (Field::PasswordRepeat, Problem::Mismatch));
        let huge = "x".repeat(MAX_PASSWORD_CHARS + 1);
        assert_eq!(check_new_password(&huge, &huge).unwrap_err().problem, Problem::TooLong { max: MAX_PASSWORD_CHARS });
        assert_eq!(check_new_password("çççççççç", "çççççççç"), Ok(()));
    }

    #[test]
    fn resolved_needs_category_and_information() {
        let missing_category = draft(Some(ClosureOutcome::Resolved), None, "done");
        assert_eq!(missing_category.check_for_advance().unwrap_err().field, Field::SolutionCategory);
        let missing_info = draft(Some(ClosureOutcome::Resolved), Some(1), "   ");
        assert_eq!(missing_info.check_for_advance().unwrap_err().field, Field::UsefulInformation);
        let complete = draft(Some(ClosureOutcome::Resolved), Some(1), "deployed");
        assert_eq!(complete.check_for_advance(), Ok(ClosureOutcome::Resolved));
    }

    #[test]
    fn not_resolved_needs_only_the_reason() {
        assert_eq!(
            draft(Some(ClosureOutcome::NotResolved), None, "rollback").check_for_advance(),
            Ok(ClosureOutcome::NotResolved)
        );
        assert!(draft(Some(ClosureOutcome::NotResolved), None, "").check_for_advance().is_err());
    }

    #[test]
    fn advancing_without_an_outcome_names_the_outcome() {
        assert_eq!(draft(None, Some(1), "x").check_for_advance().unwrap_err().field, Field::Outcome);
    }

    #[test]
    fn a_draft_may_be_incomplete_but_not_too_long() {
        assert!(draft(None, None, "").check_for_save().is_ok());
        let long = "ç".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            draft(None, None, &long).check_for_save().unwrap_err().problem,
            Problem::TooLong { max: MAX_TEXT_CHARS }
        );
        assert!(draft(None, None, &"ç".repeat(MAX_TEXT_CHARS)).check_for_save().is_ok());
    }
}
