//! The crate promises no hand-written `unsafe` (docs/WASM.md). `#![forbid(unsafe_code)]` cannot
//! say it, because wasm-bindgen's generated glue is unsafe; so the sources are searched instead.

#[test]
fn no_unsafe_in_the_sources() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read_to_string(&path).expect("a source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            assert!(
                !code
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == "unsafe"),
                "{}:{}: hand-written unsafe",
                path.display(),
                n + 1
            );
        }
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} source files found");
}
