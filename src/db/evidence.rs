//! Evidence records, their links to controls and services, and their review history.

use crate::db::Cached;
use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result, SqlContext};
use crate::model::evidence::{Day, EvidenceKind, ReviewStatus};

/// A piece of evidence as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Its number.
    pub id: i64,
    /// File, URL or note.
    pub kind: EvidenceKind,
    /// What it is, in a few words.
    pub title: String,
    /// SHA-256 of the file's content.
    pub sha256: Option<String>,
    /// File size in bytes.
    pub size: Option<i64>,
    /// Media type guessed from the file name.
    pub media_type: Option<String>,
    /// The file's name when it was added (metadata only).
    pub original_name: Option<String>,
    /// Where a URL evidence lives.
    pub url: Option<String>,
    /// Free text; the whole content of a note.
    pub note: String,
    /// The date the evidence speaks for.
    pub collected_on: Day,
    /// The last day it counts, if it expires.
    pub valid_until: Option<Day>,
    /// Who added it.
    pub submitted_by: String,
    /// When.
    pub submitted_at: String,
    /// Pending, accepted or rejected.
    pub status: ReviewStatus,
}

const SELECT: &str = "SELECT e.id, e.kind, e.title, e.sha256, e.size, e.media_type, e.original_name, e.url, e.note,
                             e.collected_on, e.valid_until, e.submitted_by, e.submitted_at, e.status
                      FROM evidence e";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Evidence> {
    Ok(Evidence {
        id: r.get(0)?,
        kind: r.get(1)?,
        title: r.get(2)?,
        sha256: r.get(3)?,
        size: r.get(4)?,
        media_type: r.get(5)?,
        original_name: r.get(6)?,
        url: r.get(7)?,
        note: r.get(8)?,
        collected_on: r.get(9)?,
        valid_until: r.get(10)?,
        submitted_by: r.get(11)?,
        submitted_at: r.get(12)?,
        status: r.get(13)?,
    })
}

/// Inserts a new piece of evidence (its `id` and `status` are ignored); returns its number.
pub fn insert(conn: &Connection, e: &Evidence) -> Result<i64> {
    conn.execute_cached(
        "INSERT INTO evidence (kind, title, sha256, size, media_type, original_name, url, note, collected_on,
                               valid_until, submitted_by, submitted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            e.kind,
            e.title,
            e.sha256,
            e.size,
            e.media_type,
            e.original_name,
            e.url,
            e.note,
            e.collected_on,
            e.valid_until,
            e.submitted_by,
            e.submitted_at
        ],
    )
    .context("add evidence")?;
    Ok(conn.last_insert_rowid())
}

/// Evidence number `id`, or NotFound.
pub fn get(conn: &Connection, id: i64) -> Result<Evidence> {
    conn.query_row_cached(&format!("{SELECT} WHERE e.id = ?1"), [id], row)
        .optional()
        .context("look up evidence")?
        .ok_or_else(|| Error::NotFound {
            what: "evidence",
            key: id.to_string(),
            hint: String::new(),
        })
}

/// Other evidence with the same file content, oldest first.
pub fn with_hash(conn: &Connection, sha256: &str) -> Result<Vec<i64>> {
    let mut stmt = conn
        .prepare_cached("SELECT id FROM evidence WHERE sha256 = ?1 ORDER BY id")
        .context("look up evidence")?;
    let rows = stmt.query_map([sha256], |r| r.get(0)).context("look up evidence")?;
    rows.collect::<rusqlite::Result<_>>().context("look up evidence")
}

/// A link from evidence to a control (and a service, or the whole organisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// The catalogue's key.
    pub catalog: String,
    /// The control's key.
    pub control: String,
    /// The service, or `None` for organisation-wide.
    pub service: Option<String>,
    /// Who linked it.
    pub linked_by: String,
    /// When.
    pub linked_at: String,
}

/// Links evidence added in this transaction (so it has no links yet) to a control and service.
pub fn link_new(
    conn: &Connection,
    evidence: i64,
    control: i64,
    service: Option<i64>,
    by: &str,
    at: &str,
) -> Result<()> {
    // A plain insert: `link`'s guard against a second link reads the table it writes, which
    // SQLite does through a temporary table at every row.
    conn.execute_cached(
        "INSERT INTO evidence_link (evidence_id, control_id, service_id, linked_by, linked_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![evidence, control, service, by, at],
    )
    .context("link evidence")?;
    Ok(())
}

/// Links evidence to a control (and service); returns false when that link already exists.
pub fn link(conn: &Connection, evidence: i64, control: i64, service: Option<i64>, by: &str, at: &str) -> Result<bool> {
    let n = conn
        .execute_cached(
            "INSERT INTO evidence_link (evidence_id, control_id, service_id, linked_by, linked_at)
             SELECT ?1, ?2, ?3, ?4, ?5
             WHERE NOT EXISTS (SELECT 1 FROM evidence_link WHERE evidence_id = ?1 AND control_id = ?2 AND service_id IS ?3)",
            params![evidence, control, service, by, at],
        )
        .context("link evidence")?;
    Ok(n == 1)
}

/// Removes a link; returns false when there was none.
pub fn unlink(conn: &Connection, evidence: i64, control: i64, service: Option<i64>) -> Result<bool> {
    let n = conn
        .execute_cached(
            "DELETE FROM evidence_link WHERE evidence_id = ?1 AND control_id = ?2 AND service_id IS ?3",
            params![evidence, control, service],
        )
        .context("unlink evidence")?;
    Ok(n > 0)
}

/// The links of one piece of evidence.
pub fn links(conn: &Connection, evidence: i64) -> Result<Vec<Link>> {
    Ok(links_of(conn, Some(evidence))?.into_iter().map(|(_, l)| l).collect())
}

/// The links of every piece of evidence, by evidence number (one query for a whole listing).
pub fn all_links(conn: &Connection) -> Result<HashMap<i64, Vec<Link>>> {
    let mut out: HashMap<i64, Vec<Link>> = HashMap::new();
    for (id, link) in links_of(conn, None)? {
        out.entry(id).or_default().push(link);
    }
    Ok(out)
}

/// The links of the pieces of evidence numbered `ids`, by evidence number: one lookup each for a
/// short list, one pass over every link for a long one.
pub fn links_for(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, Vec<Link>>> {
    if ids.len() > 1_000 {
        return all_links(conn);
    }
    let mut out: HashMap<i64, Vec<Link>> = HashMap::new();
    for &id in ids {
        for (id, link) in links_of(conn, Some(id))? {
            out.entry(id).or_default().push(link);
        }
    }
    Ok(out)
}

fn links_of(conn: &Connection, evidence: Option<i64>) -> Result<Vec<(i64, Link)>> {
    // One piece's links by the index on evidence_id; `?1 IS NULL OR` would read every link.
    let which = if evidence.is_some() {
        "l.evidence_id = ?1"
    } else {
        "?1 IS NULL"
    };
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT l.evidence_id, k.key, c.key, s.name, l.linked_by, l.linked_at
             FROM evidence_link l JOIN control c ON c.id = l.control_id JOIN catalog k ON k.id = c.catalog_id
             LEFT JOIN service s ON s.id = l.service_id
             WHERE {which} ORDER BY l.evidence_id, k.key, c.sort_key, c.key, s.name"
        ))
        .context("read evidence links")?;
    let rows = stmt
        .query_map([evidence], |r| {
            Ok((
                r.get(0)?,
                Link {
                    catalog: r.get(1)?,
                    control: r.get(2)?,
                    service: r.get(3)?,
                    linked_by: r.get(4)?,
                    linked_at: r.get(5)?,
                },
            ))
        })
        .context("read evidence links")?;
    rows.collect::<rusqlite::Result<_>>().context("read evidence links")
}

/// One review decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    /// Accepted or rejected.
    pub decision: ReviewStatus,
    /// Who decided.
    pub reviewer: String,
    /// When.
    pub at: String,
    /// Why.
    pub note: String,
}

/// Records a review decision and makes it the evidence's status.
pub fn review(conn: &Connection, evidence: i64, r: &Review) -> Result<()> {
    conn.execute_cached(
        "INSERT INTO evidence_review (evidence_id, decision, reviewer, at, note) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![evidence, r.decision, r.reviewer, r.at, r.note],
    )
    .context("record a review")?;
    conn.execute_cached(
        "UPDATE evidence SET status = ?2 WHERE id = ?1",
        params![evidence, r.decision],
    )
    .context("record a review")?;
    Ok(())
}

/// The review history of one piece of evidence, oldest first.
pub fn reviews(conn: &Connection, evidence: i64) -> Result<Vec<Review>> {
    let mut stmt = conn
        .prepare_cached("SELECT decision, reviewer, at, note FROM evidence_review WHERE evidence_id = ?1 ORDER BY id")
        .context("read reviews")?;
    let rows = stmt
        .query_map([evidence], |r| {
            Ok(Review {
                decision: r.get(0)?,
                reviewer: r.get(1)?,
                at: r.get(2)?,
                note: r.get(3)?,
            })
        })
        .context("read reviews")?;
    rows.collect::<rusqlite::Result<_>>().context("read reviews")
}

/// Which evidence to list.
#[derive(Debug, Default, Clone)]
pub struct Filter<'a> {
    /// Linked to this control.
    pub control: Option<i64>,
    /// Linked to this service.
    pub service: Option<i64>,
    /// Linked to a service of this team, or to a control this team owns.
    pub team: Option<&'a str>,
    /// In this review status.
    pub status: Option<ReviewStatus>,
}

/// Evidence matching `filter`, by number.
pub fn list(conn: &Connection, f: &Filter<'_>) -> Result<Vec<Evidence>> {
    // A control's links drive the query when one is given (by the index on the links), so the
    // listing costs that control's evidence, not every piece's.
    let driver = if f.control.is_some() {
        "e.id IN (SELECT l.evidence_id FROM evidence_link l WHERE l.control_id = ?2) AND"
    } else {
        ""
    };
    let mut stmt = conn
        .prepare_cached(&format!(
            "{SELECT} WHERE {driver} (?1 IS NULL OR e.status = ?1)
               AND (?2 IS NULL OR EXISTS (SELECT 1 FROM evidence_link l WHERE l.evidence_id = e.id AND l.control_id = ?2))
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM evidence_link l WHERE l.evidence_id = e.id AND l.service_id = ?3))
               AND (?4 IS NULL OR EXISTS (
                    SELECT 1 FROM evidence_link l
                    LEFT JOIN service s ON s.id = l.service_id
                    LEFT JOIN team st ON st.id = s.team_id
                    LEFT JOIN implementation i ON i.control_id = l.control_id AND i.service_id IS l.service_id
                    LEFT JOIN team it ON it.id = i.owner_team_id
                    LEFT JOIN implementation o ON o.control_id = l.control_id AND o.service_id IS NULL
                    LEFT JOIN team ot ON ot.id = o.owner_team_id
                    WHERE l.evidence_id = e.id AND ?4 IN (st.name, it.name, ot.name)))
             ORDER BY e.id"
        ))
        .context("list evidence")?;
    let rows = stmt
        .query_map(params![f.status, f.control, f.service, f.team], row)
        .context("list evidence")?;
    rows.collect::<rusqlite::Result<_>>().context("list evidence")
}

/// Every stored file hash with the evidence numbers that use it.
pub fn file_hashes(conn: &Connection) -> Result<Vec<(String, Vec<i64>)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT sha256, group_concat(id) FROM evidence WHERE sha256 IS NOT NULL GROUP BY sha256 ORDER BY min(id)",
        )
        .context("list stored files")?;
    let rows = stmt
        .query_map([], |r| {
            let ids: String = r.get(1)?;
            Ok((r.get(0)?, ids.split(',').filter_map(|s| s.parse().ok()).collect()))
        })
        .context("list stored files")?;
    rows.collect::<rusqlite::Result<_>>().context("list stored files")
}

/// The recorded size of every stored file, by hash, for the cheap integrity check of reports.
pub fn file_sizes(conn: &Connection) -> Result<HashMap<String, u64>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT sha256, max(size) FROM evidence WHERE sha256 IS NOT NULL AND size IS NOT NULL GROUP BY sha256",
        )
        .context("list stored file sizes")?;
    let rows = stmt
        .query_map([], |r| {
            let size: i64 = r.get(1)?;
            Ok((r.get(0)?, u64::try_from(size).unwrap_or(u64::MAX)))
        })
        .context("list stored file sizes")?;
    rows.collect::<rusqlite::Result<_>>().context("list stored file sizes")
}

/// Evidence linked to controls of a catalogue, with the link's service, for gaps and reports.
#[derive(Debug, Clone)]
pub struct Linked {
    /// The evidence.
    pub evidence: Evidence,
    /// The control's row id.
    pub control_id: i64,
    /// The service's row id, or `None` for organisation-wide.
    pub service_id: Option<i64>,
}

/// Every (evidence, link) for the controls of a catalogue, grouped by (control, service or 0).
///
/// A scan is evidence for each (control, service) pair it has observations for, as if linked
/// there: this is the one place scans join the links, so gaps, status, reports and coverage all
/// count them alike. Observations on no service (account-wide or unclaimed resources) link
/// nothing: a scan of one account's resources is not evidence for every service.
pub fn linked_in_catalog(conn: &Connection, catalog_id: i64) -> Result<HashMap<(i64, i64), Vec<Linked>>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT e.id, e.kind, e.title, e.sha256, e.size, e.media_type, e.original_name, e.url, e.note,
                    e.collected_on, e.valid_until, e.submitted_by, e.submitted_at, e.status, l.control_id, l.service_id
             FROM evidence e JOIN evidence_link l ON l.evidence_id = e.id JOIN control c ON c.id = l.control_id
             WHERE c.catalog_id = ?1
             UNION
             SELECT e.id, e.kind, e.title, e.sha256, e.size, e.media_type, e.original_name, e.url, e.note,
                    e.collected_on, e.valid_until, e.submitted_by, e.submitted_at, e.status, p.control_id, p.service_id
             FROM evidence e JOIN scan s ON s.evidence_id = e.id
             JOIN (SELECT DISTINCT scan_id, control_id, service_id FROM observation
                   WHERE control_id IS NOT NULL AND service_id IS NOT NULL) p ON p.scan_id = s.id
             JOIN control c ON c.id = p.control_id
             WHERE c.catalog_id = ?1
             ORDER BY 1, 15, 16",
        )
        .context("read linked evidence")?;
    let mut rows = stmt.query([catalog_id]).context("read linked evidence")?;
    let mut out: HashMap<(i64, i64), Vec<Linked>> = HashMap::new();
    while let Some(r) = rows.next().context("read linked evidence")? {
        let linked = Linked {
            evidence: row(r).context("read linked evidence")?,
            control_id: r.get(14).context("read linked evidence")?,
            service_id: r.get(15).context("read linked evidence")?,
        };
        out.entry((linked.control_id, linked.service_id.unwrap_or(0)))
            .or_default()
            .push(linked);
    }
    Ok(out)
}

/// How many pieces of evidence there are of each (review status, expiry), read from the index
/// on the two: a summary costs the number of distinct dates, not of pieces.
pub fn state_counts(conn: &Connection) -> Result<Vec<(ReviewStatus, Option<Day>, u64)>> {
    let mut stmt = conn
        .prepare_cached("SELECT status, valid_until, count(*) FROM evidence GROUP BY status, valid_until")
        .context("count evidence")?;
    let rows = stmt
        .query_map([], |r| {
            let n: i64 = r.get(2)?;
            Ok((r.get(0)?, r.get(1)?, u64::try_from(n).unwrap_or(0)))
        })
        .context("count evidence")?;
    rows.collect::<rusqlite::Result<_>>().context("count evidence")
}

/// What decides whether a linked piece of evidence counts: its number, review status and expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkState {
    /// The evidence's number.
    pub id: i64,
    /// Pending, accepted or rejected.
    pub status: ReviewStatus,
    /// The last day it counts, if it expires.
    pub valid_until: Option<Day>,
}

/// The states of a catalogue's linked evidence (see [`link_states_in_catalog`]): one sorted list,
/// each control a slice of it, so that reading millions of pairs allocates nothing and looks in
/// one control's few links at a time.
#[derive(Debug, Default)]
pub struct LinkStates {
    /// Sorted by (control, service or 0, evidence number), without repeats.
    states: Vec<(i64, i64, LinkState)>,
    /// Where each control's links start and end in `states`.
    controls: rustc_hash::FxHashMap<i64, (usize, usize)>,
}

/// One control's linked evidence, sorted by (service or 0, evidence number).
#[derive(Debug, Clone, Copy, Default)]
pub struct ControlLinks<'a>(&'a [(i64, i64, LinkState)]);

impl LinkStates {
    /// The evidence linked to `control`.
    pub fn of_control(&self, control: i64) -> ControlLinks<'_> {
        let (from, to) = self.controls.get(&control).copied().unwrap_or((0, 0));
        ControlLinks(&self.states[from..to])
    }
}

impl<'a> ControlLinks<'a> {
    /// The services (row ids) with evidence of their own here, in order, each once.
    pub fn services(self) -> impl Iterator<Item = i64> + 'a {
        let mut last = 0;
        self.0.iter().filter_map(move |&(_, s, _)| {
            let new = s != 0 && s != last;
            last = s;
            new.then_some(s)
        })
    }

    /// The evidence linked on `service` (0: organisation-wide), by number.
    pub fn on(self, service: i64) -> impl ExactSizeIterator<Item = &'a LinkState> + Clone {
        let from = self.0.partition_point(|&(_, s, _)| s < service);
        let to = from + self.0[from..].partition_point(|&(_, s, _)| s == service);
        self.0[from..to].iter().map(|(_, _, l)| l)
    }
}

/// As [`linked_in_catalog`], only what decides whether each piece counts, by number within each
/// (control, service or 0). Read from two indexes (the links and the review states), never from
/// the evidence rows with their texts. Only the links `keep(control, service or 0)` wants are read
/// on, and only their evidence's states decoded.
pub fn link_states_in_catalog(
    conn: &Connection,
    catalog_id: i64,
    keep: impl Fn(i64, i64) -> bool,
) -> Result<LinkStates> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT l.control_id, coalesce(l.service_id, 0), l.evidence_id
             FROM control c JOIN evidence_link l ON l.control_id = c.id WHERE c.catalog_id = ?1",
        )
        .context("read linked evidence")?;
    let mut rows = stmt.query([catalog_id]).context("read linked evidence")?;
    let mut links: Vec<((i64, i64), i64)> = Vec::new();
    while let Some(r) = rows.next().context("read linked evidence")? {
        let at = (
            r.get(0).context("read linked evidence")?,
            r.get(1).context("read linked evidence")?,
        );
        if keep(at.0, at.1) {
            links.push((at, r.get(2).context("read linked evidence")?));
        }
    }
    // A scan is evidence for each (control, service) pair it observed, as in `linked_in_catalog`.
    let mut stmt = conn
        .prepare_cached(
            "SELECT DISTINCT o.control_id, o.service_id, s.evidence_id
             FROM control c JOIN observation o ON o.control_id = c.id JOIN scan s ON s.id = o.scan_id
             WHERE c.catalog_id = ?1 AND o.service_id IS NOT NULL",
        )
        .context("read scan evidence")?;
    let mut rows = stmt.query([catalog_id]).context("read scan evidence")?;
    while let Some(r) = rows.next().context("read scan evidence")? {
        let at = (
            r.get(0).context("read scan evidence")?,
            r.get(1).context("read scan evidence")?,
        );
        if keep(at.0, at.1) {
            links.push((at, r.get(2).context("read scan evidence")?));
        }
    }
    let mut states: rustc_hash::FxHashMap<i64, (ReviewStatus, Option<Day>)> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(links.len(), Default::default());
    let state = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(ReviewStatus, Option<Day>)> { Ok((r.get(0)?, r.get(1)?)) };
    if links.len() < 2_000 {
        // A few links: look each piece up.
        let mut stmt = conn
            .prepare_cached("SELECT status, valid_until FROM evidence WHERE id = ?1")
            .context("read evidence states")?;
        for &(_, id) in &links {
            if let std::collections::hash_map::Entry::Vacant(v) = states.entry(id) {
                v.insert(stmt.query_row([id], state).context("read evidence states")?);
            }
        }
    } else {
        // Many: one pass over the index on (status, expiry), which holds the numbers too.
        let mut stmt = conn
            .prepare_cached("SELECT status, valid_until, id FROM evidence INDEXED BY evidence_status")
            .context("read evidence states")?;
        let wanted: rustc_hash::FxHashSet<i64> = links.iter().map(|&(_, id)| id).collect();
        let mut rows = stmt.query([]).context("read evidence states")?;
        while let Some(r) = rows.next().context("read evidence states")? {
            let id = r.get(2).context("read evidence states")?;
            if wanted.contains(&id) {
                states.insert(id, state(r).context("read evidence states")?);
            }
        }
    }
    links.sort_unstable();
    links.dedup();
    let mut out = LinkStates {
        states: Vec::with_capacity(links.len()),
        controls: rustc_hash::FxHashMap::default(),
    };
    for ((control, service), id) in links {
        if let Some(&(status, valid_until)) = states.get(&id) {
            let end = out.states.len();
            out.controls.entry(control).or_insert((end, end)).1 = end + 1;
            out.states.push((
                control,
                service,
                LinkState {
                    id,
                    status,
                    valid_until,
                },
            ));
        }
    }
    Ok(out)
}

/// The reviewer of each reviewed piece of evidence's latest review.
pub fn last_reviewers(conn: &Connection) -> Result<HashMap<i64, String>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT r.evidence_id, r.reviewer FROM evidence_review r
             WHERE r.id = (SELECT max(id) FROM evidence_review x WHERE x.evidence_id = r.evidence_id)",
        )
        .context("read reviewers")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .context("read reviewers")?;
    rows.collect::<rusqlite::Result<_>>().context("read reviewers")
}
