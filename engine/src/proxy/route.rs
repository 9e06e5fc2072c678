//! Candidate selection, exactly as the product defines routing: `auto` or empty -> the `auto`
//! group; a group name -> that group; a model name -> exact matches, then fuzzy ones; nothing ->
//! the `auto` group. Only routable entries count; cooling ones are then set aside.

use crate::store::{AUTO_GROUP, Channel, Entry};

use super::snapshot::{Cooldowns, Snapshot};

/// How the requested model was understood; shown in logs and errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteKind {
    Group(String),
    Exact,
    Fuzzy,
    /// Nothing matched the name, so the `auto` group serves it.
    AutoFallback,
}

/// One entry to try, with its channel.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub entry: Entry,
    pub channel: Channel,
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

/// Picks the candidates for `model` at `now_ms`.
pub fn select(snapshot: &Snapshot, cooldowns: &Cooldowns, model: &str, now_ms: i64) -> Route {
    let (kind, matched) = matches(snapshot, model.trim());
    let (mut candidates, mut cooling) = (Vec::new(), Vec::new());
    for (entry, channel) in matched {
        let candidate = Candidate {
            entry: entry.clone(),
            channel: channel.clone(),
        };
        match cooldowns.cooling_until(entry.id, now_ms) {
            Some(until) => cooling.push((until, candidate)),
            None => candidates.push(candidate),
        }
    }
    // Stable: equal cooldowns keep their priority order.
    cooling.sort_by_key(|(until, _)| *until);
    let cooling = cooling.into_iter().map(|(_, c)| c).collect();
    Route {
        kind,
        candidates,
        cooling,
    }
}

fn matches<'a>(snapshot: &'a Snapshot, model: &str) -> (RouteKind, Vec<(&'a Entry, &'a Channel)>) {
    let in_group = |group: &str| -> Vec<_> {
        snapshot
            .routable()
            .filter(|(e, _)| e.group.eq_ignore_ascii_case(group))
            .collect()
    };
    if model.is_empty() || model.eq_ignore_ascii_case(AUTO_GROUP) {
        return (RouteKind::Group(AUTO_GROUP.into()), in_group(AUTO_GROUP));
    }
    let is_group = snapshot
        .entries
        .iter()
        .any(|e| e.group.eq_ignore_ascii_case(model));
    if is_group {
        return (RouteKind::Group(model.to_owned()), in_group(model));
    }
    let exact: Vec<_> = snapshot
        .routable()
        .filter(|(e, _)| e.model.eq_ignore_ascii_case(model))
        .collect();
    if !exact.is_empty() {
        return (RouteKind::Exact, exact);
    }
    let needle = model.to_lowercase();
    let fuzzy: Vec<_> = snapshot
        .routable()
        .filter(|(e, _)| e.model.to_lowercase().contains(&needle))
        .collect();
    if !fuzzy.is_empty() {
        return (RouteKind::Fuzzy, fuzzy);
    }
    (RouteKind::AutoFallback, in_group(AUTO_GROUP))
}
