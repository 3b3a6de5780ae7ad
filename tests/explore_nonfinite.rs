//! A model whose finite weights overflow at run time (issue 13 §3): the explorer's engine stops
//! with a clear error instead of drawing from NaN or infinite logits forever.

mod common;

use std::time::Duration;

use tempest::explorer::worker::{worker, Reply, Request};
use tempest_core::model::{CellKind, ModelSpec, Vocab};
use tempest_core::sampling::SamplerSettings;

const CHARS: &str = "abcdefgh \n";

#[test]
fn the_engine_stops_with_an_error_on_non_finite_logits() {
    let n = CHARS.chars().count() as i64;
    let spec = ModelSpec { cell: CellKind::Lstm, layers: 1, hidden: 16, embed: 4, vocab: n, dropout: 0.0 };
    let model = common::seeded_model(spec, 9, 0.8);
    // Finite, loadable weights whose products overflow float32: the head's sums reach ±inf.
    tch::no_grad(|| {
        for (name, t) in model.named_tensors() {
            if name == "head.weight" {
                let _ = t.shallow_clone().fill_(3.0e38);
            }
        }
    });
    let vocab = Vocab::new(CHARS.chars().collect()).unwrap();
    let (reply_tx, rx) = std::sync::mpsc::sync_channel(64);
    let (tx, handle) = worker::spawn(model, vocab.clone(), 1000, reply_tx).unwrap();
    let prime = vocab.encode("abc ", Default::default()).unwrap();
    let panes = vec![SamplerSettings::with_temperature(1.0)];
    tx.send(Request::Reset { generation: 1, prime, panes, seed: 1, coupled: false }).unwrap();
    tx.send(Request::Run { chars_per_sec: None }).unwrap();
    let error = loop {
        match rx.recv_timeout(Duration::from_secs(60)).expect("the engine reports the problem") {
            Reply::Error(e) => break e,
            Reply::Stepped(b) => {
                for d in b.steps.iter().flatten() {
                    assert!(d.p.is_finite() && d.entropy_bits.is_finite(), "drew from non-finite logits: {d:?}");
                }
            }
            _ => {}
        }
    };
    assert!(error.contains("non-finite logit"), "{error}");
    assert!(!error.contains('\n'), "{error}");
    // It stopped: after what was drawn before the error is delivered, nothing more comes.
    for (n, quiet) in [(1, false), (2, true)] {
        tx.send(Request::Sync(n)).unwrap();
        loop {
            match rx.recv_timeout(Duration::from_secs(60)).expect("sync") {
                Reply::Synced(m) if m == n => break,
                Reply::Stepped(b) if quiet => panic!("still generating after the error: {} steps", b.steps.len()),
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(tx);
    while rx.recv_timeout(Duration::from_secs(60)).is_ok_and(|r| r != Reply::Ended) {}
    handle.join().unwrap();
}
