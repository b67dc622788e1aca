//! A user's time zone as the pages need it: the offsets from UTC that an IANA zone had and
//! will have, as a compact table, so that the browser (which cannot carry the time-zone
//! database) and the server format and read local times alike with plain arithmetic.
//! Times are stored in UTC (Unix seconds); only what is shown or typed is local.
//!
//! The table covers [`FIRST_SECOND`] (1970) to [`LAST_SECOND`] (2100): before it the
//! zone's offset of 1970 holds, after it its last offset (no daylight-saving time).
//! The server builds it from the bundled tz database (`tzdb`, server only).

use serde::{Deserialize, Serialize};

/// The zone of users who have not chosen one, unless the server is told another.
pub const DEFAULT_ZONE: &str = "UTC";

/// 1970-01-01T00:00:00Z: the table's first instant.
pub const FIRST_SECOND: i64 = 0;
/// 2100-01-01T00:00:00Z: the table's end.
pub const LAST_SECOND: i64 = 4_102_444_800;

/// The offsets of one zone: `initial` until the first transition, then each transition's
/// offset from its instant on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneOffsets {
    /// The IANA name, as the tz database spells it (e.g. `America/Sao_Paulo`).
    pub name: String,
    /// The offset east of UTC, in seconds, before the first transition.
    pub initial: i32,
    /// `(instant in Unix seconds, offset in seconds from then on)`, in ascending order.
    pub transitions: Vec<(i64, i32)>,
}

impl Default for ZoneOffsets {
    fn default() -> Self {
        ZoneOffsets::utc()
    }
}

impl ZoneOffsets {
    /// Coordinated Universal Time: no offset, ever.
    pub fn utc() -> ZoneOffsets {
        ZoneOffsets { name: DEFAULT_ZONE.to_owned(), initial: 0, transitions: Vec::new() }
    }

    /// The offset east of UTC, in seconds, at the instant `utc`.
    pub fn offset_at(&self, utc: i64) -> i32 {
        match self.transitions.partition_point(|(at, _)| *at <= utc) {
            0 => self.initial,
            after => self.transitions[after - 1].1,
        }
    }

    /// The wall-clock time of the instant `utc`, as seconds since 1970-01-01T00:00 local.
    pub fn to_local(&self, utc: i64) -> i64 {
        utc.saturating_add(i64::from(self.offset_at(utc)))
    }

    /// The instant at which the wall clock of this zone reads `local` (seconds since
    /// 1970-01-01T00:00 local). A time the clock skipped (spring forward) is read with the
    /// offset before the change, so it lands as far after the change as it was typed after
    /// it (02:30 in a one-hour gap at 02:00 is 03:30); a time the clock showed twice (fall
    /// back) is its first occurrence. The same choices as RFC 5545 and Temporal's
    /// "compatible" make.
    pub fn to_utc(&self, local: i64) -> i64 {
        // The instant is within 26 hours of `local` read as UTC (offsets span -12..+14 h):
        // the candidates are the offsets in force in that window, in order.
        const WINDOW: i64 = 26 * 3_600;
        let start = local.saturating_sub(WINDOW);
        let end = local.saturating_add(WINDOW);
        let mut candidates = vec![self.offset_at(start)];
        let first = self.transitions.partition_point(|(at, _)| *at <= start);
        candidates.extend(self.transitions[first..].iter().take_while(|(at, _)| *at <= end).map(|(_, offset)| *offset));
        let valid = candidates
            .iter()
            .map(|offset| local.saturating_sub(i64::from(*offset)))
            .filter(|utc| self.to_local(*utc) == local)
            .min();
        match valid {
            Some(utc) => utc,
            // In a gap: the offset before it.
            None => local.saturating_sub(i64::from(self.gap_offset_before(local).unwrap_or(self.initial))),
        }
    }

    /// The offset in force just before the gap that swallows the wall-clock time `local`.
    fn gap_offset_before(&self, local: i64) -> Option<i32> {
        let mut before = self.initial;
        for (at, offset) in &self.transitions {
            // The gap of this transition spans [at + before, at + offset) in local time.
            if *offset > before
                && (at.saturating_add(i64::from(before))..at.saturating_add(i64::from(*offset))).contains(&local)
            {
                return Some(before);
            }
            before = *offset;
        }
        None
    }
}

/// The zone tables built from the bundled tz database, once per zone (server only).
#[cfg(feature = "server")]
pub mod tzdb {
    use super::{ZoneOffsets, FIRST_SECOND, LAST_SECOND};
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};

    static BUILT: LazyLock<Mutex<HashMap<String, Arc<ZoneOffsets>>>> = LazyLock::new(Default::default);

    /// The zone named `name` (any case: `america/sao_paulo` is `America/Sao_Paulo`), or
    /// `None` when the tz database knows no such zone.
    pub fn zone(name: &str) -> Option<Arc<ZoneOffsets>> {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        if let Some(built) = BUILT.lock().ok().and_then(|built| built.get(name).cloned()) {
            return Some(built);
        }
        let tz = jiff::tz::db().get(name).ok()?;
        let canonical = tz.iana_name().unwrap_or(name).to_owned();
        // Kept under the database's spelling only: any case of a name finds it, and the
        // cache never holds more than the database's zones.
        if let Some(built) = BUILT.lock().ok().and_then(|built| built.get(&canonical).cloned()) {
            return Some(built);
        }
        let start = jiff::Timestamp::from_second(FIRST_SECOND).ok()?;
        let transitions = tz
            .following(start)
            .map(|t| (t.timestamp().as_second(), t.offset().seconds()))
            .take_while(|(at, _)| *at < LAST_SECOND)
            .collect();
        let built =
            Arc::new(ZoneOffsets { name: canonical.clone(), initial: tz.to_offset(start).seconds(), transitions });
        if let Ok(mut cache) = BUILT.lock() {
            cache.insert(canonical, built.clone());
        }
        Some(built)
    }

    /// Every zone name the tz database knows, sorted: what the zone fields offer.
    pub fn names() -> Vec<String> {
        static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
            let mut names: Vec<String> = jiff::tz::db().available().map(|name| name.as_str().to_owned()).collect();
            names.sort();
            names
        });
        NAMES.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-29T01:00Z: Madrid springs forward from +01:00 to +02:00.
    const MADRID_SPRING_2026: i64 = 1_774_746_000;
    /// 2026-10-25T01:00Z: Madrid falls back from +02:00 to +01:00.
    const MADRID_AUTUMN_2026: i64 = 1_792_890_000;

    fn madrid_2026() -> ZoneOffsets {
        ZoneOffsets {
            name: "Europe/Madrid".into(),
            initial: 3_600,
            transitions: vec![(MADRID_SPRING_2026, 7_200), (MADRID_AUTUMN_2026, 3_600)],
        }
    }

    /// 2026-03-29 at `hour`:`minute`, local, as seconds since 1970-01-01T00:00 local.
    fn march_29(hour: i64, minute: i64) -> i64 {
        1_774_742_400 + hour * 3_600 + minute * 60
    }

    #[test]
    fn utc_changes_nothing() {
        let utc = ZoneOffsets::utc();
        assert_eq!(utc.to_local(1_772_719_620), 1_772_719_620);
        assert_eq!(utc.to_utc(1_772_719_620), 1_772_719_620);
    }

    #[test]
    fn offsets_change_at_their_transitions() {
        let madrid = madrid_2026();
        assert_eq!(madrid.offset_at(MADRID_SPRING_2026 - 1), 3_600);
        assert_eq!(madrid.offset_at(MADRID_SPRING_2026), 7_200);
        assert_eq!(madrid.offset_at(MADRID_AUTUMN_2026 - 1), 7_200);
        assert_eq!(madrid.offset_at(MADRID_AUTUMN_2026), 3_600);
    }

    #[test]
    fn a_time_skipped_by_the_clock_lands_after_the_change() {
        let madrid = madrid_2026();
        // 01:59 local is 00:59Z; 02:30 does not exist and reads as 03:30 (01:30Z).
        assert_eq!(madrid.to_utc(march_29(1, 59)), MADRID_SPRING_2026 - 60);
        assert_eq!(madrid.to_utc(march_29(2, 30)), MADRID_SPRING_2026 + 1_800);
        assert_eq!(madrid.to_utc(march_29(3, 0)), MADRID_SPRING_2026);
    }

    #[test]
    fn a_time_shown_twice_is_its_first_occurrence() {
        let madrid = madrid_2026();
        // 2026-10-25 02:30 local happens at 00:30Z (+02:00) and at 01:30Z (+01:00).
        let local = madrid.to_local(MADRID_AUTUMN_2026 - 1_800);
        assert_eq!(local, madrid.to_local(MADRID_AUTUMN_2026 + 1_800));
        assert_eq!(madrid.to_utc(local), MADRID_AUTUMN_2026 - 1_800);
    }

    #[test]
    fn every_local_time_of_an_instant_reads_back_as_that_instant_but_in_a_repeated_hour() {
        let madrid = madrid_2026();
        for utc in (MADRID_SPRING_2026 - 86_400..MADRID_AUTUMN_2026 + 86_400).step_by(900) {
            let repeated = (MADRID_AUTUMN_2026..MADRID_AUTUMN_2026 + 3_600).contains(&utc);
            let back = madrid.to_utc(madrid.to_local(utc));
            if repeated {
                assert_eq!(back, utc - 3_600, "{utc}");
            } else {
                assert_eq!(back, utc, "{utc}");
            }
        }
    }

    #[cfg(feature = "server")]
    mod from_the_tz_database {
        use super::super::tzdb;
        use super::*;
        use std::sync::Arc;

        #[test]
        fn madrid_changes_clocks_on_the_last_sundays_of_march_and_october() {
            let madrid = tzdb::zone("Europe/Madrid").expect("Madrid is a zone");
            assert_eq!(madrid.name, "Europe/Madrid");
            let expected = madrid_2026();
            assert_eq!(madrid.offset_at(MADRID_SPRING_2026 - 1), 3_600);
            assert_eq!(madrid.offset_at(MADRID_SPRING_2026), 7_200);
            assert_eq!(madrid.offset_at(MADRID_AUTUMN_2026), 3_600);
            assert_eq!(madrid.to_utc(march_29(2, 30)), expected.to_utc(march_29(2, 30)));
            // Transitions run up to 2100, twice a year.
            assert!(madrid.transitions.len() > 2 * 120, "{}", madrid.transitions.len());
            assert!(madrid
                .transitions
                .last()
                .is_some_and(|(at, _)| *at < LAST_SECOND && *at > LAST_SECOND - 366 * 86_400));
        }

        #[test]
        fn sao_paulo_keeps_minus_three_since_it_dropped_summer_time_in_2019() {
            let sao_paulo = tzdb::zone("america/sao_paulo").expect("São Paulo is a zone");
            assert_eq!(sao_paulo.name, "America/Sao_Paulo");
            // 2018-12-01T12:00Z: summer time (-02:00); 2026-03-05T14:07Z: -03:00.
            assert_eq!(sao_paulo.offset_at(1_543_665_600), -7_200);
            assert_eq!(sao_paulo.offset_at(1_772_719_620), -10_800);
            assert_eq!(sao_paulo.to_local(1_772_719_620), 1_772_719_620 - 10_800);
            assert_eq!(sao_paulo.to_utc(1_772_719_620 - 10_800), 1_772_719_620);
            assert_eq!(sao_paulo.offset_at(LAST_SECOND + 86_400 * 365), -10_800);
        }

        #[test]
        fn every_instant_reads_back_from_its_local_time_in_a_zone_without_repeated_hours() {
            let kolkata = tzdb::zone("Asia/Kolkata").expect("Kolkata is a zone");
            for utc in (0..LAST_SECOND).step_by(7_919_999) {
                assert_eq!(kolkata.to_utc(kolkata.to_local(utc)), utc);
            }
            let sao_paulo = tzdb::zone("America/Sao_Paulo").expect("São Paulo is a zone");
            // From 2019-03-01, after its last summer time ended.
            for utc in (1_551_398_400..LAST_SECOND).step_by(3_599) {
                assert_eq!(sao_paulo.to_utc(sao_paulo.to_local(utc)), utc, "{utc}");
            }
        }

        #[test]
        fn any_case_of_a_name_finds_the_one_table_of_its_zone() {
            let zones = ["Europe/Lisbon", "europe/lisbon", "EUROPE/LISBON", " Europe/Lisbon "].map(tzdb::zone);
            let first = zones[0].clone().expect("Lisbon is a zone");
            assert_eq!(first.name, "Europe/Lisbon");
            assert!(zones.iter().all(|zone| zone.as_ref().is_some_and(|zone| Arc::ptr_eq(zone, &first))));
        }

        #[test]
        fn unknown_zones_are_not_found() {
            assert!(tzdb::zone("Mars/Olympus_Mons").is_none());
            assert!(tzdb::zone("").is_none());
            assert!(tzdb::zone("../../etc/passwd").is_none());
            assert!(tzdb::names().iter().any(|name| name == "America/Sao_Paulo"));
            assert!(tzdb::names().iter().any(|name| name == "UTC"));
        }
    }
}
