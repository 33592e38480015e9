//! Support code shared by the workspace-level integration tests (`tests/`) and the criterion
//! benches (`benches/`).
#![deny(missing_docs)]

use std::path::PathBuf;

/// The workspace root (where the top-level `Cargo.toml` is).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/data/dev.tsv` next to the checkout, if it is there. Real messages are read at run
/// time only and never committed; tests that need them skip when this returns `None`.
pub fn shared_dev_tsv() -> Option<PathBuf> {
    let p = workspace_root().join("../shared/data/dev.tsv");
    p.is_file().then_some(p)
}
