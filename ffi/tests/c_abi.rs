//! The C ABI from C: `tests/c/smoke.c` compiled with `cc` against `include/smsguard.h` and
//! linked once with the static library and once with the shared one, run, and run again under
//! valgrind memcheck (no leak, no invalid access). Skips with a message when `cc` (or
//! valgrind) is missing, and fails instead when `CI` is set.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `target/<profile>/deps`, where `cargo test` puts this run's `libsmsguard_ffi.a` and
/// `libsmsguard_ffi.so` beside the test binary (the copies one level up are refreshed only by
/// `cargo build`, so they can be stale).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().to_path_buf()
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Skip (or fail under CI) when `tool` is missing.
fn require(tool: &str) -> bool {
    if have(tool) {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{tool} is required under CI (apt-get install {tool})"
    );
    eprintln!("skipping: {tool} not found");
    false
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// Compile the smoke test against the header and link it with `lib` (extra link flags after).
fn build(out: &Path, link: &[&str]) {
    let dir = env!("CARGO_MANIFEST_DIR");
    let mut cmd = Command::new("cc");
    cmd.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-o"])
        .arg(out)
        .arg(format!("{dir}/tests/c/smoke.c"))
        .arg(format!("-I{dir}/include"))
        .args(link)
        .args(["-lpthread", "-ldl", "-lm"]);
    run(&mut cmd);
}

#[test]
fn c_program_against_static_and_shared_library() {
    if !require("cc") {
        return;
    }
    let target = target_dir();
    let (a, so) = (
        target.join("libsmsguard_ffi.a"),
        target.join("libsmsguard_ffi.so"),
    );
    assert!(
        a.is_file() && so.is_file(),
        "expected {} and {}",
        a.display(),
        so.display()
    );
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let (static_bin, shared_bin) = (tmp.join("smoke-static"), tmp.join("smoke-shared"));
    build(&static_bin, &[a.to_str().unwrap()]);
    build(
        &shared_bin,
        &[
            &format!("-L{}", target.display()),
            "-lsmsguard_ffi",
            &format!("-Wl,-rpath,{}", target.display()),
        ],
    );
    // cargo's LD_LIBRARY_PATH also names `target/<profile>`, whose copy of the shared
    // library may be stale: this run's directory only.
    let lib_path = target.display().to_string();
    for bin in [&static_bin, &shared_bin] {
        let out = run(Command::new(bin).env("LD_LIBRARY_PATH", &lib_path));
        assert!(out.contains("all checks passed"), "{out}");
    }
    if !require("valgrind") {
        return;
    }
    // Memcheck: any invalid access or leaked block fails the run (few rounds: it is ~50x
    // slower, and the checked paths are the same).
    for bin in [&static_bin, &shared_bin] {
        let out = run(Command::new("valgrind")
            .args([
                "--tool=memcheck",
                "--error-exitcode=99",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite,indirect,possible",
                "--show-leak-kinds=definite,indirect,possible",
            ])
            .arg(bin)
            .arg("2")
            .env("LD_LIBRARY_PATH", &lib_path));
        assert!(out.contains("all checks passed"), "{out}");
        assert!(out.contains("ERROR SUMMARY: 0 errors"), "{out}");
    }
}
