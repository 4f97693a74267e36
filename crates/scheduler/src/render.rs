//! Writing the plan out: the final order of visits, their ids, the reasons; then
//! either an owned [`Plan`] or its JSON written straight from the planner's state.
//! Both give the same bytes (a test checks it).

use crate::model::NONE;
use crate::plan::{Plan, Reason, Stats, Unscheduled};
use crate::planner::reason;
use crate::problem::{AgencyTeam, Problem, Visit, write_date};
use crate::state::State;
use chrono::NaiveDate;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};
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

    /// The plan's JSON, written from the state (same bytes as `to_plan(..).to_json`).
    pub fn to_json(&self, p: &Problem, st: &State, pretty: bool) -> String {
        let out = Out { l: self, p, st };
        let mut buf =
            Vec::with_capacity(self.slots.len() * 160 + self.unscheduled.len() * 48 + 256);
        let res = if pretty {
            out.serialize(&mut serde_json::Serializer::pretty(&mut buf))
        } else {
            out.serialize(&mut serde_json::Serializer::new(&mut buf))
        };
        // Serialising strings and numbers into memory cannot fail, and the bytes are
        // UTF-8 as serde_json writes them.
        if res.is_err() {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

struct Out<'a> {
    l: &'a Layout,
    p: &'a Problem,
    st: &'a State,
}

impl Serialize for Out<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut x = s.serialize_struct("Plan", 3)?;
        x.serialize_field("visits", &Visits(self))?;
        x.serialize_field("unscheduled", &Reasons(self))?;
        x.serialize_field("stats", &self.l.stats)?;
        x.end()
    }
}

struct Visits<'a, 'b>(&'b Out<'a>);
struct OneVisit<'a, 'b>(&'b Out<'a>, &'b Slot);
struct Ids<'a, 'b, F: Fn(u32) -> &'a str>(&'b [u32], F);
struct Teams<'a, 'b>(&'b Out<'a>, u32);
struct Date(NaiveDate);
struct Reasons<'a, 'b>(&'b Out<'a>);
struct OneReason<'a>(&'a str, Reason);

impl Serialize for Visits<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.l.slots.len()))?;
        for slot in &self.0.l.slots {
            seq.serialize_element(&OneVisit(self.0, slot))?;
        }
        seq.end()
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write_date(&self.0, s)
    }
}

impl<'a, F: Fn(u32) -> &'a str> Serialize for Ids<'a, '_, F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for &i in self.0 {
            seq.serialize_element((self.1)(i))?;
        }
        seq.end()
    }
}

impl Serialize for OneVisit<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Out { p, st, .. } = self.0;
        let m = &*st.m;
        let v = &st.visits[self.1.visit as usize];
        let req_id = |r: u32| p.requests[m.req_orig[r as usize] as usize].id.as_str();
        let mut x = s.serialize_struct("Visit", 5)?;
        match &self.1.id {
            Some(id) => {
                x.serialize_field("id", id)?;
                x.serialize_field(
                    "enterprise",
                    &p.enterprises[m.ent_orig[v.ent as usize] as usize].id,
                )?;
                x.serialize_field("date", &Date(m.date_of(v.day)))?;
                x.serialize_field("requests", &Ids(&v.requests, req_id))?;
                x.serialize_field("inspectors", &Teams(self.0, self.1.visit))?;
            }
            None => {
                let li = v.locked.unwrap_or(0);
                let given = &p.locked[m.locked[li as usize].orig as usize];
                x.serialize_field("id", &given.id)?;
                x.serialize_field("enterprise", &given.enterprise)?;
                x.serialize_field("date", &Date(given.date))?;
                x.serialize_field("requests", &Ids(&v.requests, req_id))?;
                let teams: &[AgencyTeam] = self.1.locked_teams.as_deref().unwrap_or_default();
                x.serialize_field("inspectors", &TeamList(teams))?;
            }
        }
        x.end()
    }
}

struct TeamList<'a>(&'a [AgencyTeam]);

impl Serialize for TeamList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for t in self.0 {
            map.serialize_entry(&t.agency, &t.inspectors)?;
        }
        map.end()
    }
}

impl Serialize for Teams<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Out { p, st, .. } = self.0;
        let m = &*st.m;
        let v = &st.visits[self.1 as usize];
        let insp_id = |i: u32| p.inspectors[m.insp_orig[i as usize] as usize].id.as_str();
        let mut map = s.serialize_map(Some(v.teams.len()))?;
        for t in &v.teams {
            map.serialize_entry(
                &p.agencies[m.agency_orig[t.agency as usize] as usize].id,
                &Ids(&t.members, insp_id),
            )?;
        }
        map.end()
    }
}

impl Serialize for Reasons<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Out { p, st, l } = self.0;
        let m = &*st.m;
        let mut seq = s.serialize_seq(Some(l.unscheduled.len()))?;
        for &(r, reason) in &l.unscheduled {
            let id = p.requests[m.req_orig[r as usize] as usize].id.as_str();
            seq.serialize_element(&OneReason(id, reason))?;
        }
        seq.end()
    }
}

impl Serialize for OneReason<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut x = s.serialize_struct("Unscheduled", 2)?;
        x.serialize_field("request", self.0)?;
        x.serialize_field("reason", &self.1)?;
        x.end()
    }
}
