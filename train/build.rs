//! Embed the synthetic corpus's templates and lexicons (`data/synth/`) in the binary, so
//! `smsguard-train generate` works from any directory with no data files around.
use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/synth");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut code = String::new();
    for dir in ["templates", "lexicons"] {
        let path = root.join(dir);
        println!("cargo:rerun-if-changed={}", path.display());
        let mut files: Vec<_> = std::fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        writeln!(
            code,
            "pub static {}: &[(&str, &str)] = &[",
            dir.to_uppercase()
        )
        .unwrap();
        for f in files {
            println!("cargo:rerun-if-changed={}", f.display());
            let stem = f.file_stem().unwrap().to_str().expect("UTF-8 file name");
            let abs = f.canonicalize().expect("canonical path");
            writeln!(
                code,
                "    ({stem:?}, include_str!({:?})),",
                abs.display().to_string()
            )
            .unwrap();
        }
        code.push_str("];\n");
    }
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("synth_files.rs");
    std::fs::write(out, code).unwrap();
}
