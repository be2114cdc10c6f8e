//! Writing the files the grader makes for its user (JUnit, the gradebook,
//! summaries, per-student files in a batch, `$GITHUB_STEP_SUMMARY`) without
//! ever writing through a link.
//!
//! A student's repository may commit `junit.xml` as a link to a file of the
//! person or CI runner that grades it; writing "to" that path must not reach
//! the link's target. So a file is written whole into a temporary file in the
//! target's own folder, then renamed over the target: a rename replaces a link
//! (or a hard link) at that path and never follows it. Appending (the GitHub
//! step summary) opens with `O_NOFOLLOW`, without blocking, and only into a
//! regular file.
//!
//! Only the last component of the path is guarded: the folder a path names is
//! the caller's choice, as given on the command line.

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The folder `path` is in (`.` for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `bytes` to `path` by temp-and-rename in `path`'s folder (created if
/// missing): a link at `path` is replaced, never followed; a crash never
/// leaves half a file. The file is readable by everyone (0644), like any
/// other output.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = folder_of(path);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        bail!("cannot write {}: it is a folder", path.display());
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".grade-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Appends `bytes` to `path` (created 0644 if missing), refusing a link, a
/// named pipe, a device or anything but a regular file with a message that
/// says so. Never blocks on opening.
pub fn append(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                anyhow::anyhow!(
                    "{} is a link; refusing to append through it",
                    path.display()
                )
            } else {
                anyhow::Error::new(e).context(format!("cannot append to {}", path.display()))
            }
        })?;
    let meta = file
        .metadata()
        .with_context(|| format!("cannot append to {}", path.display()))?;
    if !meta.is_file() {
        bail!(
            "{} is not a regular file; refusing to append to it",
            path.display()
        );
    }
    file.write_all(bytes)
        .with_context(|| format!("cannot append to {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_at_the_target_is_replaced_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let out = dir.path().join("junit.xml");
        std::os::unix::fs::symlink(&victim, &out).unwrap();
        write(&out, b"<xml/>").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let meta = std::fs::symlink_metadata(&out).unwrap();
        assert!(meta.is_file(), "the link was replaced by a file");
        assert_eq!(meta.permissions().mode() & 0o777, 0o644);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "<xml/>");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn a_hard_link_at_the_target_is_replaced_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let out = dir.path().join("summary.md");
        std::fs::hard_link(&victim, &out).unwrap();
        write(&out, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
    }

    #[test]
    fn a_bare_name_is_written_in_the_current_folder_and_a_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b/out.txt");
        write(&sub, b"x").unwrap();
        assert_eq!(std::fs::read(&sub).unwrap(), b"x");
        let err = write(dir.path().join("a").as_path(), b"x").unwrap_err();
        assert!(format!("{err:#}").contains("is a folder"), "{err:#}");
    }

    #[test]
    fn append_refuses_links_and_pipes_and_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let link = dir.path().join("summary");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = append(&link, b"x").unwrap_err();
        assert!(format!("{err:#}").contains("is a link"), "{err:#}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string and mode.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // No reader: a blocking open would hang here.
        assert!(append(&fifo, b"x").is_err());

        let plain = dir.path().join("plain");
        append(&plain, b"a").unwrap();
        append(&plain, b"b").unwrap();
        assert_eq!(std::fs::read_to_string(&plain).unwrap(), "ab");
    }
}
