//! End-to-end tests: each drives a real `api-switch` process (the debug build, or the release
//! build where the test is about the shipped binary). One test binary, several modules, so the
//! suite links once.

mod agent_cli;
mod balance_cli;
mod browser;
mod browser_affinity;
mod browser_balance;
mod browser_capture;
mod browser_catalog;
mod browser_channels;
mod browser_connect;
mod browser_key_limits;
mod browser_keys;
mod browser_order;
mod browser_rules;
mod browser_settings;
mod browser_spend;
mod browser_trust;
mod browser_ui;
mod catalog_cli;
mod cli;
mod cli_import;
mod cli_newcomer;
mod codex_patch_cli;
mod connect_cli;
mod connect_server_fns;
mod document_cli;
mod gemini_cli;
mod money_cross_site;
mod nginx;
mod probe_cli;
mod reasoning_cli;
mod release_binary;
mod reverse_proxy;
mod security_browser;
mod security_cli;
mod security_guard;
mod security_limits;
mod security_login;
mod security_shutdown;
mod settings_limits;
mod settings_network;
mod speedtest_cli;
mod support;
mod trust_guard;
mod ui_server_fns;
