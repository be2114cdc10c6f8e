//! Writing the files the grader makes for its user (JUnit, the gradebook,
//! summaries, per-student files in a batch, `$GITHUB_STEP_SUMMARY`) without
//! ever writing through a link.
//!
//! A student's repository may commit `junit.xml` as a link to a file of the
//! person or CI runner that grades it; writing "to" that path must not reach
//! the link's target. So a link, a device, a pipe or a folder at the target
//! path is refused with a message saying so (replacing `/dev/stdout` or
//! `/dev/null` as root would harm the machine), and a file is written whole
//! into a temporary file in the target's own folder, then renamed over the
//! target: a rename replaces whatever entry is there by then (a link created
//! meanwhile, a hard link to someone's file) and never writes through it.
//! Appending (the GitHub step summary) opens with `O_NOFOLLOW`, without
//! blocking, and only into a regular file.
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
/// missing): a link or anything but a regular file at `path` is refused,
/// never followed; a crash never leaves half a file. The file is readable by
/// everyone (0644), like any other output.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = folder_of(path);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        let t = meta.file_type();
        if t.is_symlink() {
            bail!(
                "{} is a link; refusing to write through it (remove it or choose another path)",
                path.display()
            );
        }
        if !t.is_file() {
            bail!(
                "{} is not a regular file ({}); refusing to replace it",
                path.display(),
                if t.is_dir() {
                    "a folder"
                } else {
                    "a device, pipe or socket"
                }
            );
        }
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
    use std::os::unix::fs::FileTypeExt;

    #[test]
    fn a_link_at_the_target_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let out = dir.path().join("junit.xml");
        std::os::unix::fs::symlink(&victim, &out).unwrap();
        let err = write(&out, b"<xml/>").unwrap_err();
        assert!(format!("{err:#}").contains("is a link"), "{err:#}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(std::fs::symlink_metadata(&out).unwrap().is_symlink());
        // A dangling link too: nothing is created at its target.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("new-file"), &dangling).unwrap();
        assert!(write(&dangling, b"x").is_err());
        assert!(!dir.path().join("new-file").exists());
        // A plain file is replaced whole, readable, with no temporary left.
        std::fs::remove_file(&out).unwrap();
        std::fs::write(&out, "old, longer content").unwrap();
        write(&out, b"<xml/>").unwrap();
        let meta = std::fs::symlink_metadata(&out).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o644);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "<xml/>");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }

    #[test]
    fn a_pipe_or_device_at_the_target_is_refused_not_replaced() {
        // Made in a scratch folder: were the check to fail, nothing of the
        // machine's (such as /dev/null) is replaced.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string and mode.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = write(&fifo, b"x").unwrap_err();
        assert!(format!("{err:#}").contains("not a regular file"), "{err:#}");
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
        let dev = dir.path().join("null");
        let c = std::ffi::CString::new(dev.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string, mode and device number (only as root).
        if unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0 {
            assert!(write(&dev, b"x").is_err());
            assert!(std::fs::symlink_metadata(&dev)
                .unwrap()
                .file_type()
                .is_char_device());
        }
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
        assert!(format!("{err:#}").contains("a folder"), "{err:#}");
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
