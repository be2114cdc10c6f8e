//! Finding the student's file in whatever the upload looks like: a crate, a
//! bare file, or either inside one folder. Only that one file is ever read;
//! links are never followed, and sizes are capped.
//!
//! Every file of an upload the grader opens (the student's file, the handout
//! files it compares, the `Cargo.toml` that names a lab, the files a batch
//! hashes) goes through [`open_upload_file`]: never through a link
//! (`O_NOFOLLOW`), never blocking (`O_NONBLOCK`: a named pipe cannot hang the
//! grader), regular files only (checked before opening, so a device node is
//! never opened, and again with `fstat` after), and no further than a cap.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Larger student files are refused: no lab's answer is anywhere near this.
pub const MAX_STUDENT_FILE_BYTES: u64 = 1 << 20;

/// How deep [`find`] looks into an upload (`*/src/lib.rs` is depth 3).
pub const SEARCH_DEPTH: usize = 3;

/// Why a file of an upload was not read.
#[derive(Debug)]
pub enum Refused {
    /// A symbolic link: never followed.
    Link,
    /// A named pipe, a device, a socket or a folder (what it is).
    NotAFile(&'static str),
    /// Over the cap: the size found.
    TooLarge(u64),
    Io(std::io::Error),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Link => write!(f, "is a link"),
            Refused::NotAFile(kind) => write!(f, "is {kind}, not a file"),
            Refused::TooLarge(size) => write!(f, "is {size} bytes"),
            Refused::Io(e) => write!(f, "cannot be read: {e}"),
        }
    }
}

/// What a file type is, in words, when it is not a regular file.
fn kind_of(t: std::fs::FileType) -> Option<&'static str> {
    if t.is_file() {
        None
    } else if t.is_symlink() {
        Some("a link")
    } else if t.is_dir() {
        Some("a folder")
    } else if t.is_fifo() {
        Some("a named pipe")
    } else if t.is_char_device() || t.is_block_device() {
        Some("a device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("a special file")
    }
}

/// Opens a file of an upload for reading: not through a link, not blocking,
/// a regular file of at most `cap` bytes. Returns the file and its size.
pub fn open_upload_file(path: &Path, cap: u64) -> Result<(File, u64), Refused> {
    // Looked at first, so that a device or a pipe is never even opened.
    let meta = std::fs::symlink_metadata(path).map_err(Refused::Io)?;
    check(&meta, cap)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => Refused::Link,
            _ => Refused::Io(e),
        })?;
    // And again on what was opened, in case the path changed in between.
    let meta = file.metadata().map_err(Refused::Io)?;
    check(&meta, cap)?;
    Ok((file, meta.len()))
}

fn check(meta: &std::fs::Metadata, cap: u64) -> Result<(), Refused> {
    let t = meta.file_type();
    if t.is_symlink() {
        return Err(Refused::Link);
    }
    if let Some(kind) = kind_of(t) {
        return Err(Refused::NotAFile(kind));
    }
    if meta.len() > cap {
        return Err(Refused::TooLarge(meta.len()));
    }
    Ok(())
}

/// Reads a file of an upload whole, on [`open_upload_file`]'s terms; no more
/// than `cap` bytes are ever read, even from a file that grows meanwhile.
pub fn read_upload_file(path: &Path, cap: u64) -> Result<Vec<u8>, Refused> {
    let (file, size) = open_upload_file(path, cap)?;
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(Refused::Io)?;
    if bytes.len() as u64 > cap {
        return Err(Refused::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Whether the upload's file at `path` holds exactly `expected` (the
/// "unchanged handout file" check): read only when its size matches, on
/// [`open_upload_file`]'s terms.
pub fn same_content(path: &Path, expected: &[u8]) -> bool {
    read_upload_file(path, expected.len() as u64).is_ok_and(|b| b == expected)
}

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
    fn upload_files_are_read_within_their_cap_and_never_through_links() {
        let dir = upload(&["Cargo.toml"]);
        let path = dir.path().join("Cargo.toml");
        assert_eq!(read_upload_file(&path, 100).unwrap(), b"// Cargo.toml\n");
        assert!(matches!(
            read_upload_file(&path, 5),
            Err(Refused::TooLarge(14))
        ));
        assert!(same_content(&path, b"// Cargo.toml\n"));
        assert!(!same_content(&path, b"// Cargo.toml\n\n"));
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(matches!(
            read_upload_file(&zero, 1 << 30),
            Err(Refused::Link)
        ));
        assert!(!same_content(&zero, &[0; 16]));
        // A device node is refused before it is opened.
        assert!(matches!(
            read_upload_file(Path::new("/dev/zero"), 1 << 30),
            Err(Refused::NotAFile("a device"))
        ));
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
