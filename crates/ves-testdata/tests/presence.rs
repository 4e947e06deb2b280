//! The presence rule fires: a copy of the data without one file, or with one file cut short,
//! fails in the Rust lookup and in scripts/vectors-dir.sh, and both name the file.

use std::path::{Path, PathBuf};
use std::process::Command;

use ves_testdata::{check, manifest, repo_root, Missing};

/// A copy of tests/vectors in a fresh folder, with `edit` applied to the file `name`.
fn damaged_copy(label: &str, name: &str, edit: impl FnOnce(&Path)) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ves-testdata-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in manifest() {
        std::fs::copy(
            repo_root().join("tests/vectors").join(e.name),
            dir.join(e.name),
        )
        .unwrap();
    }
    edit(&dir.join(name));
    dir
}

/// scripts/vectors-dir.sh with VES_VECTORS_DIR=dir: (exit code, stdout, stderr).
fn script(dir: Option<&Path>) -> (Option<i32>, String, String) {
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("scripts/vectors-dir.sh"));
    match dir {
        Some(d) => cmd.env("VES_VECTORS_DIR", d),
        None => cmd.env_remove("VES_VECTORS_DIR"),
    };
    let out = cmd.output().expect("bash runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_repository_copy_is_complete_and_is_the_default() {
    let repo = repo_root().join("tests/vectors");
    assert_eq!(check(&repo), Ok(()));
    assert_eq!(manifest().len(), 4, "{:?}", manifest());
    let (code, out, err) = script(None);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim(), repo.display().to_string());
}

#[test]
fn each_missing_file_is_named_by_both_lookups() {
    for entry in manifest() {
        let dir = damaged_copy("missing", entry.name, |p| std::fs::remove_file(p).unwrap());
        let path = dir.join(entry.name).display().to_string();
        let err = check(&dir).unwrap_err();
        assert_eq!(err, Missing::File { path: path.clone() });
        assert!(
            err.to_string().contains(&format!("{path} is missing")),
            "{err}"
        );
        let (code, out, stderr) = script(Some(&dir));
        assert_eq!(code, Some(1), "{out}{stderr}");
        assert!(stderr.contains(&format!("{path} is missing")), "{stderr}");
        assert!(out.is_empty(), "{out}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn a_partial_file_is_named_by_both_lookups() {
    let name = "live_ves_v1_dev.json";
    let dir = damaged_copy("partial", name, |p| {
        let bytes = std::fs::read(p).unwrap();
        std::fs::write(p, &bytes[..bytes.len() / 2]).unwrap();
    });
    let path = dir.join(name).display().to_string();
    match check(&dir) {
        Err(Missing::Digest { path: p, .. }) => assert_eq!(p, path),
        other => panic!("expected a digest mismatch, found {other:?}"),
    }
    let (code, _, stderr) = script(Some(&dir));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{path} has sha256 ")) && stderr.contains("partial"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Run only by the test below, in a child process with VES_VECTORS_DIR set.
#[test]
#[ignore = "a probe: run by a_test_that_reads_partial_data_fails_naming_the_file"]
fn probe_reads_the_live_capture() {
    let v = ves_testdata::load("live_ves_v1_dev.json");
    assert!(v.is_object());
}

#[test]
fn a_test_that_reads_partial_data_fails_naming_the_file() {
    let name = "ves_v1_computed_kat.json";
    let dir = damaged_copy("probe", name, |p| std::fs::remove_file(p).unwrap());
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "probe_reads_the_live_capture"])
        .env("VES_VECTORS_DIR", &dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{text}");
    let path = dir.join(name).display().to_string();
    assert!(text.contains(&format!("{path} is missing")), "{text}");
    // The complete folder, given as a path relative to the repository root, passes.
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "probe_reads_the_live_capture"])
        .env("VES_VECTORS_DIR", "tests/vectors")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
