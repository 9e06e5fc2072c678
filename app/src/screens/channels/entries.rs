//! Entry and channel operations: rename, move to a group, reorder, move to the top of AUTO,
//! enable, disable, delete, add a model by hand, Azure's api-version. Each server function is
//! one `AppState` call, so the running proxy routes by the change at once.

use leptos::prelude::*;

use crate::errors::UiError;

#[server]
pub async fn rename_entry(id: i64, display_name: String) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .rename_entry(id, &display_name)
        .await?)
}

#[server]
pub async fn move_entry_to_group(id: i64, group: String) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .move_entry_to_group(id, &group)
        .await?)
}

/// The whole priority order, highest first, in one call.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn reorder_entries(order: Vec<i64>) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?.reorder_entries(&order).await?)
}

#[server]
pub async fn move_entry_to_top_of_auto(id: i64) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .move_entry_to_top(id, engine::store::TopOf::joining_auto())
        .await?)
}

#[server]
pub async fn set_entry_enabled(id: i64, enabled: bool) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .set_entry_enabled(id, enabled)
        .await?)
}

#[server]
pub async fn delete_entry(id: i64) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?.delete_entry(id).await?)
}

/// Adds a model the channel did not list (relays without a models endpoint).
#[server]
pub async fn add_entry(channel_id: i64, model: String) -> Result<i64, UiError> {
    let new = engine::store::NewEntry::new(channel_id, model.trim());
    Ok(crate::engine_call::state()?.create_entry(&new).await?)
}

#[server]
pub async fn set_channel_enabled(id: i64, enabled: bool) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?
        .set_channel_enabled(id, enabled)
        .await?)
}

/// Renames a channel or changes its base URL or key; an empty field is left as it is, so the
/// browser never needs the stored key.
#[server]
pub async fn update_channel(
    id: i64,
    name: String,
    base_url: String,
    api_key: String,
) -> Result<(), UiError> {
    let given = |value: String| (!value.trim().is_empty()).then_some(value);
    let update = engine::store::ChannelUpdate {
        name: given(name),
        api_type: None,
        base_url: given(base_url),
        api_key: given(api_key).map(Into::into),
        api_version: None,
    };
    Ok(crate::engine_call::state()?
        .update_channel(id, &update)
        .await?)
}

#[server]
pub async fn delete_channel(id: i64) -> Result<(), UiError> {
    Ok(crate::engine_call::state()?.delete_channel(id).await?)
}

/// Sets Azure's `api-version` of a channel; empty goes back to the default.
#[server]
pub async fn set_channel_api_version(id: i64, api_version: String) -> Result<(), UiError> {
    let update = engine::store::ChannelUpdate {
        name: None,
        api_type: None,
        base_url: None,
        api_key: None,
        api_version: Some(api_version.trim().to_owned()),
    };
    Ok(crate::engine_call::state()?
        .update_channel(id, &update)
        .await?)
}

/// The global order (`global`, every entry id, first tried first) after moving `moved` to
/// place `to` among the entries of its group (`group`, in their current order). Other groups'
/// entries keep their places: the group's members are put back into the slots they held.
pub fn moved_within_group(global: &[i64], group: &[i64], moved: i64, to: usize) -> Vec<i64> {
    let mut members: Vec<i64> = group.iter().copied().filter(|id| *id != moved).collect();
    if members.len() == group.len() {
        return global.to_vec();
    }
    members.insert(to.min(members.len()), moved);
    let mut next = members.into_iter();
    global
        .iter()
        .map(|id| {
            if group.contains(id) {
                next.next().unwrap_or(*id)
            } else {
                *id
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::moved_within_group;

    #[test]
    fn a_move_reorders_the_group_and_leaves_other_groups_in_place() {
        // Global order 1..=6; the group is 2, 4, 6 (1, 3, 5 belong to others).
        let global = [1, 2, 3, 4, 5, 6];
        let group = [2, 4, 6];
        assert_eq!(
            moved_within_group(&global, &group, 6, 0),
            [1, 6, 3, 2, 5, 4]
        );
        assert_eq!(
            moved_within_group(&global, &group, 2, 1),
            [1, 4, 3, 2, 5, 6]
        );
        assert_eq!(
            moved_within_group(&global, &group, 2, 9),
            [1, 4, 3, 6, 5, 2]
        );
        assert_eq!(
            moved_within_group(&global, &group, 4, 1),
            global,
            "already there"
        );
        assert_eq!(
            moved_within_group(&global, &group, 3, 0),
            global,
            "not in the group"
        );
    }
}
