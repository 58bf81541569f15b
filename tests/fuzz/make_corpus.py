#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from the test
fixtures, in the input layout each target reads (its *_fuzz.cpp says: parameter bytes, then the
payload). Deterministic: running it again gives the same files. Files named regress_* (inputs that
once found a bug) and found_* (inputs libFuzzer found, kept for their coverage) are left alone. Each seed is small (at most a few
KB: libFuzzer's speed falls with input size, and its mutations find the rest).

    tests/fuzz/make_corpus.py            rewrite every corpus
    tests/fuzz/make_corpus.py cleaner    rewrite one
"""
import json
import pathlib
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
OUT = ROOT / "tests" / "fuzz" / "corpus"
MAX_SEED = 4096


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def golden_cases(path):
    """(settings, input) of each case of a golden file (tests/unit/text/golden_file.h)."""
    cases, settings, section, lines = [], {}, None, []

    def finish():
        if section is not None:
            cases.append((dict(settings), "\n".join(lines).replace("\u2420", " ")))

    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("=== "):
            finish()
            settings, section, lines = {}, "settings", []
        elif line == "--- input":
            section, lines = "input", []
        elif line == "--- expected":
            section = "expected"
        elif section == "settings" and ":" in line:
            k, v = line.split(":", 1)
            settings[k.strip()] = v.strip()
        elif section == "input":
            lines.append(line)
    finish()
    return cases


def line_chunks(data, limit=MAX_SEED):
    """Consecutive whole lines of `data`, cut into chunks of at most `limit` bytes."""
    chunks, cur = [], b""
    for line in data.splitlines(keepends=True):
        if cur and len(cur) + len(line) > limit:
            chunks.append(cur)
            cur = b""
        cur += line
    if cur:
        chunks.append(cur)
    return chunks


def pack(cases, limit=MAX_SEED, sep="\n\n"):
    """Joins small texts into seeds of at most `limit` bytes."""
    seeds, cur = [], ""
    for text in cases:
        if cur and len((cur + sep + text).encode()) > limit:
            seeds.append(cur)
            cur = ""
        cur = cur + sep + text if cur else text
    if cur:
        seeds.append(cur)
    return seeds


def frame(header, payload=b""):
    h = header if isinstance(header, bytes) else json.dumps(header, ensure_ascii=False).encode()
    return struct.pack(">II", len(h), len(payload)) + h + payload


def worker_frame():
    caps_tts = {"type": "capabilities", "protocol": 1, "name": "tone", "kind": "tts",
                "languages": ["ja", "en"],
                "voices": [{"name": "jf_alpha", "lang": "ja", "description": "女性"}, "jm_kumo"],
                "default_voice": "jf_alpha", "styles": ["speed", "blend"], "cloning": False,
                "sample_rate": 24000, "sample_format": "f32le", "chunking": "clause",
                "max_in_flight": 2, "pid": 4242}
    caps_mt = {"type": "capabilities", "protocol": 1, "name": "nmt", "kind": "translate",
               "source_languages": ["en"], "target_languages": ["ja"], "chunking": "none"}
    pcm = struct.pack("<8f", 0.0, 0.25, 0.5, -0.5, 1.0, -1.0, 0.125, 0.0)
    tts = (frame(caps_tts) + frame({"type": "chunk", "id": 7, "seq": 0, "sample_rate": 24000,
                                    "format": "f32le"}, pcm)
           + frame({"type": "chunk", "id": 7, "seq": 1, "sample_rate": 24000, "format": "s16le"},
                   b"\x00\x01\xff\x7f")
           + frame({"type": "done", "id": 7, "chunks": 2, "stats": {"rtf": 0.1, "ms": [1, 2]}}))
    mt = (frame(caps_mt) + frame({"type": "chunk", "id": 1, "seq": 0, "format": "text"},
                                 "今日はいい天気ですね。".encode())
          + frame({"type": "done", "id": 1, "chunks": 1, "text": "今日はいい天気ですね。"}))
    misc = (frame({"type": "hello", "protocol": 1, "client": "stream-tts 0.1.0"})
            + frame({"type": "pong", "id": 9}) + frame({"type": "error", "id": 7, "code": "bad_request",
                                                        "message": "no text"})
            + frame({"type": "error", "code": "version", "message": "speaks 2"})
            + frame({"type": "future_thing", "x": [1, {"y": None}]}) + frame({"type": "shutdown"}))
    bad = (frame({"type": "chunk", "seq": 0}) + frame(b"[1,2]") + frame(b"{\"type\":3}")
           + frame({"type": "capabilities", "protocol": "1", "voices": [{"lang": "ja"}]})
           + frame(b'{"type":"done","id":1,"text":"\\ud83d"}'))
    truncated = frame({"type": "pong", "id": 1}) + frame({"type": "chunk", "id": 2, "seq": 0}, pcm)[:-3]
    too_long = struct.pack(">II", 70000, 0) + b"{}"
    return {
        "tts_stream": u32(2) + tts,
        "tts_bytewise": u32(0) + tts,
        "translate": u32(7) + mt,
        "misc_types": u32(3) + misc,
        "bad_headers": u32(1 + (37 << 2)) + bad,
        "truncated": u32(2) + truncated,
        "length_out_of_range": u32(0) + frame({"type": "ping", "id": 1}) + too_long,
    }


def claude():
    seeds = {}
    for path in sorted((FIXTURES / "claude").glob("*.jsonl")):
        chunks = line_chunks(path.read_bytes())
        # The start of each fixture (detection, message_start) and a few chunks from its middle.
        picks = sorted(set([0, len(chunks) // 2, len(chunks) - 1]))
        for i in picks:
            option = 1 if path.stem == "partial_tools" and i == 0 else 0
            seeds[f"{path.stem}_{i}"] = bytes([option]) + chunks[i]
    return seeds


def jsonl():
    notes = (FIXTURES / "text" / "notes.txt").read_text(encoding="utf-8")
    words = notes.replace("\n", " \n").split(" ")
    tokens = [w + " " for w in words if w][:120]
    plain = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in tokens)
    nested = "".join(json.dumps({"message": {"text": t}, "n": i}, ensure_ascii=False) + "\n"
                     for i, t in enumerate(tokens[:60]))
    openai = "".join(json.dumps({"id": "c1", "choices": [{"index": 0, "delta": {"content": t}}]},
                                ensure_ascii=False) + "\n" for t in tokens[:60])
    openai += json.dumps({"id": "c1", "choices": [{"index": 0, "delta": {"content": None},
                                                   "finish_reason": "stop"}]}) + "\n"
    bare = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tokens[:60])
    odd = ('{"text": "emoji \\ud83d"}\n{"text": "\\ude00 split"}\n{"text": 3}\n{"text": null}\n'
           '{"text": "trunc\n[1,2]\n\n{"other": "x"}\r\n{"text": "crlf"}\r\n')
    return {
        "plain": b"\x00" + plain.encode()[:MAX_SEED],
        "nested": b"\x02" + nested.encode()[:MAX_SEED],
        "openai": b"\x04" + openai.encode()[-MAX_SEED:],
        "bare_strings": b"\x06" + bare.encode()[:MAX_SEED],
        "odd_lines": b"\x00" + odd.encode(),
        "bom": b"\x00\xef\xbb\xbf" + plain.encode()[:500],
    }


def text_input():
    seeds = {}
    for path in sorted((FIXTURES / "text").glob("*.txt")):
        seeds[path.stem] = b"\x00" + path.read_bytes()
    markdown = pack([inp for _, inp in golden_cases(GOLDEN / "cleaner" / "cases.txt")])
    for i, text in enumerate(markdown[:3]):
        seeds[f"markdown_{i}"] = b"\x00" + text.encode()
    seeds["crlf_bom_invalid"] = b"\x00\xef\xbb\xbfFirst line.\r\n\r\n  \t\nLatin-1: caf\xe9\r\nlast"
    return seeds


def cleaner():
    seeds = {}
    cases = golden_cases(GOLDEN / "cleaner" / "cases.txt")
    for i, (settings, text) in enumerate(cases):
        bits = 0
        if settings.get("code_block_phrase"):
            bits |= 1
        if settings.get("speak_url_host") == "false":
            bits |= 2
        if settings.get("speak_tables") == "false":
            bits |= 4
        # Split seeds cycle through the four patterns; block seeds make one to three blocks.
        seeds[f"case_{i:03d}"] = bytes([bits]) + u32(i * 0x9E3779B1 + i) + u32(i) + text.encode()
    return seeds


def segmenter():
    seeds = {}
    for i, (settings, text) in enumerate(golden_cases(GOLDEN / "segmenter" / "cases.txt")):
        max_bytes = int(settings.get("max_bytes", "400"))
        mb = 255 if max_bytes == 400 else max(0, min(max_bytes, 254))
        seeds[f"case_{i:03d}"] = bytes([mb]) + u32(i * 0x9E3779B1 + i) + u32(i) + text.encode()
    return seeds


def line_reader():
    notes = (FIXTURES / "text" / "notes.txt").read_bytes()
    stream = line_chunks((FIXTURES / "claude" / "markdown.jsonl").read_bytes())[0]
    return {
        "notes_default": b"\x00" + u32(2) + notes,
        "notes_short_limit": bytes([40]) + u32(3) + notes,
        "notes_crlf_bytewise": bytes([60]) + u32(0) + notes.replace(b"\n", b"\r\n"),
        "stream_json_limit": bytes([200]) + u32(1 + (500 << 2)) + stream,
        "edge_lines": bytes([4]) + u32(2) + b"abcd\r\nabcde\nabc\r\r\n\n\nlongerline\nx\r",
        "no_final_newline": bytes([0]) + u32(1 + (3 << 2)) + b"one\ntwo\nthree",
    }


def catalogue():
    text = (ROOT / "src" / "models" / "catalogue.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    small = {"format": 1, "models": doc["models"][:1]}
    local = {"format": 1, "models": [{
        "name": "tiny.model_1", "kind": "gguf", "description": "Ünïcode \"quoted\" \\ \u0001",
        "licence": "MIT", "homepage": "", "main": ".",
        "files": [{"name": "a.bin", "size": 1, "sha256": "0" * 64,
                   "parts": [{"package": "p", "version": "1", "member": "p/a.bin"}]}]}]}
    bad = {"format": 2, "models": [{"name": "Bad/Name", "files": [{"name": "../x", "size": 0}]}]}
    return {
        "builtin_first_model": json.dumps(small, indent=2, ensure_ascii=False).encode(),
        "local_dir_main": json.dumps(local, ensure_ascii=False).encode(),
        "problems": json.dumps(bad).encode(),
    }


def manifest_text(m):
    """The layout Manifest::to_json writes (src/models/manifest.cpp)."""
    q = lambda s: json.dumps(s, ensure_ascii=False)
    out = '{\n  "format": 1'
    for key in ("name", "kind", "description", "licence", "homepage", "main", "source"):
        out += f",\n  {q(key)}: {q(m.get(key, ''))}"
    if m.get("source_path"):
        out += f',\n  "source_path": {q(m["source_path"])}'
    pk = m.get("packages", [])
    out += ',\n  "packages": [' + ",".join(
        f'\n    {{"package": {q(p["package"])}, "version": {q(p["version"])}}}' for p in pk)
    out += "\n  ]" if pk else "]"
    out += ',\n  "files": [' + ",".join(
        f'\n    {{"name": {q(f["name"])}, "size": {f["size"]}, "sha256": {q(f["sha256"])}}}'
        for f in m["files"]) + "\n  ]"
    out += f',\n  "size": {sum(f["size"] for f in m["files"])}'
    out += f',\n  "installed_at": {q(m.get("installed_at", ""))}\n}}\n'
    return out


def manifest():
    doc = json.loads((ROOT / "src" / "models" / "catalogue.json").read_text(encoding="utf-8"))
    seeds = {}
    for spec in doc["models"][:2]:
        packages = []
        for f in spec["files"]:
            for p in f["parts"]:
                ref = {"package": p["package"], "version": p["version"]}
                if ref not in packages:
                    packages.append(ref)
        m = dict(spec, source="pypi", packages=packages, installed_at="2026-11-26T10:53:00Z",
                 files=[{k: f[k] for k in ("name", "size", "sha256")} for f in spec["files"]])
        seeds[f"pypi_{spec['name']}"] = manifest_text(m).encode()
    local = {"name": "my-model", "kind": "gguf", "main": "model.gguf", "source": "local",
             "source_path": "/home/me/モデル/model.gguf", "licence": "", "homepage": "",
             "files": [{"name": "model.gguf", "size": 123456, "sha256": "ab" * 32}]}
    seeds["local"] = manifest_text(local).encode()
    return seeds


def worker_config():
    docs = (ROOT / "docs" / "workers.md").read_text(encoding="utf-8")
    seeds = {}
    blocks = [b.split("```", 1)[0] for b in docs.split("```json\n")[1:]]
    for i, block in enumerate(b for b in blocks if '"workers"' in b):
        seeds[f"docs_workers_md_{i}"] = block.encode()
    seeds["bad_fields"] = (b'{"workers":{"x":{"comand":["a"],"pool":"two","transport":"tcp",'
                           b'"env":{"A":1},"start_timeout_s":"soon","queue_limit":-5}},"extra":1}')
    seeds["override"] = (b'{"workers":{"kokoro-ja":{"pool":2,"env":{"OMP_NUM_THREADS":"2"}},'
                         b'"tone":{"command":["python3","-m","stream_tts_worker.tone_worker"],'
                         b'"args":["--chunks","4"],"transport":"unix","start_timeout_s":5,'
                         b'"request_timeout_s":0.5,"health_interval_s":0,"max_attempts":3,'
                         b'"cwd":"/tmp","max_in_flight":2,"shutdown_grace_s":1}}}')
    return seeds


def models_dir():
    """The model store (src/models: STREAM_TTS_MODELS_DIR, else $XDG_DATA_HOME/stream-tts/models)."""
    import os
    if os.environ.get("STREAM_TTS_MODELS_DIR"):
        return pathlib.Path(os.environ["STREAM_TTS_MODELS_DIR"])
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return pathlib.Path(data) / "stream-tts" / "models"


def pb_varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def pb_field(number, payload):
    """A length-delimited protobuf field (wire type 2)."""
    return pb_varint(number << 3 | 2) + pb_varint(len(payload)) + payload


def pb_fields(data):
    """(number, wire type, value) of each field of a protobuf message: ints for varints, bytes else."""
    pos, out = 0, []

    def varint():
        nonlocal pos
        v, shift = 0, 0
        while True:
            b = data[pos]
            pos += 1
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return v

    while pos < len(data):
        key = varint()
        number, wt = key >> 3, key & 7
        if wt == 0:
            out.append((number, wt, varint()))
        elif wt == 2:
            n = varint()
            out.append((number, wt, data[pos:pos + n]))
            pos += n
        elif wt in (1, 5):
            n = 8 if wt == 1 else 4
            out.append((number, wt, data[pos:pos + n]))
            pos += n
        else:
            raise ValueError(f"wire type {wt}")
    return out


def small_forest(forest, keep_trees):
    """The real TreeEnsembleClassifier model cut down to its first `keep_trees` trees (the other
    nodes and graph fields dropped), so a seed has the real structure in a few KB."""
    model = pb_fields(forest)
    graph = next(v for n, wt, v in model if n == 7)
    node = next(v for n, wt, v in pb_fields(graph) if n == 1 and b"TreeEnsembleClassifier" in v)
    attrs = {}
    for n, wt, v in pb_fields(node):
        if n == 5:
            fields = pb_fields(v)
            name = next(x for k, _, x in fields if k == 1).decode()
            attrs[name] = fields
    def ints(name):
        out = []
        for k, wt, x in attrs[name]:
            if k == 8 and wt == 0:
                out.append(x)
            elif k == 8:
                p, vals = 0, []
                while p < len(x):
                    v, shift = 0, 0
                    while True:
                        b = x[p]; p += 1
                        v |= (b & 0x7F) << shift; shift += 7
                        if not b & 0x80:
                            break
                    vals.append(v)
                out += vals
        return out
    def floats(name):
        out = []
        for k, wt, x in attrs[name]:
            if k == 7 and wt == 5:
                out.append(x)
            elif k == 7:
                out += [x[i:i + 4] for i in range(0, len(x), 4)]
        return out
    def strings(name):
        return [x for k, _, x in attrs[name] if k == 9]
    trees = ints("nodes_treeids")
    keep = [i for i, t in enumerate(trees) if t < keep_trees]
    ctrees = ints("class_treeids")
    ckeep = [i for i, t in enumerate(ctrees) if t < keep_trees]
    def attr(name, kind, idx):
        if kind == "i":
            vals = ints(name)
            body = pb_field(8, b"".join(pb_varint(vals[i]) for i in idx))
        elif kind == "f":
            vals = floats(name)
            body = pb_field(7, b"".join(vals[i] for i in idx))
        else:
            vals = strings(name)
            body = b"".join(pb_field(9, vals[i]) for i in idx)
        return pb_field(5, pb_field(1, name.encode()) + body)
    body = pb_field(4, b"TreeEnsembleClassifier")
    for name, kind in [("nodes_treeids", "i"), ("nodes_nodeids", "i"), ("nodes_featureids", "i"),
                       ("nodes_values", "f"), ("nodes_modes", "s"), ("nodes_truenodeids", "i"),
                       ("nodes_falsenodeids", "i")]:
        body += attr(name, kind, keep)
    for name, kind in [("class_treeids", "i"), ("class_nodeids", "i"), ("class_ids", "i"),
                       ("class_weights", "f")]:
        body += attr(name, kind, ckeep)
    return pb_field(7, pb_field(1, body))


def nani_model():
    """The real pair (kokoro-ja-g2p's nani_enc.onnx, 2.7 KB, and its forest cut to 1-2 trees), a
    truncated forest and a forest with a cycle, each as u32 encoder length + encoder + forest.
    Needs `stream-tts models install kokoro-ja-g2p`; without it only the hand-made seeds."""
    seeds = {}
    folder = models_dir() / "kokoro-ja-g2p"
    def pair(enc, forest):
        return u32(len(enc)) + enc + forest
    # A hand-made model: six one-category encoders, one tree whose root branches on feature 0.
    enc = pb_field(7, b"".join(pb_field(1, pb_field(4, b"OneHotEncoder") + pb_field(5, pb_field(1, b"cats_strings")
                                                                                     + pb_field(9, c.encode())))
                               for c in ["名詞", "接尾", "助数詞", "ニン", "*", "*"]))
    def tree(true_id, modes=(b"BRANCH_LEQ", b"LEAF", b"LEAF")):
        a = lambda name, body: pb_field(5, pb_field(1, name) + body)
        ints = lambda vals: pb_field(8, b"".join(pb_varint(v) for v in vals))
        flts = lambda vals: pb_field(7, b"".join(struct.pack("<f", v) for v in vals))
        body = pb_field(4, b"TreeEnsembleClassifier")
        body += a(b"nodes_treeids", ints([0, 0, 0])) + a(b"nodes_nodeids", ints([0, 1, 2]))
        body += a(b"nodes_featureids", ints([0, 0, 0])) + a(b"nodes_values", flts([0.5, 0, 0]))
        body += a(b"nodes_modes", b"".join(pb_field(9, m) for m in modes))
        body += a(b"nodes_truenodeids", ints([true_id, 0, 0])) + a(b"nodes_falsenodeids", ints([2, 0, 0]))
        body += a(b"class_treeids", ints([0, 0])) + a(b"class_nodeids", ints([1, 2]))
        body += a(b"class_ids", ints([0, 1])) + a(b"class_weights", flts([1.0, 1.0]))
        return pb_field(7, pb_field(1, body))
    seeds["handmade"] = pair(enc, tree(1))
    seeds["handmade_cycle"] = pair(enc, tree(0))
    seeds["handmade_leaf_root"] = pair(enc, tree(1, (b"LEAF", b"LEAF", b"LEAF")))
    if (folder / "nani_enc.onnx").exists():
        real_enc = (folder / "nani_enc.onnx").read_bytes()
        real_forest = (folder / "nani_model.onnx").read_bytes()
        seeds["real_one_tree"] = pair(real_enc, small_forest(real_forest, 1))
        seeds["real_two_trees"] = pair(real_enc, small_forest(real_forest, 2))
        seeds["real_truncated"] = pair(real_enc, real_forest[:1024])
        seeds["real_swapped"] = pair(small_forest(real_forest, 1), real_enc)
    else:
        print(f"nani_model: {folder} has no nani_enc.onnx (stream-tts models install kokoro-ja-g2p); "
              "hand-made seeds only", file=sys.stderr)
    return seeds


def kokoro_vocab():
    """kokoro-ja's vocab.json (1.2 KB) when installed, and small good and bad vocabularies."""
    seeds = {
        "one": b'{"vocab": {"a": 43}}',
        "escapes": b'{"vocab": {"\\u0254": 1, "\\n": 2, "\\ud83d\\ude00": 3, "\\u02c8": 4}}',
        "negative": b'{"vocab": {"a": -1}}',
        "two_chars": b'{"vocab": {"ab": 1}}',
        "empty": b'{"vocab": {}}',
        "not_object": b'{"vocab": ["a", 1]}',
        "float_id": b'{"vocab": {"a": 1.5, "b": 2}}',
        "duplicate": b'{"vocab": {"a": 1, "a": 2}, "extra": true}',
    }
    real = models_dir() / "kokoro-ja" / "vocab.json"
    if real.exists():
        seeds["real"] = real.read_bytes()
    else:
        print(f"kokoro_vocab: {real} missing (stream-tts models install kokoro-ja); small seeds only",
              file=sys.stderr)
    return seeds


NMT = GOLDEN / "nmt"


def nmt_config():
    """config.json + generation_config.json of the tiny golden models, and edits of them that the reader
    must refuse (ids outside the vocabulary, unsupported architectures) or accept (no generation file)."""
    seeds = {}

    def pair(config, generation):
        c = json.dumps(config, indent=1).encode()
        g = json.dumps(generation, indent=1).encode() if generation is not None else b""
        return u32(len(c)) + c + g

    for model in ("tiny-nllb", "tiny-marian"):
        config = json.loads((NMT / model / "config.json").read_text())
        generation = json.loads((NMT / model / "generation_config.json").read_text())
        seeds[model] = pair(config, generation)
        seeds[f"{model}_no_generation"] = pair(config, None)
        seeds[f"{model}_forced"] = pair(config, dict(generation, forced_bos_token_id=5, forced_eos_token_id=2,
                                                     bad_words_ids=[[1], [3, 4]], early_stopping="never",
                                                     length_penalty=0.5, eos_token_id=[2, 3]))
        seeds[f"{model}_bad_eos"] = pair(config, dict(generation, eos_token_id=10**9))
        seeds[f"{model}_bad_start"] = pair(dict(config, decoder_start_token_id=config["vocab_size"]), generation)
        seeds[f"{model}_bad_heads"] = pair(dict(config, d_model=30, encoder_attention_heads=4), generation)
        seeds[f"{model}_big_ids"] = pair(config, dict(generation, bad_words_ids=[[2**32 + 1]], max_length=0))
    seeds["unsupported"] = pair({"model_type": "t5", "d_model": 8}, None)
    seeds["not_object"] = u32(2) + b"[]{}"
    return seeds


def nmt_vocab():
    """Small tokenizer files in the four layouts the reader takes (first byte: 0 tokenizer.json,
    1 vocab.json, 2 tokenizer_config.json, 3 special_tokens_map.json), cut from the tiny golden models,
    and bad ones (huge or negative ids, wrong types)."""
    seeds = {}
    tok = json.loads((NMT / "tiny-nllb" / "tokenizer.json").read_text())
    vocab = tok["model"]["vocab"]
    small_vocab = vocab[:40] if isinstance(vocab, list) else dict(list(vocab.items())[:40])
    small = {"version": "1.0", "added_tokens": tok.get("added_tokens", [])[:6],
             "model": {"type": tok["model"].get("type", "Unigram"), "vocab": small_vocab}}
    seeds["tokenizer_small"] = b"\0" + json.dumps(small, ensure_ascii=False).encode()
    other = dict(small, model={"type": "BPE", "vocab": {"a": 0, "b": 1, "\u2581c": 2}})
    seeds["tokenizer_bpe"] = b"\0" + json.dumps(other).encode()
    seeds["tokenizer_huge_id"] = b"\0" + json.dumps(dict(small, added_tokens=[
        {"id": 2**31 - 1, "content": "x", "special": True}])).encode()
    marian = json.loads((NMT / "tiny-marian" / "vocab.json").read_text())
    seeds["vocab_small"] = b"\1" + json.dumps(dict(list(marian.items())[:60]), ensure_ascii=False).encode()
    seeds["vocab_bad"] = b"\1" + b'{"a": 1, "b": -4, "c": 1e3, "d": 99999999999999999999999}'
    config = json.loads((NMT / "tiny-nllb" / "tokenizer_config.json").read_text())
    decoder = dict(list(config.get("added_tokens_decoder", {}).items())[:8])
    seeds["config_small"] = b"\2" + json.dumps({"clean_up_tokenization_spaces": True,
                                                 "added_tokens_decoder": decoder,
                                                 "model_max_length": 10**30}).encode()
    seeds["config_bad_key"] = b"\2" + b'{"added_tokens_decoder": {"12x": {"content": "a"}, "-3": {"content": "b"}}}'
    seeds["special_map"] = b"\3" + (NMT / "tiny-marian" / "special_tokens_map.json").read_bytes()
    seeds["special_object"] = b"\3" + b'{"unk_token": {"content": "<unk>", "lstrip": false}}'
    return seeds


TARGETS = {
    "worker_frame": worker_frame, "claude": claude, "jsonl": jsonl, "text_input": text_input,
    "cleaner": cleaner, "segmenter": segmenter, "line_reader": line_reader,
    "catalogue": catalogue, "manifest": manifest, "worker_config": worker_config,
    "nani_model": nani_model, "kokoro_vocab": kokoro_vocab, "nmt_config": nmt_config, "nmt_vocab": nmt_vocab,
}


def main(names):
    for name in names or TARGETS:
        seeds = TARGETS[name]()
        folder = OUT / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            # Kept: inputs that once failed (regress_*) and libFuzzer's finds (found_*), docs/fuzzing.md.
            if not old.name.startswith(("regress_", "found_")):
                old.unlink()
        for seed_name, data in seeds.items():
            (folder / seed_name).write_bytes(data)
        print(f"{name}: {len(seeds)} seeds, {sum(len(d) for d in seeds.values())} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
