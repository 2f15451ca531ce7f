"""Answer text made comparable: the same normalisation for trainees' answers and for aliases.

NFKC folds full-width forms, OpenCC turns Traditional into Simplified, case is folded,
punctuation and spaces are dropped. What is kept: which original character every normalised
character came from (to quote the trainee's own words), the clause it belongs to (negation
only reaches within a clause), and its toneless pinyin readings (for pinyin-input typos).
"""
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache

import opencc
from pypinyin import Style, pinyin

#: Characters that end a clause; a negation never reaches across them. 、 is one too: in a
#: list (「保持冷静、避免激化、关注满意度」) a negating word belongs to its own item only.
CLAUSE_BREAKS = frozenset("，。！？；,.!?;\n\r\t 、")
_converter = opencc.OpenCC("t2s")


@dataclass(frozen=True)
class Normalised:
    original: str
    text: str
    #: ``text[i]`` came from ``original[index[i]]``.
    index: tuple[int, ...]
    #: The clause number of ``text[i]``.
    clause: tuple[int, ...]

    def __len__(self):
        return len(self.text)

    @cached_property
    def characters(self):
        """``(characters, their readings)`` as sets: lets a typo search skip hopeless wordings."""
        chars = frozenset(self.text)
        return chars, frozenset().union(*(readings(c) for c in chars))

    def span(self, start, end):
        """The original words behind ``text[start:end]``: ``(from, to, words)``."""
        if start >= end:
            return (0, 0, "")
        first, last = self.index[start], self.index[end - 1] + 1
        return (first, last, self.original[first:last])

    def clause_bounds(self, position):
        """``(start, end)`` in ``text`` of the clause holding ``position``."""
        # clause numbers never decrease, so a binary search keeps this cheap: it runs once per match
        number = self.clause[position]
        return bisect_left(self.clause, number), bisect_right(self.clause, number)


def normalise(original):
    """Normalise an answer or an alias; see the module docstring."""
    chars, index = [], []
    for position, char in enumerate(original):
        if unicodedata.category(char) == "Cs":
            continue  # a lone surrogate (possible from JSON) cannot be encoded for OpenCC
        for folded in unicodedata.normalize("NFKC", char):
            chars.append(folded)
            index.append(position)
    simplified = _converter.convert("".join(chars))
    if len(simplified) == len(chars):
        chars = list(simplified)
    else:  # a phrase conversion changed the length: fall back to one character at a time
        chars = [_converter.convert(c) or c for c in chars]
    text, kept, clauses, clause = [], [], [], 0
    for char, position in zip(chars, index):
        if char in CLAUSE_BREAKS or unicodedata.category(char) == "Zs":
            clause += 1
        elif unicodedata.category(char)[0] in "LN":
            text.append(char.lower())
            kept.append(position)
            clauses.append(clause)
        elif unicodedata.category(char)[0] == "P":
            if char in "：:（）()【】[]「」『』\"'“”‘’":
                continue  # inside a clause
            clause += 1
    return Normalised(original=original, text="".join(text), index=tuple(kept), clause=tuple(clauses))


@lru_cache(maxsize=65536)
def readings(char):
    """Toneless pinyin readings of a Chinese character (several for 多音字); else the character."""
    if not "\u3400" <= char <= "\u9fff":
        return frozenset({char})
    return frozenset(pinyin(char, style=Style.NORMAL, heteronym=True, errors="default")[0])


def is_han(char):
    return "\u3400" <= char <= "\u9fff"
