//! What a command stopped by a signal (Ctrl-C, `kill`, a cancelled CI job, a closed terminal)
//! leaves behind: nothing of its own, and the output as it was.
//!
//! The folders and files a command writes before they are the output (the staging folder, the
//! previous output moved aside, `serve`'s spare copies, a package's partial file, the download
//! of `verify s3://`) are named here while they exist ([`scratch`]). Replacing the output is a
//! short section that a signal does not cut ([`swapping`]): the renames of a swap are all made,
//! or, on failure, all undone. On SIGINT, SIGTERM or SIGHUP the handler only writes the signal's
//! number to a pipe (all a handler may safely do); a thread of its own reads it, waits for a swap
//! under way, removes what is named, and ends the process by the same signal, so that the shell
//! and CI see how it ended. A second signal meanwhile ends it at once.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// What is removed on a signal, each with the number of its [`Scratch`] and whether only when
/// it is an empty folder.
static SCRATCH: Mutex<Vec<(u64, PathBuf, bool)>> = Mutex::new(Vec::new());
/// Held while the output is being replaced.
static SWAP: Mutex<()> = Mutex::new(());
/// Set once a signal came: nothing new is written into scratch folders.
static STOPPING: AtomicBool = AtomicBool::new(false);
/// The end of the pipe the handler writes to; -1 before [`install`].
static PIPE: AtomicI32 = AtomicI32::new(-1);

/// A path removed if a signal stops the command while this value lives.
#[must_use]
pub(crate) struct Scratch(u64);

impl Drop for Scratch {
    fn drop(&mut self) {
        let mut named = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
        named.retain(|(n, _, _)| *n != self.0);
    }
}

/// Names `path` (a folder or a file) for removal if a signal stops the command before the
/// returned value is dropped.
pub(crate) fn scratch(path: &Path) -> Scratch {
    name(path, false)
}

/// Names folder `path` for removal, if it is empty then, when a signal stops the command before
/// the returned value is dropped (a folder the command made for what it writes).
pub(crate) fn scratch_if_empty(path: &Path) -> Scratch {
    name(path, true)
}

fn name(path: &Path, if_empty: bool) -> Scratch {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    SCRATCH.lock().unwrap_or_else(|e| e.into_inner()).push((n, path.to_path_buf(), if_empty));
    Scratch(n)
}

/// Held while the output is being replaced: a signal then waits until the guard is dropped.
pub(crate) fn swapping() -> MutexGuard<'static, ()> {
    SWAP.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether a signal is stopping the command (writers then stop making files).
pub(crate) fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// Installs the handler of SIGINT, SIGTERM and SIGHUP. Called once, by `main`.
pub(crate) fn install() {
    let mut fds = [0; 2];
    // SAFETY: `fds` is an array of two descriptors, as `pipe` writes; neither end is passed on
    // to programs the command starts (`pipe2` would say so at once, but macOS lacks it).
    unsafe {
        if libc::pipe(fds.as_mut_ptr()) != 0 {
            return;
        }
        for fd in fds {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
    let [read_end, write_end] = fds;
    let watcher = std::thread::Builder::new().name("signals".into()).spawn(move || {
        loop {
            let mut byte = 0u8;
            // SAFETY: reads one byte into `byte` from the pipe this thread owns.
            let n = unsafe { libc::read(read_end, (&raw mut byte).cast(), 1) };
            if n == 1 {
                stop(libc::c_int::from(byte));
            }
            if n == 0 || (n < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted) {
                return;
            }
        }
    });
    if watcher.is_err() {
        return;
    }
    PIPE.store(write_end, Ordering::SeqCst);
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: a zeroed `sigaction` is a valid empty one; the handler only writes to a pipe.
        unsafe {
            // A signal the command was started to ignore (`nohup`, a background job of a
            // script) stays ignored: it must not stop the command now.
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &raw mut old) == 0 && old.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&raw mut action.sa_mask);
            libc::sigaction(sig, &raw const action, std::ptr::null_mut());
        }
    }
}

/// The handler: the signal's number to the pipe, and the default action back for a second one.
extern "C" fn on_signal(sig: libc::c_int) {
    let byte = sig as u8;
    // SAFETY: `write` and `signal` are async-signal-safe; `byte` lives through the call.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::write(PIPE.load(Ordering::SeqCst), (&raw const byte).cast(), 1);
    }
}

/// After signal `sig`: waits for a swap under way, removes what is named, and ends the process
/// by the signal.
fn stop(sig: libc::c_int) -> ! {
    STOPPING.store(true, Ordering::SeqCst);
    let _swap = swapping();
    let named: Vec<(PathBuf, bool)> =
        SCRATCH.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(_, p, e)| (p.clone(), *e)).collect();
    for (path, _) in named.iter().filter(|(_, if_empty)| !if_empty) {
        remove(path);
    }
    // Folders that go only when empty go last, once what was in them is gone, in the order they
    // were named (a command names the innermost of the folders it made first).
    for (path, _) in named.iter().filter(|(_, if_empty)| *if_empty) {
        let _ = std::fs::remove_dir(path);
    }
    // SAFETY: the default action back, then the signal to this process.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
    std::process::exit(128 + sig)
}

/// Removes `path`, again while a worker that had begun a file before the signal makes it anew.
fn remove(path: &Path) {
    for _ in 0..50 {
        let gone = match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(path).is_ok() && !path.exists(),
            Ok(_) => std::fs::remove_file(path).is_ok(),
            Err(_) => true,
        };
        if gone {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_path_is_named_while_its_value_lives() {
        let named = |p: &Path| SCRATCH.lock().unwrap().iter().any(|(_, q, _)| q == p);
        let a = scratch(Path::new("/tmp/gongbao-scratch-a"));
        let b = scratch(Path::new("/tmp/gongbao-scratch-b"));
        assert!(named(Path::new("/tmp/gongbao-scratch-a")) && named(Path::new("/tmp/gongbao-scratch-b")));
        drop(a);
        assert!(!named(Path::new("/tmp/gongbao-scratch-a")));
        assert!(named(Path::new("/tmp/gongbao-scratch-b")));
        drop(b);
        assert!(!named(Path::new("/tmp/gongbao-scratch-b")));
    }

    #[test]
    fn remove_takes_folders_and_files_and_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("gongbao-interrupt-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::write(dir.join("a/b/c.html"), "x").unwrap();
        let file = dir.with_extension("part");
        std::fs::write(&file, "y").unwrap();
        remove(&dir);
        remove(&file);
        remove(&dir.with_extension("absent"));
        assert!(!dir.exists() && !file.exists());
    }
}
