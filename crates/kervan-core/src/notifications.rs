//! Notification kinds a person may also get by e-mail, and whether they do until they choose.

/// `(kind, e-mailed by default)`. Approvals of later modules add their line. Customers are never
/// e-mailed by any of these: every recipient is a user of the company.
pub const KINDS: &[(&str, bool)] = &[
    ("task_assigned", true),
    ("task_due", true),
    ("mention", true),
    ("record_assigned", true),
    // Many records at once (an import, a bulk change, a hand-over): one notice per run.
    ("records_assigned", true),
    ("login_attack", true),
    ("quote_approved", true),
    ("quote_rejected", true),
    ("quote_expiring", true),
    // One's own background work done (an export's file, an import's result): on the bell, to
    // come back to after leaving the page.
    ("export_ready", false),
    ("import_done", false),
];

/// Whether `kind` is e-mailed when the person has not chosen.
pub fn email_default(kind: &str) -> bool {
    KINDS.iter().any(|(k, on)| *k == kind && *on)
}
