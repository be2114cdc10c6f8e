//! Finding the student's file in whatever the upload looks like: a crate, a
//! bare file, or either inside one folder. Only that one file is ever read,
//! through the guarded reader (`crate::upload`): links are never followed,
//! and sizes are capped.

use crate::upload::{kind_of, read_upload_file, Refused};
use std::path::{Path, PathBuf};

/// Larger student files are refused: no lab's answer is anywhere near this.
pub const MAX_STUDENT_FILE_BYTES: u64 = 1 << 20;

/// How deep [`find`] looks into an upload (`*/src/lib.rs` is depth 3).
pub const SEARCH_DEPTH: usize = 3;

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
        .max_depth(SEARCH_DEPTH)
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
                others.push(not_read_note(rel_text, &entry));
            }
            continue;
        }
        if let Some(kind) = kind_of(entry.file_type()) {
            refused.push(format!("{rel_text} is {kind}; submit the file itself"));
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

/// An ignored file's name as listed, saying why it was not even looked at
/// when it is a link, not a regular file, or larger than any file the grader
/// reads. Whoever compares listed files with the handout's (by name) then
/// never opens those.
fn not_read_note(rel_text: String, entry: &walkdir::DirEntry) -> String {
    if let Some(kind) = kind_of(entry.file_type()) {
        return format!("{rel_text} ({kind}, not read)");
    }
    match entry.metadata() {
        Ok(m) if m.len() > MAX_STUDENT_FILE_BYTES => {
            format!("{rel_text} ({} bytes, not read)", m.len())
        }
        _ => rel_text,
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
    let bytes = read_upload_file(path, MAX_STUDENT_FILE_BYTES).map_err(|e| match e {
        Refused::Link => format!("{shown} is a link; submit the file itself"),
        Refused::NotAFile(kind) => format!("{shown} is {kind}, not a file; submit the file itself"),
        Refused::TooLarge(size) => {
            format!("{shown} is {size} bytes; the limit is {MAX_STUDENT_FILE_BYTES}")
        }
        Refused::Io(e) => format!("cannot read {shown}: {e}"),
    })?;
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

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string and mode.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn a_named_pipe_is_refused_without_blocking() {
        let dir = upload(&[]);
        std::fs::create_dir(dir.path().join("src")).unwrap();
        mkfifo(&dir.path().join("src/lib.rs"));
        let err = find(dir.path(), "lib.rs").unwrap_err();
        assert!(err.contains("src/lib.rs is a named pipe"), "{err}");
        // The upload is the pipe itself.
        let err = find(&dir.path().join("src/lib.rs"), "lib.rs").unwrap_err();
        assert!(err.contains("neither a folder nor a file"), "{err}");
        // Opened directly, it is refused after a non-blocking open too.
        assert!(matches!(
            read_upload_file(&dir.path().join("src/lib.rs"), 10),
            Err(Refused::NotAFile("a named pipe"))
        ));
    }

    #[test]
    fn listed_files_that_are_not_plain_or_are_huge_say_so() {
        let dir = upload(&["src/lib.rs"]);
        mkfifo(&dir.path().join("Cargo.toml"));
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("README.md")).unwrap();
        let big = std::fs::File::create(dir.path().join("data.bin")).unwrap();
        big.set_len(2 << 30).unwrap();
        let found = find(dir.path(), "lib.rs").unwrap();
        assert_eq!(
            found.ignored,
            [
                "Cargo.toml (a named pipe, not read)",
                "README.md (a link, not read)",
                "data.bin (2147483648 bytes, not read)"
            ]
        );
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
