"""What one agent reply achieved and what it violated, independent of where the chat stands.

Checks and critical rules are matched with the same engine as short answers
(``grading.matching``): a negated wording (「不能加微信」) is not the act it names, and a
pinyin typo (「到歉」) still counts, named in the debrief.
"""
import re
import unicodedata
from dataclasses import dataclass

from ..grading.matching import Alias, find_any
from ..text import normalise

#: Replies are analysed on their first characters only; the chat box allows no more.
MAX_REPLY = 1000
#: Words that make an amount in the same sentence a compensation the agent gives.
COMPENSATION_WORDS = tuple(Alias.of(w) for w in ("补偿", "赔偿", "赔付", "赔", "红包", "返现", "补贴", "返您", "退您差价"))
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:元|块|rmb)")
_SENTENCE = re.compile(r"[^，。！？；,!?;\n]+")


@dataclass(frozen=True)
class Hit:
    """Where a check or rule was found: the trainee's own words and how they matched."""

    id: str
    words: str
    span: tuple[int, int]
    #: "exact", "homophone", "fuzzy" or "pattern"
    how: str
    typos: tuple = ()

    def to_dict(self):
        data = {"words": self.words, "span": list(self.span), "how": self.how}
        if self.typos:
            data["typos"] = [{"wrote": w, "meant": m} for w, m in self.typos]
        return data


@dataclass(frozen=True)
class Analysis:
    text: str
    #: Normalised text, to compare replies with each other (canned replies).
    normalised: str
    checks: dict
    violations: tuple


def analyse(scenario, text):
    """Every check the reply meets and every critical rule it breaks."""
    text = text[:MAX_REPLY]
    norm = normalise(text)
    folded = fold(text)
    checks = {}
    for check in scenario.checks:
        hit = _find(check.id, check.aliases, check.patterns, norm, folded)
        if hit and all(_present(group, norm) for group in check.all_of):
            checks[check.id] = hit
    violations = []
    for rule in scenario.rules:
        if rule.applies_if == "after_sales_valid" and not scenario.order.policy.after_sales_valid:
            continue
        hit = _find(rule.id, rule.aliases, rule.patterns, norm, folded)
        if hit and not (rule.unless and find_any(rule.unless, norm)):
            violations.append((rule, hit))
    over = _over_authority(folded, text, scenario.order.policy.compensation_limit)
    if over:
        violations.append((None, over))
    return Analysis(text=text, normalised=norm.text, checks=checks, violations=tuple(violations))


def fold(text):
    """Full-width to half-width and lower case, keeping every character's position."""
    return "".join(folded if len(folded := unicodedata.normalize("NFKC", c).lower()) == 1 else c for c in text)


def _find(ident, aliases, patterns, norm, folded):
    match = find_any(aliases, norm) if aliases else None
    if match and not match.negated:
        start, end, words = norm.span(match.start, match.end)
        return Hit(ident, words, (start, end), match.how, match.typos)
    for pattern in patterns:
        found = pattern.search(folded)
        if found:
            return Hit(ident, norm.original[found.start():found.end()], found.span(), "pattern")
    return None


def _present(group, norm):
    match = find_any(group, norm)
    return match is not None and not match.negated


def _over_authority(folded, text, limit):
    """A compensation amount above what the agent may give on their own."""
    for sentence in _SENTENCE.finditer(folded):
        part = normalise(sentence.group())
        if not _present(COMPENSATION_WORDS, part):
            continue
        for amount in _AMOUNT.finditer(sentence.group()):
            if float(amount.group(1)) > limit:
                return Hit("over_authority", text[sentence.start():sentence.end()], sentence.span(), "amount")
    return None
