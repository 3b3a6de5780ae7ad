//! The explorer's engine holds a bounded number of BYTES for the app, whatever the model's speed:
//! a tiny model at max speed draws tens of thousands of characters per flush interval, and a
//! queue bounded only in messages once let such batches pile up to ~740 MB.

mod common;

use std::sync::mpsc::{sync_channel, TryRecvError};
use std::time::Duration;

use tempest::explorer::worker::budget::{drawn_bytes, BATCH_BYTES, IN_FLIGHT_BYTES};
use tempest::explorer::worker::{worker, Reply, Request, StepBatch};
use tempest_core::model::{CellKind, ModelSpec, Vocab};
use tempest_core::sampling::SamplerSettings;

const CHARS: &str = "abcdefghijklmnopqrstuvwxyz ,.;:!?\n";

fn batch_bytes(b: &StepBatch) -> usize {
    b.steps.iter().flatten().map(drawn_bytes).sum()
}

/// The smallest model that steps: one GRU layer of 4 units, so it is as fast as a model can be.
#[test]
fn a_tiny_model_at_max_speed_keeps_the_bytes_waiting_for_the_app_bounded() {
    let n = CHARS.chars().count() as i64;
    let spec = ModelSpec { cell: CellKind::Gru, layers: 1, hidden: 4, embed: 4, vocab: n, dropout: 0.0 };
    // Weights from the test's own generator, not libtorch's global one: no lock needed.
    let model = common::seeded_model(spec, 5, 0.5);
    let vocab = Vocab::new(CHARS.chars().collect()).unwrap();
    // As deep as the explorer's own queue.
    let (reply_tx, rx) = sync_channel(256);
    let (tx, handle) = worker::spawn(model, vocab.clone(), 1000, reply_tx).unwrap();
    let prime = vocab.encode("the ", Default::default()).unwrap();
    let panes = [0.5, 1.0, 1.5].map(SamplerSettings::with_temperature).to_vec();
    tx.send(Request::Reset { generation: 1, prime, panes, seed: 3, coupled: false }).unwrap();
    tx.send(Request::Run { chars_per_sec: None }).unwrap();

    // A UI stalled for a second: whatever the engine drew meanwhile is waiting in the queue.
    std::thread::sleep(Duration::from_secs(1));
    let mut held = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(Reply::Stepped(b)) => held.push(b),
            Ok(Reply::Error(e)) => panic!("engine error: {e}"),
            Ok(_) => {}
            Err(TryRecvError::Empty) => break,
            Err(e) => panic!("{e}"),
        }
    }
    let waiting: usize = held.iter().map(batch_bytes).sum();
    let steps: usize = held.iter().map(|b| b.steps.len()).sum();
    assert!(steps > 0, "the engine generated nothing");
    // Every batch but the last was sent while under budget, and none exceeds a batch's bytes by
    // more than one step.
    let one_step = held.iter().flat_map(|b| b.steps.first()).map(|s| s.iter().map(drawn_bytes).sum::<usize>()).max();
    let bound = IN_FLIGHT_BYTES + BATCH_BYTES + one_step.unwrap_or(0);
    assert!(waiting <= bound, "{waiting} bytes in {} batches waited for the app (bound {bound})", held.len());
    for b in &held {
        assert!(batch_bytes(b) <= BATCH_BYTES + one_step.unwrap_or(0), "a batch of {} bytes", batch_bytes(b));
    }

    // Taking the batches gives their bytes back: generation carries on.
    drop(held);
    let mut more = 0;
    while more == 0 {
        match rx.recv_timeout(Duration::from_secs(60)).expect("the engine carries on") {
            Reply::Stepped(b) => more += b.steps.len(),
            Reply::Error(e) => panic!("engine error: {e}"),
            _ => {}
        }
    }
    drop(tx);
    while rx.recv_timeout(Duration::from_secs(60)).is_ok_and(|r| r != Reply::Ended) {}
    handle.join().unwrap();
}
