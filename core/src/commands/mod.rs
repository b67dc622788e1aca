//! The desk's use cases. Every entry point (server function, REST handler, background
//! job, CLI, seeder) calls these: each authorizes, validates, writes one transaction with
//! its log entries, and returns a typed result or an [`Error`](crate::Error).

pub mod account;
pub mod actions;
pub mod admin;
pub mod attachments;
mod capture_turns;
pub mod catalogues;
pub mod flow;
pub mod list;
pub mod log;
pub mod notifications;
pub mod relations;
pub mod release;
pub mod tokens;
pub mod users;
pub mod webhooks;

use crate::domain::permissions::Actor;
use crate::domain::time_zone::{tzdb, ZoneOffsets};
use crate::store::flows::{install_release_flow, FlowCache, StoredFlow};
use crate::store::{connect, Db, SetupError};
use std::sync::Arc;

/// What every command runs against, set up once per process: the database, the flow
/// definitions it has read, the release flow that new releases enter, and the time zone of
/// users who have not chosen one.
#[derive(Debug, Clone)]
pub struct Desk {
    pub db: Db,
    pub flows: FlowCache,
    pub release_flow: StoredFlow,
    /// The zone of users without one and of anonymous pages (`--time-zone`, UTC unless set).
    pub default_time_zone: Arc<ZoneOffsets>,
    /// Where attachments go and how large they may be (`ATTACHMENT_MAX_BYTES`, `ATTACHMENTS_DIR`).
    pub attachments: Arc<attachments::Settings>,
    /// This instance's captures of one release take turns ([`capture_turns`]).
    capture_turns: Arc<capture_turns::CaptureTurns>,
}

impl Desk {
    /// Opens (creating and migrating) the database named by `url` and stores the
    /// repository's release flow.
    pub async fn open(url: &str) -> Result<Desk, SetupError> {
        let db = connect(url).await?;
        let release_flow = install_release_flow(&db).await?;
        Ok(Desk {
            db,
            flows: FlowCache::default(),
            release_flow,
            default_time_zone: Arc::new(ZoneOffsets::utc()),
            attachments: Arc::new(attachments::Settings::default()),
            capture_turns: Default::default(),
        })
    }

    /// The desk with the operator's settings for attachments.
    pub fn with_attachments(self, settings: attachments::Settings) -> Desk {
        Desk { attachments: Arc::new(settings), ..self }
    }

    /// The desk with `name` as the zone of users who have not chosen one; refused (with
    /// why) when the tz database knows no such zone.
    pub fn with_default_time_zone(self, name: &str) -> Result<Desk, String> {
        let zone = tzdb::zone(name)
            .ok_or_else(|| format!("`{name}` is not a time zone of the tz database (e.g. Europe/Madrid, UTC)"))?;
        Ok(Desk { default_time_zone: zone, ..self })
    }

    /// The zone named `name` (a user's), or the default zone when it is `None` or unknown.
    pub fn time_zone(&self, name: Option<&str>) -> Arc<ZoneOffsets> {
        name.and_then(tzdb::zone).unwrap_or_else(|| self.default_time_zone.clone())
    }

    /// The context of one command by `actor`, now.
    pub fn acting(&self, actor: Actor) -> Ctx {
        self.acting_at(actor, crate::store::now())
    }

    /// The context of one command by `actor` at `now` (Unix seconds): the seeders date
    /// their history, tests control the clock.
    pub fn acting_at(&self, actor: Actor, now: i64) -> Ctx {
        Ctx { desk: self.clone(), actor, now }
    }
}

/// One command's context: the desk, who acts (with their groups and permissions, loaded
/// for this request), and when.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub desk: Desk,
    pub actor: Actor,
    pub now: i64,
}

impl std::ops::Deref for Ctx {
    type Target = Desk;

    fn deref(&self) -> &Desk {
        &self.desk
    }
}

/// Runs a write command, and runs it once more, from its first read, when the database
/// broke it off because of a concurrent write (a deadlock, a serialization failure, a unique
/// row taken meanwhile: [`Error::Conflict`](crate::Error::Conflict)). The second run decides
/// again on what is now stored: a version claim or a refusal tells the user what changed.
/// A second conflict is answered as such (409).
pub(crate) async fn retrying<T, F, Fut>(attempt: F) -> Result<T, crate::Error>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, crate::Error>>,
{
    match attempt().await {
        Err(crate::Error::Conflict) => {
            tracing::info!("a concurrent write broke the command off; running it once more");
            attempt().await
        }
        done => done,
    }
}
