//! Icons as inline SVG paths (24x24, stroked), so they follow the text colour and need no
//! font or extra request. Always decorative: the control beside them carries the label.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IconName {
    Gauge,
    List,
    Plug,
    Key,
    Cog,
    Book,
    Menu,
    Globe,
    Contrast,
    Logout,
    Copy,
    Check,
    Trash,
    Plus,
    Chevron,
    Info,
    Alert,
    Layers,
    Chat,
    Link,
}

impl IconName {
    fn path(self) -> &'static str {
        match self {
            Self::Gauge => "M12 14l3-3M3.5 18a9 9 0 1 1 17 0",
            Self::List => "M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01",
            Self::Plug => "M9 2v6M15 2v6M6 8h12v3a6 6 0 0 1-12 0zM12 17v5",
            Self::Key => "M15 7a4 4 0 1 1-3.9 4.9L3 20v-3h3v-3h3l1.1-1.1A4 4 0 0 1 15 7z",
            Self::Cog => {
                "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-2.9 1.2V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-2.9-1.2l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1A1.7 1.7 0 0 0 3 15H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.2-2.9l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1A1.7 1.7 0 0 0 9 4.6V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 2.9 1.2l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0 1.2 2.9H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z"
            }
            Self::Book => {
                "M4 19.5A2.5 2.5 0 0 1 6.5 17H20V3H6.5A2.5 2.5 0 0 0 4 5.5zM4 19.5A2.5 2.5 0 0 0 6.5 22H20v-5"
            }
            Self::Menu => "M4 6h16M4 12h16M4 18h16",
            Self::Chat => "M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z",
            Self::Link => {
                "M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7"
            }
            Self::Globe => {
                "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM2 12h20M12 2a15 15 0 0 1 0 20M12 2a15 15 0 0 0 0 20"
            }
            Self::Contrast => "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 2v20",
            Self::Logout => "M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9",
            Self::Copy => "M9 9h11v11H9zM5 15H4V4h11v1",
            Self::Check => "M20 6L9 17l-5-5",
            Self::Trash => "M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6",
            Self::Plus => "M12 5v14M5 12h14",
            Self::Chevron => "M9 18l6-6-6-6",
            Self::Info => "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 16v-4M12 8h.01",
            Self::Layers => "M12 2l10 5-10 5L2 7zM2 12l10 5 10-5M2 17l10 5 10-5",
            Self::Alert => {
                "M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0zM12 9v4M12 17h.01"
            }
        }
    }
}

#[component]
pub fn Icon(name: IconName, #[prop(optional)] class: &'static str) -> impl IntoView {
    let class = if class.is_empty() {
        "h-4 w-4 shrink-0"
    } else {
        class
    };
    view! {
        <svg class=class viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
            stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
            <path d=name.path()/>
        </svg>
    }
}
