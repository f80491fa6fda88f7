//! The record kit's use cases: read, list, create, edit, archive, restore, delete and history of
//! any declared kind, each taking an [`Actor`], checking permission and visibility, running in
//! one transaction and writing the field-level history.
//!
//! A module plugs in what is its own through [`RecordKind`]: rules across fields, derived keys,
//! checks that read the database, duplicate rules and list parameters of its own.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use kervan_core::permissions::Action;
use kervan_core::record::{self, CustomDef, CustomValues, FieldType, Inputs, Kind, Num, Storage, Value, Values};
use kervan_core::text::{collation_key, fold};
use kervan_core::time::{now_ms, rfc3339};
use kervan_core::{Email, FieldErrors, Money, Phone, Tckn, Vkn, Website};
use kervan_store::audit::{self, AuditRow, Change};
use kervan_store::db::begin_guarded;
use kervan_store::listing::{Page, Via, Visibility};
use kervan_store::records::{self as store, Cell, ListQuery, RowData, Write};
use kervan_store::{ConnectionTrait, DatabaseTransaction, StoreError, TransactionTrait, custom_fields, users};

use crate::access::{self, check_owner, tag_pairs};
use crate::error::{AppError, Duplicate, Result};
use crate::{Actor, App};

/// A record as read: typed values of its fields, custom values, and what is shown beside them.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: i64,
    pub version: i64,
    pub values: Values,
    pub custom: CustomValues,
    pub owner_name: Option<String>,
    /// Names of the records its references point at, by field key.
    pub ref_names: HashMap<&'static str, String>,
    pub archived_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: Option<i64>,
    /// The stored sort key (cursors are made from it).
    pub sort_name: String,
    /// When its earliest open follow-up (task) is due, for kinds something follows up on.
    pub next_step: Option<i64>,
}

impl Record {
    pub fn text(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(Value::as_text)
    }

    pub fn id_of(&self, key: &str) -> Option<i64> {
        self.values.get(key).and_then(Value::as_id)
    }

    pub fn owner_id(&self) -> Option<i64> {
        self.id_of("owner_id")
    }

    pub fn tags(&self) -> &[String] {
        self.values.get("tags").map(Value::as_list).unwrap_or(&[])
    }

    pub fn money(&self, key: &str) -> Option<Money> {
        match self.values.get(key) {
            Some(Value::Money(m)) => Some(*m),
            _ => None,
        }
    }

    pub fn datetime(&self, key: &str) -> Option<i64> {
        match self.values.get(key) {
            Some(Value::DateTime(ms)) => Some(*ms),
            _ => None,
        }
    }

    pub fn phone(&self, key: &str) -> Option<&Phone> {
        match self.values.get(key) {
            Some(Value::Phone(p)) => Some(p),
            _ => None,
        }
    }

    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }

    /// Where a cursor after (or before) this record stands under `sort`.
    pub fn position(&self, sort: &SortPick) -> kervan_store::listing::Position {
        use kervan_store::listing::{Position, SortValue};
        let value = match sort.key.as_str() {
            "created_at" => SortValue::Int(self.id),
            "updated_at" => SortValue::Int(self.updated_at),
            "name" => SortValue::Text(self.sort_name.clone()),
            key => match self.sort_value(key) {
                Some(v) => v,
                None if sort.text => SortValue::Text(String::new()),
                None => SortValue::Int(i64::MIN),
            },
        };
        Position { value, id: self.id }
    }

    fn sort_value(&self, key: &str) -> Option<kervan_store::listing::SortValue> {
        use kervan_store::listing::SortValue;
        let v = match key.strip_prefix("custom.") {
            Some(k) => self.custom.get(k),
            None => self.values.get(key),
        };
        match v? {
            Value::Money(m) => Some(SortValue::Int(m.kurus())),
            Value::Bool(b) => Some(SortValue::Int(*b as i64)),
            other => Some(SortValue::Text(other.canonical())),
        }
    }
}

/// What a module adds to the kit for its kind. Every method has a default, so a kind built only
/// with the kit (Products) writes just its rules, name and derived keys.
pub trait RecordKind: Send + Sync + 'static {
    const KIND: &'static Kind;
    /// Fields whose change on an edit runs the duplicate check again.
    const IDENTITY: &'static [&'static str] = &[];
    /// Whether the kind's table has a unique index beyond its id (a product's SKU): two
    /// transactions inserting the same key wait for each other, so an import of it writes one
    /// batch at a time.
    const UNIQUE: bool = false;
    /// Whether the global search looks here: not for settings kinds (pipelines, their stages,
    /// price lists), which nobody looks up by a caller's name or number.
    const IN_SEARCH: bool = true;

    /// The display name: the declaration's.
    fn name(values: &Values) -> String {
        (Self::KIND.name_of)(values)
    }

    /// Derived columns written with every save: the declaration's.
    fn derived(values: &Values) -> Vec<(&'static str, String)> {
        (Self::KIND.derive)(values)
    }

    /// Rules across fields and normalisation, after every field parsed (`old`: the record before
    /// an edit, for rules about a change).
    fn rules(values: &mut Values, e: &mut FieldErrors, _old: Option<&Record>) {
        (Self::KIND.rules)(values, e)
    }

    /// Checks that read the database (a parent that is not a loop …), inside the write's
    /// transaction; references and owners are checked by the kit.
    fn verify<'a>(
        _txn: &'a DatabaseTransaction,
        _actor: &'a Actor,
        _values: &'a Values,
        _old: Option<&'a Record>,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        async { Ok(()) }
    }

    /// Work that goes with a write, in its transaction (a task's reminder is queued, its new
    /// assignee notified): `old` is the record before an edit, `None` for a new one.
    fn after_write<'a>(
        _txn: &'a DatabaseTransaction,
        _actor: &'a Actor,
        _id: i64,
        _values: &'a Values,
        _old: Option<&'a Record>,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        async { Ok(()) }
    }

    /// Tells a record's new owner, when one record is written at a time ([`In::notify`]); a run
    /// over many records tells each owner once at its end instead. The kit's notice by default.
    fn tell<'a>(
        txn: &'a DatabaseTransaction,
        actor: &'a Actor,
        id: i64,
        values: &'a Values,
        old: Option<&'a Record>,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        tell_new_owner(txn, actor, Self::KIND, id, values, old)
    }

    /// Work after a record was archived, restored or deleted for good (what was derived from it
    /// is derived again: a removed call no longer says when we last talked).
    fn after_gone<'a>(_app: &'a App, _values: &'a Values) -> impl Future<Output = Result<()>> + Send + 'a {
        async { Ok(()) }
    }

    /// Records that look like this one (the caller redacts what the actor may not see).
    fn duplicates<'a>(
        _txn: &'a DatabaseTransaction,
        _values: &'a Values,
        _except: Option<i64>,
    ) -> impl Future<Output = Result<Vec<Duplicate>>> + Send + 'a {
        async { Ok(vec![]) }
    }

    /// The keys a duplicate check serialises on (see `kervan_store::db::begin_guarded`).
    fn guard_keys(_values: &Values) -> Vec<String> {
        vec![]
    }

    /// A list parameter of the module's own (`status=open` …): `Some` when it was one, with any
    /// problem in `e`.
    fn list_param(_key: &str, _value: &str, _q: &mut ListQuery, _e: &mut FieldErrors) -> Option<()> {
        None
    }

    /// Conditions a list gets unless its parameters say otherwise (passive customers hidden …).
    fn list_defaults(_params: &[(String, String)], _q: &mut ListQuery) {}
}

/// The kind a reference names, for the store's joins.
pub fn lookup(key: &str) -> Option<&'static Kind> {
    kervan_core::kinds::by_key(key)
}

/// The visibility of `kind`'s records to `actor` for `action`: owned kinds by their owner;
/// others (the catalogue) all or nothing.
pub fn visibility(actor: &Actor, kind: &Kind, action: Action) -> Visibility {
    let v = actor.visibility(kind.module, action);
    match (kind.owned, v) {
        (_, Visibility::Nothing) => Visibility::Nothing,
        (false, _) => Visibility::All,
        (true, v) => v,
    }
}

/// The references through which the actor also sees records of a kind that rides along with
/// the records it is about (a task of a customer the actor sees, whoever it is assigned to).
pub fn via(actor: &Actor, kind: &Kind) -> Vec<Via> {
    if !kind.rides_along() || !actor.can(kind.module, Action::View) {
        return vec![];
    }
    kind.fields
        .iter()
        .filter(|f| f.ty == FieldType::Reference)
        .filter_map(|f| {
            let target = lookup(f.refers)?;
            target.owned.then(|| Via {
                column: f.key,
                table: target.table,
                vis: visibility(actor, target, Action::View),
            })
        })
        .collect()
}

/// Whether the actor may see a record with these values (by its owner, or through what it is
/// about): e.g. whether a colleague named in a note may be told of it.
pub async fn can_see<C: ConnectionTrait>(c: &C, actor: &Actor, kind: &Kind, values: &Values) -> Result<bool> {
    if !actor.can(kind.module, Action::View) {
        return Ok(false);
    }
    let owner = values.get("owner_id").and_then(Value::as_id);
    if visible_by_owner(c, actor, kind, owner).await? {
        return Ok(true);
    }
    seen_with(c, actor, kind, values).await
}

async fn visible_by_owner<C: ConnectionTrait>(c: &C, actor: &Actor, kind: &Kind, owner: Option<i64>) -> Result<bool> {
    match authorize(c, actor, kind, owner, Action::View).await {
        Ok(()) => Ok(true),
        Err(AppError::NotFound | AppError::Forbidden { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether the actor sees a record of a ride-along kind through what it is about.
async fn seen_with<C: ConnectionTrait>(c: &C, actor: &Actor, kind: &Kind, values: &Values) -> Result<bool> {
    for v in via(actor, kind) {
        let Some(id) = values.get(v.column).and_then(Value::as_id) else {
            continue;
        };
        let Some(target) = kind.field(v.column).and_then(|f| lookup(f.refers)) else {
            continue;
        };
        if let Some(owner) = store::owner_of(c, target, id).await?
            && access::visible(c, v.vis, owner).await?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Tells each person how many records of `kind` a run (an import, a bulk change) gave them, once
/// (not the actor themself): `owners` holds each new record's owner.
pub async fn tell_owners_of_run(app: &App, actor: &Actor, kind: &Kind, owners: &[i64], what: &str) -> Result<()> {
    let mut counts: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    for o in owners.iter().filter(|o| Some(**o) != actor.author()) {
        *counts.entry(*o).or_default() += 1;
    }
    if counts.is_empty() || !kind.owned {
        return Ok(());
    }
    let txn = app.db.conn.begin().await?;
    for (owner, n) in counts {
        let params = serde_json::json!({"count": n, "by": actor.name, "kind": kind.key, "what": what}).to_string();
        let link = format!("/{}?owner_id={owner}", kind.key);
        let note = kervan_store::notifications::NewNotification {
            kind: "records_assigned",
            params: &params,
            link: Some(&link),
            dedupe_key: None,
        };
        kervan_store::notifications::insert_for(&txn, &[owner], &note, now_ms()).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Tells the new owner of a lead, customer or person that it was given to them (not the writer
/// themself; tasks say it in their own words).
async fn tell_new_owner(
    txn: &DatabaseTransaction,
    actor: &Actor,
    kind: &Kind,
    id: i64,
    values: &Values,
    old: Option<&Record>,
) -> Result<()> {
    if !kind.owned || kind.rides_along() {
        return Ok(());
    }
    let owner = values.get("owner_id").and_then(Value::as_id);
    let Some(owner) = owner else { return Ok(()) };
    if Some(owner) == actor.author() || old.is_some_and(|o| o.owner_id() == Some(owner)) {
        return Ok(());
    }
    let params = serde_json::json!({"name": (kind.name_of)(values), "by": actor.name, "kind": kind.key}).to_string();
    let link = format!("/{}/{id}", kind.key);
    let n = kervan_store::notifications::NewNotification {
        kind: "record_assigned",
        params: &params,
        link: Some(&link),
        dedupe_key: None,
    };
    kervan_store::notifications::insert_for(txn, &[owner], &n, now_ms()).await?;
    Ok(())
}

/// The custom fields of a kind (deactivated ones included: their values stay on the records).
pub async fn custom_defs<C: ConnectionTrait>(c: &C, kind: &Kind) -> Result<Vec<CustomDef>> {
    Ok(custom_fields::for_kind(c, kind.key).await?)
}

/// The custom fields of a kind as a request reads them: kept in memory (see [`crate::cache`]).
/// Writes read them inside their transaction with [`custom_defs`] instead.
pub async fn defs(app: &App, kind: &'static Kind) -> Result<std::sync::Arc<Vec<CustomDef>>> {
    app.cache
        .defs(kind.key, async { custom_defs(&app.db.conn, kind).await })
        .await
}

fn typed(ty: FieldType, cell: Cell) -> Option<Value> {
    Some(match (ty, cell) {
        (FieldType::Text | FieldType::LongText, Cell::Text(s)) => Value::Text(s),
        (FieldType::Choice, Cell::Text(s)) => Value::Choice(s),
        (FieldType::Email, Cell::Text(s)) => Value::Email(Email::from_stored(s)),
        (FieldType::Phone, Cell::Text(s)) => Value::Phone(Phone::from_stored(s)),
        (FieldType::Url, Cell::Text(s)) => Value::Url(Website::from_stored(s)),
        (FieldType::Vkn, Cell::Text(s)) => Value::Vkn(Vkn::from_stored(s)),
        (FieldType::Tckn, Cell::Text(s)) => Value::Tckn(Tckn::from_stored(s)),
        (FieldType::Date, Cell::Text(s)) => Value::Date(chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()?),
        (FieldType::Money, Cell::Int(i)) => Value::Money(Money::from_kurus(i)),
        (FieldType::DateTime, Cell::Int(i)) => Value::DateTime(i),
        (FieldType::User, Cell::Int(i)) => Value::User(i),
        (FieldType::Reference, Cell::Int(i)) => Value::Ref(i),
        (FieldType::Bool, Cell::Bool(b)) => Value::Bool(b),
        (FieldType::Bool, Cell::Int(i)) => Value::Bool(i != 0),
        (FieldType::Number, Cell::Real(f)) => Value::Number(Num::from_f64(f)?),
        (FieldType::Percent, Cell::Real(f)) => Value::Percent(Num::from_f64(f)?),
        _ => return None,
    })
}

/// A stored row as a typed record (tags are added by the caller, who reads them for many rows at once).
pub fn record_of(kind: &Kind, defs: &[CustomDef], mut row: RowData, tags: Vec<String>) -> Record {
    let mut values = Values::new();
    for f in kind.columns() {
        if let Some(v) = row.cells.remove(f.key).and_then(|c| typed(f.ty, c)) {
            values.insert(f.key, v);
        }
    }
    if !tags.is_empty()
        && let Some(f) = kind.fields.iter().find(|f| f.storage == Storage::Tags)
    {
        values.insert(f.key, Value::Tags(tags));
    }
    let mut custom = CustomValues::new();
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(&row.custom) {
        for (k, v) in map {
            if let Some(d) = defs.iter().find(|d| d.key == k)
                && let Some(val) = Value::from_json(d.ty, &v)
            {
                custom.insert(k, val);
            }
        }
    }
    Record {
        id: row.id,
        version: row.version,
        values,
        custom,
        owner_name: row.owner_name,
        ref_names: row.ref_names,
        archived_at: row.archived_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        created_by: row.created_by,
        sort_name: row.sort_name,
        next_step: row.next_step,
    }
}

/// Reads a record without any permission check (callers check).
pub async fn read<C: ConnectionTrait>(c: &C, kind: &Kind, defs: &[CustomDef], id: i64) -> Result<Option<Record>> {
    let Some(mut row) = store::get(c, kind, lookup, id).await? else {
        return Ok(None);
    };
    let mut tags = row.tags.take().unwrap_or_default();
    tags.sort_by_key(|t| collation_key(t));
    Ok(Some(record_of(kind, defs, row, tags)))
}

/// Reads many records without any permission check (callers check), by id, for a write: their
/// own columns and tags, no names of owners or referenced records; missing ones are left out.
pub async fn read_many<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    defs: &[CustomDef],
    ids: &[i64],
) -> Result<HashMap<i64, Record>> {
    let mut out = HashMap::with_capacity(ids.len());
    for mut row in store::get_many(c, kind, lookup, store::Reading::Own, ids).await? {
        let mut tags = row.tags.take().unwrap_or_default();
        tags.sort_by_key(|t| collation_key(t));
        let rec = record_of(kind, defs, row, tags);
        out.insert(rec.id, rec);
    }
    Ok(out)
}

/// Reads a record the actor may see for `action`; otherwise `NotFound` (never tell whether
/// somebody else's record exists) or `Forbidden` (seen, but not this action).
pub async fn load_for(app: &App, actor: &Actor, kind: &'static Kind, id: i64, action: Action) -> Result<Record> {
    actor
        .require(kind.module, Action::View)
        .map_err(|_| AppError::NotFound)?;
    let c = &app.db.conn;
    let defs = defs(app, kind).await?;
    let rec = read(c, kind, &defs, id).await?.ok_or(AppError::NotFound)?;
    match authorize(c, actor, kind, rec.owner_id(), action).await {
        // Seen with its customer: readable, but changed only by those it belongs to.
        Err(AppError::NotFound) if seen_with(c, actor, kind, &rec.values).await? => {
            if action == Action::View {
                Ok(rec)
            } else {
                Err(AppError::Forbidden {
                    module: kind.module,
                    action,
                })
            }
        }
        Err(e) => Err(e),
        Ok(()) => Ok(rec),
    }
}

/// [`access::authorize`] for a kind, owned or not.
pub async fn authorize<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    kind: &Kind,
    owner_id: Option<i64>,
    action: Action,
) -> Result<()> {
    if kind.owned {
        return access::authorize(c, actor, kind.module, owner_id, action).await;
    }
    actor
        .require(kind.module, Action::View)
        .map_err(|_| AppError::NotFound)?;
    if action != Action::View {
        actor.require(kind.module, action)?;
    }
    Ok(())
}

pub async fn get<K: RecordKind>(app: &App, actor: &Actor, id: i64) -> Result<Record> {
    load_for(app, actor, K::KIND, id, Action::View).await
}

/// The inputs of a write read against the record's current state (empty for a new one), with
/// every problem found, then the module's rules. Returns the new values.
fn prepare<K: RecordKind>(
    defs: &[CustomDef],
    inputs: &Inputs,
    old: Option<&Record>,
) -> std::result::Result<(Values, CustomValues), FieldErrors> {
    let kind = K::KIND;
    let empty = (Values::new(), CustomValues::new());
    let base = match old {
        Some(r) => (&r.values, &r.custom),
        None => (&empty.0, &empty.1),
    };
    let (mut values, custom, mut e) = record::read_inputs(kind, defs, inputs, base, old.is_none());
    K::rules(&mut values, &mut e, old);
    if e.is_empty() {
        Ok((values, custom))
    } else {
        let order: Vec<&str> = kind.fields.iter().map(|f| f.key).collect();
        e.sort_by_form(&order);
        Err(e)
    }
}

/// Checks what the kit knows about references, users and the owner, for the values that changed.
async fn verify_links(
    txn: &DatabaseTransaction,
    actor: &Actor,
    kind: &Kind,
    defs: &[CustomDef],
    (values, custom): (&Values, &CustomValues),
    old: Option<&Record>,
    memo: &mut Links,
) -> Result<()> {
    let mut e = FieldErrors::new();
    for f in kind.writable() {
        let (now, before) = (values.get(f.key), old.and_then(|r| r.values.get(f.key)));
        if now == before {
            continue;
        }
        match (f.ty, now) {
            (FieldType::User, Some(Value::User(id))) if f.key == "owner_id" => {
                let scope = actor.require(kind.module, if old.is_some() { Action::Edit } else { Action::Create })?;
                let found = match memo.owners.get(id) {
                    Some(found) => found.clone(),
                    None => {
                        let found = match check_owner(txn, actor, scope, *id).await {
                            Ok(()) => vec![],
                            Err(AppError::Validation(v)) => v.0,
                            Err(other) => return Err(other),
                        };
                        memo.owners.insert(*id, found.clone());
                        found
                    }
                };
                e.0.extend(found);
            }
            (FieldType::User, Some(Value::User(id))) if !memo.active(txn, *id).await? => {
                e.add(f.key, "invalid_choice");
            }
            (FieldType::Reference, Some(Value::Ref(id))) => {
                let visible = match memo.refs.get(&(f.refers, *id)) {
                    Some(v) => *v,
                    None => {
                        let visible = match lookup(f.refers) {
                            Some(target) => match store::owner_of(txn, target, *id).await? {
                                Some(owner) => {
                                    target.owned
                                        && access::visible(txn, actor.visibility(target.module, Action::View), owner)
                                            .await?
                                        || !target.owned && actor.can(target.module, Action::View)
                                }
                                None => false,
                            },
                            None => false,
                        };
                        memo.refs.insert((f.refers, *id), visible);
                        visible
                    }
                };
                if !visible {
                    e.add(f.key, "invalid_choice");
                }
            }
            (_, None) if f.key == "owner_id" && kind.owned && old.is_some() => e.add(f.key, "required"),
            _ => {}
        }
    }
    for d in defs.iter().filter(|d| d.ty == FieldType::User) {
        let (now, before) = (custom.get(&d.key), old.and_then(|r| r.custom.get(&d.key)));
        if let Some(Value::User(id)) = now
            && now != before
            && !memo.active(txn, *id).await?
        {
            e.add(&d.path(), "invalid_choice");
        }
    }
    e.into_result(()).map_err(AppError::Validation)
}

/// What [`verify_links`] found out about owners, users and referenced records, kept for the
/// rest of a batch: a thousand imported leads of three reps ask about three owners, not a
/// thousand. Good for one transaction only.
#[derive(Default)]
pub struct Links {
    /// An owner's check: the problems found (none: allowed).
    owners: HashMap<i64, Vec<kervan_core::validation::FieldError>>,
    users: HashMap<i64, bool>,
    refs: HashMap<(&'static str, i64), bool>,
}

impl Links {
    /// Looks up at once the records a batch refers to (an import's first calls name a hundred
    /// thousand leads): their owners in a statement per kind and thousand, each owner's
    /// visibility once.
    async fn prefetch<'a>(
        &mut self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        kind: &Kind,
        rows: impl Iterator<Item = &'a Values>,
    ) -> Result<()> {
        let mut wanted: HashMap<&'static str, Vec<i64>> = HashMap::new();
        for values in rows {
            for f in kind.writable().filter(|f| f.ty == FieldType::Reference) {
                if let Some(Value::Ref(id)) = values.get(f.key)
                    && !self.refs.contains_key(&(f.refers, *id))
                {
                    wanted.entry(f.refers).or_default().push(*id);
                }
            }
        }
        let mut seen: HashMap<(&'static str, Option<i64>), bool> = HashMap::new();
        for (refers, mut ids) in wanted {
            ids.sort_unstable();
            ids.dedup();
            let Some(target) = lookup(refers) else { continue };
            let owners = store::owners_many(txn, target, &ids).await?;
            for id in ids {
                let visible = match owners.get(&id) {
                    None => false,
                    Some(owner) => match seen.get(&(refers, *owner)) {
                        Some(v) => *v,
                        None => {
                            let v = target.owned
                                && access::visible(txn, actor.visibility(target.module, Action::View), *owner).await?
                                || !target.owned && actor.can(target.module, Action::View);
                            seen.insert((refers, *owner), v);
                            v
                        }
                    },
                };
                self.refs.insert((refers, id), visible);
            }
        }
        Ok(())
    }

    async fn active(&mut self, txn: &DatabaseTransaction, id: i64) -> Result<bool> {
        if let Some(a) = self.users.get(&id) {
            return Ok(*a);
        }
        let a = active_user(txn, id).await?;
        self.users.insert(id, a);
        Ok(a)
    }
}

/// A tree (parent company, manager) must not loop: the record the values link up to may be
/// neither `below` itself nor under it.
async fn refuse_loop(txn: &DatabaseTransaction, kind: &Kind, values: &Values, below: i64) -> Result<()> {
    let h = kind.hierarchy;
    if let Some(up) = values.get(h).and_then(Value::as_id)
        && (up == below || store::chain_above(txn, kind, up).await?.contains(&below))
    {
        return Err(AppError::field(h, &format!("{}_loop", h.trim_end_matches("_id"))));
    }
    Ok(())
}

async fn active_user<C: ConnectionTrait>(c: &C, id: i64) -> Result<bool> {
    Ok(users::by_id(c, id).await?.is_some_and(|u| u.deactivated_at.is_none()))
}

/// What a write stores: the declared columns, the derived ones (the search key with the
/// searchable custom values folded in), the custom values' JSON.
fn write_of<K: RecordKind>(defs: &[CustomDef], values: &Values, custom: &CustomValues) -> Write {
    let kind = K::KIND;
    let mut columns: Vec<(&'static str, kervan_store::sea_orm_value::Value)> = Vec::new();
    for f in kind.columns().filter(|f| f.writable) {
        columns.push((f.key, db_value(f.ty, values.get(f.key))));
    }
    for (col, mut v) in K::derived(values) {
        if col == "search_key" {
            for d in defs.iter().filter(|d| d.searchable && d.active) {
                if let Some(x) = custom.get(&d.key) {
                    let text = match x {
                        Value::Choice(k) => d.option_label(k).unwrap_or(k).to_string(),
                        Value::Multi(ks) => ks
                            .iter()
                            .map(|k| d.option_label(k).unwrap_or(k).to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                        other => other.canonical(),
                    };
                    v.push(' ');
                    v.push_str(&fold(&text));
                }
            }
        }
        columns.push((col, v.into()));
    }
    let json: serde_json::Map<String, serde_json::Value> =
        custom.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
    Write {
        columns,
        custom: serde_json::Value::Object(json).to_string(),
    }
}

/// The columns and bound values a record of `K` is written with (the bulk loader of demo data
/// writes many rows in one statement with them).
pub fn write_values<K: RecordKind>(values: &Values) -> Vec<(&'static str, kervan_store::sea_orm_value::Value)> {
    write_of::<K>(&[], values, &CustomValues::new()).columns
}

/// The search key a record gets: the kind's own, with its searchable custom values folded in.
pub fn search_key_of<K: RecordKind>(defs: &[CustomDef], rec: &Record) -> String {
    let w = write_of::<K>(defs, &rec.values, &rec.custom);
    w.columns
        .into_iter()
        .find(|(k, _)| *k == "search_key")
        .and_then(|(_, v)| match v {
            kervan_store::sea_orm_value::Value::String(Some(s)) => Some(s),
            _ => None,
        })
        .unwrap_or_default()
}

/// A typed value as a bound SQL value of its column's type.
pub fn db_value(ty: FieldType, v: Option<&Value>) -> kervan_store::sea_orm_value::Value {
    use kervan_store::sea_orm_value::Value as V;
    match (ty, v) {
        (FieldType::Money, m) => V::BigInt(m.and_then(|x| match x {
            Value::Money(m) => Some(m.kurus()),
            _ => None,
        })),
        (FieldType::DateTime | FieldType::User | FieldType::Reference, x) => V::BigInt(x.and_then(|x| match x {
            Value::DateTime(i) | Value::User(i) | Value::Ref(i) => Some(*i),
            _ => None,
        })),
        (FieldType::Bool, x) => V::Bool(x.and_then(|x| match x {
            Value::Bool(b) => Some(*b),
            _ => None,
        })),
        (FieldType::Number | FieldType::Percent, x) => V::Double(x.and_then(|x| match x {
            Value::Number(n) | Value::Percent(n) => Some(n.get()),
            _ => None,
        })),
        (_, x) => V::String(x.map(Value::canonical)),
    }
}

/// Writes the side tables of a record: tags, multi-valued custom fields, values in use.
async fn write_sides(
    txn: &DatabaseTransaction,
    kind: &Kind,
    defs: &[CustomDef],
    id: i64,
    new: (&Values, &CustomValues),
    old: Option<(&Values, &CustomValues)>,
) -> Result<()> {
    for f in kind.fields {
        let (n, o) = (new.0.get(f.key), old.and_then(|x| x.0.get(f.key)));
        if f.storage == Storage::Tags && (old.is_none() || n != o) {
            let tags: Vec<String> = n.map(|v| v.as_list().to_vec()).unwrap_or_default();
            store::set_tags(txn, kind, id, &tag_pairs(&tags)).await?;
        }
        if f.suggest == record::Suggest::Used {
            store::bump_value(txn, kind, f.key, o.and_then(Value::as_text), n.and_then(Value::as_text)).await?;
        }
    }
    for d in defs
        .iter()
        .filter(|d| matches!(d.ty, FieldType::MultiChoice | FieldType::User))
    {
        let (n, o) = (new.1.get(&d.key), old.and_then(|x| x.1.get(&d.key)));
        if old.is_some() && n == o {
            continue;
        }
        let vals: Vec<String> = match n {
            Some(Value::Multi(v)) => v.clone(),
            Some(Value::User(i)) => vec![i.to_string()],
            _ => vec![],
        };
        if !vals.is_empty() || old.is_some() {
            store::set_multi(txn, kind, id, &d.key, &vals).await?;
        }
    }
    Ok(())
}

/// Options of a kit write.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Save even when look-alikes exist.
    pub allow_duplicate: bool,
}

/// Creates a record. The owner defaults to the actor. One that looks like an existing record is
/// refused with `Duplicate` (redacted to what the actor may see) unless `allow_duplicate`.
pub async fn create<K: RecordKind>(app: &App, actor: &Actor, inputs: &Inputs, opts: &WriteOptions) -> Result<i64> {
    let kind = K::KIND;
    let c = &app.db.conn;
    actor.require(kind.module, Action::Create)?;
    let defs = custom_defs(c, kind).await?;
    let (values, custom) = prepare_new::<K>(actor, &defs, inputs)?;
    let keys = if opts.allow_duplicate {
        vec![]
    } else {
        K::guard_keys(&values)
    };
    // Checks, the duplicate search and the insert under one guard: parallel creates with the same
    // phone store one record.
    let txn = begin_guarded(c, &keys).await?;
    let id = create_in::<K>(&txn, actor, &defs, &values, &custom, In::checked(!opts.allow_duplicate)).await?;
    txn.commit().await?;
    Ok(id)
}

/// Creates many records in one transaction through the batch write ([`create_many_in`]): each
/// input's outcome in order, a refused one (`Validation`) leaving the others written. No
/// duplicate search: for records a run makes (an import's follow-up tasks), not typed ones.
pub async fn create_many<K: RecordKind>(app: &App, actor: &Actor, inputs: &[Inputs]) -> Result<Vec<Result<i64>>> {
    let kind = K::KIND;
    let c = &app.db.conn;
    actor.require(kind.module, Action::Create)?;
    let defs = custom_defs(c, kind).await?;
    let prepared: Vec<std::result::Result<(Values, CustomValues), FieldErrors>> =
        inputs.iter().map(|i| prepare_new::<K>(actor, &defs, i)).collect();
    let rows: Vec<(Values, CustomValues)> = prepared.iter().filter_map(|p| p.as_ref().ok().cloned()).collect();
    let txn = begin_guarded(c, &[]).await?;
    let mut written = create_many_in::<K>(&txn, actor, &defs, &rows).await?.into_iter();
    txn.commit().await?;
    Ok(prepared
        .into_iter()
        .map(|p| match p {
            Ok(_) => written
                .next()
                .unwrap_or_else(|| Err(AppError::Internal("a batch row was not written".into()))),
            Err(e) => Err(AppError::Validation(e)),
        })
        .collect())
}

/// A new record's values read from `inputs` (the owner defaulting to the actor), checked field
/// by field and by the kind's rules: what can be known without the database. An import judges
/// every row with it before writing any.
pub fn prepare_new<K: RecordKind>(
    actor: &Actor,
    defs: &[CustomDef],
    inputs: &Inputs,
) -> std::result::Result<(Values, CustomValues), FieldErrors> {
    // Most kinds have no retired custom field: no copy of the definitions then (an import
    // prepares a hundred thousand rows).
    let live: std::borrow::Cow<'_, [CustomDef]> = if defs.iter().all(|d| d.active) {
        std::borrow::Cow::Borrowed(defs)
    } else {
        std::borrow::Cow::Owned(defs.iter().filter(|d| d.active).cloned().collect())
    };
    let (mut values, custom) = prepare::<K>(&live, inputs, None)?;
    if K::KIND.owned
        && !values.contains_key("owner_id")
        && let Some(me) = actor.author()
    {
        values.insert("owner_id", Value::User(me));
    }
    Ok((values, custom))
}

/// The values an edit gives a record (see [`prepare`]).
pub fn prepare_edit<K: RecordKind>(
    defs: &[CustomDef],
    inputs: &Inputs,
    rec: &Record,
) -> std::result::Result<(Values, CustomValues), FieldErrors> {
    prepare::<K>(defs, inputs, Some(rec))
}

/// How a write inside a caller's transaction goes.
#[derive(Debug, Clone, Copy)]
pub struct In {
    /// Search for look-alikes and refuse the write when there are some.
    pub check_duplicates: bool,
    /// Tell a new owner. A run over many records (an import, a bulk change) tells each owner once
    /// at its end instead of once per record.
    pub notify: bool,
}

impl In {
    pub fn checked(check_duplicates: bool) -> In {
        In {
            check_duplicates,
            notify: true,
        }
    }

    /// A run's write: no duplicate search (the run did its own), no notice per record.
    pub const RUN: In = In {
        check_duplicates: false,
        notify: false,
    };
}

/// Writes a prepared new record inside `txn`: references, owner and the kind's own checks, the
/// duplicate search when asked, the insert with its history, the kind's follow-up work and the
/// new owner's notice.
pub async fn create_in<K: RecordKind>(
    txn: &DatabaseTransaction,
    actor: &Actor,
    defs: &[CustomDef],
    values: &Values,
    custom: &CustomValues,
    how: In,
) -> Result<i64> {
    verify_links(txn, actor, K::KIND, defs, (values, custom), None, &mut Links::default()).await?;
    K::verify(txn, actor, values, None).await?;
    if how.check_duplicates {
        let found = K::duplicates(txn, values, None).await?;
        access::refuse_duplicates(txn, actor, K::KIND.module, found).await?;
    }
    let id = insert_in::<K>(txn, actor, defs, values, custom, &[], now_ms()).await?;
    K::after_write(txn, actor, id, values, None).await?;
    if how.notify {
        K::tell(txn, actor, id, values, None).await?;
    }
    Ok(id)
}

/// Writes a new record inside the caller's transaction (conversion uses it too), with its side
/// tables and one "created" entry in the history holding the initial values.
pub async fn insert_in<K: RecordKind>(
    txn: &DatabaseTransaction,
    actor: &Actor,
    defs: &[CustomDef],
    values: &Values,
    custom: &CustomValues,
    extra: &[(&'static str, kervan_store::sea_orm_value::Value)],
    now: i64,
) -> Result<i64> {
    let kind = K::KIND;
    let w = write_of::<K>(defs, values, custom);
    let id = store::insert(txn, kind, &w, extra, actor.author(), now)
        .await
        .map_err(|e| unique_as_duplicate(kind, e))?;
    write_sides(txn, kind, defs, id, (values, custom), None).await?;
    audit::write(
        txn,
        kind.entity,
        id,
        actor.author(),
        now,
        &[created(kind, values, custom)],
    )
    .await?;
    Ok(id)
}

/// A new record's one history entry: its initial values.
fn created(kind: &Kind, values: &Values, custom: &CustomValues) -> Change {
    let initial: serde_json::Map<String, serde_json::Value> =
        record::diff(kind, (&Values::new(), &CustomValues::new()), (values, custom))
            .into_iter()
            .filter_map(|(k, _, n)| n.map(|n| (k, serde_json::Value::String(n))))
            .collect();
    Change::new("created", None, Some(serde_json::Value::Object(initial).to_string()))
}

/// Writes many prepared new records inside `txn` (a batch of an import): every row checked as
/// [`create_in`] checks it — each owner, user and referenced record looked up once for the
/// batch ([`Links`]) — then the rows that pass written together: one multi-row INSERT, and
/// their tags, values in use and history in a statement each, instead of a dozen statements
/// a row. Returns each row's outcome in order (`Validation`/`Duplicate` for a refused row).
///
/// When the database refuses the batch (a unique index, a row's follow-up work) it is rolled
/// back to its savepoint and written again row by row, a savepoint each, so only the row at
/// fault is refused — and on PostgreSQL a failed statement never aborts the caller's
/// transaction. Like [`In::RUN`]: no duplicate search (the caller did its own), no notice per
/// record.
pub async fn create_many_in<K: RecordKind>(
    txn: &DatabaseTransaction,
    actor: &Actor,
    defs: &[CustomDef],
    rows: &[(Values, CustomValues)],
) -> Result<Vec<Result<i64>>> {
    create_many_after::<K>(txn, actor, defs, rows, &mut Turn::default()).await
}

/// When a batch write may lock what other writers share (the values-in-use counters): after
/// the batch written beside it and before it in order has taken those locks. Two batches of an
/// import are written side by side on PostgreSQL: the later one's rows go in meanwhile, but
/// were it to take a counter first, each would wait for the other for good (the order between
/// batches is a wait PostgreSQL cannot see).
#[derive(Default)]
pub struct Turn(Option<tokio::sync::oneshot::Receiver<()>>);

impl Turn {
    /// The turn that comes when `before` answers (or is dropped: that batch failed).
    pub fn after(before: tokio::sync::oneshot::Receiver<()>) -> Turn {
        Turn(Some(before))
    }

    /// Waits for the turn, once; later calls return at once.
    pub async fn wait(&mut self) -> Result<()> {
        match self.0.take() {
            Some(before) => before
                .await
                .map_err(|_| AppError::Internal("the batch before this one was not written".into())),
            None => Ok(()),
        }
    }
}

/// [`create_many_in`] for a batch written beside another: see [`Turn`].
pub async fn create_many_after<K: RecordKind>(
    txn: &DatabaseTransaction,
    actor: &Actor,
    defs: &[CustomDef],
    rows: &[(Values, CustomValues)],
    turn: &mut Turn,
) -> Result<Vec<Result<i64>>> {
    let kind = K::KIND;
    let mut memo = Links::default();
    memo.prefetch(txn, actor, kind, rows.iter().map(|(v, _)| v)).await?;
    let mut out: Vec<Option<Result<i64>>> = Vec::with_capacity(rows.len());
    let mut passed: Vec<usize> = Vec::with_capacity(rows.len());
    for (i, (values, custom)) in rows.iter().enumerate() {
        let checked = match verify_links(txn, actor, kind, defs, (values, custom), None, &mut memo).await {
            Ok(()) => K::verify(txn, actor, values, None).await,
            Err(e) => Err(e),
        };
        match checked {
            Ok(()) => {
                passed.push(i);
                out.push(None);
            }
            Err(e) if refused(&e) => out.push(Some(Err(e))),
            Err(e) => return Err(e),
        }
    }
    let now = now_ms();
    let sp = txn.begin().await?;
    match write_many::<K>(&sp, actor, defs, rows, &passed, now, turn).await {
        Ok(ids) => {
            sp.commit().await?;
            for (i, id) in passed.iter().zip(ids) {
                out[*i] = Some(Ok(id));
            }
        }
        Err(_) => {
            sp.rollback().await?;
            // Row by row, each row's counters with it.
            turn.wait().await?;
            for i in &passed {
                let (values, custom) = &rows[*i];
                let sp = txn.begin().await?;
                let written = match insert_in::<K>(&sp, actor, defs, values, custom, &[], now).await {
                    Ok(id) => K::after_write(&sp, actor, id, values, None).await.map(|()| id),
                    Err(e) => Err(e),
                };
                out[*i] = Some(settle(sp, written).await?);
            }
        }
    }
    Ok(settled(out))
}

/// Whether an error refuses one row of a batch (its values, a look-alike, its owner, a newer
/// version) rather than the batch itself.
fn refused(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Validation(_) | AppError::Duplicate(_) | AppError::Forbidden { .. } | AppError::Conflict { .. }
    )
}

/// Ends one row's savepoint: kept when the row was written, rolled back when it was refused (so
/// a failed statement aborts nothing else, on PostgreSQL too); any other error ends the batch.
async fn settle<T>(sp: DatabaseTransaction, written: Result<T>) -> Result<Result<T>> {
    match written {
        Ok(v) => {
            sp.commit().await?;
            Ok(Ok(v))
        }
        Err(e) if refused(&e) => {
            sp.rollback().await?;
            Ok(Err(e))
        }
        Err(e) => Err(e),
    }
}

/// A batch's outcomes, every row having one by now.
fn settled<T>(out: Vec<Option<Result<T>>>) -> Vec<Result<T>> {
    out.into_iter()
        .map(|o| o.unwrap_or_else(|| Err(AppError::Internal("a batch row was not written".into()))))
        .collect()
}

/// The writing half of [`create_many_in`]: the rows at `pick`, with their side tables, history
/// and the kind's follow-up work. Returns their ids in the order of `pick`.
async fn write_many<K: RecordKind>(
    txn: &DatabaseTransaction,
    actor: &Actor,
    defs: &[CustomDef],
    rows: &[(Values, CustomValues)],
    pick: &[usize],
    now: i64,
    turn: &mut Turn,
) -> Result<Vec<i64>> {
    let kind = K::KIND;
    let writes: Vec<Write> = pick
        .iter()
        .map(|i| write_of::<K>(defs, &rows[*i].0, &rows[*i].1))
        .collect();
    let ids = store::insert_many(txn, kind, &writes, actor.author(), now)
        .await
        .map_err(|e| unique_as_duplicate(kind, e))?;
    let mut tags = Vec::new();
    // In one order everywhere: two batches written side by side (an import on PostgreSQL) lock
    // the same counters one after the other, never each waiting for the other's.
    let mut used: BTreeMap<(&'static str, String), i64> = BTreeMap::new();
    let mut history = Vec::with_capacity(ids.len());
    for (i, id) in pick.iter().zip(&ids) {
        let (values, custom) = &rows[*i];
        for f in kind.fields {
            let v = values.get(f.key);
            if f.storage == Storage::Tags
                && let Some(v) = v
                && !v.as_list().is_empty()
            {
                tags.push((*id, tag_pairs(v.as_list())));
            }
            if f.suggest == record::Suggest::Used
                && let Some(t) = v.and_then(Value::as_text)
            {
                *used.entry((f.key, t.to_string())).or_default() += 1;
            }
        }
        for d in defs
            .iter()
            .filter(|d| matches!(d.ty, FieldType::MultiChoice | FieldType::User))
        {
            let vals: Vec<String> = match custom.get(&d.key) {
                Some(Value::Multi(v)) => v.clone(),
                Some(Value::User(u)) => vec![u.to_string()],
                _ => continue,
            };
            store::set_multi(txn, kind, *id, &d.key, &vals).await?;
        }
        history.push((*id, created(kind, values, custom)));
    }
    store::add_tags_many(txn, kind, &tags).await?;
    audit::write_many(txn, kind.entity, actor.author(), now, &history).await?;
    for (i, id) in pick.iter().zip(&ids) {
        K::after_write(txn, actor, *id, &rows[*i].0, None).await?;
    }
    // Last: these counters are shared by every writer, and their locks last until the commit.
    turn.wait().await?;
    for ((field, value), n) in &used {
        store::bump_value_by(txn, kind, field, value, *n).await?;
    }
    Ok(ids)
}

/// A unique index said no (a product's SKU, whose index is on its derived `sku_key`): the same
/// answer as any duplicate, naming the field the index serves.
fn unique_as_duplicate(kind: &Kind, e: StoreError) -> AppError {
    match e {
        StoreError::Duplicate(m) => {
            let field = kind
                .fields
                .iter()
                .find(|f| m.contains(&format!("{}_key", f.key)) || m.ends_with(&format!(".{}", f.key)))
                .map_or("name", |f| f.key);
            AppError::Duplicate(vec![Duplicate::redacted(field)])
        }
        other => other.into(),
    }
}

/// Values for a record the system builds (conversion), validated like typed ones.
pub fn values_for<K: RecordKind>(inputs: &Inputs) -> Result<(Values, CustomValues)> {
    prepare::<K>(&[], inputs, None).map_err(AppError::Validation)
}

/// Edits a record if it is still at `version`: present inputs replace, absent ones keep.
pub async fn update<K: RecordKind>(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
    inputs: &Inputs,
    opts: &WriteOptions,
) -> Result<()> {
    let kind = K::KIND;
    let c = &app.db.conn;
    let rec = load_for(app, actor, kind, id, Action::Edit).await?;
    if rec.version != version {
        return Err(AppError::Conflict {
            current_version: rec.version,
        });
    }
    let defs = custom_defs(c, kind).await?;
    let (values, custom) = prepare::<K>(&defs, inputs, Some(&rec))?;
    let changes = record::diff(kind, (&rec.values, &rec.custom), (&values, &custom));
    if changes.is_empty() {
        return Ok(());
    }
    let identity = changes.iter().any(|(k, _, _)| K::IDENTITY.contains(&k.as_str()));
    let check = !opts.allow_duplicate && identity;
    let txn = begin_guarded(c, &if check { K::guard_keys(&values) } else { vec![] }).await?;
    update_in::<K>(&txn, actor, &defs, &rec, &values, &custom, In::checked(check)).await?;
    txn.commit().await?;
    Ok(())
}

/// Writes new values of record `rec` (read at its version) inside `txn`, with the checks of
/// [`create_in`], field-level history and the kind's follow-up work. Returns whether anything
/// changed. An import's update and its undo's restore go through here too.
pub async fn update_in<K: RecordKind>(
    txn: &DatabaseTransaction,
    actor: &Actor,
    defs: &[CustomDef],
    rec: &Record,
    values: &Values,
    custom: &CustomValues,
    how: In,
) -> Result<bool> {
    let kind = K::KIND;
    let id = rec.id;
    let changes = record::diff(kind, (&rec.values, &rec.custom), (values, custom));
    if changes.is_empty() {
        return Ok(false);
    }
    verify_links(
        txn,
        actor,
        kind,
        defs,
        (values, custom),
        Some(rec),
        &mut Links::default(),
    )
    .await?;
    if values.get(kind.hierarchy) != rec.values.get(kind.hierarchy) {
        refuse_loop(txn, kind, values, rec.id).await?;
    }
    K::verify(txn, actor, values, Some(rec)).await?;
    if how.check_duplicates {
        let found = K::duplicates(txn, values, Some(id)).await?;
        access::refuse_duplicates(txn, actor, kind.module, found).await?;
    }
    let now = now_ms();
    // Tags alone are not a new version of the record (see `retag_many_in`).
    if !tags_only(kind, &changes) {
        let w = write_of::<K>(defs, values, custom);
        store::update(txn, kind, id, rec.version, &w, now)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => unique_as_duplicate(kind, e),
                e => access::conflict(e, rec.version + 1),
            })?;
    }
    write_sides(txn, kind, defs, id, (values, custom), Some((&rec.values, &rec.custom))).await?;
    let changes: Vec<Change> = changes.into_iter().map(|(k, o, n)| Change::new(k, o, n)).collect();
    audit::write(txn, kind.entity, id, actor.author(), now, &changes).await?;
    K::after_write(txn, actor, id, values, Some(rec)).await?;
    if how.notify {
        K::tell(txn, actor, id, values, Some(rec)).await?;
    }
    Ok(true)
}

/// Writes many edits inside `txn` (a batch of a bulk change, an import's updates, an undo):
/// each checked as [`update_in`] checks it, then written together — the rows in a statement per
/// chunk, their tags, values in use and history in a statement each. Returns each edit's
/// outcome in order: `Ok(true)` written, `Ok(false)` nothing to change, `Conflict` changed by
/// somebody meanwhile, `Validation`/`Duplicate` refused. When the database refuses the batch it
/// is rolled back to its savepoint and written edit by edit ([`update_in`], a savepoint each).
/// Like [`In::RUN`]: no duplicate search, no notice per record (the run tells each owner once).
pub async fn update_many_in<K: RecordKind>(
    txn: &DatabaseTransaction,
    actor: &Actor,
    defs: &[CustomDef],
    edits: &[(&Record, Values, CustomValues)],
) -> Result<Vec<Result<bool>>> {
    let kind = K::KIND;
    let mut memo = Links::default();
    let mut out: Vec<Option<Result<bool>>> = Vec::with_capacity(edits.len());
    let mut passed: Vec<usize> = Vec::with_capacity(edits.len());
    for (i, (rec, values, custom)) in edits.iter().enumerate() {
        if record::diff(kind, (&rec.values, &rec.custom), (values, custom)).is_empty() {
            out.push(Some(Ok(false)));
            continue;
        }
        let mut checked = verify_links(txn, actor, kind, defs, (values, custom), Some(rec), &mut memo).await;
        if checked.is_ok() && values.get(kind.hierarchy) != rec.values.get(kind.hierarchy) {
            checked = refuse_loop(txn, kind, values, rec.id).await;
        }
        if checked.is_ok() {
            checked = K::verify(txn, actor, values, Some(rec)).await;
        }
        match checked {
            Ok(()) => {
                passed.push(i);
                out.push(None);
            }
            Err(e) if refused(&e) => out.push(Some(Err(e))),
            Err(e) => return Err(e),
        }
    }
    let now = now_ms();
    let sp = txn.begin().await?;
    match rewrite_many::<K>(&sp, actor, defs, edits, &passed, now).await {
        Ok(written) => {
            sp.commit().await?;
            for i in &passed {
                out[*i] = Some(if written.contains(&edits[*i].0.id) {
                    Ok(true)
                } else {
                    Err(AppError::Conflict {
                        current_version: edits[*i].0.version + 1,
                    })
                });
            }
        }
        Err(_) => {
            sp.rollback().await?;
            for i in &passed {
                let (rec, values, custom) = &edits[*i];
                let sp = txn.begin().await?;
                let written = update_in::<K>(&sp, actor, defs, rec, values, custom, In::RUN).await;
                out[*i] = Some(settle(sp, written).await?);
            }
        }
    }
    Ok(settled(out))
}

/// The writing half of [`update_many_in`]: the edits at `pick` whose record is still at its
/// version, with side tables, history and follow-up work. Returns the ids written.
async fn rewrite_many<K: RecordKind>(
    txn: &DatabaseTransaction,
    actor: &Actor,
    defs: &[CustomDef],
    edits: &[(&Record, Values, CustomValues)],
    pick: &[usize],
    now: i64,
) -> Result<std::collections::HashSet<i64>> {
    let kind = K::KIND;
    // Only the columns some edit of the batch changes are written: a tag added to a hundred
    // thousand leads rewrites no indexed column (nor, on SQLite, their full-text entries).
    let mut writes: Vec<(i64, i64, Write)> = Vec::with_capacity(pick.len());
    let mut changed: Vec<bool> = Vec::new();
    let mut custom_changed = false;
    for i in pick {
        let (rec, values, custom) = &edits[*i];
        let new = write_of::<K>(defs, values, custom);
        let old = write_of::<K>(defs, &rec.values, &rec.custom);
        changed.resize(new.columns.len(), false);
        for (j, ((_, n), (_, o))) in new.columns.iter().zip(&old.columns).enumerate() {
            changed[j] |= n != o;
        }
        custom_changed |= new.custom != old.custom;
        writes.push((rec.id, rec.version, new));
    }
    for (_, _, w) in writes.iter_mut() {
        let mut j = 0;
        w.columns.retain(|_| {
            j += 1;
            changed[j - 1]
        });
    }
    // Tags alone are not a new version of the record (see `retag_many_in`): a batch that
    // changes nothing else writes no row.
    let written: std::collections::HashSet<i64> = if changed.iter().any(|c| *c) || custom_changed {
        store::update_many(txn, kind, &writes, custom_changed, now)
            .await
            .map_err(|e| unique_as_duplicate(kind, e))?
            .into_iter()
            .collect()
    } else {
        writes.iter().map(|(id, _, _)| *id).collect()
    };
    let (mut untag, mut tags) = (Vec::new(), Vec::new());
    let mut used: BTreeMap<(&'static str, String), i64> = BTreeMap::new();
    let mut history = Vec::new();
    for i in pick {
        let (rec, values, custom) = &edits[*i];
        if !written.contains(&rec.id) {
            continue;
        }
        for f in kind.fields {
            let (n, o) = (values.get(f.key), rec.values.get(f.key));
            if f.storage == Storage::Tags && n != o {
                // Only the tags that change: one row each, not every tag of the record again.
                let new = tag_pairs(n.map(Value::as_list).unwrap_or_default());
                let old = tag_pairs(o.map(Value::as_list).unwrap_or_default());
                untag.extend(
                    old.iter()
                        .filter(|p| !new.contains(p))
                        .map(|(_, k)| (rec.id, k.clone())),
                );
                let added: Vec<_> = new.into_iter().filter(|p| !old.contains(p)).collect();
                if !added.is_empty() {
                    tags.push((rec.id, added));
                }
            }
            if f.suggest == record::Suggest::Used && n != o {
                if let Some(t) = n.and_then(Value::as_text) {
                    *used.entry((f.key, t.to_string())).or_default() += 1;
                }
                if let Some(t) = o.and_then(Value::as_text) {
                    *used.entry((f.key, t.to_string())).or_default() -= 1;
                }
            }
        }
        for d in defs
            .iter()
            .filter(|d| matches!(d.ty, FieldType::MultiChoice | FieldType::User))
        {
            let (n, o) = (custom.get(&d.key), rec.custom.get(&d.key));
            if n == o {
                continue;
            }
            let vals: Vec<String> = match n {
                Some(Value::Multi(v)) => v.clone(),
                Some(Value::User(u)) => vec![u.to_string()],
                _ => vec![],
            };
            store::set_multi(txn, kind, rec.id, &d.key, &vals).await?;
        }
        for (k, o, n) in record::diff(kind, (&rec.values, &rec.custom), (values, custom)) {
            history.push((rec.id, Change::new(k, o, n)));
        }
    }
    store::remove_tags_many(txn, kind, &untag).await?;
    store::add_tags_many(txn, kind, &tags).await?;
    audit::write_many(txn, kind.entity, actor.author(), now, &history).await?;
    for i in pick {
        let (rec, values, _) = &edits[*i];
        if written.contains(&rec.id) {
            K::after_write(txn, actor, rec.id, values, Some(rec)).await?;
        }
    }
    // Last, in one order (see `write_many`).
    for ((field, value), n) in &used {
        store::bump_value_by(txn, kind, field, value, *n).await?;
    }
    Ok(written)
}

/// Whether a record's changes (`diff`'s) touch its tags and nothing else.
fn tags_only(kind: &Kind, changes: &[(String, Option<String>, Option<String>)]) -> bool {
    changes
        .iter()
        .all(|(k, _, _)| kind.field(k).is_some_and(|f| f.storage == Storage::Tags))
}

/// Whether the actor may do an action on records, asked once per owner: a batch of thousands of
/// records has a handful of owners, and the answer is the same for each of theirs.
pub struct Permits {
    action: Action,
    by_owner: HashMap<Option<i64>, bool>,
}

impl Permits {
    pub fn new(action: Action) -> Permits {
        Permits {
            action,
            by_owner: HashMap::new(),
        }
    }

    /// Whether the actor may do the action on a record of `kind` owned by `owner`.
    pub async fn allow<C: ConnectionTrait>(
        &mut self,
        c: &C,
        actor: &Actor,
        kind: &Kind,
        owner: Option<i64>,
    ) -> Result<bool> {
        if let Some(ok) = self.by_owner.get(&owner) {
            return Ok(*ok);
        }
        let ok = match authorize(c, actor, kind, owner, self.action).await {
            Ok(()) => true,
            Err(AppError::NotFound | AppError::Forbidden { .. }) => false,
            Err(e) => return Err(e),
        };
        self.by_owner.insert(owner, ok);
        Ok(ok)
    }
}

/// How one record of [`retag_many_in`] went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retagged {
    /// Tagged or untagged; its tags before.
    Changed(Vec<String>),
    /// Already as asked.
    Unchanged,
    /// Not there (deleted since).
    Gone,
    /// Outside what the actor may see or change.
    NotAllowed,
    /// It already has as many tags as a record may.
    Invalid,
}

/// Puts tag `tag` on (`add`) or takes it off records `ids` of `kind` inside `txn`, each checked
/// for the actor's `action` (once per owner) and given its history entry; each record's outcome
/// comes with its name. A tag is a label in a
/// set, not part of the record's version: only tag rows and history are written, never the
/// record's row — so tagging a hundred thousand leads rewrites none of their indexes, and a card
/// open meanwhile still saves without taking the tag off again (its form sends the tags it was
/// opened with, [`Inputs::seen`], and the save applies only what the editor changed).
pub async fn retag_many_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    kind: &Kind,
    ids: &[i64],
    tag: &str,
    add: bool,
    action: Action,
) -> Result<HashMap<i64, (Retagged, String)>> {
    let field = kind
        .fields
        .iter()
        .find(|f| f.storage == Storage::Tags)
        .ok_or(AppError::NotFound)?;
    let tag = tag.trim();
    let key = fold(tag);
    let mut out: HashMap<i64, (Retagged, String)> = ids.iter().map(|i| (*i, (Retagged::Gone, String::new()))).collect();
    let mut permits = Permits::new(action);
    let (mut untag, mut tags, mut history) = (Vec::new(), Vec::new(), Vec::new());
    for rec in store::tagged_many(txn, kind, ids).await? {
        let ok = permits.allow(txn, actor, kind, rec.owner_id).await?;
        let has = rec.tags.iter().any(|t| fold(t) == key);
        let done = if !ok {
            Retagged::NotAllowed
        } else if has == add {
            Retagged::Unchanged
        } else if add && rec.tags.len() >= kervan_core::validation::MAX_TAGS {
            Retagged::Invalid
        } else {
            let mut after = rec.tags.clone();
            if add {
                after.push(tag.to_string());
                tags.push((rec.id, vec![(tag.to_string(), key.clone())]));
            } else {
                after.retain(|t| fold(t) != key);
                untag.push((rec.id, key.clone()));
            }
            let text = |t: &[String]| (!t.is_empty()).then(|| t.join(", "));
            history.push((rec.id, Change::new(field.key, text(&rec.tags), text(&after))));
            Retagged::Changed(rec.tags)
        };
        out.insert(rec.id, (done, rec.name));
    }
    store::remove_tags_many(txn, kind, &untag).await?;
    store::add_tags_many(txn, kind, &tags).await?;
    audit::write_many(txn, kind.entity, actor.author(), now_ms(), &history).await?;
    Ok(out)
}

/// Archives (`archive = true`) or restores a record.
pub async fn set_archived<K: RecordKind>(app: &App, actor: &Actor, id: i64, version: i64, archive: bool) -> Result<()> {
    let kind = K::KIND;
    let rec = load_for(app, actor, kind, id, Action::Delete).await?;
    let r = access::Archivable {
        table: kind.table,
        entity: kind.entity,
        id,
        current_version: rec.version,
        archived_at: rec.archived_at,
    };
    access::set_archived(app, actor, r, version, archive).await?;
    K::after_gone(app, &rec.values).await
}

/// Deletes a record for good. Admins only; the deletion itself stays in the history.
pub async fn delete_hard<K: RecordKind>(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let kind = K::KIND;
    let c = &app.db.conn;
    let rec = load_for(app, actor, kind, id, Action::View).await?;
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: kind.module,
            action: Action::Delete,
        });
    }
    let txn = c.begin().await?;
    let contents = delete_in(&txn, actor, kind, id, &K::name(&rec.values)).await?;
    txn.commit().await?;
    crate::files::sweep(app, &contents).await;
    K::after_gone(app, &rec.values).await
}

/// Deletes record `id` for good inside `txn`: what pointed at it points at nothing, what
/// belonged only to it goes with it, the deletion stays in its history. Returns the contents of
/// its attachments, for [`crate::files::sweep`] after the commit.
pub async fn delete_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    kind: &Kind,
    id: i64,
    name: &str,
) -> Result<Vec<String>> {
    delete_many_in(txn, actor, kind, &[(id, name.to_string())]).await
}

/// [`delete_in`] for many records of one kind (`(id, name)`): the same unlinking and history in
/// a statement per chunk. Returns the file contents to sweep after the commit.
pub async fn delete_many_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    kind: &Kind,
    gone: &[(i64, String)],
) -> Result<Vec<String>> {
    let now = now_ms();
    let ids: Vec<i64> = gone.iter().map(|(id, _)| *id).collect();
    let contents = kervan_store::files::hashes_of_many(txn, kind.key, &ids).await?;
    crate::registry::unlink_all_many(txn, kind.key, &ids, now).await?;
    store::delete_many(txn, kind, &ids).await?;
    let history: Vec<(i64, Change)> = gone
        .iter()
        .map(|(id, name)| (*id, Change::new("deleted", Some(name.clone()), None)))
        .collect();
    audit::write_many(txn, kind.entity, actor.author(), now, &history).await?;
    Ok(contents)
}

pub async fn history<K: RecordKind>(app: &App, actor: &Actor, id: i64, limit: u64) -> Result<Vec<AuditRow>> {
    get::<K>(app, actor, id).await?;
    Ok(audit::for_entity(&app.db.conn, K::KIND.entity, id, limit).await?)
}

/// Merges record `merged_id` into `survivor_id`: the survivor keeps its values, takes the merged
/// record's where it has none, takes the fields listed in `take` (keys, `custom.KEY`) from
/// the merged record, and then the values typed in `overrides`; tags are the union; every record of every kind that pointed at the merged record points at the survivor
/// (contacts, addresses, subsidiaries, leads — and later activities, deals …); the merged
/// record's history joins the survivor's, and it is archived. Both histories record the merge.
/// Both versions must be current.
pub async fn merge<K: RecordKind>(
    app: &App,
    actor: &Actor,
    (survivor_id, survivor_version): (i64, i64),
    (merged_id, merged_version): (i64, i64),
    take: &[String],
    overrides: &Inputs,
) -> Result<()> {
    let kind = K::KIND;
    let c = &app.db.conn;
    if survivor_id == merged_id {
        return Err(AppError::field("merged_id", "merge_same"));
    }
    let survivor = load_for(app, actor, kind, survivor_id, Action::Edit).await?;
    let merged = load_for(app, actor, kind, merged_id, Action::Delete).await?;
    for (rec, version) in [(&survivor, survivor_version), (&merged, merged_version)] {
        if rec.version != version {
            return Err(AppError::Conflict {
                current_version: rec.version,
            });
        }
    }
    let defs = custom_defs(c, kind).await?;
    let (mut values, mut custom) = (survivor.values.clone(), survivor.custom.clone());
    for f in kind.writable().filter(|f| f.storage == Storage::Column) {
        if let (None, Some(v)) = (values.get(f.key), merged.values.get(f.key)) {
            values.insert(f.key, v.clone());
        }
    }
    for (k, v) in &merged.custom {
        custom.entry(k.clone()).or_insert_with(|| v.clone());
    }
    for key in take {
        match key.strip_prefix("custom.") {
            Some(ck) => match merged.custom.get(ck) {
                Some(v) => {
                    custom.insert(ck.to_string(), v.clone());
                }
                None => {
                    custom.remove(ck);
                }
            },
            None => {
                if let Some(f) = kind.field(key).filter(|f| f.writable && f.storage == Storage::Column) {
                    match merged.values.get(f.key) {
                        Some(v) => values.insert(f.key, v.clone()),
                        None => values.remove(f.key),
                    };
                }
            }
        }
    }
    if let Some(f) = kind.fields.iter().find(|f| f.storage == Storage::Tags) {
        let tags = access::union_tags(survivor.tags(), merged.tags());
        if tags.is_empty() {
            values.remove(f.key);
        } else {
            values.insert(f.key, Value::Tags(tags));
        }
    }
    // The merged record goes away: a parent or manager that is the merged record itself goes up
    // one level.
    let up = kind.hierarchy;
    if values.get(up).and_then(Value::as_id) == Some(merged.id) {
        match merged.id_of(up).filter(|m| *m != survivor.id) {
            Some(m) => values.insert(up, Value::Ref(m)),
            None => values.remove(up),
        };
    }
    let (mut values, custom, mut e) = record::read_inputs(kind, &defs, overrides, (&values, &custom), false);
    K::rules(&mut values, &mut e, Some(&survivor));
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let txn = c.begin().await?;
    verify_links(
        &txn,
        actor,
        kind,
        &defs,
        (&values, &custom),
        Some(&survivor),
        &mut Links::default(),
    )
    .await?;
    // What points at the merged record will point at the survivor: a survivor below the merged
    // record would make a loop.
    if values.get(up) != survivor.values.get(up) {
        refuse_loop(&txn, kind, &values, survivor.id).await?;
    }
    refuse_loop(&txn, kind, &values, merged_id).await?;
    K::verify(&txn, actor, &values, Some(&survivor)).await?;
    let now = now_ms();
    let w = write_of::<K>(&defs, &values, &custom);
    store::update(&txn, kind, survivor_id, survivor_version, &w, now)
        .await
        .map_err(|e| access::conflict(e, survivor.version + 1))?;
    write_sides(
        &txn,
        kind,
        &defs,
        survivor_id,
        (&values, &custom),
        Some((&survivor.values, &survivor.custom)),
    )
    .await?;
    let moved = crate::registry::repoint_all(&txn, kind.key, merged_id, survivor_id, now).await?;
    // The merged record's past is now the survivor's (its own "merged into" entry follows).
    kervan_store::db::exec(
        &txn,
        "UPDATE audit_log SET entity_id = ? WHERE entity = ? AND entity_id = ?",
        vec![survivor_id.into(), kind.entity.into(), merged_id.into()],
    )
    .await?;
    kervan_store::listing::set_archived(&txn, kind.table, merged_id, merged_version, Some(now), now)
        .await
        .map_err(|e| access::conflict(e, merged.version))?;
    let moved_text: Vec<String> = moved
        .iter()
        .filter(|(_, _, n)| *n > 0)
        .map(|(k, f, n)| format!("{k}.{f}: {n}"))
        .collect();
    let mut changes: Vec<Change> = record::diff(kind, (&survivor.values, &survivor.custom), (&values, &custom))
        .into_iter()
        .map(|(k, o, n)| Change::new(k, o, n))
        .collect();
    let mut from = format!("#{merged_id} {}", K::name(&merged.values));
    if !moved_text.is_empty() {
        from = format!("{from} ({})", moved_text.join(", "));
    }
    changes.push(Change::new("merged_from", None, Some(from)));
    audit::write(&txn, kind.entity, survivor_id, actor.author(), now, &changes).await?;
    let into = Change::new(
        "merged_into",
        None,
        Some(format!("#{survivor_id} {}", K::name(&values))),
    );
    audit::write(&txn, kind.entity, merged_id, actor.author(), now, &[into]).await?;
    txn.commit().await?;
    Ok(())
}

/// A page of records.
pub struct RecordPage {
    pub records: Vec<Record>,
    pub has_next: bool,
    pub has_prev: bool,
}

/// A page of the records the actor may see.
pub async fn list_kind(app: &App, actor: &Actor, kind: &Kind, defs: &[CustomDef], q: &ListQuery) -> Result<RecordPage> {
    list_for(app, actor, kind, defs, q, Action::View).await
}

/// The ids of every record of a list the actor may reach for `action`, in list order, read
/// in one statement (a bulk change freezes them).
pub async fn ids_for(app: &App, actor: &Actor, kind: &Kind, q: &ListQuery, action: Action) -> Result<Vec<i64>> {
    let vis = visibility(actor, kind, action);
    if vis == Visibility::Nothing {
        return Err(AppError::Forbidden {
            module: kind.module,
            action,
        });
    }
    let via = via(actor, kind);
    let q = if via.is_empty() {
        q.clone()
    } else {
        ListQuery { via, ..q.clone() }
    };
    Ok(store::list_ids(&app.db.conn, kind, lookup, &q, vis).await?)
}

/// A page of the records the actor may see for `action` (an export reaches as far as the export
/// grant does).
pub async fn list_for(
    app: &App,
    actor: &Actor,
    kind: &Kind,
    defs: &[CustomDef],
    q: &ListQuery,
    action: Action,
) -> Result<RecordPage> {
    let vis = visibility(actor, kind, action);
    if vis == Visibility::Nothing {
        return Err(AppError::Forbidden {
            module: kind.module,
            action,
        });
    }
    let c = &app.db.conn;
    let via = via(actor, kind);
    let with_via;
    let q = if via.is_empty() {
        q
    } else {
        with_via = ListQuery { via, ..q.clone() };
        &with_via
    };
    let Page {
        rows,
        has_next,
        has_prev,
    } = store::list(c, kind, lookup, q, vis).await?;
    let records = rows
        .into_iter()
        .map(|mut r| {
            let mut tags = r.tags.take().unwrap_or_default();
            tags.sort_by_key(|t| collation_key(t));
            record_of(kind, defs, r, tags)
        })
        .collect();
    Ok(RecordPage {
        records,
        has_next,
        has_prev,
    })
}

/// The most used values of a field (filter menus, suggestions), read from where writes keep them.
pub async fn used_values(app: &App, kind: &'static Kind, field: &'static str) -> Result<std::sync::Arc<Vec<String>>> {
    app.cache
        .values(kind.key, field, async {
            Ok(store::top_values(&app.db.conn, kind.key, field, 100).await?)
        })
        .await
}

/// The sort a list runs under: a declared one or a sortable custom field.
#[derive(Debug, Clone, PartialEq)]
pub struct SortPick {
    /// `created_at`, `name`, `custom.KEY` …
    pub key: String,
    pub desc: bool,
    /// The sort value is text (a cursor carries text).
    pub text: bool,
}

/// The history of a record for an API answer, field by field: the one `created` entry (which
/// holds the initial values) becomes an entry per initial value, from nothing to the value.
pub fn history_json(rows: &[AuditRow]) -> Vec<serde_json::Value> {
    let entry = |h: &AuditRow, field: &str, old: Option<&str>, new: Option<&str>| {
        serde_json::json!({
            "at": rfc3339(h.at), "user_id": h.user_id, "user_name": h.user_name,
            "field": field, "old": old, "new": new,
        })
    };
    let mut out = Vec::new();
    for h in rows {
        let initial = (h.field == "created")
            .then(|| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(h.new.as_deref()?).ok())
            .flatten();
        match initial {
            Some(values) => out.extend(values.iter().map(|(k, v)| entry(h, k, None, v.as_str()))),
            None => out.push(entry(h, &h.field, h.old.as_deref(), h.new.as_deref())),
        }
    }
    out
}

/// The keys a list may show as columns: the name, every list field, the bookkeeping dates, and
/// the active custom fields (`custom.KEY`).
pub fn column_keys(kind: &Kind, defs: &[CustomDef]) -> Vec<String> {
    let mut out = vec!["name".to_string()];
    out.extend(
        kind.fields
            .iter()
            .filter(|f| f.list != record::ListRole::No && Some(f.key) != kind.name_field())
            .map(|f| f.key.to_string()),
    );
    if record::next_step_of(kind).is_some() {
        out.push(NEXT_STEP.to_string());
    }
    out.extend(["created_at".to_string(), "updated_at".to_string()]);
    out.extend(defs.iter().filter(|d| d.active).map(|d| d.path()));
    out
}

/// The list column of a record's next step (see [`Record::next_step`]).
pub const NEXT_STEP: &str = "next_step";
