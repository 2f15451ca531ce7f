"""What one agent reply achieved and what it violated, independent of where the chat stands.

Checks and critical rules are matched with the same engine as short answers
(``grading.matching``): a negated wording (「不能加微信」) is not the act it names, and a
pinyin typo (「到歉」) still counts, named in the debrief.
"""
import re
import unicodedata
from dataclasses import dataclass

from ..grading.matching import NEGATING_TYPOS, Alias, find_any
from ..text import normalise

#: Replies are analysed on their first characters only; the chat box allows no more.
MAX_REPLY = 1000
#: Words that make an amount in the same sentence a compensation the agent gives.
COMPENSATION_WORDS = tuple(Alias.of(w) for w in ("补偿", "赔偿", "赔付", "赔", "红包", "返现", "补贴", "返您", "退您差价"))
#: Just before an amount, these say it is not a compensation: 「全额退款99元」「满300元」.
NOT_COMPENSATION = ("退款", "货款", "全额", "满", "原价", "售价", "实付", "订单")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:元|块|rmb)")
_GIVES = re.compile(r"(?:送|给|发|补)(?:您|你)?(?:一张|一个|张|个|了)?\s*(\d+(?:\.\d+)?)\s*(?:元|块)")
_SENTENCE_ENDS = "。！？；!?;\n"
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
        if hit and not (rule.unless and _present(rule.unless, normalise(_sentence_of(folded, hit.span)))):
            violations.append((rule, hit))
    over = _over_authority(folded, text, scenario.order.policy.compensation_limit)
    if over:
        violations.append((None, over))
    return Analysis(text=text, normalised=norm.text, checks=checks, violations=tuple(violations))


def fold(text):
    """Full-width to half-width and lower case, keeping every character's position."""
    return "".join(folded if len(folded := unicodedata.normalize("NFKC", c).lower()) == 1 else c for c in text)


def _find(ident, aliases, patterns, norm, folded):
    match = _best(aliases, norm)
    if match and not match.negated:
        start, end, words = norm.span(match.start, match.end)
        return Hit(ident, words, (start, end), match.how, match.typos)
    for pattern in patterns:
        found = pattern.search(folded)
        if found:
            return Hit(ident, norm.original[found.start():found.end()], found.span(), "pattern")
    return None


def _best(aliases, norm):
    """The best match of any alias, leaving out typos and near misses that drop the alias's own
    不 or 没: 「给您退款」 is the opposite of 「不给您退」, not a near miss of it."""
    aliases = list(aliases)
    while aliases:
        match = find_any(aliases, norm)
        if match is None or match.how == "exact" or not _drops_negation(match, aliases, norm):
            return match
        aliases = [alias for alias in aliases if alias.text != match.alias]
    return None


def _drops_negation(match, aliases, norm):
    alias = next(alias for alias in aliases if alias.text == match.alias)
    return bool((NEGATING_TYPOS & set(alias.norm.text)) - set(norm.text[match.start:match.end]))


def _sentence_of(text, span):
    """The sentence (up to 。！？；) around ``span``: an excuse elsewhere in the reply does not count."""
    start = max((text.rfind(mark, 0, span[0]) for mark in _SENTENCE_ENDS), default=-1) + 1
    ends = [at for mark in _SENTENCE_ENDS if (at := text.find(mark, span[1])) != -1]
    return text[start:min(ends, default=len(text))]


def _present(group, norm):
    match = find_any(group, norm)
    return match is not None and not match.negated


def _over_authority(folded, text, limit):
    """A compensation amount above what the agent may give on their own."""
    for sentence in _SENTENCE.finditer(folded):
        # in a sentence about compensation every amount counts; elsewhere only one the agent gives
        # (「送您一张20元优惠券」), not a shop-wide promotion (「满300减30」)
        amounts = _AMOUNT if _present(COMPENSATION_WORDS, normalise(sentence.group())) else _GIVES
        for amount in amounts.finditer(sentence.group()):
            before = sentence.group()[max(0, amount.start() - 4):amount.start()]
            if any(word in before for word in NOT_COMPENSATION):
                continue  # the order's price refunded, a promotion's threshold: not the agent's gift
            if float(amount.group(1)) > limit:
                return Hit("over_authority", text[sentence.start():sentence.end()], sentence.span(), "amount")
    return None
