//! Priority from impact and urgency, the ITIL matrix: 1 is the most urgent, 5 the least.

use serde::{Deserialize, Serialize};

/// Impact or urgency: 1 high, 2 medium, 3 low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level(u8);

impl Level {
    pub const HIGH: Level = Level(1);
    pub const MEDIUM: Level = Level(2);
    pub const LOW: Level = Level(3);

    /// Refuses anything but 1, 2 or 3.
    pub fn new(value: i64) -> Option<Level> {
        (1..=3).contains(&value).then_some(Level(value as u8))
    }

    pub fn value(self) -> i64 {
        i64::from(self.0)
    }
}

/// Priority 1..=5: high impact and high urgency give 1, low and low give 5.
pub fn priority(impact: Level, urgency: Level) -> i64 {
    impact.value() + urgency.value() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_corners_and_middle() {
        assert_eq!(priority(Level::HIGH, Level::HIGH), 1);
        assert_eq!(priority(Level::HIGH, Level::LOW), 3);
        assert_eq!(priority(Level::MEDIUM, Level::MEDIUM), 3);
        assert_eq!(priority(Level::LOW, Level::LOW), 5);
    }

    #[test]
    fn levels_outside_one_to_three_are_refused() {
        assert!(Level::new(0).is_none());
        assert!(Level::new(4).is_none());
        assert_eq!(Level::new(2), Some(Level::MEDIUM));
    }
}
