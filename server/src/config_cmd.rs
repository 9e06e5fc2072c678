//! The `import` and `export` commands: the engine's `config` module does the work; this file
//! only reads and writes files, opens the database in the data folder (import alone creates
//! one) and prints what an import changed.

use std::io::{Read, Write};

use anyhow::Context;

use crate::cli::{ExportArgs, ImportArgs};
use crate::http::DB_FILE_NAME;
use crate::output;

/// The data folder's store, created (folder 0700) when missing: for `import`.
fn open_store(data: &crate::cli::DataDirArg) -> anyhow::Result<engine::store::Store> {
    let dir = data.resolve()?;
    engine::store::files::create_data_dir(&dir)
        .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    Ok(engine::store::Store::open(dir.join(DB_FILE_NAME))?)
}

/// `api-switch import FILE`.
pub fn import(args: &ImportArgs) -> anyhow::Result<()> {
    let text = if args.file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input")?;
        text
    } else {
        std::fs::read_to_string(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?
    };
    let store = open_store(&args.data)?;
    let options = engine::config::ImportOptions {
        replace: args.replace,
        dry_run: args.dry_run,
    };
    let summary = engine::config::import_document(&store, &text, options)?;
    output::line(match (args.dry_run, args.replace) {
        (true, _) => "Dry run: nothing was changed. The import would do this:",
        (false, true) => "Configuration replaced:",
        (false, false) => "Configuration merged:",
    })?;
    for line in summary.lines() {
        output::line(&format!("  {line}"))?;
    }
    Ok(())
}

/// `api-switch export`.
pub fn export(args: &ExportArgs) -> anyhow::Result<()> {
    let store = engine::store::Store::open(crate::commands::existing_db(&args.data)?)?;
    let config = engine::config::export(&store, args.include_secrets)?;
    let mut text = serde_json::to_string_pretty(&config)?;
    text.push('\n');
    match &args.output {
        // It may hold every key (`--include-secrets`): private like the database.
        Some(path) => engine::store::files::write_private(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("cannot write to standard output")?,
    }
    Ok(())
}
