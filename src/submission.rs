//! Finding the student's file in whatever the upload looks like: a crate, a
//! bare file, or either inside one folder. Only that one file is ever read;
//! links are never followed, and sizes are capped.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Larger student files are refused: no lab's answer is anywhere near this.
pub const MAX_STUDENT_FILE_BYTES: u64 = 1 << 20;

/// The student's source, read, with where it was found (relative to the upload).
#[derive(Debug)]
pub struct StudentFile {
    pub found_at: String,
    pub source: String,
    /// Other files in the upload, never read (e.g. `Cargo.toml`, `build.rs`).
    pub ignored: Vec<String>,
}

impl StudentFile {
    /// A line for the student when the upload held more than the graded file.
    pub fn ignored_note(&self) -> Option<String> {
        const SHOWN: usize = 6;
        if self.ignored.is_empty() {
            return None;
        }
        let mut names = self.ignored[..self.ignored.len().min(SHOWN)].join(", ");
        if self.ignored.len() > SHOWN {
            names.push_str(&format!(" and {} more", self.ignored.len() - SHOWN));
        }
        Some(format!(
            "Only {} is graded; the rest of the upload was not used: {names}.",
            self.found_at
        ))
    }
}

/// Locates and reads the student file (`file_name`, e.g. `lib.rs`) in `upload`.
/// Errors are messages for the student.
pub fn find(upload: &Path, file_name: &str) -> Result<StudentFile, String> {
    let meta = std::fs::symlink_metadata(upload)
        .map_err(|e| format!("cannot read the submission at {}: {e}", upload.display()))?;
    if meta.is_file() {
        return read(
            upload,
            upload.file_name().map(PathBuf::from).unwrap_or_default(),
        );
    }
    if !meta.is_dir() {
        return Err(format!(
            "the submission {} is neither a folder nor a file",
            upload.display()
        ));
    }
    let patterns = [
        format!("src/{file_name}"),
        file_name.to_string(),
        format!("*/src/{file_name}"),
        format!("*/{file_name}"),
    ];
    let mut found: Vec<PathBuf> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for entry in walkdir::WalkDir::new(upload)
        .follow_links(false)
        .min_depth(1)
        .max_depth(3)
        .into_iter()
        .filter_entry(|e| !skipped(e.file_name()))
        .flatten()
    {
        let rel = entry
            .path()
            .strip_prefix(upload)
            .unwrap_or(entry.path())
            .to_path_buf();
        let rel_text = rel.to_string_lossy().replace('\\', "/");
        if entry.file_name() != file_name || !matches_pattern(&rel_text, file_name) {
            if !entry.file_type().is_dir() {
                others.push(rel_text);
            }
            continue;
        }
        if entry.path_is_symlink() {
            refused.push(format!("{rel_text} is a link; submit the file itself"));
            continue;
        }
        found.push(rel);
    }
    match found.len() {
        1 => {
            let mut file = read(&upload.join(&found[0]), found.remove(0))?;
            others.sort();
            file.ignored = others;
            Ok(file)
        }
        0 => {
            let mut msg = format!(
                "no {file_name} found in the submission (looked for {})",
                patterns.join(", ")
            );
            for r in refused {
                msg.push_str("; ");
                msg.push_str(&r);
            }
            Err(msg)
        }
        _ => {
            let names: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
            Err(format!(
                "found {} candidates for {file_name}: {}; submit exactly one",
                names.len(),
                names.join(" and ")
            ))
        }
    }
}

fn skipped(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name == "target" || name.starts_with('.') || name == "__MACOSX"
}

fn matches_pattern(rel: &str, file_name: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    match parts[..] {
        [f] => f == file_name,
        ["src", f] | [_, f] => f == file_name,
        [_, "src", f] => f == file_name,
        _ => false,
    }
}

fn read(path: &Path, rel: PathBuf) -> Result<StudentFile, String> {
    let shown = rel.display().to_string();
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err(format!("{shown} is a link; submit the file itself"));
    }
    if meta.len() > MAX_STUDENT_FILE_BYTES {
        return Err(format!(
            "{shown} is {} bytes; the limit is {MAX_STUDENT_FILE_BYTES}",
            meta.len()
        ));
    }
    // Opened without following a link, and read no further than the limit,
    // in case the file changed since it was looked at.
    let mut bytes = Vec::new();
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .and_then(|f| f.take(MAX_STUDENT_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_STUDENT_FILE_BYTES {
        return Err(format!(
            "{shown} is over {MAX_STUDENT_FILE_BYTES} bytes, the limit"
        ));
    }
    let source = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{shown} is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(StudentFile {
        found_at: shown,
        source,
        ignored: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, format!("// {f}\n")).unwrap();
        }
        dir
    }

    #[test]
    fn finds_a_crate_a_bare_file_and_one_nested_folder() {
        for layout in [
            "src/lib.rs",
            "lib.rs",
            "mycrate/src/lib.rs",
            "folder/lib.rs",
        ] {
            let dir = upload(&[layout, "Cargo.toml", "target/debug/lib.rs"]);
            let found = find(dir.path(), "lib.rs").unwrap();
            assert_eq!(found.found_at, layout);
            assert_eq!(found.source, format!("// {layout}\n"));
            assert_eq!(found.ignored, vec!["Cargo.toml".to_string()]);
            assert!(found.ignored_note().unwrap().contains("Cargo.toml"));
        }
    }

    #[test]
    fn two_candidates_are_an_error_naming_both() {
        let dir = upload(&["src/lib.rs", "copy/lib.rs"]);
        let err = find(dir.path(), "lib.rs").unwrap_err();
        assert!(
            err.contains("copy/lib.rs") && err.contains("src/lib.rs"),
            "{err}"
        );
    }

    #[test]
    fn nothing_found_says_where_it_looked() {
        let dir = upload(&["main.rs"]);
        let err = find(dir.path(), "lib.rs").unwrap_err();
        assert!(err.contains("src/lib.rs"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_refused_not_followed() {
        let dir = upload(&[]);
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("src/lib.rs")).unwrap();
        let err = find(dir.path(), "lib.rs").unwrap_err();
        assert!(err.contains("is a link"), "{err}");
    }

    #[test]
    fn non_utf8_and_huge_files_are_refused() {
        let dir = upload(&[]);
        std::fs::write(dir.path().join("lib.rs"), [0xff, 0xfe, 0x00]).unwrap();
        assert!(find(dir.path(), "lib.rs")
            .unwrap_err()
            .contains("not UTF-8"));
        std::fs::write(
            dir.path().join("lib.rs"),
            vec![b' '; (MAX_STUDENT_FILE_BYTES + 1) as usize],
        )
        .unwrap();
        assert!(find(dir.path(), "lib.rs")
            .unwrap_err()
            .contains("the limit is"));
    }
}
