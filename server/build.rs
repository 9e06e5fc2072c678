//! The UI bundle (`target/site`, made by `cargo xtask build`) is embedded into the binary. A
//! plain `cargo build` must work before it exists, so make sure the folder is there and rebuild
//! when its contents change.

fn main() {
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site/pkg");
    if let Err(error) = std::fs::create_dir_all(&site) {
        println!("cargo::warning=cannot create {}: {error}", site.display());
    }
    println!("cargo::rerun-if-changed=../target/site");
    println!("cargo::rerun-if-changed=../target/site/pkg");
}
