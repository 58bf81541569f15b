"""Cutting a sentence's phonemes into clauses, so that the first audio comes out before the whole sentence is
synthesised. Pure functions, standard library only.

The G2P turns 、 into "," and 。 into "." (misaki's style), so the cut points are the punctuation marks of the
phoneme string. A clause shorter than min_tokens is merged with the next one (and a short tail with the one
before): every model call costs a floor of ≈ 0.5 s whatever its length, and one-word clauses sound choppy.
"""

from __future__ import annotations

import re
from typing import Callable

# Kokoro's punctuation tokens that end a clause, and the pause (seconds) put after such a clause when another
# clause of the same request follows.
CLAUSE_PAUSE_S = {",": 0.12, ";": 0.18, ":": 0.18, "—": 0.15, "…": 0.3, ".": 0.3, "!": 0.3, "?": 0.3}
MAX_MODEL_TOKENS = 510  # the model's position limit, without the two pad tokens

_CUT = re.compile(r"(?<=[,;:—….!?])\s+")


def split_clauses(phonemes: str, count: Callable[[str], int], min_tokens: int = 20,
                  max_tokens: int = MAX_MODEL_TOKENS) -> list[str]:
    """Clauses of `phonemes`, each with at least min_tokens tokens (except when the whole text is shorter) and
    at most max_tokens. count(s) is the number of model tokens in s. Joining the clauses with spaces gives
    the input back (up to whitespace)."""
    pieces = [p for p in _CUT.split(phonemes.strip()) if p]
    clauses: list[str] = []
    current = ""
    for piece in pieces:
        current = f"{current} {piece}" if current else piece
        if count(current) >= min_tokens:
            clauses.append(current)
            current = ""
    if current:
        if clauses and count(current) < min_tokens:
            clauses[-1] = f"{clauses[-1]} {current}"
        else:
            clauses.append(current)
    out: list[str] = []
    for clause in clauses:
        out.extend(_limit(clause, count, max_tokens))
    return out


def _limit(clause: str, count: Callable[[str], int], max_tokens: int) -> list[str]:
    """Splits an over-long clause at word spaces (at characters only when one word is too long)."""
    if count(clause) <= max_tokens:
        return [clause]
    parts: list[str] = []
    current = ""
    for word in clause.split(" "):
        candidate = f"{current} {word}" if current else word
        if count(candidate) <= max_tokens:
            current = candidate
            continue
        if current:
            parts.append(current)
        while count(word) > max_tokens:  # a "word" longer than the model takes: cut by characters
            cut = len(word)
            while count(word[:cut]) > max_tokens:
                cut -= max(1, (count(word[:cut]) - max_tokens))
            parts.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        parts.append(current)
    return parts


def pause_after(clause: str) -> float:
    """Seconds of silence after this clause when more follows in the same request."""
    clause = clause.rstrip()
    return CLAUSE_PAUSE_S.get(clause[-1], 0.0) if clause else 0.0
