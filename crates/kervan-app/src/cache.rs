//! What every page reads and few requests change — users and teams, the grants of each role,
//! custom field definitions, saved views and column choices — kept in memory. The entries belong
//! to a version of those tables (`kervan_store::cache`): each request reads the version with its
//! session or token, and entries of another version are dropped before use. A write on any
//! server bumps the version, so every server sees it on its next request.
//!
//! The values in use of a field (filter menus, suggestions) change with every record written;
//! they are kept for a few seconds instead (a new fair name shows up in the menu a moment later).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use kervan_core::record::CustomDef;
use kervan_store::permissions::GrantRow;
use kervan_store::users::UserRow;
use kervan_store::views::ViewRow;

use crate::error::Result;

/// How long the values in use of a field are kept.
const VALUES_TTL: Duration = Duration::from_secs(5);

/// Values read at a moment.
type Timed = (Instant, Arc<Vec<String>>);

#[derive(Default)]
struct Entries {
    /// The version these entries were read at; `None` before the first request.
    version: Option<i64>,
    users: Option<Arc<Vec<UserRow>>>,
    grants: HashMap<String, Arc<Vec<GrantRow>>>,
    defs: HashMap<&'static str, Arc<Vec<CustomDef>>>,
    views: HashMap<(&'static str, i64), Arc<Vec<ViewRow>>>,
    columns: HashMap<(&'static str, i64), Option<String>>,
}

#[derive(Default)]
pub struct Cache {
    entries: RwLock<Entries>,
    values: RwLock<HashMap<(&'static str, &'static str), Timed>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

impl Cache {
    /// Drops every entry older than `version` (read from the database with the request's
    /// session or token). Versions only grow: a request that read an older one (just before
    /// another's write) keeps the newer entries.
    pub fn sync(&self, version: i64) {
        let newer = |e: &Entries| e.version.is_none_or(|v| version > v);
        let stale = self.read(newer);
        if stale
            && let Ok(mut e) = self.entries.write()
            && newer(&e)
        {
            *e = Entries {
                version: Some(version),
                ..Entries::default()
            };
        }
    }

    /// Drops everything (after this server wrote: its own next read must not wait for the
    /// version to come back with a request).
    pub fn clear(&self) {
        if let Ok(mut e) = self.entries.write() {
            *e = Entries::default();
        }
    }

    fn read<T>(&self, f: impl FnOnce(&Entries) -> T) -> T {
        match self.entries.read() {
            Ok(e) => f(&e),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }

    /// The entry `get` finds, or what `load` reads (kept, unless the version moved meanwhile).
    async fn entry<T: Clone>(
        &self,
        get: impl Fn(&Entries) -> Option<T>,
        put: impl FnOnce(&mut Entries, T),
        load: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let (found, version) = self.read(|e| (get(e), e.version));
        if let Some(v) = found {
            return Ok(v);
        }
        let v = load.await?;
        // Entries are only kept for a known version: without a request's version (the command
        // line, tests calling the use cases), every read goes to the database.
        if version.is_some()
            && let Ok(mut e) = self.entries.write()
            && e.version == version
        {
            put(&mut e, v.clone());
        }
        Ok(v)
    }

    pub async fn users(&self, load: impl Future<Output = Result<Vec<UserRow>>>) -> Result<Arc<Vec<UserRow>>> {
        self.entry(|e| e.users.clone(), |e, v| e.users = Some(v), async {
            Ok(Arc::new(load.await?))
        })
        .await
    }

    pub async fn grants(
        &self,
        role: &str,
        load: impl Future<Output = Result<Vec<GrantRow>>>,
    ) -> Result<Arc<Vec<GrantRow>>> {
        self.entry(
            |e| e.grants.get(role).cloned(),
            |e, v| {
                e.grants.insert(role.to_string(), v);
            },
            async { Ok(Arc::new(load.await?)) },
        )
        .await
    }

    pub async fn defs(
        &self,
        kind: &'static str,
        load: impl Future<Output = Result<Vec<CustomDef>>>,
    ) -> Result<Arc<Vec<CustomDef>>> {
        self.entry(
            |e| e.defs.get(kind).cloned(),
            |e, v| {
                e.defs.insert(kind, v);
            },
            async { Ok(Arc::new(load.await?)) },
        )
        .await
    }

    pub async fn views(
        &self,
        kind: &'static str,
        user_id: i64,
        load: impl Future<Output = Result<Vec<ViewRow>>>,
    ) -> Result<Arc<Vec<ViewRow>>> {
        self.entry(
            |e| e.views.get(&(kind, user_id)).cloned(),
            |e, v| {
                e.views.insert((kind, user_id), v);
            },
            async { Ok(Arc::new(load.await?)) },
        )
        .await
    }

    pub async fn columns(
        &self,
        kind: &'static str,
        user_id: i64,
        load: impl Future<Output = Result<Option<String>>>,
    ) -> Result<Option<String>> {
        self.entry(
            |e| e.columns.get(&(kind, user_id)).cloned(),
            |e, v| {
                e.columns.insert((kind, user_id), v);
            },
            load,
        )
        .await
    }

    /// The values in use of a field, kept for [`VALUES_TTL`].
    pub async fn values(
        &self,
        kind: &'static str,
        field: &'static str,
        load: impl Future<Output = Result<Vec<String>>>,
    ) -> Result<Arc<Vec<String>>> {
        let now = Instant::now();
        let found = match self.values.read() {
            Ok(m) => m
                .get(&(kind, field))
                .filter(|(at, _)| now - *at < VALUES_TTL)
                .map(|(_, v)| v.clone()),
            Err(_) => None,
        };
        if let Some(v) = found {
            return Ok(v);
        }
        let v = Arc::new(load.await?);
        if let Ok(mut m) = self.values.write() {
            m.insert((kind, field), (now, v.clone()));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_belong_to_a_version() {
        let c = Cache::default();
        let loads = std::sync::atomic::AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(vec![])
        };
        // No version yet (the command line): nothing is kept.
        c.defs("leads", load()).await.unwrap();
        c.defs("leads", load()).await.unwrap();
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 2);
        // A request's version: read once.
        c.sync(7);
        c.defs("leads", load()).await.unwrap();
        c.defs("leads", load()).await.unwrap();
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 3);
        // Another server wrote: the next request brings version 8, the entry is read again.
        c.sync(8);
        c.defs("leads", load()).await.unwrap();
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 4);
        c.sync(8);
        c.defs("leads", load()).await.unwrap();
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 4);
        // This server wrote: dropped at once.
        c.clear();
        c.sync(8);
        c.defs("leads", load()).await.unwrap();
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 5);
    }
}
