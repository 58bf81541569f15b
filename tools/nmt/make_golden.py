#!/usr/bin/env python3
"""Builds the tiny random-weight NLLB-style and Marian-style models and their golden outputs under
tests/golden/nmt/ (committed; CI compares the C++ `nmt` backend against them without Python).

Run with the venv of scripts/setup-nmt-eval.sh:
    ~/.cache/stream-tts/venv-nmt/bin/python tools/nmt/make_golden.py [--out tests/golden/nmt] [--beams-only]

Besides greedy outputs (<model>.golden.json) it records beam search for 2 and 4 beams
(<model>.beams.json, record_beams); --beams-only rewrites just those from the committed models.

Reproducible: SentencePiece is trained single-threaded on a fixed input, torch is seeded, and the
package versions are pinned by the setup script. The NLLB-style model is saved as F32, the Marian-style
one as F16 (its weights rounded to fp16 before the reference run), so both reader paths run end to end.

Near-ties. Random weights give logits whose top-1 and top-2 can be almost equal, and then a 1e-6
difference between two correct implementations changes the argmax and every later token. Two measures:
(1) the weights are initialised with init_std = 0.2 (transformers' default 0.02 gives nearly flat
logits), so most steps have a clear margin; (2) every step records the top-1/top-2 margin of the raw
logits, and tests require identical tokens only up to and including the first step whose margin is
below MARGIN_THRESHOLD (documented in golden.json). The C++ logits agree with torch to ~1e-5, so a
threshold of 1e-3 leaves two orders of magnitude of headroom while excluding genuine ties.
"""
import argparse
import json
import os
import shutil
import tempfile

import numpy as np
import sentencepiece as spm
import torch
from transformers import (M2M100Config, M2M100ForConditionalGeneration, MarianConfig, MarianMTModel,
                          MarianTokenizer, NllbTokenizer, NllbTokenizerFast)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEV = os.path.join(ROOT, "..", "shared", "data", "tatoeba-eng-jpn.dev.tsv")
MARGIN_THRESHOLD = 1e-3
MAX_NEW_TOKENS = 20
N_CASES = 24
N_LOGIT_CASES = 3
INIT_STD = 0.2


def read_dev(path):
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0] and parts[1]:
                pairs.append((parts[0], parts[1]))
    return pairs


def train_spm(lines, prefix, vocab_size, model_type, coverage=1.0, **extra):
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        text = f.name
    spm.SentencePieceTrainer.train(
        input=text, model_prefix=prefix, vocab_size=vocab_size, model_type=model_type,
        character_coverage=coverage, num_threads=1, shuffle_input_sentence=False, hard_vocab_limit=False,
        minloglevel=2, **extra)
    os.unlink(text)
    return prefix + ".model"


def pick_inputs(pairs):
    # Every 37th English sentence: spread over the file, fixed.
    return [pairs[i][0] for i in range(0, len(pairs), 37)][:N_CASES]


def record(model, tok, texts, gen_kwargs, make_inputs, pad_id):
    cases, logits = [], []
    for i, text in enumerate(texts):
        enc = make_inputs(text)
        with torch.no_grad():
            out = model.generate(**enc, do_sample=False, num_beams=1, max_new_tokens=MAX_NEW_TOKENS,
                                 output_logits=True, output_scores=True, return_dict_in_generate=True,
                                 **gen_kwargs)
        seq = out.sequences[0].tolist()
        steps = []
        for step, (raw, processed) in enumerate(zip(out.logits, out.scores)):
            raw = raw[0].float()
            processed = processed[0].float()
            # A step is forced when the processors left one finite logit (forced BOS/EOS).
            finite = torch.isfinite(processed)
            forced = int(finite.sum()) == 1
            allowed = raw.clone()
            allowed[~finite] = -float("inf")
            top2 = torch.topk(allowed, 2).values
            margin = float(top2[0] - top2[1]) if not forced else float("inf")
            steps.append({"token": seq[step + 1], "forced": forced,
                          "margin": margin if np.isfinite(margin) else None})
        clear = all(s["forced"] or s["margin"] >= MARGIN_THRESHOLD for s in steps)
        cases.append({
            "text": text,
            "source_ids": enc["input_ids"][0].tolist(),
            "output_ids": seq,
            "steps": steps,
            "all_steps_clear": clear,
            "output_text": tok.decode(seq, skip_special_tokens=True),
        })
        if i < N_LOGIT_CASES:
            # Raw logits of the first two decoder steps, for a prefix of the generated sequence.
            with torch.no_grad():
                dec = torch.tensor([seq[:2]])
                o = model(**enc, decoder_input_ids=dec)
            logits.append({"case": i, "decoder_input_ids": seq[:2],
                           "logits": [[round(float(x), 6) for x in row] for row in o.logits[0]]})
    return cases, logits


def make_nllb(pairs, out_dir, work):
    lines = [e for e, _ in pairs] + [j for _, j in pairs]
    # NLLB's own model numbers <unk>=0 <s>=1 </s>=2; the tokenizer adds fairseq's offset on top.
    model_file = train_spm(lines, os.path.join(work, "nllb"), 2000, "bpe", coverage=0.995, unk_id=0, bos_id=1, eos_id=2,
                           pad_id=-1)
    slow = NllbTokenizer(vocab_file=model_file, src_lang="eng_Latn", tgt_lang="jpn_Jpan")
    slow.save_pretrained(os.path.join(work, "nllb-slow"))
    tok = NllbTokenizerFast.from_pretrained(os.path.join(work, "nllb-slow"), src_lang="eng_Latn",
                                            tgt_lang="jpn_Jpan")
    torch.manual_seed(1234)
    config = M2M100Config(
        vocab_size=len(tok), d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
        decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128, max_position_embeddings=128,
        scale_embedding=True, activation_function="relu", dropout=0.0, attention_dropout=0.0,
        activation_dropout=0.0, init_std=INIT_STD, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        decoder_start_token_id=2, tie_word_embeddings=True)
    model = M2M100ForConditionalGeneration(config).eval()
    model.generation_config.max_length = 200
    model.save_pretrained(out_dir, safe_serialization=True)
    tok.save_pretrained(out_dir)
    tgt = tok.convert_tokens_to_ids("jpn_Jpan")
    texts = pick_inputs(pairs)

    def inputs(text):
        return tok(text, return_tensors="pt")

    cases, logits = record(model, tok, texts, {"forced_bos_token_id": tgt}, inputs, 1)
    return {"model": "tiny-nllb", "src_lang": "eng_Latn", "tgt_lang": "jpn_Jpan", "cases": cases, "logits": logits}


def make_marian(pairs, out_dir, work):
    src_file = train_spm([e for e, _ in pairs], os.path.join(work, "source"), 600, "unigram")
    tgt_file = train_spm([j for _, j in pairs], os.path.join(work, "target"), 1200, "unigram", coverage=0.99)
    # OPUS-MT's layout: </s>=0, <unk>=1, the pieces of both models, <pad> last.
    vocab = {"</s>": 0, "<unk>": 1}
    for f in (src_file, tgt_file):
        sp = spm.SentencePieceProcessor(model_file=f)
        for i in range(sp.get_piece_size()):
            if sp.is_control(i) or sp.is_unknown(i):
                continue
            vocab.setdefault(sp.id_to_piece(i), len(vocab))
    vocab["<pad>"] = len(vocab)
    tok_dir = os.path.join(work, "marian-tok")
    os.makedirs(tok_dir, exist_ok=True)
    shutil.copy(src_file, os.path.join(tok_dir, "source.spm"))
    shutil.copy(tgt_file, os.path.join(tok_dir, "target.spm"))
    with open(os.path.join(tok_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    tok = MarianTokenizer(os.path.join(tok_dir, "source.spm"), os.path.join(tok_dir, "target.spm"),
                          os.path.join(tok_dir, "vocab.json"), source_lang="en", target_lang="ja")
    pad = vocab["<pad>"]
    torch.manual_seed(5678)
    config = MarianConfig(
        vocab_size=len(vocab), decoder_vocab_size=len(vocab), d_model=64, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128,
        max_position_embeddings=128, scale_embedding=True, activation_function="swish", dropout=0.0,
        attention_dropout=0.0, activation_dropout=0.0, init_std=INIT_STD, pad_token_id=pad, eos_token_id=0,
        decoder_start_token_id=pad, forced_eos_token_id=0, share_encoder_decoder_embeddings=True)
    model = MarianMTModel(config).eval()
    with torch.no_grad():  # a non-zero bias, so that the test sees whether it is applied
        model.final_logits_bias.normal_(0.0, 0.5)
    model.generation_config.bad_words_ids = [[pad]]
    # Stored as F16 (half the size, and the reader's F16 path runs end to end): round every weight to
    # fp16 first, so that the fp32 reference below runs exactly the weights the file holds.
    # The sinusoidal position tables are not saved (both sides compute them) and stay exact.
    positions = {n: t.detach().clone() for n, t in model.named_parameters() if "embed_positions" in n}
    with torch.no_grad():
        for n, t in list(model.named_parameters()) + list(model.named_buffers()):
            if t.is_floating_point() and n not in positions:
                t.copy_(t.half().float())
    model.half().save_pretrained(out_dir, safe_serialization=True)
    model.float()
    with torch.no_grad():
        for n, t in model.named_parameters():
            if n in positions:
                t.copy_(positions[n])
    tok.save_pretrained(out_dir)
    texts = pick_inputs(pairs)

    def inputs(text):
        return tok(text, return_tensors="pt")

    cases, logits = record(model, tok, texts, {}, inputs, pad)
    return {"model": "tiny-marian", "cases": cases, "logits": logits}


def record_beams(out_dir, name, beam_counts):
    """Beam-search outputs of the committed tiny models: <name>.beams.json.

    Loads the model directory as a user would (from_pretrained; the Marian model's F16 weights become
    the same fp32 values the greedy reference ran, and its position tables are recomputed), checks
    that greedy decoding still gives the committed greedy ids, then runs generate(num_beams=N,
    do_sample=False) with the generation_config defaults (length_penalty, early_stopping) for N in
    beam_counts. Each case keeps the output ids and transformers' sequence score; the tests require
    identical ids for every case (beam search ranks sums of log-probabilities; with init_std 0.2 the
    sums of these cases are far enough apart that the C++ fp32 scores choose the same beams).
    """
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    model_dir = os.path.join(out_dir, name)
    with open(os.path.join(out_dir, name + ".golden.json"), encoding="utf-8") as f:
        greedy = json.load(f)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(model_dir)
    kwargs = {}
    result = {}
    if name == "tiny-nllb":
        kwargs["forced_bos_token_id"] = tok.convert_tokens_to_ids("jpn_Jpan")
        result.update(src_lang="eng_Latn", tgt_lang="jpn_Jpan")
    result |= {"model": name, "max_new_tokens": MAX_NEW_TOKENS, "length_penalty": model.generation_config.length_penalty,
              "early_stopping": model.generation_config.early_stopping, "beams": {}}
    for case in greedy["cases"]:
        x = torch.tensor([case["source_ids"]])
        with torch.no_grad():
            out = model.generate(input_ids=x, attention_mask=torch.ones_like(x), do_sample=False, num_beams=1,
                                 max_new_tokens=MAX_NEW_TOKENS, **kwargs)
        assert out[0].tolist() == case["output_ids"], (name, case["text"])
    for n in beam_counts:
        cases = []
        for case in greedy["cases"]:
            x = torch.tensor([case["source_ids"]])

            with torch.no_grad():
                out = model.generate(input_ids=x, attention_mask=torch.ones_like(x), do_sample=False,
                                     num_beams=n, max_new_tokens=MAX_NEW_TOKENS, output_scores=True,
                                     return_dict_in_generate=True, **kwargs)
            cases.append({"text": case["text"], "source_ids": case["source_ids"],
                          "output_ids": out.sequences[0].tolist(),
                          "score": round(float(out.sequences_scores[0]), 6),
                          "output_text": tok.decode(out.sequences[0], skip_special_tokens=True)})
        result["beams"][str(n)] = cases
        print(f"{name}: beams {n}: {len(cases)} cases")
    with open(os.path.join(out_dir, name + ".beams.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "golden", "nmt"))
    ap.add_argument("--beams-only", action="store_true",
                    help="keep the committed models; only (re)write <model>.beams.json for beams 2 and 4")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.beams_only:
        for name in ("tiny-nllb", "tiny-marian"):
            record_beams(args.out, name, (2, 4))
        return
    pairs = read_dev(DEV)
    with tempfile.TemporaryDirectory() as work:
        for name, fn in (("tiny-nllb", make_nllb), ("tiny-marian", make_marian)):
            model_dir = os.path.join(args.out, name)
            shutil.rmtree(model_dir, ignore_errors=True)
            os.makedirs(model_dir)
            golden = fn(pairs, model_dir, work)
            golden.update({"max_new_tokens": MAX_NEW_TOKENS, "margin_threshold": MARGIN_THRESHOLD,
                           "init_std": INIT_STD})
            with open(os.path.join(args.out, name + ".golden.json"), "w", encoding="utf-8") as f:
                json.dump(golden, f, ensure_ascii=False, indent=1)
            with open(os.path.join(args.out, name + ".inputs.txt"), "w", encoding="utf-8") as f:
                f.write("".join(c["text"] + "\n" for c in golden["cases"]))
            with open(os.path.join(args.out, name + ".expected.txt"), "w", encoding="utf-8") as f:
                f.write("".join(c["output_text"] + "\n" for c in golden["cases"]))
            clear = sum(c["all_steps_clear"] for c in golden["cases"])
            print(f"{name}: {len(golden['cases'])} cases, {clear} with every step clear")
            record_beams(args.out, name, (2, 4))


if __name__ == "__main__":
    main()
