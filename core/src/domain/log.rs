//! What the execution log records: the kind of each entry.

super::code_enum!(
    /// What happened, as stored in `execution_log.kind`.
    LogKind {
        Registered = "registered",
        Captured = "captured",
        Saved = "saved",
        Advanced = "advanced",
        Resolved = "resolved",
        SentBack = "sent_back",
        Linked = "linked",
        Unlinked = "unlinked",
        Manual = "manual",
        Delegated = "delegated",
        Suspended = "suspended",
        Reactivated = "reactivated",
        Reopened = "reopened",
        Cancelled = "cancelled",
    }
);

impl LogKind {
    /// The entries of the "Acción" menu's actions, which the flow view's history also shows.
    pub fn is_release_action(self) -> bool {
        matches!(
            self,
            LogKind::Delegated | LogKind::Suspended | LogKind::Reactivated | LogKind::Reopened | LogKind::Cancelled
        )
    }
}
