//! `api-switch password set`: the web UI's admin password, typed without echo at a terminal
//! (twice) or read as one line from standard input in scripts. The engine hashes it with
//! Argon2id and logs every browser out.

use std::io::{BufRead, IsTerminal};

use anyhow::Context;

use crate::cli::PasswordCommand;
use crate::output;

pub fn run(command: &PasswordCommand) -> anyhow::Result<()> {
    match command {
        PasswordCommand::Set(data) => {
            let state = super::open_existing(data)?;
            let password = read_new_password()?;
            state
                .set_admin_password(&password)
                .context("cannot set the admin password")?;
            output::line("Admin password set; every browser session was logged out.")
        }
    }
}

fn read_new_password() -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first =
        rpassword::prompt_password("New admin password: ").context("cannot read the password")?;
    let again = rpassword::prompt_password("Repeat it: ").context("cannot read the password")?;
    anyhow::ensure!(
        first == again,
        "the two passwords differ; nothing was changed"
    );
    Ok(first)
}
