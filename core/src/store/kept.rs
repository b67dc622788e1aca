//! What each server instance keeps between requests, because nearly every request reads
//! it and it rarely changes: the users as sessions and tokens read them ([`SessionRecord`]),
//! the groups that execute releases (every list page offers them in its filter), the
//! active webhooks' events (every append to the execution log reads them in the writer's
//! turn), the solution categories offered (every advance out of execution checks its
//! category, every release page offers them), the active members of each group whose new
//! work was told (every advance to a step tells its group), and the title words each typed
//! word of a search stands for (every search reads them first).
//!
//! A change to any of it (a user, a group, a membership, a permission, a webhook or its
//! events, a solution category, a word no title held before) must count from the next
//! request, on every server instance:
//! - the command that made it, on this instance, forgets what it changed once it has
//!   committed ([`Db::configuration_changed`], [`Db::title_words_changed`]);
//! - on PostgreSQL, triggers on those tables send a `NOTIFY` that the database delivers
//!   on commit to every instance ([`CHANGES_CHANNEL`], followed by `live::LiveHub`; a new
//!   title word's payload is [`TITLE_WORDS_CHANGED`]); while an instance is not listening
//!   (before the first `LISTEN`, or after a lost connection) it keeps nothing and reads
//!   everything afresh, since it would miss a change;
//! - on SQLite, triggers count the changes in `user_changes` (new title words in its own
//!   column), which the instance reads every 250 ms with its live updates: a change made by
//!   another process (`releasedesk create-group` on an existing group, a second server)
//!   counts within that time.
//!
//! A read that began before a change is never kept after it: each change starts a new
//! generation, and what was read in an earlier one is dropped. Two kinds of change, each
//! with its generation: the configuration (users, groups, memberships, permissions,
//! webhooks, categories: rare, so one such change forgets everything kept), and the title
//! words, which arrive with registrations all day and forget only the title words kept.
//! (The migrations' comments name this module by its first name, `store/user_cache.rs`.)

use super::users::SessionRecord;
use super::Db;
use crate::model::release::{CategoryChoice, GroupChoice};
use crate::model::webhooks::WebhookEvent;
use std::collections::HashMap;
use std::sync::Mutex;

/// The channel of the PostgreSQL triggers that tell of a change to what is kept. Its name
/// is older than the webhooks' part: the migrations that send on it keep it.
pub const CHANGES_CHANNEL: &str = "releasedesk_users";

/// The payload of a [`CHANGES_CHANNEL`] notification that tells of new title words only;
/// every other payload is a change to the configuration.
pub const TITLE_WORDS_CHANGED: &str = "title_words";

/// More users than this with a session in one instance's memory means something is odd
/// (the users of a desk are its staff): the cache starts over rather than grow.
const MOST_USERS: usize = 10_000;

/// Groups, likewise: a desk's teams.
const MOST_GROUPS: usize = 10_000;
/// Typed words are whatever people type: past this many kept, they start over.
const MOST_TYPED_WORDS: usize = 10_000;

/// What one instance keeps; see the module's documentation.
#[derive(Debug)]
pub struct Kept {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Whether the instance hears of every change; nothing is kept while it does not.
    trusted: bool,
    /// Counts the changes heard of: a read is kept only in the generation it began in.
    generation: u64,
    /// Likewise for the title words, which a configuration change also forgets.
    title_words_generation: u64,
    users: HashMap<i64, Option<SessionRecord>>,
    /// The groups holding Ejecutar, by name.
    execution_groups: Option<Vec<GroupChoice>>,
    /// The active webhooks' events, `(webhook, event)`: read by every append to the log.
    subscriptions: Option<Subscriptions>,
    /// The solution categories offered, in their order.
    categories: Option<Categories>,
    /// The active members of groups, by group, as new work tells them.
    members: HashMap<i64, Members>,
    /// The title words each typed word stands for (`store::list`): none when it starts none,
    /// or more than a search expands a typed word to.
    title_words: HashMap<String, TitleWords>,
}

/// The title words a typed word stands for.
pub type TitleWords = std::sync::Arc<[String]>;

/// The solution categories offered, in their order.
pub type Categories = std::sync::Arc<[CategoryChoice]>;

/// A group's active members, by id.
pub type Members = std::sync::Arc<[i64]>;
/// The active webhooks' events, `(webhook, event)`, by webhook.
pub type Subscriptions = std::sync::Arc<[(i64, WebhookEvent)]>;

/// What a lookup found.
pub enum Lookup<T> {
    /// What was kept (for a user, `None`: there is no active user of that id).
    Kept(T),
    /// Not kept: read it, then offer it to be kept with this ticket.
    Read(Ticket),
}

/// When a read of something kept began.
pub struct Ticket(u64);

/// When a read of title words began.
pub struct TitleWordsTicket(u64);

impl Kept {
    /// A cache that keeps from the start (`trusted`) or only once
    /// [`Kept::listening`] says changes are heard of.
    pub fn new(trusted: bool) -> Kept {
        Kept {
            state: Mutex::new(State {
                trusted,
                generation: 0,
                title_words_generation: 0,
                users: HashMap::new(),
                execution_groups: None,
                subscriptions: None,
                categories: None,
                members: HashMap::new(),
                title_words: HashMap::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind: still usable.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn lookup(&self, id: i64) -> Lookup<Option<SessionRecord>> {
        let state = self.state();
        match state.users.get(&id) {
            Some(user) => Lookup::Kept(user.clone()),
            None => Lookup::Read(Ticket(state.generation)),
        }
    }

    /// Keeps what a read found, unless a change was heard of since it began.
    pub fn keep(&self, id: i64, ticket: Ticket, user: &Option<SessionRecord>) {
        if let Some(mut state) = self.current(ticket) {
            if state.users.len() >= MOST_USERS {
                state.users.clear();
            }
            state.users.insert(id, user.clone());
        }
    }

    pub fn lookup_execution_groups(&self) -> Lookup<Vec<GroupChoice>> {
        self.lookup_in(|state| &state.execution_groups)
    }

    pub fn keep_execution_groups(&self, ticket: Ticket, groups: &[GroupChoice]) {
        self.keep_in(ticket, groups.to_vec(), |state| &mut state.execution_groups);
    }

    pub fn lookup_subscriptions(&self) -> Lookup<Subscriptions> {
        self.lookup_in(|state| &state.subscriptions)
    }

    pub fn keep_subscriptions(&self, ticket: Ticket, subscriptions: &Subscriptions) {
        self.keep_in(ticket, subscriptions.clone(), |state| &mut state.subscriptions);
    }

    pub fn lookup_categories(&self) -> Lookup<Categories> {
        self.lookup_in(|state| &state.categories)
    }

    pub fn keep_categories(&self, ticket: Ticket, categories: &Categories) {
        self.keep_in(ticket, categories.clone(), |state| &mut state.categories);
    }

    pub fn lookup_members(&self, group: i64) -> Lookup<Members> {
        let state = self.state();
        match state.members.get(&group) {
            Some(members) => Lookup::Kept(members.clone()),
            None => Lookup::Read(Ticket(state.generation)),
        }
    }

    pub fn keep_members(&self, ticket: Ticket, group: i64, members: &Members) {
        if let Some(mut state) = self.current(ticket) {
            if state.members.len() >= MOST_GROUPS {
                state.members.clear();
            }
            state.members.insert(group, members.clone());
        }
    }

    /// The title words kept for each of `typed` that has them, the typed words that have
    /// none kept, and a ticket to read those.
    pub fn lookup_title_words(&self, typed: Vec<String>) -> (Vec<(String, TitleWords)>, Vec<String>, TitleWordsTicket) {
        let state = self.state();
        let mut kept = Vec::new();
        let mut unread = Vec::new();
        for word in typed {
            match state.title_words.get(&word) {
                Some(words) => kept.push((word, words.clone())),
                None => unread.push(word),
            }
        }
        (kept, unread, TitleWordsTicket(state.title_words_generation))
    }

    /// Keeps the title words read for typed words, unless a change was heard of since the
    /// read began.
    pub fn keep_title_words(&self, ticket: TitleWordsTicket, read: &[(String, TitleWords)]) {
        if let Some(mut state) = self.current_in(|state| state.title_words_generation, ticket.0) {
            if state.title_words.len() + read.len() > MOST_TYPED_WORDS {
                state.title_words.clear();
            }
            state.title_words.extend(read.iter().cloned());
        }
    }

    /// What one of the kept lists holds, or a ticket to read it.
    fn lookup_in<T: Clone>(&self, kept: impl FnOnce(&State) -> &Option<T>) -> Lookup<T> {
        let state = self.state();
        match kept(&state) {
            Some(value) => Lookup::Kept(value.clone()),
            None => Lookup::Read(Ticket(state.generation)),
        }
    }

    /// Keeps what a read found in one of the kept lists, unless a change was heard of since
    /// it began.
    fn keep_in<T>(&self, ticket: Ticket, value: T, kept: impl FnOnce(&mut State) -> &mut Option<T>) {
        if let Some(mut state) = self.current(ticket) {
            *kept(&mut state) = Some(value);
        }
    }

    /// The state, if what a read that began at `ticket` found may be kept.
    fn current(&self, ticket: Ticket) -> Option<std::sync::MutexGuard<'_, State>> {
        self.current_in(|state| state.generation, ticket.0)
    }

    /// The state, if what a read that began when `generation` was `began` found may be kept.
    fn current_in(
        &self,
        generation: impl FnOnce(&State) -> u64,
        began: u64,
    ) -> Option<std::sync::MutexGuard<'_, State>> {
        let state = self.state();
        (state.trusted && generation(&state) == began).then_some(state)
    }

    /// Forgets everything kept: something of the configuration changed.
    pub fn changed(&self) {
        self.forget(self.state());
    }

    /// Forgets the title words kept: a title brought a word no title held before.
    pub fn title_words_changed(&self) {
        Self::forget_title_words(&mut self.state());
    }

    fn forget(&self, mut state: std::sync::MutexGuard<'_, State>) {
        state.generation += 1;
        state.users.clear();
        state.execution_groups = None;
        state.subscriptions = None;
        state.categories = None;
        state.members.clear();
        Self::forget_title_words(&mut state);
    }

    fn forget_title_words(state: &mut State) {
        state.title_words_generation += 1;
        state.title_words.clear();
    }

    /// Whether changes are heard of from now on (`true`: the instance listens again, and
    /// what it kept before may be stale; `false`: it stopped hearing).
    pub fn listening(&self, listening: bool) {
        let mut state = self.state();
        state.trusted = listening;
        self.forget(state);
    }
}

impl Db {
    pub(crate) fn kept(&self) -> &Kept {
        &self.kept
    }

    /// Tells this instance that users, groups, memberships, permissions, webhooks or their
    /// events, or solution categories changed (after the change committed): from the next
    /// request on, everything kept is read afresh.
    pub fn configuration_changed(&self) {
        self.kept.changed();
    }

    /// Tells this instance that titles were registered or corrected (after the change
    /// committed): from the next search on, what typed words stand for is read afresh.
    pub fn title_words_changed(&self) {
        self.kept.title_words_changed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permissions::Actor;
    use crate::domain::UserId;

    fn record(name: &str) -> Option<SessionRecord> {
        Some(SessionRecord {
            actor: Actor { user: UserId(1), username: name.into(), full_name: name.into(), memberships: Vec::new() },
            password_hash: String::new(),
            must_change_password: false,
            time_zone: None,
            language: None,
        })
    }

    fn kept(cache: &Kept, id: i64) -> Option<String> {
        match cache.lookup(id) {
            Lookup::Kept(user) => Some(user.map_or_else(String::new, |user| user.actor.username)),
            Lookup::Read(_) => None,
        }
    }

    fn ticket(cache: &Kept, id: i64) -> Ticket {
        match cache.lookup(id) {
            Lookup::Read(ticket) => ticket,
            Lookup::Kept(_) => panic!("user {id} was kept"),
        }
    }

    #[test]
    fn a_user_is_kept_until_a_change_and_a_read_from_before_the_change_is_not_kept() {
        let cache = Kept::new(true);
        let first = ticket(&cache, 1);
        cache.keep(1, first, &record("ana"));
        assert_eq!(kept(&cache, 1).as_deref(), Some("ana"));

        cache.changed();
        assert_eq!(kept(&cache, 1), None, "a change forgets the users");

        // A read that began before a change committed may hold what the change replaced.
        let before = ticket(&cache, 1);
        cache.changed();
        cache.keep(1, before, &record("stale"));
        assert_eq!(kept(&cache, 1), None);

        // No active user of that id is kept too, and forgotten the same way.
        let missing = ticket(&cache, 2);
        cache.keep(2, missing, &None);
        assert_eq!(kept(&cache, 2).as_deref(), Some(""));

        // The groups holding Ejecutar, likewise.
        let Lookup::Read(read) = cache.lookup_execution_groups() else { panic!("groups kept before any read") };
        let groups = [GroupChoice { id: crate::domain::GroupId(1), name: "Despliegue N1".into() }];
        cache.keep_execution_groups(read, &groups);
        assert!(matches!(cache.lookup_execution_groups(), Lookup::Kept(kept) if kept == groups));
        // A group's active members, by group, likewise.
        let Lookup::Read(read) = cache.lookup_members(1) else { panic!("members kept before any read") };
        cache.keep_members(read, 1, &Members::from([3, 4]));
        assert!(matches!(cache.lookup_members(1), Lookup::Kept(kept) if *kept == [3, 4]));
        assert!(matches!(cache.lookup_members(2), Lookup::Read(_)), "another group's are not");
        let Lookup::Read(before) = cache.lookup_members(2) else { panic!("group 2 kept") };
        cache.changed();
        assert!(matches!(cache.lookup_members(1), Lookup::Read(_)));
        cache.keep_members(before, 2, &Members::from([5]));
        assert!(matches!(cache.lookup_members(2), Lookup::Read(_)), "read before the change");
        assert!(matches!(cache.lookup_execution_groups(), Lookup::Read(_)));
        assert_eq!(kept(&cache, 2), None);
    }

    #[test]
    fn title_words_are_kept_by_typed_word_until_a_change() {
        let cache = Kept::new(true);
        let typed = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        let words = |words: &[&str]| -> TitleWords { words.iter().map(|w| w.to_string()).collect() };
        let (kept, unread, read) = cache.lookup_title_words(typed(&["migr", "erp"]));
        assert!(kept.is_empty());
        assert_eq!(unread, typed(&["migr", "erp"]));
        cache.keep_title_words(read, &[("migr".into(), words(&["migracion"])), ("erp".into(), words(&[]))]);
        let (kept, unread, _) = cache.lookup_title_words(typed(&["erp", "nomina", "migr"]));
        assert_eq!(kept, [("erp".into(), words(&[])), ("migr".into(), words(&["migracion"]))]);
        assert_eq!(unread, typed(&["nomina"]));

        // A new title word may extend what a typed word stands for.
        let (_, _, before) = cache.lookup_title_words(typed(&["nomina"]));
        cache.title_words_changed();
        cache.keep_title_words(before, &[("nomina".into(), words(&["nomina"]))]);
        let (kept, unread, _) = cache.lookup_title_words(typed(&["migr", "nomina"]));
        assert!(kept.is_empty());
        assert_eq!(unread, typed(&["migr", "nomina"]));
    }

    #[test]
    fn new_title_words_forget_only_the_title_words() {
        let cache = Kept::new(true);
        let user = ticket(&cache, 1);
        let (_, _, words) = cache.lookup_title_words(vec!["clu".into()]);
        cache.title_words_changed();
        // A read of users that began before new title words is still kept; one of title
        // words is not.
        cache.keep(1, user, &record("ana"));
        cache.keep_title_words(words, &[("clu".into(), ["cluster".to_owned()].into())]);
        assert_eq!(kept(&cache, 1).as_deref(), Some("ana"));
        let (kept_words, unread, words) = cache.lookup_title_words(vec!["clu".into()]);
        assert!(kept_words.is_empty());
        assert_eq!(unread, ["clu"]);

        // Kept, then forgotten by new title words, and by a change to the configuration.
        cache.keep_title_words(words, &[("clu".into(), ["cluster".to_owned()].into())]);
        assert_eq!(cache.lookup_title_words(vec!["clu".into()]).0.len(), 1);
        cache.title_words_changed();
        assert_eq!(cache.lookup_title_words(vec!["clu".into()]).0.len(), 0);
        assert_eq!(kept(&cache, 1).as_deref(), Some("ana"), "the users stay");
        let (_, _, words) = cache.lookup_title_words(vec!["clu".into()]);
        cache.keep_title_words(words, &[("clu".into(), ["cluster".to_owned()].into())]);
        cache.changed();
        assert_eq!(cache.lookup_title_words(vec!["clu".into()]).0.len(), 0);
        assert_eq!(kept(&cache, 1), None);
    }

    #[test]
    fn nothing_is_kept_while_changes_are_not_heard_of() {
        let cache = Kept::new(false);
        let read = ticket(&cache, 1);
        cache.keep(1, read, &record("ana"));
        assert_eq!(kept(&cache, 1), None, "kept before listening");

        cache.listening(true);
        let read = ticket(&cache, 1);
        cache.keep(1, read, &record("ana"));
        assert_eq!(kept(&cache, 1).as_deref(), Some("ana"));

        // The connection that heard of changes is lost: what was kept may go stale.
        let read = ticket(&cache, 3);
        cache.listening(false);
        assert_eq!(kept(&cache, 1), None);
        cache.keep(3, read, &record("bruno"));
        assert_eq!(kept(&cache, 3), None);
    }
}
