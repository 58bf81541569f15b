#!/usr/bin/env python3
"""Hostile and broken input and output, end to end, on the real stream-tts binary.

  hostile_case.py BINARY CASE [--seed N]

Each CASE builds its input at run time (random bytes, a 100 MB line, a burst of 2,000 messages:
nothing large is committed), runs the program, and checks what a user would see: the exit code,
exactly which warnings were printed (one per broken line, naming its line number), which sentences
were spoken (from --metrics: each valid sentence exactly once, in order), the peak memory, and for
the output cases the state of the WAV file it leaves behind. `--list` prints the case names.
"""
import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import wave

SKIP = 77  # CTest's skip code (SKIP_RETURN_CODE)


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def skip(msg):
    print("SKIP: " + msg, file=sys.stderr)
    sys.exit(SKIP)


# --- Claude Code stream-json lines --------------------------------------------------------------

SESSION = "4898af9b-1dc3-4e73-a984-63d81c9997b5"


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def init_line():
    return dumps({"type": "system", "subtype": "init", "session_id": SESSION, "tools": ["Bash"]})


def assistant_line(msg_id, text):
    return dumps({"type": "assistant",
                  "message": {"id": msg_id, "type": "message", "role": "assistant",
                              "content": [{"type": "text", "text": text}]},
                  "parent_tool_use_id": None, "session_id": SESSION})


def event_line(event):
    return dumps({"type": "stream_event", "event": event, "session_id": SESSION,
                  "parent_tool_use_id": None})


def streamed_message(msg_id, deltas, stop=True):
    """The stream events of one message with one text block made of `deltas`."""
    lines = [event_line({"type": "message_start",
                         "message": {"id": msg_id, "type": "message", "role": "assistant", "content": []}}),
             event_line({"type": "content_block_start", "index": 0,
                         "content_block": {"type": "text", "text": ""}})]
    for d in deltas:
        lines.append(event_line({"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": d}}))
    if stop:
        lines += [event_line({"type": "content_block_stop", "index": 0}),
                  event_line({"type": "message_stop"})]
    return lines


def result_line():
    return dumps({"type": "result", "subtype": "success", "is_error": False, "session_id": SESSION})


def jsonl(lines, ending=b"\n"):
    return b"".join(l + ending for l in lines)


BEFORE = "Before the noise."
AFTER = "After the noise."


# --- Running the program ------------------------------------------------------------------------

class Run:
    pass


def run(ctx, args, stdin=b"", out=None, metrics=True, timeout=60, preexec=None, before_close=None,
        stdout=subprocess.DEVNULL, prefix=None, quiet=False):
    """Runs BINARY ARGS with `stdin` (bytes, or an iterable of byte chunks) written from a thread.

    Returns a Run with rc (negative: killed by that signal), stderr, warnings (the program's own
    warning lines), spoken (the metrics' `text` fields in order), records, maxrss_mb, wall_s.
    `before_close(proc, run)` runs after the input is written and before stdin is closed.
    `quiet` keeps the program's stderr out of the test log (a debug-level run).
    """
    r = Run()
    r.input_written_s = None
    r.metrics_path = os.path.join(ctx.tmp, f"metrics-{ctx.counter}.jsonl")
    ctx.counter += 1
    cmd = (prefix or []) + [ctx.binary] + args
    if out is not None:
        cmd += ["--out", out]
    if metrics:
        cmd += ["--metrics", r.metrics_path]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=stdout, stderr=subprocess.PIPE,
                         preexec_fn=preexec)
    r.proc = p
    err_chunks = []
    reader = threading.Thread(target=lambda: err_chunks.append(p.stderr.read()))
    reader.start()

    def feed():
        try:
            chunks = [stdin] if isinstance(stdin, (bytes, bytearray)) else stdin
            for c in chunks:
                p.stdin.write(c)
            p.stdin.flush()
            r.input_written_s = time.monotonic() - t0
            if before_close is not None:
                before_close(p, r)
            p.stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the program stopped reading (a failure case, or a signal test)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    killer = threading.Timer(timeout, p.kill)
    killer.start()
    # wait4 gives this child's own peak RSS (RUSAGE_CHILDREN would mix in earlier runs).
    _, status, usage = os.wait4(p.pid, 0)
    killer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    r.wall_s = time.monotonic() - t0
    writer.join(5)
    reader.join()
    if r.wall_s >= timeout:
        fail(f"{' '.join(cmd)} did not finish within {timeout} s (killed)")
    r.rc = p.returncode
    r.maxrss_mb = usage.ru_maxrss / 1024.0
    r.stderr = b"".join(err_chunks).decode("utf-8", "replace")
    r.warnings = [l for l in r.stderr.splitlines() if l.startswith("[stream-tts] warning:")]
    r.errors = [l for l in r.stderr.splitlines() if l.startswith("[stream-tts] error:")]
    r.records = []
    if metrics and os.path.exists(r.metrics_path):
        r.records = [json.loads(l) for l in open(r.metrics_path, encoding="utf-8") if l.strip()]
    r.spoken = [x["text"] for x in r.records if not x.get("error")]
    sys.stderr.write(f"--- {' '.join(cmd[:12])}{' ...' if len(cmd) > 12 else ''}: exit {r.rc}, "
                     f"{r.wall_s:.2f} s, peak RSS {r.maxrss_mb:.1f} MB, {len(r.records)} sentences\n")
    if not quiet:
        tail = r.stderr if len(r.stderr) < 4000 else r.stderr[:2000] + "\n[...]\n" + r.stderr[-2000:]
        sys.stderr.write(tail)
    return r


def expect_exit(r, code):
    if r.rc != code:
        fail(f"exit code {r.rc}, expected {code}")


def expect_spoken(r, texts):
    if r.spoken != texts:
        fail(f"spoken {r.spoken!r}, expected exactly {texts!r}")


def expect_warnings(r, patterns):
    """Exactly one warning per pattern, in this order (regular expressions)."""
    if len(r.warnings) != len(patterns) or not all(re.search(p, w) for p, w in zip(patterns, r.warnings)):
        fail(f"warnings {r.warnings!r}, expected one each matching {patterns!r}")


def expect_clean(r):
    for bad in ("Segmentation", "core dumped", "Aborted", "terminate called", "AddressSanitizer"):
        if bad in r.stderr:
            fail(f"stderr shows a crash: {bad}")


def check_wav(path, rate=48000, min_frames=1, exact=True):
    """A WAV whose header is finalised: it parses, and its data size matches the file (exact) or
    at least does not claim more than the file holds. Returns the frame count."""
    if not os.path.exists(path):
        fail(f"{path} was not written")
    size = os.path.getsize(path)
    try:
        with wave.open(path, "rb") as w:
            frames, got_rate, width, ch = w.getnframes(), w.getframerate(), w.getsampwidth(), w.getnchannels()
    except (wave.Error, EOFError) as e:
        fail(f"{path} ({size} bytes) is not a valid WAV: {e}")
    if (got_rate, width, ch) != (rate, 2, 1):
        fail(f"{path}: {got_rate} Hz, {width * 8} bit, {ch} channels; expected {rate} Hz 16-bit mono")
    data = frames * 2
    if exact and 44 + data != size:
        fail(f"{path}: header says {data} data bytes, the file holds {size - 44} (header not finalised)")
    if 44 + data > size:
        fail(f"{path}: header claims {data} data bytes, more than the file's {size - 44}")
    if frames < min_frames:
        fail(f"{path}: {frames} frames, expected at least {min_frames}")
    return frames


def random_bytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def long_text(n=300):
    return "".join(f"Sentence number {i} is a fairly long sentence that takes a while to say.\n"
                   for i in range(n)).encode()


# --- Hostile input -------------------------------------------------------------------------------

def case_random_line(ctx):
    """One line of random bytes (no newline inside) between two valid messages."""
    noise = random_bytes(ctx.rng, 4096).replace(b"\n", b" ")
    r = run(ctx, ["--translate", "none"], jsonl([init_line(), assistant_line("msg_a", BEFORE), noise,
                                                 assistant_line("msg_b", AFTER), result_line()]), out="null")
    expect_exit(r, 0)
    expect_warnings(r, [r"line 3: malformed JSON"])
    expect_spoken(r, [BEFORE, AFTER])


def case_random_blob(ctx):
    """256 KiB of random bytes, newlines included: hundreds of broken lines. Each of the first 20
    gets one warning naming its line, then one note that the rest go to the debug log."""
    blob = random_bytes(ctx.rng, 256 * 1024)
    n_lines = blob.count(b"\n") + 1
    r = run(ctx, ["--translate", "none"], jsonl([init_line(), assistant_line("msg_a", BEFORE), blob,
                                                 assistant_line("msg_b", AFTER), result_line()]), out="null")
    expect_exit(r, 0)
    expect_spoken(r, [BEFORE, AFTER])
    line_nos = [int(m.group(1)) for w in r.warnings for m in [re.search(r"line (\d+): malformed JSON", w)] if m]
    if len(line_nos) != 20 or len(set(line_nos)) != 20 or not all(3 <= n < 3 + n_lines for n in line_nos):
        fail(f"expected 20 malformed-line warnings with distinct line numbers in 3..{2 + n_lines}, got {line_nos}")
    rest = [w for w in r.warnings if "malformed JSON" not in w]
    if len(rest) != 1 or "further ones are reported at debug level" not in rest[0]:
        fail(f"expected one 'further ones at debug level' note, got {rest}")


def case_random_first(ctx):
    """Random bytes *before* the stream (a binary prefix) must not make `--input auto` take the
    stream for plain text and read its JSON aloud."""
    noise = random_bytes(ctx.rng, 4096).replace(b"\n", b" ")
    r = run(ctx, ["--translate", "none"], jsonl([noise, init_line(), assistant_line("msg_a", BEFORE),
                                                 assistant_line("msg_b", AFTER), result_line()]), out="null")
    expect_exit(r, 0)
    expect_warnings(r, [r"line 1: malformed JSON"])
    expect_spoken(r, [BEFORE, AFTER])


def case_long_line(ctx):
    """A 100 MB line (an assistant message whose text never ends) streamed through the pipe: skipped
    with one warning, memory stays bounded (no 100 MB buffer), the next message is spoken."""
    head = jsonl([init_line(), assistant_line("msg_a", BEFORE)])
    tail = jsonl([assistant_line("msg_b", AFTER), result_line()])
    base = run(ctx, ["--translate", "none"], head + tail, out="null")
    expect_exit(base, 0)
    expect_spoken(base, [BEFORE, AFTER])

    mb = 1 << 20
    filler = b"x" * mb
    opening = b'{"type":"assistant","message":{"id":"msg_big","content":[{"type":"text","text":"'

    def chunks():
        yield head
        yield opening
        for _ in range(100):
            yield filler
        yield b'"}]}}\n'
        yield tail

    r = run(ctx, ["--translate", "none"], chunks(), out="null")
    expect_exit(r, 0)
    expect_warnings(r, [r"input line 3: longer than 16777216 bytes; skipped"])
    expect_spoken(r, [BEFORE, AFTER])
    growth = r.maxrss_mb - base.maxrss_mb
    print(f"100 MB line: peak RSS {r.maxrss_mb:.1f} MB, {growth:+.1f} MB over the same run without it")
    # The reader holds at most --max-line-bytes (16 MiB) of one line, in a string that may double.
    if growth > 48:
        fail(f"peak RSS grew by {growth:.1f} MB for a skipped 100 MB line (bound: 48 MB)")


def case_truncated_json(ctx):
    """A line cut off mid-string (a producer killed mid-write), in the middle and at the very end."""
    cut = assistant_line("msg_t", "This text is cut off and never spoken.")[:70]
    r = run(ctx, ["--translate", "none"], jsonl([init_line(), assistant_line("msg_a", BEFORE), cut,
                                                 assistant_line("msg_b", AFTER)]) + cut, out="null")
    expect_exit(r, 0)
    expect_warnings(r, [r"line 3: malformed JSON", r"line 5: malformed JSON"])
    expect_spoken(r, [BEFORE, AFTER])


def case_invalid_utf8_delta(ctx):
    """Bytes that are not UTF-8 inside a text_delta: replaced by U+FFFD with one warning, the rest
    of the delta and the stream spoken."""
    lines = [init_line(), assistant_line("msg_a", BEFORE)]
    lines += streamed_message("msg_s", ["The café is open. ", "Second delta sentence."])
    lines.append(assistant_line("msg_b", AFTER))
    bad = 4  # 1-based line number of the first delta (init, msg_a, message_start, block_start)
    lines[bad] = lines[bad].replace("é".encode(), b"\xe9\xff")
    r = run(ctx, ["--translate", "none"], jsonl(lines), out="null")
    expect_exit(r, 0)
    expect_warnings(r, [rf"line {bad + 1}: invalid UTF-8 replaced"])
    expect_spoken(r, [BEFORE, "The caf\ufffd\ufffd is open.", "Second delta sentence.", AFTER])


def case_nul_bytes(ctx):
    """NUL bytes: raw inside a JSON line (malformed: one warning, line skipped), escaped as \\u0000
    inside a text (read as a space: it used to cut the sentence short at the synthesizer), and raw
    in a plain-text stream."""
    sentence = "Hello world, this is a long sentence about nothing at all."
    raw = assistant_line("msg_raw", "Raw NUL here.").replace(b"NUL", b"\x00")
    lines = [init_line(), assistant_line("msg_a", BEFORE), raw,
             assistant_line("msg_esc", sentence.replace(" world", "\u0000 world")),
             assistant_line("msg_ref", sentence), assistant_line("msg_b", AFTER)]
    r = run(ctx, ["--translate", "none"], jsonl(lines), out="null")
    expect_exit(r, 0)
    expect_warnings(r, [r"line 3: malformed JSON", r"control characters"])
    if len(r.records) != 4 or r.spoken[0] != BEFORE or r.spoken[3] != AFTER:
        fail(f"spoken {r.spoken!r}")
    if "\x00" in r.spoken[1] or r.spoken[1].split() != sentence.split():
        fail(f"the sentence with a NUL was spoken as {r.spoken[1]!r}")
    with_nul, reference = r.records[1]["audio_ms"], r.records[2]["audio_ms"]
    if abs(with_nul - reference) > 0.1 * reference:
        fail(f"the sentence with a NUL gave {with_nul:.0f} ms of audio, without it {reference:.0f} ms")

    text = b"First line is fine.\nSecond\x00 line has a NUL byte in it.\nThird line.\n"
    t = run(ctx, ["--input", "text", "--translate", "none"], text, out="null")
    expect_exit(t, 0)
    expect_warnings(t, [r"control characters"])
    expect_spoken(t, ["First line is fine.", "Second line has a NUL byte in it.", "Third line."])


def case_crlf(ctx):
    """CRLF line endings everywhere (stream events, whole messages, plain text): no warning at all,
    everything spoken once."""
    lines = [init_line(), assistant_line("msg_a", BEFORE)]
    lines += streamed_message("msg_s", ["Streamed with ", "CRLF endings. ", "Still fine."])
    lines += [assistant_line("msg_b", AFTER), result_line()]
    r = run(ctx, ["--translate", "none"], jsonl(lines, b"\r\n"), out="null")
    expect_exit(r, 0)
    expect_warnings(r, [])
    expect_spoken(r, [BEFORE, "Streamed with CRLF endings.", "Still fine.", AFTER])

    t = run(ctx, ["--input", "text", "--translate", "none"],
            b"One line.\r\nAnother line.\r\n\r\nA new paragraph\r\n", out="null")
    expect_exit(t, 0)
    expect_warnings(t, [])
    expect_spoken(t, ["One line.", "Another line.", "A new paragraph"])


def case_never_ending(ctx):
    """A message that stops mid-sentence and never ends, with the input left open: the idle flush
    speaks it, to its last word, while the input is still open; a later message is spoken once, and
    the stalled text is not repeated at the end."""
    stalled = streamed_message("msg_s", ["This message never ", "ends"], stop=False)
    seen = {}

    def wait_for_speech(proc, r):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if os.path.exists(r.metrics_path) and os.path.getsize(r.metrics_path) > 0:
                seen["records"] = [json.loads(l) for l in open(r.metrics_path, encoding="utf-8") if l.strip()]
                break
            time.sleep(0.05)
        proc.stdin.write(jsonl([assistant_line("msg_b", AFTER), result_line()]))
        proc.stdin.flush()

    r = run(ctx, ["--translate", "none", "--idle-flush-ms", "800"], jsonl([init_line()] + stalled),
            out="null", before_close=wait_for_speech)
    expect_exit(r, 0)
    if not seen.get("records"):
        fail("nothing was spoken while the input stayed open (idle flush)")
    first = [x["text"] for x in seen["records"]]
    if first != ["This message never ends"]:
        fail(f"the idle flush spoke {first!r}, expected the whole stalled text")
    expect_warnings(r, [])
    expect_spoken(r, ["This message never ends", AFTER])


# --- Output side ---------------------------------------------------------------------------------

def case_raw_sigpipe(ctx):
    """`stream-tts --out raw | head -c 1000`: the reader goes away; one clear message, exit 1, no
    death by SIGPIPE, no hang."""
    text = os.path.join(ctx.tmp, "long.txt")
    open(text, "wb").write(long_text())
    cmd = [ctx.binary, "--input", "text", "--translate", "none", "--out", "raw", text]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    got = p.stdout.read(1000)
    p.stdout.close()  # as `head -c 1000` does
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("still running 30 s after its reader went away")
    err = err.decode("utf-8", "replace")
    sys.stderr.write(err)
    print(f"read {len(got)} bytes; exit {p.returncode} after {time.monotonic() - t0:.2f} s")
    if len(got) != 1000:
        fail(f"read only {len(got)} bytes of raw audio")
    if p.returncode != 1:
        fail(f"exit code {p.returncode}, expected 1 (negative: killed by that signal)")
    errors = [l for l in err.splitlines() if "error:" in l]
    if len(errors) != 1 or "broken pipe" not in errors[0]:
        fail(f"expected one error line naming the broken pipe, got {errors}")


def case_raw_disk_full(ctx):
    """`--out raw > /dev/full`: ENOSPC on the first write; one message, exit 1."""
    if not os.path.exists("/dev/full"):
        skip("/dev/full does not exist")
    with open("/dev/full", "wb") as full:
        r = run(ctx, ["--input", "text", "--translate", "none"], b"A sentence for the full disk.\n",
                out="raw", stdout=full)
    expect_exit(r, 1)
    expect_clean(r)
    if len(r.errors) != 1 or "No space left on device" not in r.errors[0]:
        fail(f"expected one error naming the full disk, got {r.errors}")


def case_wav_disk_full(ctx):
    """The disk fills while writing a WAV: a 256 KiB tmpfs in a private mount namespace (unshare,
    no root needed where user namespaces are allowed). One clear error, exit 1, and the header
    finalised for the audio that fit."""
    unshare = shutil.which("unshare")
    if unshare is None:
        skip("unshare (util-linux) is not installed")
    mnt = os.path.join(ctx.tmp, "small")
    os.mkdir(mnt)
    probe = subprocess.run([unshare, "-rm", "sh", "-c", f"mount -t tmpfs -o size=256k none {mnt}"],
                           capture_output=True)
    if probe.returncode != 0:
        skip("cannot mount a small tmpfs in a private namespace: " + probe.stderr.decode().strip())
    wav_path = os.path.join(mnt, "out.wav")
    copy = os.path.join(ctx.tmp, "copy.wav")
    # The tmpfs exists only inside the namespace: check the file there, by copying it out.
    script = f'mount -t tmpfs -o size=256k none {mnt} && "$@"; rc=$?; cp {wav_path} {copy}; exit $rc'
    r = run(ctx, ["--input", "text", "--translate", "none", "--out", "wav:" + wav_path], long_text(40),
            prefix=[unshare, "-rm", "sh", "-c", script, "sh"])
    expect_exit(r, 1)
    expect_clean(r)
    if len(r.errors) != 1 or "No space left on device" not in r.errors[0] or wav_path not in r.errors[0]:
        fail(f"expected one error naming the file and the full disk, got {r.errors}")
    frames = check_wav(copy, min_frames=48000)
    print(f"disk full: the WAV holds {frames / 48000:.2f} s with a finalised header")


def case_wav_file_size_limit(ctx):
    """A file size limit (`ulimit -f`) reached while writing a WAV: SIGXFSZ would kill the process;
    it must instead report the error, exit 1, and finalise the header."""
    wav_path = os.path.join(ctx.tmp, "limited.wav")
    limit = 200 * 1024

    def limit_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    r = run(ctx, ["--input", "text", "--translate", "none"], long_text(40), out="wav:" + wav_path,
            metrics=False, preexec=limit_files)
    expect_exit(r, 1)
    expect_clean(r)
    if len(r.errors) != 1 or "File too large" not in r.errors[0]:
        fail(f"expected one error naming the size limit, got {r.errors}")
    frames = check_wav(wav_path, min_frames=48000)
    if os.path.getsize(wav_path) > limit:
        fail("the WAV is larger than the limit")
    print(f"file size limit: the WAV holds {frames / 48000:.2f} s with a finalised header")


def wait_for_signal_handlers(pid, timeout=10.0):
    """Waits until the process catches SIGINT and SIGTERM (/proc/PID/status SigCgt): before main()
    installs its handlers, the dynamic loader may still be at work and a signal simply kills."""
    want = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/status") as f:
                caught = next(int(l.split()[1], 16) for l in f if l.startswith("SigCgt:"))
            if caught & want == want:
                return
        except (OSError, StopIteration):
            return  # no /proc (or the process is gone): nothing to wait for
        time.sleep(0.002)


def case_signals(ctx):
    """SIGINT and SIGTERM at random points while a WAV is written (right after the handlers are
    installed, during startup, mid-sentence, while the input is still open), and a second signal
    that quits at once: exit 130, a message saying so, and a WAV whose header matches what it
    holds."""
    text = long_text(60)
    wav_path = os.path.join(ctx.tmp, "signal.wav")
    plans = [(signal.SIGINT, 0.0), (signal.SIGTERM, 0.05)]
    plans += [(ctx.rng.choice([signal.SIGINT, signal.SIGTERM]), ctx.rng.uniform(0.2, 2.0)) for _ in range(4)]
    for sig, delay in plans:
        if os.path.exists(wav_path):
            os.remove(wav_path)

        def send(proc, r, sig=sig, delay=delay):
            wait_for_signal_handlers(proc.pid)
            time.sleep(delay)
            proc.send_signal(sig)

        r = run(ctx, ["--input", "text", "--translate", "none"], text[: len(text) // 2], out="wav:" + wav_path,
                before_close=send, timeout=30)
        name = signal.Signals(sig).name
        print(f"{name} after {delay:.2f} s: exit {r.rc}, {len(r.records)} sentences")
        expect_exit(r, 130)
        expect_clean(r)
        want = "Ctrl-C" if sig == signal.SIGINT else "SIGTERM"
        if not any(want in w and "stopping" in w for w in r.warnings):
            fail(f"no warning says that {name} stopped it: {r.warnings}")
        if not re.search(r"stopped after \d+ of \d+ sentences; wav:\S+ closed", r.stderr):
            fail("no closing message naming the output")
        check_wav(wav_path, min_frames=0)

    # A second signal quits at once (_exit): the header written after the last chunk still holds.
    # Two different signals back to back: both reach the handler (two SIGINTs sent together could
    # merge into one pending signal), and the program cannot have finished in between.
    def twice(proc, r):
        wait_for_signal_handlers(proc.pid)
        time.sleep(ctx.rng.uniform(0.5, 1.5))
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGTERM)

    os.remove(wav_path)
    r = run(ctx, ["--input", "text", "--translate", "none"], text, out="wav:" + wav_path, before_close=twice)
    expect_exit(r, 130)
    if "interrupted again: quitting at once" not in r.stderr:
        fail("no message for the second signal")
    frames = check_wav(wav_path, min_frames=0, exact=False)
    print(f"second signal: the WAV header says {frames / 48000:.2f} s")

    # Ctrl-C as the input ends (the signal, then stdin closed at once), after everything was spoken:
    # still an interrupted run, exit 130 and where it stopped (it exited 0 when the end of the input
    # won the race, 1 run in 10).
    def at_the_end(proc, r):
        wait_for_signal_handlers(proc.pid)
        time.sleep(1.5)
        proc.send_signal(signal.SIGINT)

    os.remove(wav_path)
    r = run(ctx, ["--input", "text", "--translate", "none"], b"One short line. Another one.\n",
            out="wav:" + wav_path, before_close=at_the_end, timeout=30)
    expect_exit(r, 130)
    if not re.search(r"stopped after \d+ of \d+ sentences; wav:\S+ closed", r.stderr):
        fail("Ctrl-C as the input ended: no closing message naming the output")
    check_wav(wav_path, min_frames=0)
    print(f"Ctrl-C as the input ends: exit {r.rc}, {len(r.records)} sentences")

    # `stream-tts translate` waiting for its next line on an open stdin must stop too (it used to
    # block in getline until a line came or a second signal killed it).
    def idle_then_term(proc, r):
        wait_for_signal_handlers(proc.pid)
        time.sleep(1.0)
        r.signalled_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)

    r = run(ctx, ["translate", "--translate", "none"], b"One line.\n", metrics=False,
            before_close=idle_then_term, stdout=subprocess.PIPE, timeout=20)
    expect_exit(r, 130)
    if not any("SIGTERM received: stopping" in w for w in r.warnings):
        fail(f"translate: no warning about SIGTERM: {r.warnings}")


# --- Load ----------------------------------------------------------------------------------------

def burst_lines(n):
    return [init_line()] + [assistant_line(f"msg_{i:05d}", f"Item {i}.") for i in range(n)] + [result_line()]


# The burst cases measure the reader, the queues and memory, not the voice: at eSpeak's own rate
# (22050 Hz) no resampling is needed, which otherwise costs about 4x the synthesis itself.
BURST_ARGS = ["--translate", "none", "--sample-rate", "22050"]


def case_burst(ctx):
    """2,000 assistant messages as fast as the pipe takes them, to the null sink: every sentence
    spoken once, in order, nothing dropped by default; the reader is held back (backpressure: the
    writer cannot finish long before the speech does) and memory stays bounded."""
    n = 2000
    base = run(ctx, BURST_ARGS, jsonl(burst_lines(1)), out="null")
    expect_exit(base, 0)
    r = run(ctx, BURST_ARGS + ["--log-level", "debug"], jsonl(burst_lines(n)), out="null", timeout=120,
            quiet=True)
    expect_exit(r, 0)
    expect_warnings(r, [])
    if "reading paused until speech catches up" not in r.stderr:
        fail("the reader never waited for a full sentence queue (no backpressure)")
    expect_spoken(r, [f"Item {i}." for i in range(n)])
    growth = r.maxrss_mb - base.maxrss_mb
    print(f"burst of {n}: {r.wall_s:.2f} s, input written after {r.input_written_s:.2f} s, "
          f"peak RSS {r.maxrss_mb:.1f} MB ({growth:+.1f} MB over one message)")
    if growth > 64:
        fail(f"peak RSS grew by {growth:.1f} MB (bound: 64 MB)")


def case_burst_drop_oldest(ctx):
    """The same burst with --backlog drop-oldest and a short backlog: the reader never waits, the
    oldest waiting sentences are dropped, and the drop is counted and reported; what is spoken
    stays in order and ends with the last message."""
    n = 2000
    r = run(ctx, BURST_ARGS + ["--backlog", "drop-oldest", "--backlog-sentences", "16"],
            jsonl(burst_lines(n)), out="null", timeout=120)
    expect_exit(r, 0)
    m = re.search(r"(\d+) of (\d+) sentences dropped because speech fell behind", r.stderr)
    if not m:
        fail("no report of dropped sentences at exit")
    dropped, total = int(m.group(1)), int(m.group(2))
    print(f"drop-oldest: {len(r.spoken)} spoken, {dropped} dropped of {total}")
    if total != n or dropped == 0 or dropped + len(r.records) != n:
        fail(f"{dropped} dropped + {len(r.records)} spoken != {n} (reported total {total})")
    numbers = [int(re.match(r"Item (\d+)\.", t).group(1)) for t in r.spoken]
    if numbers != sorted(set(numbers)) or numbers[-1] != n - 1:
        fail(f"spoken out of order, repeated, or without the last message: {numbers[:20]}...{numbers[-5:]}")
    if len([w for w in r.warnings if "dropping the oldest" in w]) != 1:
        fail("expected one warning when dropping starts")


CASES = {name[len("case_"):]: fn for name, fn in sorted(globals().items()) if name.startswith("case_")}


def main():
    sys.stdout.reconfigure(line_buffering=True)  # interleave with the program's stderr in CTest logs
    ap = argparse.ArgumentParser()
    ap.add_argument("binary", nargs="?")
    ap.add_argument("case", nargs="?")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("HOSTILE_SEED", "8")))
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        print("\n".join(CASES))
        return
    if a.case not in CASES:
        ap.error(f"unknown case {a.case!r}; one of {', '.join(CASES)}")

    class Ctx:
        pass

    ctx = Ctx()
    ctx.binary = os.path.abspath(a.binary)
    ctx.rng = random.Random(a.seed)
    ctx.counter = 0
    ctx.tmp = tempfile.mkdtemp(prefix=f"st_hostile_{a.case}_")
    print(f"case {a.case}, seed {a.seed} (HOSTILE_SEED=N to vary)")
    t0 = time.monotonic()
    try:
        CASES[a.case](ctx)
    finally:
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    print(f"ok: {a.case} ({time.monotonic() - t0:.1f} s)")


if __name__ == "__main__":
    main()
