import unittest

import support  # noqa: F401  (import path)
from kokoro_ja_worker.clauses import pause_after, split_clauses


def count(s: str) -> int:  # every character is a token, as for the IPA-like phoneme strings
    return len(s)


class ClausesTest(unittest.TestCase):
    def test_cuts_at_punctuation_once_long_enough(self):
        text = "toːkʲoː toʔkʲo kʲoka kʲokɯ de, daisaɴɕa no ikeɴ o kʲikʲi maɕita."
        self.assertEqual(split_clauses(text, count, min_tokens=20),
                         ["toːkʲoː toʔkʲo kʲoka kʲokɯ de,", "daisaɴɕa no ikeɴ o kʲikʲi maɕita."])

    def test_short_fragments_merge_forward_and_a_short_tail_backward(self):
        text = "hai, soː desɨ ne, kʲoː βa ii teŋkʲi desɨ, ne."
        self.assertEqual(split_clauses(text, count, min_tokens=12),
                         ["hai, soː desɨ ne,", "kʲoː βa ii teŋkʲi desɨ, ne."])

    def test_short_text_stays_whole(self):
        self.assertEqual(split_clauses("hai.", count), ["hai."])
        self.assertEqual(split_clauses("  ", count), [])

    def test_every_phoneme_is_kept(self):
        text = "a, bb. ccc! dddd? eeeee; ffffff: ggggggg… hhhhhhhh— i"
        for m in (1, 3, 8, 100):
            with self.subTest(min_tokens=m):
                self.assertEqual(" ".join(split_clauses(text, count, min_tokens=m)).split(), text.split())

    def test_over_long_clauses_are_split_within_the_limit(self):
        text = " ".join(["abcde"] * 30) + "."
        parts = split_clauses(text, count, min_tokens=5, max_tokens=40)
        self.assertTrue(all(len(p) <= 40 for p in parts))
        self.assertEqual(" ".join(parts), text)
        word = "x" * 95
        self.assertEqual(split_clauses(word, count, max_tokens=40), ["x" * 40, "x" * 40, "x" * 15])

    def test_pause_after(self):
        self.assertEqual(pause_after("de,"), 0.12)
        self.assertEqual(pause_after("maɕita."), 0.3)
        self.assertEqual(pause_after("maɕita"), 0.0)


if __name__ == "__main__":
    unittest.main()
