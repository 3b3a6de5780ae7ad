//! The engine's memory bound, in bytes rather than in messages.
//!
//! The event queue holds at most [`QUEUE`](crate::explorer::runtime) messages, but a message is a
//! batch of every character drawn in one flush interval, and a tiny model at full speed draws
//! tens of thousands of characters in that time, each with its logits: a full queue of such
//! batches once held ~740 MB. So the engine also counts the bytes of the batches it has sent and
//! the app has not yet taken. Each batch carries a [`Credit`] for its bytes, given back when the
//! app drops the batch (after moving its characters into the panes' bounded histories); past
//! [`IN_FLIGHT_BYTES`] the engine stops stepping until the app catches up. A batch is also sent
//! early once it holds [`BATCH_BYTES`], so no single message grows with the model's speed.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::Drawn;

/// A batch is sent once its characters take this many bytes, even before its flush deadline.
pub const BATCH_BYTES: usize = 128 << 10;
/// Bytes of batches sent but not yet taken by the app beyond which the engine waits. A key waits
/// behind what is queued, so this also bounds its latency: the app takes 1 MiB (about 2,000
/// characters per pane) in a few milliseconds.
pub const IN_FLIGHT_BYTES: usize = 1 << 20;
/// How often a waiting engine looks again (it handles requests meanwhile, so keys still act at once).
pub const STALL_POLL: Duration = Duration::from_millis(2);

/// Bytes one drawn character holds: the struct and its logit vectors' heap buffers.
pub fn drawn_bytes(d: &Drawn) -> usize {
    std::mem::size_of::<Drawn>() + (d.logits.capacity() + d.penalised.capacity()) * std::mem::size_of::<f32>()
}

/// The bytes in flight between the engine and the app.
#[derive(Debug, Default)]
pub struct Budget {
    in_flight: AtomicUsize,
}

impl Budget {
    pub fn new() -> Arc<Budget> {
        Arc::new(Budget::default())
    }

    /// Whether the engine should wait for the app before drawing more.
    pub fn exhausted(&self) -> bool {
        self.in_flight() >= IN_FLIGHT_BYTES
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Counts `bytes` as sent; they are given back when the returned credit is dropped.
    pub fn take(self: &Arc<Self>, bytes: usize) -> Credit {
        self.in_flight.fetch_add(bytes, Ordering::AcqRel);
        Credit { budget: Some(Arc::clone(self)), bytes }
    }
}

/// A batch's share of the [`Budget`], returned on drop. A clone carries no share (only the
/// original gives the bytes back), and credits never affect equality.
#[derive(Default)]
pub struct Credit {
    budget: Option<Arc<Budget>>,
    bytes: usize,
}

impl Credit {
    /// A credit that counts nothing (batches made outside the engine, e.g. in tests).
    pub fn none() -> Credit {
        Credit::default()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Drop for Credit {
    fn drop(&mut self) {
        if let Some(b) = self.budget.take() {
            b.in_flight.fetch_sub(self.bytes, Ordering::AcqRel);
        }
    }
}

impl Clone for Credit {
    fn clone(&self) -> Self {
        Credit::none()
    }
}

impl PartialEq for Credit {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Credit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credit({} bytes)", self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_give_their_bytes_back_once() {
        let b = Budget::new();
        let c = b.take(IN_FLIGHT_BYTES - 1);
        assert!(!b.exhausted());
        let d = b.take(1);
        assert!(b.exhausted());
        let copy = d.clone();
        drop(copy);
        assert_eq!(b.in_flight(), IN_FLIGHT_BYTES, "a clone gives nothing back");
        drop(d);
        drop(c);
        assert_eq!(b.in_flight(), 0);
    }
}
