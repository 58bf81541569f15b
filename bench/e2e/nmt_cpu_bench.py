#!/usr/bin/env python3
"""CPU speed of the `nmt` backend against Hugging Face transformers and CTranslate2, in one run.

One sentence = 24 source tokens -> exactly 32 generated tokens (EOS ignored), batch 1, greedy, the same
token ids and the same random weights for every engine, the same thread count. Models: a Marian-size
model (OPUS-MT en-xx shape, ~74 M parameters) and the NLLB-200-distilled-600M architecture, with random
weights generated here into --work (transformers, seeded) and converted for CTranslate2.

    scripts/setup-nmt-eval.sh
    ninja -C build-nmt bench_nmt_cpu
    nice -n 10 ~/.cache/stream-tts/venv-nmt/bin/python bench/e2e/nmt_cpu_bench.py \
        --binary build-nmt/bench/e2e/bench_nmt_cpu --threads 2 --out /tmp/nmt_cpu_bench.json

Every engine is loaded once and the timed sentences are interleaved round by round (the machine here
is shared and its load changes during a run). Prints and writes one JSON object: per model, per
engine, p50/p95 ms per sentence, and the ratios.

Engines: ours-fp32, ours-int8 (bench_nmt_cpu), transformers (fp32 generate()), ct2-float32, ct2-int8,
and with a target-vocabulary shortlist of --shortlist-ids N ids (default 32,000; the LM head scores
those rows + the sentence's source ids + the special tokens): ours-fp32-sl, ours-int8-sl
(bench_nmt_cpu --shortlist-ids), ct2-float32-vmap, ct2-int8-vmap (CTranslate2's vocabulary map,
use_vmap: the same ids as fixed candidates + a rule mapping each source token to itself). The ids are
chosen as bench/gpu/nmt/nmt_gpu_bench.py chooses its shortlist: numpy default_rng(42) choice among
the non-special ids, the special tokens included. transformers has no shortlist.
"""
import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "nmt")

ARCHS = {
    # Helsinki-NLP/opus-mt-en-* shape.
    "marian-base": dict(kind="marian", d_model=512, layers=6, heads=8, ffn=2048, vocab=58101, max_pos=512),
    # facebook/nllb-200-distilled-600M shape.
    "nllb-600m": dict(kind="m2m_100", d_model=1024, layers=12, heads=16, ffn=4096, vocab=256206, max_pos=1024),
}


def make_model(name, spec, work):
    """Random weights of the architecture, saved as transformers saves them, plus tokenizer files."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, MarianConfig, MarianMTModel
    out = os.path.join(work, name)
    if os.path.exists(os.path.join(out, "model.safetensors")):
        return out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    common = dict(d_model=spec["d_model"], encoder_layers=spec["layers"], decoder_layers=spec["layers"],
                  encoder_attention_heads=spec["heads"], decoder_attention_heads=spec["heads"],
                  encoder_ffn_dim=spec["ffn"], decoder_ffn_dim=spec["ffn"], vocab_size=spec["vocab"],
                  max_position_embeddings=spec["max_pos"], scale_embedding=True, dropout=0.0)
    if spec["kind"] == "marian":
        pad = spec["vocab"] - 1
        config = MarianConfig(**common, decoder_vocab_size=spec["vocab"], activation_function="swish",
                              pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad,
                              forced_eos_token_id=0)
        model = MarianMTModel(config)
        # The tiny model's SentencePiece files, with vocab.json filled to the real size (pad last).
        for f in ("source.spm", "target.spm", "tokenizer_config.json", "special_tokens_map.json"):
            shutil.copy(os.path.join(GOLDEN, "tiny-marian", f), out)
        with open(os.path.join(GOLDEN, "tiny-marian", "vocab.json"), encoding="utf-8") as f:
            tiny = json.load(f)
        vocab = {k: v for k, v in tiny.items() if k != "<pad>"}
        while len(vocab) < pad:
            vocab["▁filler%d" % len(vocab)] = len(vocab)
        vocab["<pad>"] = pad
        with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump(vocab, f, ensure_ascii=False)
        with open(os.path.join(out, "tokenizer_config.json"), encoding="utf-8") as f:
            tc = json.load(f)
        tc["added_tokens_decoder"] = {k: v for k, v in tc["added_tokens_decoder"].items() if v["content"] != "<pad>"}
        tc["added_tokens_decoder"][str(pad)] = {"content": "<pad>", "lstrip": False, "normalized": False,
                                               "rstrip": False, "single_word": False, "special": True}
        with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(tc, f)
    else:
        config = M2M100Config(**common, activation_function="relu", pad_token_id=1, bos_token_id=0,
                              eos_token_id=2, decoder_start_token_id=2)
        model = M2M100ForConditionalGeneration(config)
        for f in os.listdir(os.path.join(GOLDEN, "tiny-nllb")):
            if f not in ("model.safetensors", "config.json", "generation_config.json"):
                shutil.copy(os.path.join(GOLDEN, "tiny-nllb", f), out)
    model.eval().save_pretrained(out, safe_serialization=True)
    del model
    gc.collect()
    return out


def source_ids(spec):
    # 24 ids: ordinary tokens of the (tiny) real vocabulary, then EOS; NLLB starts with eng_Latn.
    if spec["kind"] == "marian":
        return [10 + 37 * i % 1500 for i in range(23)] + [0]
    return [2048] + [10 + 37 * i % 1900 for i in range(22)] + [2]


def make_shortlist(vocab, size, specials, seed=42):
    """`size` ids chosen deterministically (seeded) among the vocabulary, the special tokens included;
    sorted. The rule of bench/gpu/nmt/nmt_gpu_bench.py make_shortlist."""
    import numpy as np
    specials = sorted(set(int(x) for x in specials if 0 <= x < vocab))
    rest = np.setdiff1d(np.arange(vocab), specials)
    pick = np.random.default_rng(seed).choice(rest, size - len(specials), replace=False)
    return sorted(set(specials) | set(int(x) for x in pick))


def shortlist_for(name, spec, size):
    """The benchmark shortlist of model `name`: specials 0-3 and the model's pad, eos and decoder start."""
    if spec["kind"] == "marian":
        specials = [0, 1, 2, 3, spec["vocab"] - 1]  # eos 0, pad = decoder start = vocab - 1
    else:
        specials = [0, 1, 2, 3]  # bos, pad, eos (= decoder start), unk
    return make_shortlist(spec["vocab"], size, specials)


def summary(ms):
    ms = sorted(ms)
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 2),
            "min_ms": round(ms[0], 2), "runs": len(ms)}


class Transformers:
    def __init__(self, model_dir, ids, tokens, threads):
        import torch
        from transformers import AutoModelForSeq2SeqLM
        torch.set_num_threads(threads)
        self.torch = torch
        self.model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
        self.x = torch.tensor([ids])
        self.tokens = tokens
        self.info = {"engine": "transformers fp32 generate()", "version": __import__("transformers").__version__,
                     "torch": torch.__version__}

    def once(self):
        t = time.perf_counter()
        with self.torch.inference_mode():
            out = self.model.generate(input_ids=self.x, attention_mask=self.torch.ones_like(self.x), do_sample=False,
                                      num_beams=1, min_new_tokens=self.tokens, max_new_tokens=self.tokens)
        ms = (time.perf_counter() - t) * 1000
        assert out.shape[1] == self.tokens + 1, out.shape
        return ms

    def close(self):
        del self.model
        gc.collect()


class CTranslate2:
    def __init__(self, model_dir, ids, tokens, threads, quantization, work, shortlist=None, use_vmap=False,
                 loaded=None):
        """shortlist: write a vmap.txt of these ids next to the model; use_vmap: translate with it.
        loaded {dir: Translator}: ct2-X and ct2-X-vmap share one loaded model (use_vmap is per call)."""
        import ctranslate2
        from ctranslate2.converters import TransformersConverter
        out = os.path.join(work, os.path.basename(model_dir) + "-ct2-" + quantization)
        if not os.path.exists(os.path.join(out, "model.bin")):
            TransformersConverter(model_dir).convert(out, quantization=quantization, force=True)
        vocab_file = os.path.join(out, "shared_vocabulary.json")
        if not os.path.exists(vocab_file):
            vocab_file = os.path.join(out, "source_vocabulary.json")
        with open(vocab_file, encoding="utf-8") as f:
            vocab = json.load(f)
        self.source = [vocab[i] for i in ids]
        self.use_vmap = use_vmap
        if shortlist is not None:
            out = self.vmap_dir(out, vocab, shortlist)
        loaded = {} if loaded is None else loaded
        if out not in loaded:
            loaded[out] = ctranslate2.Translator(out, device="cpu", inter_threads=1, intra_threads=threads,
                                                 compute_type=quantization)
        self.translator = loaded[out]
        self.tokens = tokens
        self.info = {"engine": "ctranslate2 %s" % quantization + (" vmap" if self.use_vmap else ""),
                     "version": ctranslate2.__version__}
        if self.use_vmap:
            self.info["shortlist_ids"] = len(shortlist)

    def vmap_dir(self, out, vocab, shortlist):
        """A copy of the converted model (links) with a vmap.txt: the shortlist's pieces as fixed
        candidates (a line with an empty source) and each source token mapped to itself, which is what
        our shortlist allows for this sentence."""
        vdir = "%s-vmap%d" % (out, len(shortlist))
        os.makedirs(vdir, exist_ok=True)
        for f in os.listdir(out):
            if not os.path.exists(os.path.join(vdir, f)):
                os.symlink(os.path.join(out, f), os.path.join(vdir, f))
        with open(os.path.join(vdir, "vmap.txt"), "w", encoding="utf-8") as f:
            f.write("\t" + " ".join(vocab[i] for i in shortlist if i < len(vocab)) + "\n")
            for tok in sorted(set(self.source)):
                f.write("%s\t%s\n" % (tok, tok))
        return vdir

    def once(self):
        t = time.perf_counter()
        res = self.translator.translate_batch([self.source], beam_size=1, min_decoding_length=self.tokens,
                                              max_decoding_length=self.tokens, return_end_token=True,
                                              use_vmap=self.use_vmap)
        ms = (time.perf_counter() - t) * 1000
        assert len(res[0].hypotheses[0]) >= self.tokens - 1
        return ms

    def close(self):
        del self.translator
        gc.collect()


class Ours:
    """bench_nmt_cpu --serve: loaded once, one timed sentence per request."""

    def __init__(self, binary, model_dir, ids, tokens, threads, int8, shortlist_file=None):
        cmd = [binary, "--model", model_dir, "--ids", ",".join(map(str, ids)), "--tokens", str(tokens),
               "--threads", str(threads), "--serve"] + (["--int8"] if int8 else [])
        if shortlist_file:
            cmd += ["--shortlist-ids", shortlist_file]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = self.p.stdout.readline().split()
        assert ready and ready[0] == "ready", ready
        self.info = {"engine": "stream-tts nmt %s" % ("int8" if int8 else "fp32") + (" shortlist" if shortlist_file
                                                                                     else ""),
                     "load_ms": float(ready[1])}
        if len(ready) >= 4:
            self.info.update(gemm_kernel=ready[2], int8_kernel=ready[3])
        if len(ready) >= 5 and int(ready[4]):
            self.info["shortlist_ids"] = int(ready[4])

    def once(self):
        self.p.stdin.write("go\n")
        self.p.stdin.flush()
        return float(self.p.stdout.readline())

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def open_engine(name, args, model_dir, ids, shortlist, shortlist_file, loaded):
    if name in ("ours-fp32", "ours-int8", "ours-fp32-sl", "ours-int8-sl"):
        return Ours(args.binary, model_dir, ids, args.tokens, args.threads, "int8" in name,
                    shortlist_file if name.endswith("-sl") else None)
    if name == "transformers":
        return Transformers(model_dir, ids, args.tokens, args.threads)
    if name in ("ct2-float32", "ct2-int8", "ct2-float32-vmap", "ct2-int8-vmap"):
        quantization = name.split("-")[1]
        # With a -vmap engine of the same quantization in the run, both load the model dir that holds
        # the vmap.txt, and share it.
        vmap = f"ct2-{quantization}-vmap" in args.engines.split(",")
        return CTranslate2(model_dir, ids, args.tokens, args.threads, quantization, args.work,
                           shortlist if vmap else None, name.endswith("-vmap"), loaded)
    raise ValueError(name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "build-nmt", "bench", "e2e", "bench_nmt_cpu"))
    ap.add_argument("--work", default="/tmp/stream-tts-nmt-bench")
    ap.add_argument("--models", default="marian-base,nllb-600m")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--engines", default="ours-fp32,ours-int8,transformers,ct2-float32,ct2-int8")
    ap.add_argument("--shortlist-ids", type=int, default=32000,
                    help="ids in the shortlist of the -sl and -vmap engines (special tokens included)")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    engines = args.engines.split(",")
    report = {"what": "24 source tokens -> 32 forced target tokens, batch 1, greedy, CPU",
              "threads": args.threads, "machine": platform.processor() or platform.machine(),
              "cpus": os.cpu_count(), "loadavg_start": os.getloadavg(),
              "command": " ".join(["bench/e2e/nmt_cpu_bench.py"] + sys.argv[1:]), "models": {}}
    for name in args.models.split(","):
        spec = ARCHS[name]
        model_dir = make_model(name, spec, args.work)
        ids = source_ids(spec)
        shortlist = shortlist_for(name, spec, args.shortlist_ids)
        shortlist_file = os.path.join(args.work, "%s-shortlist-%d.txt" % (name, args.shortlist_ids))
        with open(shortlist_file, "w") as f:
            f.write("\n".join(map(str, shortlist)) + "\n")
        # Every engine stays loaded; rounds visit them in turn (rotating the order), so that a change
        # in the machine's load during the run hits all of them alike.
        opened, loaded = {}, {}
        for engine in engines:
            print(f"[nmt-bench] {name}: loading {engine}", file=sys.stderr, flush=True)
            opened[engine] = open_engine(engine, args, model_dir, ids, shortlist, shortlist_file, loaded)
        times = {e: [] for e in engines}
        for r in range(args.warmup + args.runs):
            order = engines[r % len(engines):] + engines[:r % len(engines)]
            for engine in order:
                ms = opened[engine].once()
                if r >= args.warmup:
                    times[engine].append(ms)
            print(f"[nmt-bench] {name}: round {r}: " + ", ".join(f"{e} {times[e][-1]:.0f}" for e in engines
                  if times[e]), file=sys.stderr, flush=True)
        results = {}
        for engine in engines:
            results[engine] = dict(opened[engine].info, threads=args.threads, **summary(times[engine]))
            opened[engine].close()
        loaded.clear()
        gc.collect()
        ratios = {}
        for ours in ("ours-fp32", "ours-int8", "ours-fp32-sl", "ours-int8-sl"):
            for base in ("transformers", "ct2-float32", "ct2-int8", "ct2-float32-vmap", "ct2-int8-vmap"):
                if ours in results and base in results:
                    ratios[f"{base} / {ours}"] = round(results[base]["p50_ms"] / results[ours]["p50_ms"], 2)
        report["models"][name] = {"architecture": spec, "source_tokens": len(ids), "target_tokens": args.tokens,
                                  "shortlist": dict(ids=len(shortlist), seed=42, rule="numpy default_rng(42) "
                                                    "choice among the non-special ids, specials included; "
                                                    "plus the sentence's source ids"),
                                  "results": results, "speedup": ratios}
    report["loadavg_end"] = os.getloadavg()
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
