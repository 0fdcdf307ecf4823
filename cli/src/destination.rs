//! Where `apply` writes, and how it finishes, so that it never replaces what is not its
//! own. A regular file (new or existing) is written to a hidden temporary file beside
//! it and renamed into place at the end, so that a reader never sees half an output; a
//! path that exists and is not a regular file (a FIFO, a device such as `/dev/null`) is
//! written into directly, as `cp` and `np.save` do; `-` is stdout.
//!
//! Modes follow `np.save`: a new file gets `0666 & !umask`, a replaced file keeps its
//! mode (and, where permitted, its owner). A symbolic link to a file stays a link: the
//! file it points to is the one replaced.

use std::fs::{File, Permissions};
use std::io::{self, Stdout, Write};
use std::path::{Path, PathBuf};

use crate::CliError;
use crate::interrupt::{self, Registration};

/// An open output.
pub enum Destination {
    /// Standard output.
    Stdout(Stdout),
    /// A FIFO or a device, written in place.
    Direct {
        /// The path as given (for messages).
        path: PathBuf,
        /// The open file.
        file: File,
    },
    /// A regular file, written to a temporary file that replaces it at the end.
    Replace {
        /// The file the temporary one will replace (a link's target, if a link).
        path: PathBuf,
        /// The hidden temporary file beside `path`.
        temporary: tempfile::NamedTempFile,
        /// Removes the temporary file if a signal ends the process first.
        registration: Registration,
        /// The mode and owner of the file being replaced, if it exists.
        kept: Option<Kept>,
    },
}

/// What a replaced file keeps.
pub struct Kept {
    permissions: Permissions,
    #[cfg(unix)]
    owner: (u32, u32),
}

impl Destination {
    /// Opens `path` (`-` for stdout) for writing; a FIFO blocks here until it has a
    /// reader. Nothing that exists is changed before [`Destination::finish`].
    pub fn open(path: &Path) -> Result<Destination, CliError> {
        if path.as_os_str() == "-" {
            return Ok(Destination::Stdout(io::stdout()));
        }
        // Ctrl-C while waiting for a FIFO's reader, or while writing, ends cleanly.
        interrupt::listen()
            .map_err(|e| CliError::Internal(format!("cannot listen for signals: {e}")))?;
        let io_error = |source| CliError::Io {
            path: path.to_path_buf(),
            source,
        };
        let existing = match std::fs::metadata(path) {
            Ok(metadata) => Some(metadata),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(io_error(error)),
        };
        match existing {
            Some(metadata) if metadata.is_dir() => Err(io_error(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory; give a file name for the output",
            ))),
            Some(metadata) if !metadata.is_file() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(io_error)?;
                Ok(Destination::Direct {
                    path: path.to_path_buf(),
                    file,
                })
            }
            Some(metadata) => {
                // A link's target is replaced, not the link.
                let target = if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink()) {
                    path.canonicalize().map_err(io_error)?
                } else {
                    path.to_path_buf()
                };
                let kept = Kept {
                    permissions: metadata.permissions(),
                    #[cfg(unix)]
                    owner: {
                        use std::os::unix::fs::MetadataExt;
                        (metadata.uid(), metadata.gid())
                    },
                };
                Destination::replace(target, Some(kept))
            }
            None => Destination::replace(path.to_path_buf(), None),
        }
    }

    fn replace(path: PathBuf, kept: Option<Kept>) -> Result<Destination, CliError> {
        // Next to the destination, so that the final rename stays on one filesystem.
        let directory = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".wgpu-sigmoid-").suffix(".npy.tmp");
        // A new output gets 0666 & !umask, as `np.save`'s does: the umask applies at
        // creation. A replaced file's mode is set at the end, so the partial data stay
        // private meanwhile.
        #[cfg(unix)]
        if kept.is_none() {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(Permissions::from_mode(0o666));
        }
        let temporary =
            builder
                .tempfile_in(&directory)
                .map_err(|source| CliError::OutputDirectory {
                    path: directory,
                    source,
                })?;
        Ok(Destination::Replace {
            path,
            registration: Registration::new(temporary.path()),
            temporary,
            kept,
        })
    }

    /// Flushes everything to its final place: for a regular file, syncs the temporary
    /// file, gives it the replaced file's mode and renames it over the path.
    pub fn finish(self) -> Result<(), CliError> {
        match self {
            Destination::Stdout(mut stdout) => stdout.flush().map_err(CliError::Stdout),
            Destination::Direct { path, mut file } => {
                file.flush().map_err(|source| CliError::Io { path, source })
            }
            Destination::Replace {
                path,
                temporary,
                registration,
                kept,
            } => {
                let io_error = |source| CliError::Io {
                    path: path.clone(),
                    source,
                };
                if let Some(kept) = kept {
                    kept.apply(temporary.as_file()).map_err(io_error)?;
                }
                temporary.as_file().sync_all().map_err(io_error)?;
                registration
                    .complete(|| temporary.persist(&path))
                    .map_err(|e| io_error(e.error))?;
                Ok(())
            }
        }
    }
}

impl Kept {
    fn apply(&self, file: &File) -> io::Result<()> {
        // The owner first: chown may clear the set-user-ID bits that the mode restores.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let current = file.metadata()?;
            if (current.uid(), current.gid()) != self.owner {
                // Only root may give a file away; others keep the file as theirs.
                let _ = std::os::unix::fs::fchown(file, Some(self.owner.0), Some(self.owner.1));
            }
        }
        file.set_permissions(self.permissions.clone())
    }
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Destination::Stdout(stdout) => stdout.write(buf),
            Destination::Direct { file, .. } => file.write(buf),
            Destination::Replace { temporary, .. } => temporary.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Destination::Stdout(stdout) => stdout.flush(),
            Destination::Direct { file, .. } => file.flush(),
            Destination::Replace { temporary, .. } => temporary.flush(),
        }
    }
}
