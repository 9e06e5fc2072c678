//! Readying the UI bundle for serving: the files get a name derived from their content
//! (`api_switch-<hash>.js`, `_bg.wasm`, `.css`, the stem written to `bundle.txt` for the
//! server), so browsers may cache them for a year, and each is kept only as a brotli copy
//! (`.br`), compressed once here at the highest level: the server embeds that copy alone and
//! decompresses it for the rare client without brotli, so the binary carries each file once.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::shell::say;

/// What wasm-bindgen and Tailwind wrote, and the suffix each keeps after the stem.
const FILES: [(&str, &str); 3] = [
    ("api_switch.js", ".js"),
    ("api_switch_bg.wasm", "_bg.wasm"),
    ("api_switch.css", ".css"),
];

/// The prefix of every fingerprinted file.
const STEM: &str = "api_switch-";

/// Where the stem is written for the server (`server/src/assets.rs` reads it).
const BUNDLE_NAME_FILE: &str = "bundle.txt";

/// Renames the fresh bundle in `pkg` after its hash and writes `.br` and `.gz` copies.
pub fn fingerprint_and_compress(pkg: &Path) -> Result<()> {
    let mut hasher = Sha256::new();
    let mut contents = Vec::new();
    for (name, suffix) in FILES {
        let mut data = fs::read(pkg.join(name)).with_context(|| format!("reading {name}"))?;
        if name.ends_with(".wasm") {
            data = without_name_section(&data)?;
        }
        hasher.update(&data);
        contents.push((suffix, data));
    }
    let hash: String = hasher
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let stem = format!("{STEM}{hash}");
    let current: Vec<String> = FILES
        .iter()
        .map(|(_, suffix)| format!("{stem}{suffix}.br"))
        .collect();
    // The server embeds the whole folder, so anything else in it (older builds' files, the
    // plain files just read, a stopped build's leftovers) is removed. The current ones stay
    // untouched: their name is their content's hash, and an unchanged file keeps the server
    // from being rebuilt, a many-minute relink for `cargo xtask dist`.
    for entry in fs::read_dir(pkg)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != BUNDLE_NAME_FILE && !current.contains(&name) {
            fs::remove_file(entry.path())?;
        }
    }
    let (mut plain_total, mut br_total) = (0, 0);
    for (suffix, data) in contents {
        let target = format!("{stem}{suffix}");
        let br_path = pkg.join(format!("{target}.br"));
        let br_len = match fs::metadata(&br_path) {
            Ok(existing) => existing.len() as usize,
            Err(_) => {
                let br = brotli_bytes(&data)?;
                // Written whole, then renamed: a build stopped midway leaves no truncated copy
                // that a later build would keep.
                let partial = pkg.join(format!("{target}.br.partial"));
                fs::write(&partial, &br)?;
                fs::rename(&partial, &br_path)?;
                br.len()
            }
        };
        say(&format!(
            "{target}: {} bytes, brotli {br_len} bytes",
            data.len()
        ));
        plain_total += data.len();
        br_total += br_len;
    }
    if fs::read_to_string(pkg.join(BUNDLE_NAME_FILE))
        .ok()
        .as_deref()
        != Some(stem.as_str())
    {
        fs::write(pkg.join(BUNDLE_NAME_FILE), &stem)?;
    }
    say(&format!(
        "UI bundle {stem}: {plain_total} bytes, {br_total} bytes with brotli (embedded)"
    ));
    Ok(())
}

/// The wasm module without its `name` custom section: function names for debuggers, more
/// than half the file, of no use to a browser running it.
fn without_name_section(wasm: &[u8]) -> Result<Vec<u8>> {
    fn leb128(bytes: &[u8], mut at: usize) -> Result<(usize, usize)> {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let byte = *bytes.get(at).context("truncated wasm")?;
            at += 1;
            value |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte < 0x80 {
                return Ok((value, at));
            }
        }
    }
    let header = wasm.get(..8).context("not a wasm module")?;
    let mut out = header.to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        let (size, body) = leb128(wasm, at + 1)?;
        let end = body + size;
        let is_name = id == 0 && {
            let (len, name_at) = leb128(wasm, body)?;
            wasm.get(name_at..name_at + len) == Some(b"name".as_slice())
        };
        if !is_name {
            out.extend_from_slice(wasm.get(start..end).context("truncated wasm")?);
        }
        at = end;
    }
    Ok(out)
}

fn brotli_bytes(data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        // Quality 11 and a 4 MiB window: the smallest output, worth the seconds at build time.
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(data)?;
        writer.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A wasm module: the header, a `name` custom section (dropped) and a type section (kept).
    const WASM: &[u8] = b"\0asm\x01\0\0\0\0\x07\x04namexy\x01\x01\x00";

    #[test]
    fn the_bundle_is_fingerprinted_and_kept_only_as_brotli() -> Result<()> {
        let pkg = std::env::temp_dir().join(format!("xtask-bundle-{}", std::process::id()));
        let _ = fs::remove_dir_all(&pkg);
        fs::create_dir_all(&pkg)?;
        fs::write(pkg.join("api_switch.js"), "export default 1;".repeat(100))?;
        fs::write(pkg.join("api_switch_bg.wasm"), WASM)?;
        fs::write(pkg.join("api_switch.css"), "body{color:red}")?;
        fs::write(pkg.join("api_switch-0ld.js.gz"), "an older build's file")?;

        fingerprint_and_compress(&pkg)?;

        let stem = fs::read_to_string(pkg.join("bundle.txt"))?;
        assert!(stem.starts_with(STEM), "{stem}");
        let mut names: Vec<String> = fs::read_dir(&pkg)?
            .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_>>()?;
        names.sort();
        let mut expected = vec![
            "bundle.txt".to_owned(),
            format!("{stem}.css.br"),
            format!("{stem}.js.br"),
            format!("{stem}_bg.wasm.br"),
        ];
        expected.sort();
        assert_eq!(names, expected, "only the brotli copies and the stem");
        let decoded = |name: &str| -> Result<Vec<u8>> {
            let mut out = Vec::new();
            brotli::Decompressor::new(fs::File::open(pkg.join(name))?, 4096)
                .read_to_end(&mut out)?;
            Ok(out)
        };
        assert_eq!(
            decoded(&format!("{stem}.js.br"))?,
            "export default 1;".repeat(100).into_bytes()
        );
        assert_eq!(
            decoded(&format!("{stem}_bg.wasm.br"))?,
            b"\0asm\x01\0\0\0\x01\x01\x00",
            "the name section is gone"
        );

        // The same bundle again: its files are left as they were, so the server that embeds
        // them is not rebuilt.
        let wasm_br = pkg.join(format!("{stem}_bg.wasm.br"));
        let before = (
            fs::metadata(&wasm_br)?.modified()?,
            fs::metadata(pkg.join("bundle.txt"))?.modified()?,
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(pkg.join("api_switch.js"), "export default 1;".repeat(100))?;
        fs::write(pkg.join("api_switch_bg.wasm"), WASM)?;
        fs::write(pkg.join("api_switch.css"), "body{color:red}")?;
        fingerprint_and_compress(&pkg)?;
        let after = (
            fs::metadata(&wasm_br)?.modified()?,
            fs::metadata(pkg.join("bundle.txt"))?.modified()?,
        );
        assert_eq!(before, after, "an unchanged bundle is not rewritten");
        fs::remove_dir_all(&pkg)?;
        Ok(())
    }
}
