//! Writing the plan out: the final order of visits, their ids, the reasons; then
//! either an owned [`Plan`] or its JSON written straight from the planner's state.
//! Both give the same bytes (a test checks it).

use crate::model::NONE;
use crate::plan::{Plan, Reason, Stats, Unscheduled};
use crate::planner::reason;
use crate::problem::{AgencyTeam, Problem, Visit};
use crate::state::State;
use chrono::NaiveDate;
use std::collections::HashSet;

/// One visit of the output, in output order.
struct Slot {
    visit: u32,
    /// The id of a new visit (a locked visit keeps its own).
    id: Option<String>,
    /// The teams of a locked visit: as given, plus the inspectors added for new
    /// requests, sorted.
    locked_teams: Option<Vec<AgencyTeam>>,
}

pub(crate) struct Layout {
    slots: Vec<Slot>,
    unscheduled: Vec<(u32, Reason)>,
    pub stats: Stats,
}

impl Layout {
    /// Fixes the output: sorts each visit's requests and inspectors (ranks follow the
    /// order of ids), numbers the new visits, orders the visits and the reasons.
    pub fn new(p: &Problem, st: &mut State, lower_bound: u64) -> Layout {
        let m = std::sync::Arc::clone(&st.m);
        let m = &*m;
        for v in st.visits.iter_mut().filter(|v| v.alive) {
            v.requests.sort_unstable();
            for t in &mut v.teams {
                if v.locked.is_none() {
                    t.members.sort_unstable();
                }
            }
        }
        // New visits are numbered P000001… in (date, enterprise) order, skipping any
        // id a locked visit already has.
        let taken: HashSet<&str> = p.locked.iter().map(|v| v.id.as_str()).collect();
        let mut fresh: Vec<(u32, u32, u32)> = st
            .visits
            .iter()
            .enumerate()
            .filter(|(_, v)| v.alive && v.locked.is_none())
            .map(|(i, v)| (v.day, v.ent, i as u32))
            .collect();
        fresh.sort_unstable();
        let mut counter = 0u64;
        let mut keyed: Vec<(NaiveDate, u32, Slot)> =
            Vec::with_capacity(fresh.len() + p.locked.len());
        for &(day, ent, vi) in &fresh {
            let id = loop {
                counter += 1;
                let id = format!("P{counter:06}");
                if !taken.contains(id.as_str()) {
                    break id;
                }
            };
            keyed.push((
                m.date_of(day),
                ent,
                Slot {
                    visit: vi,
                    id: Some(id),
                    locked_teams: None,
                },
            ));
        }
        let agency_id = |a: u32| &p.agencies[m.agency_orig[a as usize] as usize].id;
        let insp_id = |i: u32| p.inspectors[m.insp_orig[i as usize] as usize].id.clone();
        for (vi, v) in st.visits.iter().enumerate() {
            let Some(li) = v.locked else { continue };
            let lv = &m.locked[li as usize];
            let given = &p.locked[lv.orig as usize];
            let mut teams: Vec<AgencyTeam> = given.inspectors.clone();
            for t in &v.teams {
                let before = lv
                    .teams
                    .iter()
                    .find(|(a, _)| *a == t.agency)
                    .map_or(0, |(_, ms)| ms.len());
                if t.members.len() > before {
                    let name = agency_id(t.agency);
                    let added = t.members[before..].iter().map(|&i| insp_id(i));
                    match teams.iter_mut().find(|x| &x.agency == name) {
                        Some(x) => x.inspectors.extend(added),
                        None => teams.push(AgencyTeam {
                            agency: name.clone(),
                            inspectors: added.collect(),
                        }),
                    }
                }
            }
            for t in &mut teams {
                t.inspectors.sort();
            }
            teams.sort_by(|a, b| a.agency.cmp(&b.agency));
            keyed.push((
                given.date,
                v.ent,
                Slot {
                    visit: vi as u32,
                    id: None,
                    locked_teams: Some(teams),
                },
            ));
        }
        // (date, enterprise, id): enterprise ranks follow the order of their ids.
        fn id_of<'x>(s: &'x Slot, st: &'x State, p: &'x Problem) -> &'x str {
            match &s.id {
                Some(id) => id,
                None => {
                    let li = st.visits[s.visit as usize].locked.unwrap_or(0);
                    &p.locked[st.m.locked[li as usize].orig as usize].id
                }
            }
        }
        let st_ref: &State = st;
        keyed.sort_unstable_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| id_of(&a.2, st_ref, p).cmp(id_of(&b.2, st_ref, p)))
        });
        let scheduled = st
            .visits
            .iter()
            .filter(|v| v.alive)
            .map(|v| v.requests.len() as u64)
            .sum();
        let unscheduled: Vec<(u32, Reason)> = (0..m.req.len() as u32)
            .filter(|&r| st.assigned[r as usize] == NONE)
            .map(|r| (r, reason(st, r)))
            .collect();
        let visits = keyed.len() as u64;
        Layout {
            slots: keyed.into_iter().map(|(_, _, s)| s).collect(),
            unscheduled,
            stats: Stats {
                requests: m.req.len() as u64,
                scheduled,
                visits,
                lower_bound: lower_bound.min(visits),
            },
        }
    }

    /// The owned plan.
    pub fn to_plan(&self, p: &Problem, st: &State) -> Plan {
        let m = &*st.m;
        let req_id = |r: u32| p.requests[m.req_orig[r as usize] as usize].id.clone();
        let visits = self
            .slots
            .iter()
            .map(|s| {
                let v = &st.visits[s.visit as usize];
                let requests = v.requests.iter().map(|&r| req_id(r)).collect();
                match (&s.id, &s.locked_teams) {
                    (Some(id), _) => Visit {
                        id: id.clone(),
                        enterprise: p.enterprises[m.ent_orig[v.ent as usize] as usize]
                            .id
                            .clone(),
                        date: m.date_of(v.day),
                        requests,
                        inspectors: v
                            .teams
                            .iter()
                            .map(|t| AgencyTeam {
                                agency: p.agencies[m.agency_orig[t.agency as usize] as usize]
                                    .id
                                    .clone(),
                                inspectors: t
                                    .members
                                    .iter()
                                    .map(|&i| {
                                        p.inspectors[m.insp_orig[i as usize] as usize].id.clone()
                                    })
                                    .collect(),
                            })
                            .collect(),
                    },
                    (None, teams) => {
                        let li = v.locked.unwrap_or(0);
                        let given = &p.locked[m.locked[li as usize].orig as usize];
                        Visit {
                            id: given.id.clone(),
                            enterprise: given.enterprise.clone(),
                            date: given.date,
                            requests,
                            inspectors: teams.clone().unwrap_or_default(),
                        }
                    }
                }
            })
            .collect();
        Plan {
            visits,
            unscheduled: self
                .unscheduled
                .iter()
                .map(|&(r, reason)| Unscheduled {
                    request: req_id(r),
                    reason,
                })
                .collect(),
            stats: self.stats,
        }
    }

    /// The plan's JSON, written from the state: the same bytes as
    /// `to_plan(..).to_json(pretty)` (serde_json's compact or pretty format), written
    /// by hand because it is the hot end of planning a million requests.
    pub fn to_json(&self, p: &Problem, st: &State, pretty: bool) -> String {
        let m = &*st.m;
        // Untouched capacity costs no memory (pages are mapped when first written), so
        // reserve enough never to copy the buffer while it grows.
        let per_visit = if pretty { 640 } else { 256 };
        let mut w = Writer {
            out: String::with_capacity(
                self.slots.len() * per_visit + self.unscheduled.len() * 96 + 1024,
            ),
            pretty,
            depth: 0,
            first: Vec::with_capacity(8),
        };
        // The ids, copied once into contiguous tables in rank order: the visits read
        // them in random order, and a compact table keeps those reads in cache.
        let requests = Names::new(
            m.req_orig
                .iter()
                .map(|&o| p.requests[o as usize].id.as_str()),
        );
        let inspectors = Names::new(
            m.insp_orig
                .iter()
                .map(|&o| p.inspectors[o as usize].id.as_str()),
        );
        let enterprises = Names::new(
            m.ent_orig
                .iter()
                .map(|&o| p.enterprises[o as usize].id.as_str()),
        );
        let req_id = |r: u32| requests.get(r);
        let insp_id = |i: u32| inspectors.get(i);
        w.open('{');
        w.key("visits");
        w.open('[');
        for slot in &self.slots {
            let v = &st.visits[slot.visit as usize];
            w.item();
            w.open('{');
            match &slot.id {
                Some(id) => {
                    w.key("id");
                    w.string(id);
                    w.key("enterprise");
                    w.string(enterprises.get(v.ent));
                    w.key("date");
                    w.date(m.date_of(v.day));
                    w.key("requests");
                    w.strings(v.requests.iter().map(|&r| req_id(r)));
                    w.key("inspectors");
                    w.open('{');
                    for t in &v.teams {
                        w.key(&p.agencies[m.agency_orig[t.agency as usize] as usize].id);
                        w.strings(t.members.iter().map(|&i| insp_id(i)));
                    }
                    w.close('}');
                }
                None => {
                    let li = v.locked.unwrap_or(0);
                    let given = &p.locked[m.locked[li as usize].orig as usize];
                    w.key("id");
                    w.string(&given.id);
                    w.key("enterprise");
                    w.string(&given.enterprise);
                    w.key("date");
                    w.date(given.date);
                    w.key("requests");
                    w.strings(v.requests.iter().map(|&r| req_id(r)));
                    w.key("inspectors");
                    w.open('{');
                    for t in slot.locked_teams.as_deref().unwrap_or_default() {
                        w.key(&t.agency);
                        w.strings(t.inspectors.iter().map(String::as_str));
                    }
                    w.close('}');
                }
            }
            w.close('}');
        }
        w.close(']');
        w.key("unscheduled");
        w.open('[');
        for &(r, reason) in &self.unscheduled {
            w.item();
            w.open('{');
            w.key("request");
            w.string(req_id(r));
            w.key("reason");
            w.string(reason.as_str());
            w.close('}');
        }
        w.close(']');
        w.key("stats");
        w.open('{');
        for (k, v) in [
            ("requests", self.stats.requests),
            ("scheduled", self.stats.scheduled),
            ("visits", self.stats.visits),
            ("lower_bound", self.stats.lower_bound),
        ] {
            w.key(k);
            w.out.push_str(&v.to_string());
        }
        w.close('}');
        w.close('}');
        w.out
    }
}

/// Strings laid end to end, found by index.
struct Names {
    text: String,
    ends: Vec<usize>,
}

impl Names {
    fn new<'s>(names: impl ExactSizeIterator<Item = &'s str>) -> Names {
        let mut ends = Vec::with_capacity(names.len());
        let mut text = String::new();
        for n in names {
            text.push_str(n);
            ends.push(text.len());
        }
        Names { text, ends }
    }

    fn get(&self, k: u32) -> &str {
        let k = k as usize;
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        self.text.get(start..self.ends[k]).unwrap_or_default()
    }
}

/// A JSON writer producing exactly serde_json's compact or pretty (two-space) output.
struct Writer {
    out: String,
    pretty: bool,
    depth: usize,
    /// Per open container: whether nothing has been written in it yet.
    first: Vec<bool>,
}

impl Writer {
    fn open(&mut self, c: char) {
        self.out.push(c);
        self.depth += 1;
        self.first.push(true);
    }

    fn close(&mut self, c: char) {
        self.depth -= 1;
        let empty = self.first.pop().unwrap_or(true);
        if self.pretty && !empty {
            self.newline();
        }
        self.out.push(c);
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// Starts an array element or an object key.
    fn item(&mut self) {
        let first = self
            .first
            .last_mut()
            .map(|f| std::mem::replace(f, false))
            .unwrap_or(true);
        if !first {
            self.out.push(',');
        }
        if self.pretty {
            self.newline();
        }
    }

    fn key(&mut self, k: &str) {
        self.item();
        self.string(k);
        self.out.push_str(if self.pretty { ": " } else { ":" });
    }

    fn strings<'s>(&mut self, items: impl Iterator<Item = &'s str>) {
        self.open('[');
        for s in items {
            self.item();
            self.string(s);
        }
        self.close(']');
    }

    fn date(&mut self, d: NaiveDate) {
        use chrono::Datelike;
        let (y, mo, da) = (d.year(), d.month(), d.day());
        if (0..=9999).contains(&y) {
            let y = y as u32;
            let digit = |v: u32| char::from(b'0' + (v % 10) as u8);
            self.out.push('"');
            for c in [
                digit(y / 1000),
                digit(y / 100),
                digit(y / 10),
                digit(y),
                '-',
                digit(mo / 10),
                digit(mo),
                '-',
                digit(da / 10),
                digit(da),
            ] {
                self.out.push(c);
            }
            self.out.push('"');
        } else {
            self.string(&d.to_string());
        }
    }

    /// A string, escaped as serde_json escapes it.
    fn string(&mut self, s: &str) {
        self.out.push('"');
        let bytes = s.as_bytes();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let esc: &str = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0x00..=0x1f => "",
                _ => continue,
            };
            self.out.push_str(&s[start..i]);
            if esc.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.out.push_str("\\u00");
                self.out.push(char::from(HEX[usize::from(b >> 4)]));
                self.out.push(char::from(HEX[usize::from(b & 0xf)]));
            } else {
                self.out.push_str(esc);
            }
            start = i + 1;
        }
        self.out.push_str(&s[start..]);
        self.out.push('"');
    }
}
