#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora: valid files and broken variants of them, among them every
case issue 13 names (duplicate keys; tempest-run metadata edited to eval_every 0, checkpoint_every 0,
seq_len 0 and 2^64-1, val_frac 2 and -1, lr -1, adam_t -1; optimiser tensors stored as F16, F64 and
U8). The valid inputs are tiny models made by `tempest train` (see README "Fuzzing"):

    fuzz/seeds/make_seeds.py MODEL.safetensors [MORE.safetensors ...] RESUME.resume.safetensors

Writes fuzz/seeds/checkpoint/*.safetensors and fuzz/seeds/resume/*.safetensors. Standard library only.
"""

import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def read(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8 : 8 + n])
    meta = header.pop("__metadata__", None)
    data = b[8 + n :]
    tensors = {k: (v["dtype"], v["shape"], data[v["data_offsets"][0] : v["data_offsets"][1]]) for k, v in header.items()}
    return tensors, meta


def header_json(tensors, meta, duplicate=None):
    """The header as text, tensors laid out in order; `duplicate` repeats that key's entry."""
    parts, offset, blobs = [], 0, []
    if meta is not None:
        parts.append('"__metadata__":' + json.dumps(meta))
    for k, (dtype, shape, blob) in tensors.items():
        entry = json.dumps({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]})
        parts.append(json.dumps(k) + ":" + entry)
        if k == duplicate:
            parts.append(json.dumps(k) + ":" + entry)
        offset += len(blob)
        blobs.append(blob)
    return "{" + ",".join(parts) + "}", b"".join(blobs)


def write(tensors, meta, duplicate=None, raw_meta=None):
    text, data = header_json(tensors, meta, duplicate)
    if raw_meta is not None:
        text = text.replace('"__metadata__":' + json.dumps(meta), '"__metadata__":' + raw_meta, 1)
    h = text.encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def save(folder, name, content):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name + ".safetensors"), "wb") as f:
        f.write(content)


def edited_meta(meta, key, edit):
    m = dict(meta)
    value = json.loads(m[key])
    edit(value)
    m[key] = json.dumps(value)
    return m


def as_dtype(blob, dtype):
    """The f32 values of `blob` re-stored as `dtype`."""
    values = struct.unpack("<%df" % (len(blob) // 4), blob)
    if dtype == "F64":
        return struct.pack("<%dd" % len(values), *values)
    if dtype == "F16":
        return struct.pack("<%de" % len(values), *values)
    if dtype == "U8":
        return bytes(min(255, max(0, int(abs(v) * 100))) for v in values)
    raise ValueError(dtype)


def common_variants(folder, tensors, meta, raw):
    first = sorted(tensors)[0]
    save(folder, "truncated_half", raw[: len(raw) // 2])
    save(folder, "truncated_header", raw[:20])
    save(folder, "empty", b"")
    save(folder, "huge_header_length", struct.pack("<Q", 2**64 - 1) + raw[8:])
    save(folder, "duplicate_tensor_key", write(tensors, meta, duplicate=first))
    key = "tempest-run" if "tempest-run" in meta else "tempest"
    dup = json.dumps(meta)[:-1] + "," + json.dumps(key) + ":" + json.dumps(meta[key]) + "}"
    save(folder, "duplicate_metadata_key", write(tensors, meta, raw_meta=dup))
    save(folder, "no_metadata", write(tensors, None))
    t = dict(tensors)
    dtype, shape, blob = t[first]
    t[first] = (dtype, shape, struct.pack("<f", float("nan")) + blob[4:])
    save(folder, "nan_weight", write(t, meta))
    t = dict(tensors)
    t[first] = ("F16", shape, as_dtype(blob, "F16"))
    save(folder, "f16_weight", write(t, meta))
    t = dict(tensors)
    del t[first]
    save(folder, "missing_tensor", write(t, meta))
    save(folder, "metadata_not_json", write(tensors, dict(meta, tempest="{not json")))
    save(folder, "format_version_99", write(tensors, edited_meta(meta, "tempest", lambda m: m.update(format_version=99))))
    save(folder, "vocab_too_short", write(tensors, edited_meta(meta, "tempest", lambda m: m.update(vocab=m["vocab"][:1]))))
    save(folder, "hidden_huge", write(tensors, edited_meta(meta, "tempest", lambda m: m.update(hidden=2**62))))
    save(folder, "control_characters", write(tensors, edited_meta(meta, "tempest", lambda m: m.update(cell="\x1b]0;pwned\x07"))))


def main(paths):
    for old in ("checkpoint", "resume"):
        folder = os.path.join(HERE, old)
        if os.path.isdir(folder):
            for f in os.listdir(folder):
                os.remove(os.path.join(folder, f))
    models = [p for p in paths if not p.endswith(".resume.safetensors")]
    resumes = [p for p in paths if p.endswith(".resume.safetensors")]
    for i, p in enumerate(models):
        tensors, meta = read(p)
        raw = open(p, "rb").read()
        save("checkpoint", "valid_%d" % i, raw)
        if i == 0:
            common_variants("checkpoint", tensors, meta, raw)
    for i, p in enumerate(resumes):
        tensors, meta = read(p)
        raw = open(p, "rb").read()
        save("resume", "valid_%d" % i, raw)
        # A resume file is a model file with extra tensors, which the model parser refuses.
        save("checkpoint", "resume_file_as_model_%d" % i, raw)
        if i != 0:
            continue
        common_variants("resume", tensors, meta, raw)

        def run(name, edit):
            def both(r):
                # Unfinished again (the file is from a finished run), so every other check is reached.
                r["config"]["steps"] = 40
                edit(r)

            save("resume", name, write(tensors, edited_meta(meta, "tempest-run", both)))

        def cfg(key, value):
            return lambda r: r["config"].update({key: value})

        run("unfinished", lambda r: None)
        run("eval_every_0", cfg("eval_every", 0))
        run("checkpoint_every_0", cfg("checkpoint_every", 0))
        run("seq_len_0", cfg("seq_len", 0))
        run("seq_len_u64_max", cfg("seq_len", 2**64 - 1))
        run("batch_u64_max", cfg("batch", 2**64 - 1))
        run("val_frac_2", cfg("val_frac", 2.0))
        run("val_frac_minus_1", cfg("val_frac", -1.0))
        run("lr_minus_1", cfg("lr", -1.0))
        run("adam_t_minus_1", lambda r: r.update(adam_t=-1))
        run("adam_t_i64_min", lambda r: r.update(adam_t=-(2**63)))
        run("step_past_end", lambda r: r["state"].update(step=10**9))
        run("hidden_changed", cfg("hidden", 32))
        run("out_dotdot", cfg("out", ".."))
        run("missing_state", lambda r: r.pop("state"))
        save("resume", "run_not_json", write(tensors, dict(meta, **{"tempest-run": "[1,2"})))
        save("resume", "not_a_resume_file", write(tensors, {k: v for k, v in meta.items() if k != "tempest-run"}))
        moments = sorted(k for k in tensors if k.startswith("optim."))
        for dtype in ("F16", "F64", "U8"):
            t = dict(tensors)
            d, shape, blob = t[moments[0]]
            t[moments[0]] = (dtype, shape, as_dtype(blob, dtype))
            save("resume", "optimizer_%s" % dtype.lower(), write(t, meta))
        t = dict(tensors)
        v = [k for k in moments if k.startswith("optim.v.")][0]
        d, shape, blob = t[v]
        t[v] = (d, shape, struct.pack("<f", -1.0) + blob[4:])
        save("resume", "negative_second_moment", write(t, meta))
        t = dict(tensors)
        del t[moments[0]]
        save("resume", "missing_moment", write(t, meta))
        t = dict(tensors)
        d, shape, blob = t[moments[0]]
        t["optim.m.extra"] = (d, shape, blob)
        save("resume", "extra_moment", write(t, meta))
        save("resume", "duplicate_moment_key", write(tensors, meta, duplicate=moments[0]))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1:])
