//! Calls into the Arrow and Parquet readers on untrusted bytes.
//!
//! Those readers panic on some malformed inputs. Such a panic is bad input,
//! not a bug of ours: [`guarded`] turns it into an error message, and keeps
//! the panic's own text (and backtrace) off standard error, so that the user
//! sees one `error:` line. Panics outside [`guarded`] calls, in our own code,
//! still go to the panic hook that was there before.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many [`guarded`] calls this thread is inside.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

static HOOK: Once = Once::new();

/// Runs `f` (a call into a dependency's reader), turning a panic into the
/// message `the reader failed on malformed data (...)`, printed nowhere.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if DEPTH.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(|p| panic_message(&p))
}

/// The message for a caught panic's payload.
fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    let text = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown failure".into());
    format!("the reader failed on malformed data ({text})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_message() {
        let r: Result<(), String> = guarded(|| panic!("index out of bounds"));
        assert_eq!(
            r.unwrap_err(),
            "the reader failed on malformed data (index out of bounds)"
        );
        assert_eq!(guarded(|| 7), Ok(7));
        assert_eq!(DEPTH.with(Cell::get), 0);
    }
}
