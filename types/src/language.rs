//! The languages the UI speaks. The choice is a setting (`Settings::ui_language`) because more
//! than the browser reads it: the desktop tray labels its menu in the same language.

use serde::{Deserialize, Serialize};

/// The languages the UI (and the desktop tray) speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UiLanguage {
    #[default]
    En,
    Zh,
}
