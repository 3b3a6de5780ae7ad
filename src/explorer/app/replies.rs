//! Engine replies: new characters, branches and errors.

use super::App;
use crate::explorer::worker::{Reply, StepBatch};

pub(super) fn on_reply(app: &mut App, reply: Reply) {
    match reply {
        Reply::Stepped(batch) => on_stepped(app, batch),
        Reply::Branched { generation, pane, pos, drawn, logits } => {
            let Some(pane) = app.generations.remap(generation).and_then(|r| r.pane(pane)) else { return };
            let Some(p) = app.panes.get_mut(pane) else { return };
            p.truncate(pos);
            p.push(drawn);
            p.last_logits = logits;
            // Leave the cursor on the character just chosen, ready to step or resume from it.
            if let Some(ins) = app.inspect.filter(|i| i.pane == pane) {
                let pos = pos.min(app.panes[pane].total() - 1);
                app.inspect = Some(super::Inspect { pos, selected: app.default_selection(pane, pos), ..ins });
            }
        }
        // The runtime ends the explorer on `Ended` before it gets here.
        Reply::Synced(_) | Reply::Ended => {}
        Reply::Priming { generation, done, total } => {
            if generation == app.generation() {
                app.priming = Some((done, total));
            }
        }
        Reply::Activations { id, pane, start, rows } => super::neurons::on_activations(app, id, pane, start, rows),
        Reply::Error(msg) => app.set_error(msg),
        Reply::Scored { id, drawn, next_logits } => super::scored::on_scored(app, id, drawn, next_logits),
        Reply::Scoring { id, done, total } => super::scored::on_progress(app, id, done, total),
    }
}

fn on_stepped(app: &mut App, batch: StepBatch) {
    let Some(remap) = app.generations.remap(batch.generation) else { return };
    app.priming = None;
    for step in batch.steps {
        for (i, d) in step.into_iter().enumerate() {
            if let Some(p) = remap.pane(i).and_then(|j| app.panes.get_mut(j)) {
                p.push(d);
            }
        }
    }
    for (i, logits) in batch.last_logits.into_iter().enumerate() {
        if let Some(p) = remap.pane(i).and_then(|j| app.panes.get_mut(j)) {
            if !logits.is_empty() {
                p.last_logits = logits;
            }
        }
    }
    // Old characters may have dropped out of the history under the inspect cursor.
    if let Some(ins) = app.inspect {
        let first = app.panes[ins.pane].first_pos();
        if ins.pos < first {
            app.inspect = Some(super::Inspect { pos: first, selected: app.default_selection(ins.pane, first), ..ins });
        }
    }
}
