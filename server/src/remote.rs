//! Remote access is explicit and locked: `serve` on an address other machines can reach starts
//! only when the UI has an admin password and the proxy requires access keys (with at least
//! one key to hand out). Otherwise it refuses and prints the commands that fix it.

use std::fmt::Write;
use std::net::SocketAddr;
use std::path::Path;

use engine::AppState;

/// `Ok` for a loopback address or a remote one that is locked down; otherwise the reason and
/// the commands to run, numbered, for the data folder in use.
pub fn check_ready(app: &AppState, listen: SocketAddr, data_dir: &Path) -> anyhow::Result<()> {
    if listen.ip().to_canonical().is_loopback() {
        return Ok(());
    }
    let dir = data_dir.display();
    let mut steps = Vec::new();
    if !app.admin_password_is_set()? {
        steps.push(format!(
            "set the web UI's admin password:  api-switch password set --data-dir \"{dir}\""
        ));
    }
    if app.store().access_keys()?.is_empty() {
        steps.push(format!(
            "create an access key for your clients:  api-switch keys add NAME --data-dir \"{dir}\""
        ));
    }
    if !app.snapshot().settings.require_access_key {
        steps.push(format!(
            "require access keys on the proxy:  api-switch keys require on --data-dir \"{dir}\""
        ));
    }
    if steps.is_empty() {
        return Ok(());
    }
    let mut message = format!(
        "refusing to listen on {listen}: other machines could use your providers' keys and \
         change the configuration. To open remote access safely, first:"
    );
    for (n, step) in steps.iter().enumerate() {
        let _ = write!(message, "\n  {}. {step}", n + 1);
    }
    message.push_str("\nthen start again. To stay local, listen on 127.0.0.1 (the default).");
    anyhow::bail!(message)
}
