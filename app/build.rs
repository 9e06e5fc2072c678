//! Compiles `locales/{en,zh}.json` into the typed `i18n` module (`t!` checks every key and
//! interpolation at compile time, in both languages).

use std::error::Error;
use std::path::PathBuf;

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out_dir = std::env::var_os("OUT_DIR").ok_or("cargo sets OUT_DIR for build scripts")?;
    let module_dir = PathBuf::from(out_dir).join("i18n");
    // `interpolate_display`: interpolated strings also work as plain strings (`t_string!`),
    // for attributes such as `aria-label`.
    let config = Config::new("en")?
        .add_locale("zh")?
        .parse_options(ParseOptions::default().interpolate_display(true));
    let translations = TranslationsInfos::parse(config)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(module_dir)?;
    Ok(())
}
