//! The explorer's engine thread, driven through its channels on a tiny random model: stepping,
//! determinism, settings, reset, branching (checked against a reference generator fed the same
//! text), pane changes, pausing, and bounded memory. `Sync` replaces every sleep.

mod common;

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use tempest::explorer::worker::history::{PaneHistory, Snapshot, SNAPSHOT_EVERY};
use tempest::explorer::worker::session::Session;
use tempest::explorer::worker::{worker, Drawn, NewModel, Reply, Request, StepBatch};
use tempest_core::generate::Generator;
use tempest_core::model::{CellKind, CharRnn, ModelSpec, RowState, Vocab};
use tempest_core::sampling::SamplerSettings;

const CHARS: &str = "abcdefgh \n";
const TOP_N: usize = 5;
/// Replies can take a while on a loaded machine; this only bounds a hang.
const PATIENCE: Duration = Duration::from_secs(60);

fn vocab() -> Vocab {
    Vocab::new(CHARS.chars().collect()).unwrap()
}

/// The same weights every call, wide enough that different temperatures give visibly different text.
fn model() -> CharRnn {
    let spec = ModelSpec {
        cell: CellKind::Lstm,
        layers: 2,
        hidden: 16,
        embed: 8,
        vocab: CHARS.chars().count() as i64,
        dropout: 0.0,
    };
    common::seeded_model(spec, 42, 0.8)
}

fn prime() -> Vec<u32> {
    vocab().encode("abc ", Default::default()).unwrap()
}

fn temps(ts: &[f32]) -> Vec<SamplerSettings> {
    ts.iter().map(|&t| SamplerSettings::with_temperature(t)).collect()
}

fn reset(generation: u64, ts: &[f32], seed: u64) -> Request {
    Request::Reset { generation, prime: prime(), panes: temps(ts), seed, coupled: false }
}

/// The bound of the channel the tests give the engine for its replies.
const QUEUE: usize = 16;

struct Engine {
    tx: Sender<Request>,
    rx: Receiver<Reply>,
    handle: Option<JoinHandle<()>>,
    next_sync: u64,
}

impl Engine {
    fn start(history_chars: usize) -> Self {
        let (reply_tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let (tx, handle) = worker::spawn(model(), vocab(), history_chars, reply_tx).unwrap();
        Engine { tx, rx, handle: Some(handle), next_sync: 0 }
    }

    fn send(&self, r: Request) {
        self.tx.send(r).unwrap();
    }

    /// Every reply up to the `Synced` for a fresh sync number (which is not included).
    fn sync(&mut self) -> Vec<Reply> {
        self.next_sync += 1;
        let n = self.next_sync;
        self.send(Request::Sync(n));
        let mut out = Vec::new();
        loop {
            match self.rx.recv_timeout(PATIENCE).expect("the engine answers") {
                Reply::Synced(m) if m == n => return out,
                r => out.push(r),
            }
        }
    }

    /// `n` single steps; returns the batches.
    fn steps(&mut self, n: usize) -> Vec<StepBatch> {
        for _ in 0..n {
            self.send(Request::Step);
        }
        batches(self.sync())
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // Dropping the sender must end the thread.
        let (tx, _) = std::sync::mpsc::channel();
        drop(std::mem::replace(&mut self.tx, tx));
        if let Some(h) = self.handle.take() {
            // Unblock a reply it may be waiting to send, then join.
            while self.rx.try_recv().is_ok() {}
            if !std::thread::panicking() {
                h.join().expect("the engine thread ends cleanly");
            }
        }
    }
}

fn batches(replies: Vec<Reply>) -> Vec<StepBatch> {
    replies
        .into_iter()
        .map(|r| match r {
            Reply::Stepped(b) => b,
            other => panic!("expected only Stepped, got {other:?}"),
        })
        .collect()
}

/// Each pane's characters, in order, across batches.
fn texts(bs: &[StepBatch], panes: usize) -> Vec<Vec<Drawn>> {
    let mut out = vec![Vec::new(); panes];
    for b in bs {
        for step in &b.steps {
            assert_eq!(step.len(), panes, "one char per pane per step");
            for (p, c) in step.iter().enumerate() {
                out[p].push(c.clone());
            }
        }
    }
    out
}

fn ids(cs: &[Drawn]) -> Vec<u32> {
    cs.iter().map(|c| c.id).collect()
}

fn argmax(v: &[f32]) -> u32 {
    tempest_core::sampling::distribution::argmax(v).0 as u32
}

fn assert_close(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() < 1e-4, "{what}: logit {i}: {x} vs {y}");
    }
}

/// A one-stream reference: the prime and then `text` fed through a fresh generator.
fn reference_after(text: &[u32]) -> Generator {
    let m = model();
    let mut g = Generator::new(m.stepper(1), vocab(), temps(&[1.0]), 0, false).unwrap();
    g.prime(&prime()).unwrap();
    for &id in text {
        g.feed(&[id]).unwrap();
    }
    g
}

#[test]
fn stepping_produces_a_char_per_pane_with_its_distribution() {
    let mut e = Engine::start(1000);
    e.send(reset(1, &[0.2, 1.0, 1.5], 7));
    let bs = e.steps(5);
    assert_eq!(bs.len(), 5, "Step sends its character at once");
    for b in &bs {
        assert_eq!(b.generation, 1);
        assert_eq!(b.steps.len(), 1);
        assert_eq!(b.last_logits.len(), 3);
        assert!(b.last_logits.iter().all(|l| l.len() == CHARS.len()));
        for (pane, c) in b.steps[0].iter().enumerate() {
            assert_eq!(c.temperature(), [0.2, 1.0, 1.5][pane]);
            assert_eq!(c.ch, vocab().char(c.id));
            assert_eq!(c.logits.len(), CHARS.len());
            let top = c.top_ids(TOP_N);
            assert_eq!(top.len(), TOP_N);
            assert!(top.windows(2).all(|w| c.z()[w[0] as usize] >= c.z()[w[1] as usize]), "top is most likely first");
            assert!(c.p > 0.0 && c.p <= 1.0 && c.p1 > 0.0 && c.p1 <= 1.0);
            assert!(c.rank >= 1 && c.entropy_bits >= 0.0);
            // The recorded distribution gives back the recorded p and rank exactly.
            let chain = c.chain();
            assert_eq!(chain.probs[c.id as usize], c.p);
            assert_eq!(chain.ranks()[c.id as usize], c.rank);
        }
    }
}

#[test]
fn same_seed_gives_the_same_text_as_tempest_sample() {
    let mut e = Engine::start(1000);
    e.send(reset(1, &[0.5, 1.0, 1.5], 7));
    let a = texts(&e.steps(60), 3);
    e.send(reset(2, &[0.5, 1.0, 1.5], 7));
    let b = texts(&e.steps(60), 3);
    assert_eq!(a, b);
    e.send(reset(3, &[0.5, 1.0, 1.5], 8));
    let c = texts(&e.steps(60), 3);
    assert_ne!(ids(&a[2]), ids(&c[2]), "another seed, another text");

    // The batch generator `tempest sample` uses gives the very same characters.
    let m = model();
    let mut g = Generator::new(m.stepper(3), vocab(), temps(&[0.5, 1.0, 1.5]), 7, false).unwrap();
    g.prime(&prime()).unwrap();
    let mut direct = vec![Vec::new(); 3];
    for _ in 0..60 {
        for (p, d) in g.step().unwrap().into_iter().enumerate() {
            direct[p].push(d.id);
        }
    }
    assert_eq!(a.iter().map(|t| ids(t)).collect::<Vec<_>>(), direct);
}

#[test]
fn zero_temperature_is_argmax_and_settings_apply_from_the_next_char() {
    let mut e = Engine::start(1000);
    e.send(reset(1, &[0.0, 1.0], 3));
    for b in e.steps(20) {
        let c = &b.steps[0][0];
        assert_eq!(c.id, argmax(&b.last_logits[0]));
        assert_eq!((c.p, c.rank), (1.0, 1));
    }
    // T of pane 2 goes 1 → 0 between two Steps: the very next char is argmax.
    e.send(Request::Settings { pane: 1, settings: SamplerSettings::with_temperature(2.0) });
    e.send(Request::Settings { pane: 1, settings: SamplerSettings::with_temperature(0.0) });
    for b in e.steps(20) {
        let c = &b.steps[0][1];
        assert_eq!(c.temperature(), 0.0, "the newest Settings wins");
        assert_eq!(c.id, argmax(&b.last_logits[1]));
    }
    // Bad settings are refused with a message, and change nothing.
    e.send(Request::Settings { pane: 1, settings: SamplerSettings::with_temperature(-1.0) });
    e.send(Request::Settings { pane: 9, settings: SamplerSettings::with_temperature(1.0) });
    let r = e.sync();
    assert!(matches!(&r[0], Reply::Error(m) if m.contains("temperature")), "{r:?}");
    assert!(matches!(&r[1], Reply::Error(m) if m.contains("no pane 10")), "{r:?}");
    assert_eq!(texts(&e.steps(1), 2)[1][0].temperature(), 0.0);
}

#[test]
fn reset_restarts_with_the_new_generation() {
    let mut e = Engine::start(1000);
    e.send(reset(1, &[1.0], 5));
    let first = texts(&e.steps(30), 1);
    e.send(Request::Run { chars_per_sec: None });
    e.send(reset(2, &[1.0], 5));
    e.send(Request::Pause);
    let r = e.sync();
    // Whatever was drawn between Reset and Pause belongs to generation 2 and restarts the text.
    let mut again = Vec::new();
    for b in batches(r) {
        if b.generation == 2 {
            again.extend(b.steps.into_iter().map(|s| s[0].clone()));
        }
    }
    let n = again.len();
    again.extend(texts(&e.steps(30), 1).remove(0));
    assert!(again.len() >= 30);
    assert_eq!(ids(&again[..30]), ids(&first[0]), "({n} chars came from running)");
}

#[test]
fn coupled_panes_with_equal_settings_write_the_same_text() {
    let mut e = Engine::start(1000);
    e.send(Request::Reset { generation: 1, prime: prime(), panes: temps(&[1.2, 1.2]), seed: 9, coupled: true });
    let t = texts(&e.steps(40), 2);
    assert_eq!(ids(&t[0]), ids(&t[1]));
    e.send(Request::Coupled(false));
    let t = texts(&e.steps(40), 2);
    assert_ne!(ids(&t[0]), ids(&t[1]));
}

/// Branching replays the right state: the logits at `pos` and after the chosen character equal
/// those of a reference generator fed the same text, and an argmax pane then writes exactly what
/// the reference writes.
#[test]
fn branch_continues_as_a_fresh_generation_forced_to_the_same_prefix() {
    let mut e = Engine::start(1000);
    e.send(reset(1, &[0.0, 1.3], 11));
    let mut text: Vec<Vec<u32>> = texts(&e.steps(600), 2).iter().map(|t| ids(t)).collect();
    // Mid-block, on a snapshot boundary, at the very start and at the very end.
    for (pane, pos) in [(1usize, 300u64), (0, 512), (0, 256), (1, 0), (1, u64::MAX)] {
        let pos = pos.min(text[pane].len() as u64);
        let id = (text[pane].get(pos as usize).copied().unwrap_or(0) + 3) % CHARS.len() as u32;
        let generation = 2 + pos;
        e.send(Request::Branch { generation, pane, pos, id });
        let r = e.sync();
        let Reply::Branched { generation: g, pane: bp, pos: bpos, drawn, logits } = &r[0] else { panic!("{r:?}") };
        assert_eq!((*g, *bp, *bpos, drawn.id, r.len()), (generation, pane, pos, id, 1));
        text[pane].truncate(pos as usize);
        let mut reference = reference_after(&text[pane]);
        assert_close(logits, reference.pending_logits(0), &format!("pane {pane}: logits at {pos}"));
        text[pane].push(id);
        reference.feed(&[id]).unwrap();

        let after = e.steps(30);
        assert!(after.iter().all(|b| b.generation == generation));
        for b in &after {
            let c = &b.steps[0][pane];
            if pane == 0 {
                assert_eq!(c.id, argmax(reference.pending_logits(0)), "the argmax pane after a branch at {pos}");
            }
            assert_close(
                &b.last_logits[pane],
                reference.pending_logits(0),
                &format!("pane {pane}: after a branch at {pos}"),
            );
            reference.feed(&[c.id]).unwrap();
        }
        for (p, t) in texts(&after, 2).iter().enumerate() {
            text[p].extend(ids(t));
        }
    }
}

#[test]
fn branching_too_far_back_is_refused() {
    let mut e = Engine::start(100);
    e.send(reset(1, &[1.0], 2));
    let _ = e.steps(1000);
    e.send(Request::Branch { generation: 2, pane: 0, pos: 10, id: 0 });
    e.send(Request::Branch { generation: 3, pane: 0, pos: 2000, id: 0 });
    e.send(Request::Branch { generation: 4, pane: 0, pos: 900, id: 0 });
    e.send(Request::Branch { generation: 5, pane: 0, pos: 5, id: 99 });
    let r = e.sync();
    assert!(matches!(&r[0], Reply::Error(m) if m.contains("too far back")), "{r:?}");
    assert!(matches!(&r[1], Reply::Error(m) if m.contains("only 1000 characters")), "{r:?}");
    assert!(matches!(&r[2], Reply::Branched { pos: 900, .. }), "the newest history_chars stay branchable: {r:?}");
    assert!(matches!(&r[3], Reply::Error(m) if m.contains("outside the vocabulary")), "{r:?}");
    let b = e.steps(1);
    assert_eq!(b[0].generation, 5, "the engine follows the app's generation even after a refusal");
}

#[test]
fn removing_a_middle_pane_keeps_the_others_text_and_adding_one_starts_from_the_prime() {
    let (ts, seed) = ([0.9f32, 1.1, 1.4], 21);
    let mut e = Engine::start(1000);
    e.send(reset(1, &ts, seed));
    let whole = texts(&e.steps(40), 3);

    e.send(reset(2, &ts, seed));
    let head = texts(&e.steps(15), 3);
    e.send(Request::RemovePane { generation: 3, pane: 1 });
    let tail = texts(&e.steps(25), 2);
    assert_eq!([ids(&head[0]), ids(&tail[0])].concat(), ids(&whole[0]));
    assert_eq!(
        [ids(&head[2]), ids(&tail[1])].concat(),
        ids(&whole[2]),
        "pane 3 moved to row 2 with its state and random stream"
    );

    // A new pane (at T = 0, so its text does not depend on its random stream) writes what a pane
    // started with the others from the prime writes.
    e.send(reset(4, &[1.0, 0.0], seed));
    let fresh = texts(&e.steps(20), 2);
    e.send(reset(5, &[1.0], seed));
    let _ = e.steps(7);
    e.send(Request::AddPane { generation: 6, settings: SamplerSettings::with_temperature(0.0) });
    let added = texts(&e.steps(20), 2);
    assert_eq!(ids(&added[1]), ids(&fresh[1]));
    assert!(e.steps(1).iter().all(|b| b.generation == 6));

    e.send(Request::RemovePane { generation: 7, pane: 0 });
    e.send(Request::RemovePane { generation: 8, pane: 0 });
    let r = e.sync();
    assert_eq!(r.len(), 1);
    assert!(matches!(&r[0], Reply::Error(m) if m.contains("last pane")), "{r:?}");
}

#[test]
fn running_sends_batches_until_paused_and_then_nothing() {
    let mut e = Engine::start(1000);
    e.send(reset(1, &[1.0, 1.0], 4));
    e.send(Request::Run { chars_per_sec: None });
    // Max speed: wait for a batch that holds several steps (sent at most every ~12 ms).
    let mut got = 0;
    while got < 200 {
        match e.rx.recv_timeout(PATIENCE).expect("running produces batches") {
            Reply::Stepped(b) => got += b.steps.len(),
            other => panic!("{other:?}"),
        }
    }
    e.send(Request::Pause);
    let _ = e.sync();
    match e.rx.recv_timeout(Duration::from_millis(300)) {
        Err(RecvTimeoutError::Timeout) => {}
        other => panic!("nothing may arrive while paused: {other:?}"),
    }
    // A paced run draws about r chars per second; here only "some, then none after Pause".
    e.send(Request::Run { chars_per_sec: Some(200.0) });
    match e.rx.recv_timeout(PATIENCE) {
        Ok(Reply::Stepped(b)) => assert!(!b.steps.is_empty()),
        other => panic!("{other:?}"),
    }
    e.send(Request::Pause);
    let _ = e.sync();
    assert!(e.rx.recv_timeout(Duration::from_millis(100)).is_err());
    e.send(Request::Run { chars_per_sec: Some(-1.0) });
    assert!(matches!(&e.sync()[0], Reply::Error(m) if m.contains("speed")));
}

#[test]
fn requests_before_the_first_reset_get_errors_not_panics() {
    let mut e = Engine::start(1000);
    e.send(Request::Step);
    e.send(Request::Branch { generation: 1, pane: 0, pos: 0, id: 0 });
    e.send(Request::Reset { generation: 1, prime: vec![], panes: temps(&[1.0]), seed: 1, coupled: false });
    e.send(Request::Reset { generation: 2, prime: prime(), panes: vec![], seed: 1, coupled: false });
    let r = e.sync();
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(matches!(&r[0], Reply::Error(m) if m.contains("not started")));
    assert!(matches!(&r[1], Reply::Error(m) if m.contains("prime text is empty")));
    assert!(matches!(&r[2], Reply::Error(m) if m.contains("at least one pane")));
}

#[test]
fn history_and_snapshots_stay_bounded() {
    let snap = |pos| Snapshot { pos, state: RowState { h: vec![vec![0.0; 4]], c: vec![] }, logits: vec![0.0; 3] };
    let keep = 1000;
    let mut h = PaneHistory::new(snap(0), keep, SNAPSHOT_EVERY);
    for i in 0..100_000u64 {
        h.push((i % 7) as u32, snap);
        assert!(h.kept_ids() < keep + SNAPSHOT_EVERY as usize);
        assert!(h.snapshot_count() <= keep / SNAPSHOT_EVERY as usize + 2);
        assert!(h.len() - h.base() >= keep.min(h.len() as usize) as u64, "the newest `keep` stay branchable");
    }
    assert_eq!(h.len(), 100_000);
    let last = h.len() - 1;
    let (s, replay) = h.replay_to(last).unwrap();
    assert!(s.pos <= last && replay.count() < SNAPSHOT_EVERY as usize);

    // And in a live session, for every pane.
    let m = model();
    let mut s = Session::new(&m.step_weights(), vocab(), prime(), temps(&[0.5, 1.5]), 1, false, 300).unwrap();
    for _ in 0..3000 {
        s.step().unwrap();
    }
    for p in 0..2 {
        let h = s.history(p);
        assert_eq!(h.len(), 3000);
        assert!(h.kept_ids() < 300 + SNAPSHOT_EVERY as usize && h.snapshot_count() <= 3);
    }
}

/// `x` on the middle pane and then `a`: the new pane must not write the text of an existing one
/// (it used to get the random stream of the row number it landed on).
#[test]
fn a_pane_added_after_a_removal_writes_its_own_text() {
    let m = model();
    let mut s = Session::new(&m.step_weights(), vocab(), prime(), temps(&[1.0, 1.0, 1.0]), 3, false, 300).unwrap();
    let mut texts = vec![Vec::new(); 3];
    for _ in 0..40 {
        let (chars, _) = s.step().unwrap();
        for (t, c) in texts.iter_mut().zip(&chars) {
            t.push(c.id);
        }
    }
    s.remove_pane(1).unwrap();
    let added = s.add_pane(temps(&[1.0])[0]).unwrap();
    assert_eq!(added, 2);
    let mut new_text = Vec::new();
    for _ in 0..40 {
        new_text.push(s.step().unwrap().0[added].id);
    }
    for (p, t) in texts.iter().enumerate() {
        assert_ne!(&new_text, t, "the added pane repeats pane {}'s text", p + 1);
    }
}

/// After a branch the repetition penalty sees the pane's whole `repeat_window` (it used to be cut
/// at 1,024 characters), exactly as if the text had been generated that way.
#[test]
fn after_a_branch_the_penalty_window_reaches_as_far_as_the_setting() {
    let m = model();
    let settings =
        SamplerSettings { repeat_penalty: 1.3, repeat_window: 5000, ..SamplerSettings::with_temperature(1.0) };
    let mut s = Session::new(&m.step_weights(), vocab(), prime(), vec![settings], 4, false, 10_000).unwrap();
    let mut text = Vec::new();
    for _ in 0..3000 {
        text.push(s.step().unwrap().0[0].id);
    }
    let mut whole = prime();
    whole.extend_from_slice(&text);
    assert_eq!(s.penalty_ids(0), &whole[..], "while stepping, the prime and all 3,000 characters");
    s.branch(0, 2500, 1).unwrap();
    let mut want = prime();
    want.extend_from_slice(&text[..2500]);
    want.push(1);
    assert_eq!(s.penalty_ids(0).len(), 2505);
    assert_eq!(s.penalty_ids(0), &want[..]);
    // A window shorter than the text takes its tail.
    s.set_settings(0, SamplerSettings { repeat_window: 100, ..settings }).unwrap();
    s.branch(0, 2000, 2).unwrap();
    let mut want = text[1901..2000].to_vec();
    want.push(2);
    assert_eq!(s.penalty_ids(0), &want[..]);
}

/// A UI that does not read makes the engine wait instead of queueing without end; at max speed
/// each batch carries many steps rather than one message per character.
#[test]
fn a_slow_reader_holds_the_engine_back() {
    let mut e = Engine::start(1000);
    e.send(reset(1, &[1.0], 4));
    e.send(Request::Run { chars_per_sec: None });
    // Stand in for a UI stalled for a second (unbounded, ~80 batches would pile up meanwhile).
    std::thread::sleep(Duration::from_secs(1));
    e.send(Request::Pause);
    let r = batches(e.sync());
    assert!(r.len() <= QUEUE + 3, "{} batches were queued", r.len());
    assert!(r.iter().any(|b| b.steps.len() > 1), "max speed batches its steps");
}

/// The replies go straight into the caller's channel, and the engine's end arrives there too, as
/// its last message: the explorer needs no second queue or forwarder thread to notice it.
#[test]
fn the_engine_reports_its_end_last_in_the_callers_channel() {
    let mut e = Engine::start(1_000);
    e.send(reset(1, &[0.5, 1.0], 3));
    assert_eq!(batches(e.sync()).len(), 0);
    e.send(Request::Step);
    let (tx, _) = std::sync::mpsc::channel();
    drop(std::mem::replace(&mut e.tx, tx));
    let rest: Vec<Reply> = e.rx.iter().collect();
    assert_eq!(rest.last(), Some(&Reply::Ended), "{rest:?}");
    assert_eq!(rest.iter().filter(|r| **r == Reply::Ended).count(), 1);
    e.handle.take().unwrap().join().expect("the engine thread ends cleanly");
}

/// The explorer's `M`: the engine drops the session of the old model and, from the next reset,
/// steps the new one (another cell, shape and vocabulary) exactly as a fresh generator on it would.
#[test]
fn a_new_model_takes_over_at_the_next_reset() {
    let mut e = Engine::start(1000);
    e.send(reset(1, &[1.0, 1.0], 7));
    assert_eq!(e.steps(3).len(), 3);

    let chars2 = "xyz{}\n";
    let vocab2 = Vocab::new(chars2.chars().collect()).unwrap();
    let spec = ModelSpec { cell: CellKind::Gru, layers: 1, hidden: 12, embed: 4, vocab: 6, dropout: 0.0 };
    let m2 = common::seeded_model(spec, 9, 0.8);
    e.send(Request::Model(NewModel::new(m2.step_weights(), vocab2.clone())));
    // Nothing of the old model steps any more.
    assert!(e.steps(2).is_empty());

    let prime2 = vocab2.encode("x{", Default::default()).unwrap();
    e.send(Request::Reset { generation: 2, prime: prime2.clone(), panes: temps(&[0.5, 1.5]), seed: 7, coupled: false });
    let got = texts(&e.steps(40), 2);
    let mut g = Generator::new(m2.stepper(2), vocab2.clone(), temps(&[0.5, 1.5]), 7, false).unwrap();
    g.prime(&prime2).unwrap();
    let mut want = vec![Vec::new(); 2];
    for _ in 0..40 {
        for (p, d) in g.step().unwrap().into_iter().enumerate() {
            want[p].push(d.id);
        }
    }
    assert_eq!(got.iter().map(|t| ids(t)).collect::<Vec<_>>(), want);
    assert!(got.iter().flatten().all(|d| d.logits.len() == 6 && chars2.contains(d.ch)));
}

/// `o` in the explorer: the engine scores a text on its own thread, each character described under
/// the model's own distribution after the ones before it, and the panes carry on as if nothing
/// had happened.
#[test]
fn scoring_a_text_describes_each_character_and_leaves_the_panes_alone() {
    let v = vocab();
    let text = v.encode("bad cafe\nhead a bag", Default::default()).unwrap();
    let newline = v.id('\n').unwrap();
    let mut e = Engine::start(1000);
    e.send(reset(1, &[0.5, 1.5], 3));
    let mut with = e.steps(4);
    e.send(Request::Score { id: 7, context: vec![newline], text: text.clone() });
    let replies = e.sync();
    let scored: Vec<_> = replies
        .iter()
        .filter_map(|r| match r {
            Reply::Scored { id, drawn, next_logits } => Some((*id, drawn.clone(), next_logits.clone())),
            _ => None,
        })
        .collect();
    let [(7, drawn, next_logits)] = &scored[..] else { panic!("{replies:?}") };
    // The reference: the model stepped by hand from a zero state.
    let mut st = model().stepper(1);
    let mut logits = Vec::new();
    st.step(&[newline], &mut logits).unwrap();
    assert_eq!(drawn.len(), text.len());
    for (k, (d, &id)) in drawn.iter().zip(&text).enumerate() {
        assert_eq!(d.id, id, "char {k}");
        assert_close(&d.logits, &logits, &format!("logits before char {k}"));
        let mut p = Vec::new();
        tempest_core::sampling::softmax_t(&logits, 1.0, &mut p);
        assert!((d.p1 - p[id as usize]).abs() < 1e-5 && d.p == d.p1, "char {k}: {} vs {}", d.p1, p[id as usize]);
        assert!(d.settings.is_model_distribution());
        st.step(&[id], &mut logits).unwrap();
    }
    assert_close(next_logits, &logits, "the logits after the text");
    // The panes go on exactly as an engine that scored nothing.
    with.extend(e.steps(4));
    let mut plain = Engine::start(1000);
    plain.send(reset(1, &[0.5, 1.5], 3));
    let without = plain.steps(8);
    assert_eq!(texts(&with, 2), texts(&without, 2));
}
