//! Loads the flow definitions of the repository (`flows/*.toml`) into the database.
//! A definition is stored once per version; releases point at the version they started
//! with, so changing a flow never changes a release already under way.

use super::{now, Db, SetupError};
use crate::domain::flow::FlowDefinition;
use crate::domain::GroupId;
use crate::store::users::group_id_by_name;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The release flow, compiled into the server from the repository file.
pub const RELEASE_FLOW_FILE: &str = "flows/release.toml";
const RELEASE_FLOW_TOML: &str = include_str!("../../../flows/release.toml");

/// A flow version as stored, with its database id.
#[derive(Debug, Clone)]
pub struct StoredFlow {
    pub id: i64,
    pub definition: Arc<FlowDefinition>,
}

/// Flow definitions by id, and the ids of the groups their steps name. Neither changes
/// once stored (groups are only ever added), so each is read once.
#[derive(Debug, Clone, Default)]
pub struct FlowCache {
    by_id: Arc<RwLock<HashMap<i64, Arc<FlowDefinition>>>>,
    group_ids: Arc<RwLock<HashMap<String, GroupId>>>,
}

pub fn parse(file: &str, text: &str) -> Result<FlowDefinition, SetupError> {
    let flow: FlowDefinition =
        toml::from_str(text).map_err(|e| SetupError::Flow { file: file.into(), reason: e.to_string() })?;
    flow.validate().map_err(|e| SetupError::Flow { file: file.into(), reason: e.to_string() })?;
    Ok(flow)
}

/// Stores the repository's release flow if this version is new, and returns it. A stored
/// version whose content differs from the file is refused: bump `version` instead.
pub async fn install_release_flow(db: &Db) -> Result<StoredFlow, SetupError> {
    let flow = parse(RELEASE_FLOW_FILE, RELEASE_FLOW_TOML)?;
    let json = serde_json::to_string(&flow)
        .map_err(|e| SetupError::Flow { file: RELEASE_FLOW_FILE.into(), reason: e.to_string() })?;
    #[derive(sqlx::FromRow)]
    struct Existing {
        id: i64,
        definition: String,
    }
    let existing: Option<Existing> =
        sqlx::query_as("SELECT id, definition FROM flows WHERE code = $1 AND version = $2")
            .bind(&flow.code)
            .bind(flow.version)
            .fetch_optional(&db.pool)
            .await?;
    if let Some(row) = existing {
        let stored: FlowDefinition = serde_json::from_str(&row.definition).map_err(|e| SetupError::Flow {
            file: RELEASE_FLOW_FILE.into(),
            reason: format!("the stored version cannot be read: {e}"),
        })?;
        if stored != flow {
            return Err(SetupError::Flow {
                file: RELEASE_FLOW_FILE.into(),
                reason: format!(
                    "version {} is already stored with other content; give the changed flow a new version",
                    flow.version
                ),
            });
        }
        return Ok(StoredFlow { id: row.id, definition: Arc::new(flow) });
    }

    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO flows (code, version, definition, loaded_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&flow.code)
    .bind(flow.version)
    .bind(&json)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    for step in &flow.steps {
        sqlx::query("INSERT INTO flow_steps (flow_id, code, name_es, name_pt) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(&step.code)
            .bind(&step.name.es)
            .bind(&step.name.pt)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    tracing::info!(code = %flow.code, version = flow.version, "flow definition stored");
    Ok(StoredFlow { id, definition: Arc::new(flow) })
}

impl FlowCache {
    /// The definition of flow `id`, from memory after the first read.
    pub async fn get(&self, db: &Db, id: i64) -> Result<Arc<FlowDefinition>, sqlx::Error> {
        if let Some(flow) = self.by_id.read().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(flow);
        }
        let json: String =
            sqlx::query_scalar("SELECT definition FROM flows WHERE id = $1").bind(id).fetch_one(&db.pool).await?;
        let flow: Arc<FlowDefinition> =
            Arc::new(serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?);
        if let Ok(mut map) = self.by_id.write() {
            map.insert(id, flow.clone());
        }
        Ok(flow)
    }

    /// The id of the group named `name`; a name not found is asked again next time.
    pub async fn group_id(&self, db: &Db, name: &str) -> Result<Option<GroupId>, sqlx::Error> {
        if let Some(id) = self.group_ids.read().ok().and_then(|m| m.get(name).copied()) {
            return Ok(Some(id));
        }
        let id = group_id_by_name(db, name).await?;
        if let (Some(id), Ok(mut map)) = (id, self.group_ids.write()) {
            map.insert(name.to_owned(), id);
        }
        Ok(id)
    }
}
