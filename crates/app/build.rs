//! Gathers the translations: every `strings/<lang>.txt` under `src/` (the core's and each
//! capability's) is joined into one catalogue per language, compiled into the binary.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, lang: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "strings") {
                let file = path.join(format!("{lang}.txt"));
                if file.exists() {
                    out.push(file);
                }
            } else {
                collect(&path, lang, out);
            }
        }
    }
}

fn main() {
    let src = Path::new("src");
    println!("cargo:rerun-if-changed=src");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    for lang in ["zh-CN", "en"] {
        let mut files = Vec::new();
        collect(src, lang, &mut files);
        let mut joined = String::new();
        for f in &files {
            println!("cargo:rerun-if-changed={}", f.display());
            joined.push_str(&format!("# from {}\n", f.display()));
            joined.push_str(&std::fs::read_to_string(f).unwrap_or_default());
            joined.push('\n');
        }
        if let Err(e) = std::fs::write(out_dir.join(format!("{lang}.txt")), joined) {
            println!("cargo:warning=could not write the {lang} catalogue: {e}");
        }
    }
}
