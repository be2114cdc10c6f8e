//! Reading what a student uploaded, on guarded terms: every file of an
//! upload the grader opens (the student's file, the handout files it
//! compares, the `Cargo.toml` that names a lab, Gradescope's metadata, the
//! files a batch hashes) goes through [`open_upload_file`]: never through a
//! link (`O_NOFOLLOW`), never blocking (`O_NONBLOCK`: a named pipe cannot hang
//! the grader), regular files only (checked before opening, so a device node
//! is never opened, and again with `fstat` after), and no further than a
//! cap. The counterpart of `report/safe_write.rs`, on the ground floor: the
//! lab loader, grading and the batch all read through it.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

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
pub fn kind_of(t: std::fs::FileType) -> Option<&'static str> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_files_are_read_within_their_cap_and_never_through_links() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.toml");
        std::fs::write(&path, "// Cargo.toml\n").unwrap();
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
}
