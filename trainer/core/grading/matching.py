"""The one matching engine: does an answer contain a wording, and is it negated there?

Used by short-answer rubrics, glossary recall and the role-play checks alike. A wording
(alias) is found at character level, in this order of trust: exactly; with the same
toneless pinyin (a pinyin-input typo such as 到歉 for 道歉); or, for aliases of four or more
characters, as a near miss by fuzzy ratio. jieba is never used here: segmentation errors
would silently change scores.
"""
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..text import Normalised, normalise, readings

FUZZY_MIN_LENGTH = 4
#: 85 lets a 7-character wording have one wrong character, but not a 4-character one
#: (「每周反馈」 must not pass for 「每天反馈」).
FUZZY_THRESHOLD = 85.0

#: Negating words that cancel a wording later in the same clause.
NEGATORS = ("不需要", "不需", "不用", "不必", "不要", "不能", "不该", "不应该", "不应", "不会", "不可以", "不可",
            "没有必要", "没必要", "没有", "没办法", "没法", "无法", "无需", "无须", "从不", "拒绝", "避免", "禁止", "别", "勿",
            "未")
#: Negations that follow the wording, at most two characters later: 「道歉就不用了」「道歉也没必要」.
TRAILING_NEGATORS = ("不用了", "没必要", "没有必要", "不需要", "不必了", "是多余的", "多余", "不重要", "不用管",
                     "不用了解", "不用掌握", "没用", "无所谓", "可有可无")
#: Look like negation but are not.
NOT_NEGATION = ("不仅", "不但", "不断", "千万别忘", "别忘", "必不可少", "不得不", "不管", "不论", "毫不", "不满",
                "不错", "不少", "不久", "不同", "不便", "不好意思", "不清楚", "不了解", "不明白", "不懂", "不知道",
                "不舒服", "不开心", "不高兴", "不愉快", "不耐烦", "不到位", "没收到", "没有收到", "未收到", "还没",
                "没到", "未到", "不能及时", "避免再次", "避免同类", "避免重复",
                # questions asked as "A-not-A" negate nothing: 「有没有破损」「能不能退」
                "有没有", "是不是", "能不能", "要不要", "会不会", "可不可以", "需不需要", "好不好", "行不行", "对不对",
                # 别 inside ordinary words: 级别, 特别, 告别 …
                "级别", "特别", "分别", "区别", "类别", "个别", "别人", "别家", "别的", "告别", "道别", "辨别",
                "识别", "性别", "差别", "鉴别", "判别", "派别", "离别", "送别")
_BARE = re.compile(r"[不没]$")
#: A "typo" that writes a bare negator says the opposite: 不发 reads like 补发 but means "do not ship".
#: Only the negators of ``_BARE``: 无, 未 … are common typos for 物, 维 … without negating anything.
NEGATING_TYPOS = frozenset("不没")


@dataclass(frozen=True)
class Alias:
    """A wording prepared once: its text as written and normalised."""

    text: str
    norm: Normalised

    @classmethod
    def of(cls, text):
        return cls(text=text, norm=normalise(text))


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    alias: str
    #: "exact", "homophone" or "fuzzy".
    how: str
    #: For homophones: ``((wrote, meant), …)``.
    typos: tuple = ()
    negated: bool = False

    @property
    def trusted(self):
        return self.how == "exact"


def find(alias, answer):
    """Every place ``alias`` occurs in ``answer`` (a ``Normalised``), best kind first."""
    needle = alias.norm.text
    if not needle:
        return []
    found = [Match(i, i + len(needle), alias.text, "exact") for i in _occurrences(answer.text, needle)]
    if not found:
        found = _homophones(alias, answer)
    if not found and len(needle) >= FUZZY_MIN_LENGTH:
        found = _fuzzy(alias, answer)
    return [_with_negation(match, answer) for match in found]


def find_any(aliases, answer):
    """The best match of any alias: not negated before negated, exact before typo before fuzzy."""
    # An exact, not negated match beats everything else, and exact search is cheap: look for
    # one first and search for typos only when there is none (most answers need no typo search).
    exact = [_with_negation(Match(i, i + len(a.norm.text), a.text, "exact"), answer)
             for a in aliases if a.norm.text for i in _occurrences(answer.text, a.norm.text)]
    plain = [m for m in exact if not m.negated]
    if plain:
        return min(plain, key=lambda m: m.start)
    matches = [m for alias in aliases for m in find(alias, answer)]
    matches.sort(key=lambda m: (m.negated, _RANK[m.how], m.start))
    return matches[0] if matches else None


_RANK = {"exact": 0, "homophone": 1, "fuzzy": 2}


def _occurrences(text, needle):
    start = text.find(needle)
    while start != -1:
        yield start
        start = text.find(needle, start + 1)


def _homophones(alias, answer):
    """Same-sounding wordings. A typo keeps at least one character right, so only the places where
    one character of the alias already stands are tried: trying every place cost ~10 ms an answer."""
    needle, text = alias.norm.text, answer.text
    if not _could_sound_alike(alias, answer):
        return []
    size = len(needle)
    found = []
    for start in sorted(_anchored_starts(needle, text)):
        typos = _typos(text[start:start + size], needle)
        # short wordings need one character right, longer ones at least half
        if typos and len(typos) <= max(size - 1 if size <= 3 else size // 2, 1) and len(typos) < size:
            found.append(Match(start, start + size, alias.text, "homophone", tuple(typos)))
    return found


def _could_sound_alike(alias, answer):
    """A cheap necessary condition: one character of the alias is in the answer, and every
    character of it sounds like some character of the answer. Most aliases fail it."""
    chars, sounds = answer.characters
    return (any(c in chars for c in alias.norm.text)
            and all(readings(c) & sounds for c in alias.norm.text))


def _anchored_starts(needle, text):
    """Where ``needle`` would start in ``text`` if one of its characters is in its place there."""
    last = len(text) - len(needle)
    return {at - offset for offset, char in enumerate(needle) for at in _occurrences(text, char)
            if 0 <= at - offset <= last}


def _typos(wrote, meant):
    """``[(wrote, meant)]`` for each differing character, or None if one of them sounds different."""
    typos = []
    for written, intended in zip(wrote, meant):
        if written != intended:
            if not readings(written) & readings(intended):
                return None
            typos.append((written, intended))
    return typos


def _fuzzy(alias, answer):
    result = fuzz.partial_ratio_alignment(alias.norm.text, answer.text, score_cutoff=FUZZY_THRESHOLD)
    # At the end of an answer the compared window shrinks, and three characters of a
    # four-character wording score 85.7 there (「可以退」 for 「可以退的」): as weak as one wrong
    # character, which is refused. Longer wordings may still miss one character.
    size = len(alias.norm.text)
    if result is None or result.dest_end - result.dest_start < (size if size <= FUZZY_MIN_LENGTH else size - 1):
        return []
    return [Match(result.dest_start, result.dest_end, alias.text, "fuzzy")]


def _with_negation(match, answer):
    first, last = answer.clause_bounds(match.start)
    before = _mask(answer.text[first:match.start])
    after = answer.text[match.end:last]
    negated = (any(word in before for word in NEGATORS) or bool(_BARE.search(before))
               or any(wrote in NEGATING_TYPOS for wrote, _ in match.typos)
               or any(word in after[:len(word) + 2] for word in TRAILING_NEGATORS))
    return Match(match.start, match.end, match.alias, match.how, match.typos, negated) if negated else match


def _mask(text):
    for phrase in NOT_NEGATION:
        text = text.replace(phrase, "·" * len(phrase))
    return text
