//! Candidate selection, exactly as the product defines routing: `auto` or empty -> the `auto`
//! group; a group name -> that group; a model name -> exact matches, then entries carrying it
//! as an alias, then fuzzy ones; nothing -> the `auto` group. A group's entries come in its
//! order mode (`ordering`). Only routable entries count; cooling ones are then set aside.
//! Selection runs before every request, so it reads a `RouteIndex` built once per snapshot:
//! lookups by name touch only the matches, and a candidate shares its entry and channel.
//! The proxy walks a route lazily (`candidates`): the next candidate is looked at only after
//! the previous one failed, cooling entries and entries whose channel kind cannot serve the
//! endpoint are skipped as it goes, and the cooling ones come last only when nothing else was.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use types::routing::{GroupRouting, Hedging, OrderMode};

use crate::ordering::{self, Speeds};
use crate::store::{AUTO_GROUP, Channel, ChannelId, Entry, EntryId};
use crate::upstream::{Endpoint, UpstreamAdapter as _};

use super::cooldowns::Cooldowns;

/// How the requested model was understood; shown in logs and errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteKind {
    Group(String),
    Exact,
    /// Entries carrying the name as an alias.
    Alias,
    Fuzzy,
    /// Nothing matched the name, so the `auto` group serves it.
    AutoFallback,
}

/// One entry to try, with its channel (shared with the snapshot, so cheap to hand out).
#[derive(Clone, Debug)]
pub struct Candidate {
    pub entry: Arc<Entry>,
    pub channel: Arc<Channel>,
}

/// The result of routing one request.
#[derive(Debug)]
pub struct Route {
    pub kind: RouteKind,
    /// To try, in priority order.
    pub candidates: Vec<Candidate>,
    /// Matched but cooling down, the soonest-expiring cooldown first: tried only when no
    /// candidate is left (the last resort).
    pub cooling: Vec<Candidate>,
}

/// Routing's precomputed view of one snapshot. Names are keyed in ASCII lowercase, matching
/// the case-insensitive comparisons the routing rules ask for.
#[derive(Clone, Debug, Default)]
pub struct RouteIndex {
    /// Routable entries (enabled, on an enabled channel), in priority order.
    routable: Vec<Candidate>,
    /// The same entries' model names in Unicode lowercase, for fuzzy matching.
    lowercase_models: Vec<String>,
    by_model: HashMap<String, Vec<usize>>,
    by_alias: HashMap<String, Vec<usize>>,
    /// Each group's entries, in its order mode when that is fixed by the snapshot (`newest`).
    by_group: HashMap<String, Vec<usize>>,
    /// Groups with routing options.
    routing: Vec<GroupRouting>,
    /// Every group any entry names, routable or not: a name is a group even when all its
    /// entries are off (the client then gets an empty route, not a model match).
    groups: HashSet<String>,
}

impl RouteIndex {
    /// `entries` in priority order; `groups` the groups' routing options.
    pub fn build(
        entries: &[Entry],
        channels: &HashMap<ChannelId, Channel>,
        groups: &[GroupRouting],
    ) -> Self {
        let mut index = Self {
            routing: groups.to_vec(),
            ..Self::default()
        };
        let shared: HashMap<ChannelId, Arc<Channel>> = channels
            .iter()
            .map(|(id, channel)| (*id, Arc::new(channel.clone())))
            .collect();
        for entry in entries {
            index.groups.insert(entry.group.to_ascii_lowercase());
            let Some(channel) = shared.get(&entry.channel_id) else {
                continue;
            };
            if !entry.enabled || !channel.enabled {
                continue;
            }
            let at = index.routable.len();
            let model = entry.model.to_ascii_lowercase();
            index.by_model.entry(model).or_default().push(at);
            let group = entry.group.to_ascii_lowercase();
            index.by_group.entry(group).or_default().push(at);
            for alias in &entry.aliases {
                let list = index
                    .by_alias
                    .entry(alias.to_ascii_lowercase())
                    .or_default();
                list.push(at);
            }
            index.lowercase_models.push(entry.model.to_lowercase());
            index.routable.push(Candidate {
                entry: Arc::new(entry.clone()),
                channel: Arc::clone(channel),
            });
        }
        // The catalog does not change while a snapshot lives: `newest` is sorted once here.
        for (group, positions) in &mut index.by_group {
            let routing = index
                .routing
                .iter()
                .find(|g| g.group.eq_ignore_ascii_case(group));
            if routing.map(|g| g.order) == Some(OrderMode::Newest) {
                let routable = &index.routable;
                ordering::sort_newest(positions, |at| &routable[*at].entry.model);
            }
        }
        index
    }

    /// The group's routing options (defaults for a group without stored ones).
    pub fn group_routing(&self, group: &str) -> (OrderMode, Hedging) {
        self.stored_routing(group)
            .map(|g| (g.order, g.hedging))
            .unwrap_or_default()
    }

    /// Whether the group keeps sessions on their entry and key (on unless turned off).
    pub fn group_affinity(&self, group: &str) -> bool {
        self.stored_routing(group).is_none_or(|g| g.affinity)
    }

    fn stored_routing(&self, group: &str) -> Option<&GroupRouting> {
        // A handful of groups at most: a scan without the lowercase copy a map lookup needs
        // keeps the request path free of allocations.
        self.routing
            .iter()
            .find(|g| g.group.eq_ignore_ascii_case(group))
    }

    /// The routable entries of `group` in its effective order (cooling ones included, in
    /// place): what the tray, `/v1/models` and the UI show.
    pub fn group_order(&self, group: &str, speeds: &Speeds) -> Vec<&Candidate> {
        let mut list = self.at(self.by_group.get(&group.to_ascii_lowercase()));
        if self.group_routing(group).0 == OrderMode::Fastest {
            speeds.sort_fastest(&mut list, |c| c.entry.id);
        }
        list
    }

    /// Every routable entry in priority order.
    pub fn routable(&self) -> &[Candidate] {
        &self.routable
    }

    fn at(&self, positions: Option<&Vec<usize>>) -> Vec<&Candidate> {
        positions
            .map(|list| list.iter().map(|at| &self.routable[*at]).collect())
            .unwrap_or_default()
    }
}

/// Picks the candidates for `model` at `now_ms`.
pub fn select(
    index: &RouteIndex,
    cooldowns: &Cooldowns,
    speeds: &Speeds,
    model: &str,
    now_ms: i64,
) -> Route {
    let (kind, matched) = matches(index, speeds, model.trim());
    let (candidates, mut cooling) = cooldowns.partition(matched, |c| c.entry.id, now_ms);
    // Stable: equal cooldowns keep their priority order.
    cooling.sort_by_key(|(until, _)| *until);
    Route {
        kind,
        candidates: candidates.into_iter().cloned().collect(),
        cooling: cooling.into_iter().map(|(_, c)| c.clone()).collect(),
    }
}

fn matches<'a>(
    index: &'a RouteIndex,
    speeds: &Speeds,
    model: &str,
) -> (RouteKind, Vec<&'a Candidate>) {
    let in_group = |group: &str| index.group_order(group, speeds);
    if model.is_empty() || model.eq_ignore_ascii_case(AUTO_GROUP) {
        return (RouteKind::Group(AUTO_GROUP.into()), in_group(AUTO_GROUP));
    }
    let key = model.to_ascii_lowercase();
    if index.groups.contains(&key) {
        return (RouteKind::Group(model.to_owned()), in_group(model));
    }
    let exact = index.at(index.by_model.get(&key));
    if !exact.is_empty() {
        return (RouteKind::Exact, exact);
    }
    let aliased = index.at(index.by_alias.get(&key));
    if !aliased.is_empty() {
        return (RouteKind::Alias, aliased);
    }
    let needle = model.to_lowercase();
    let fuzzy: Vec<_> = index
        .lowercase_models
        .iter()
        .zip(&index.routable)
        .filter(|(name, _)| name.contains(&needle))
        .map(|(_, candidate)| candidate)
        .collect();
    if !fuzzy.is_empty() {
        return (RouteKind::Fuzzy, fuzzy);
    }
    (RouteKind::AutoFallback, in_group(AUTO_GROUP))
}

/// The candidates of one request, computed one at a time. Yields the ready ones in priority
/// order; when none was ready, the cooling ones, the soonest-expiring cooldown first.
pub struct Candidates<'a> {
    matched: std::vec::IntoIter<&'a Candidate>,
    cooldowns: &'a Cooldowns,
    now_ms: i64,
    endpoint: Endpoint,
    yielded_ready: bool,
    cooling: Vec<(i64, &'a Candidate)>,
    last_resort: Option<std::vec::IntoIter<(i64, &'a Candidate)>>,
    /// The routed group's hedging (off for model-name routes), with the group's name.
    pub hedging: Option<(&'a str, Hedging)>,
    /// Whether a session stays on the entry that served it: the routed group's setting, on
    /// for model-name routes.
    pub affinity: bool,
}

/// The route for `model` on `endpoint` at `now_ms`, walked lazily.
pub fn candidates<'a>(
    index: &'a RouteIndex,
    cooldowns: &'a Cooldowns,
    speeds: &Speeds,
    model: &str,
    endpoint: Endpoint,
    now_ms: i64,
) -> Candidates<'a> {
    let (kind, matched) = matches(index, speeds, model.trim());
    let group = match &kind {
        RouteKind::Group(group) => Some(group.as_str()),
        RouteKind::AutoFallback => Some(AUTO_GROUP),
        RouteKind::Exact | RouteKind::Alias | RouteKind::Fuzzy => None,
    };
    let stored = group.and_then(|g| index.stored_routing(g));
    let hedging = stored
        .filter(|g| g.hedging.is_on())
        .map(|g| (g.group.as_str(), g.hedging));
    Candidates {
        hedging,
        affinity: stored.is_none_or(|g| g.affinity),
        matched: matched.into_iter(),
        cooldowns,
        now_ms,
        endpoint,
        yielded_ready: false,
        cooling: Vec::new(),
        last_resort: None,
    }
}

impl Candidates<'_> {
    /// Puts `entry` first when the route has it (a session's own entry): it is then tried
    /// first unless it is cooling or cannot serve the endpoint, like any other candidate.
    /// Call before the first `next`.
    pub fn prefer(&mut self, entry: EntryId) {
        let rest = self.matched.as_slice();
        let Some(at) = rest.iter().position(|c| c.entry.id == entry) else {
            return;
        };
        if at == 0 {
            return;
        }
        let mut reordered = Vec::with_capacity(rest.len());
        reordered.push(rest[at]);
        reordered.extend(rest[..at].iter().chain(&rest[at + 1..]).copied());
        self.matched = reordered.into_iter();
    }
}

impl Iterator for Candidates<'_> {
    type Item = Candidate;

    fn next(&mut self) -> Option<Candidate> {
        for candidate in self.matched.by_ref() {
            if !candidate.channel.api_type.serves(self.endpoint) {
                continue;
            }
            match self
                .cooldowns
                .cooling_until(candidate.entry.id, self.now_ms)
            {
                Some(until) => self.cooling.push((until, candidate)),
                None => {
                    self.yielded_ready = true;
                    return Some(candidate.clone());
                }
            }
        }
        if self.yielded_ready {
            return None;
        }
        // Never down while a channel still answers: when every candidate is cooling, the
        // cooling ones are tried anyway, the one whose cooldown ends first leading.
        let last_resort = self.last_resort.get_or_insert_with(|| {
            let mut cooling = std::mem::take(&mut self.cooling);
            // Stable: equal cooldowns keep their priority order.
            cooling.sort_by_key(|(until, _)| *until);
            cooling.into_iter()
        });
        last_resort.next().map(|(_, candidate)| candidate.clone())
    }
}
