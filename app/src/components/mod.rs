//! The pieces every screen builds with: buttons, cards, form fields, a confirm dialog, toasts,
//! empty states, status badges, a copy button, charts drawn as inline SVG, icons. Screens share
//! these and never each other.

pub mod attempt_timeline;
pub mod attempts;
pub mod badge;
pub mod balance;
pub mod chart;
pub mod confirm;
pub mod copy;
pub mod empty;
pub mod form;
pub mod icons;
pub mod layout;
pub mod money;
pub mod toast;

/// Class lists shared by controls, so every button and input looks and focuses alike. Button
/// labels and column headings never wrap: a two-character Chinese label broken over two lines
/// reads as two words.
pub mod style {
    /// Focus ring on every control (keyboard users see where they are).
    const FOCUS: &str =
        "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";
    pub const BUTTON_PRIMARY: &str = const_format::concatcp!(
        "inline-flex shrink-0 items-center justify-center gap-2 whitespace-nowrap rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-700 disabled:cursor-not-allowed disabled:opacity-60 dark:bg-indigo-400 dark:hover:bg-indigo-300 dark:text-slate-950 ",
        FOCUS
    );
    pub const BUTTON_SECONDARY: &str = const_format::concatcp!(
        "inline-flex shrink-0 items-center justify-center gap-2 whitespace-nowrap rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-800 shadow-sm hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-60 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700 ",
        FOCUS
    );
    pub const BUTTON_DANGER: &str = const_format::concatcp!(
        "inline-flex shrink-0 items-center justify-center gap-2 whitespace-nowrap rounded-md bg-red-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-red-700 disabled:cursor-not-allowed disabled:opacity-60 dark:bg-red-500 dark:text-slate-950 dark:hover:bg-red-400 ",
        FOCUS
    );
    pub const BUTTON_SMALL: &str = const_format::concatcp!(
        "inline-flex shrink-0 items-center gap-1 whitespace-nowrap rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium text-slate-800 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-60 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700 ",
        FOCUS
    );
    pub const INPUT: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm placeholder:text-slate-500 focus-visible:border-indigo-600 focus-visible:outline-2 focus-visible:outline-indigo-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100 dark:placeholder:text-slate-400";
    pub const CARD: &str = "rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900";
    pub const MUTED: &str = "text-slate-600 dark:text-slate-400";
    pub const TABLE: &str =
        "min-w-full divide-y divide-slate-200 text-left text-sm dark:divide-slate-800";
    pub const TH: &str = "whitespace-nowrap px-3 py-2 text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400";
    pub const TD: &str = "px-3 py-2 align-top";
}
