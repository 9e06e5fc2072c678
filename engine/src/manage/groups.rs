//! Groups as the user steers them: a group's order mode, hedging and session affinity, and a group's effective
//! order right now (the order routing would try, with what explains each place).

use types::routing::{EffectiveOrder, GroupRouting, OrderedEntry};

use crate::AppState;
use crate::clock::now_ms;
use crate::store::{AUTO_GROUP, StoreError};

impl AppState {
    /// Sets a group's order mode, hedging and session affinity; routing, the tray and `/v1/models` follow at once.
    pub async fn set_group_routing(&self, options: &GroupRouting) -> Result<(), StoreError> {
        let options = options.clone();
        self.change(move |store| store.set_group_routing(&options))
            .await
    }

    /// Every group's routing options (groups without stored options route by priority).
    pub fn group_routing(&self) -> Vec<GroupRouting> {
        self.snapshot().groups.clone()
    }

    /// Every group's effective order, AUTO first (listed even when empty).
    pub async fn effective_orders(&self) -> Result<Vec<EffectiveOrder>, StoreError> {
        let groups = self.groups().await?;
        let mut names: Vec<String> = groups.into_iter().map(|g| g.name).collect();
        if !names.iter().any(|n| n.eq_ignore_ascii_case(AUTO_GROUP)) {
            names.insert(0, AUTO_GROUP.into());
        }
        Ok(names.iter().map(|n| self.effective_order(n)).collect())
    }

    /// `group`'s routable entries in the order a request for it tries them now: ready entries
    /// in the group's order mode, then cooling ones, the soonest-expiring first (memory only).
    pub fn effective_order(&self, group: &str) -> EffectiveOrder {
        let snapshot = self.snapshot();
        let index = &snapshot.route_index;
        let (order, hedging) = index.group_routing(group);
        let listed = index.group_order(group, self.speeds());
        let (ready, mut cooling) = self.cooldowns().partition(listed, |c| c.entry.id, now_ms());
        // Stable: equal cooldowns keep the mode's order.
        cooling.sort_by_key(|(until, _)| *until);
        let cooling = cooling.into_iter().map(|(until, c)| (Some(until), c));
        let entries = ready
            .into_iter()
            .map(|c| (None, c))
            .chain(cooling)
            .map(|(cooling_until_ms, candidate)| {
                let entry = &candidate.entry;
                OrderedEntry {
                    entry_id: entry.id,
                    channel_id: candidate.channel.id,
                    channel: candidate.channel.name.clone(),
                    model: entry.model.clone(),
                    display_name: entry.display_name.clone(),
                    aliases: entry.aliases.clone(),
                    priority: entry.priority,
                    avg_first_content_ms: self.speeds().average_ms(entry.id),
                    release_date: crate::ordering::release_date(&entry.model)
                        .map(|d| d.to_string()),
                    cooling_until_ms,
                    last_probe_ok_ms: self
                        .probes()
                        .last_success(entry.id)
                        .or(entry.last_probe_ok_ms),
                }
            })
            .collect();
        EffectiveOrder {
            group: group.to_owned(),
            order,
            hedging,
            affinity: index.group_affinity(group),
            entries,
        }
    }
}
