"""Candidate synonyms for a rubric key point, read from the calibration answers.

While a trainer writes a key point, the answers the trainers scored show how people really say
it. The answers that speak for the point are segmented with jieba (its bundled dictionary,
nothing downloaded) and the words of two or more characters they share are counted; words an
existing wording already covers, words of other points and filler are left out, and so is
every clause that holds another point's wording (in 「一类是普通的订单跟进，帮他查物流」 the
second clause speaks of another point).

Suggestions only: the trainer reads them and adds the right ones by hand. Nothing here ever
changes a rubric: a word that happens to sit in many answers is not a synonym until a person
says so.
"""
import logging
from collections import Counter
from dataclasses import dataclass

import jieba

from .text import CLAUSE_BREAKS, normalise

jieba.setLogLevel(logging.WARNING)  # it announces building its dictionary at INFO

MIN_LENGTH = 2
LIMIT = 8
#: Words every answer of a customer-service course uses, and function words jieba keeps whole.
STOPWORDS = frozenset("""
顾客 客户 客人 买家 亲亲 客服 我们 你们 他们 她们 自己 这个 那个 这些 那些 这样 那样 这种 那种 什么 怎么 怎样
然后 首先 其次 最后 接着 之后 以后 之前 以前 就是 还是 还有 或者 而且 并且 但是 可是 因为 所以 如果 虽然 不过
可以 需要 应该 必须 一定 能够 已经 正在 马上 一下 一些 一点 一起 一个 两个 没有 不是 不要 不用 只是 只要 就要
时候 问题 情况 事情 东西 方面 方式 时间 进行 处理 知道 觉得 认为 表示 比如 例如 也就是 的话 等等 非常 比较
一类 两类 三类 一种 两种 三种 第一 第二 第三 第四 第一种 第二种 第三种 第一类 第二类 第三类 一是 二是 三是 主要
""".split())


@dataclass(frozen=True)
class Suggestion:
    word: str
    #: How many answers that speak for the point use the word.
    count: int
    #: Indexes (in the order given) of those answers, to show where the word came from.
    answers: tuple[int, ...]


def words(text, skip=()):
    """The distinct words of ``text`` worth suggesting, normalised (Simplified, folded case).

    Each clause is normalised before segmentation: Traditional input then segments like
    Simplified, and a word never spans a comma. Clauses holding one of the (normalised)
    wordings ``skip`` are left out.
    """
    found = []
    for clause in _clauses(text):
        norm = normalise(clause).text
        if any(wording and wording in norm for wording in skip):
            continue
        for word in jieba.lcut(norm):
            if len(word) >= MIN_LENGTH and word not in STOPWORDS and any(c.isalpha() for c in word):
                found.append(word)
    return list(dict.fromkeys(found))


def _clauses(text):
    clause = []
    for char in text or "":
        if char in CLAUSE_BREAKS:
            if clause:
                yield "".join(clause)
            clause = []
        else:
            clause.append(char)
    if clause:
        yield "".join(clause)


def covered(word, wordings):
    """True when a wording equals ``word``, is part of it or contains it (it would add nothing new)."""
    return any(w and (w in word or word in w) for w in wordings)


def suggest(answers, aliases, others=(), related=(), limit=LIMIT):
    """Candidate wordings for one point, best first.

    :param answers: ``(text, speaks_for_point)`` pairs: the calibration answers, each marked
        whether the trainers' score shows the point is there (see ``services.rubric_checks``).
        Answers that do not speak for it count against a word.
    :param aliases: the point's own wordings (already expanded from ``@sets``).
    :param others: the wordings of the other points: a word that earns another point is no
        synonym of this one, nor is any word of a clause that holds one.
    :param related: other points' labels and model sentences: a word found there probably
        belongs to that point, so it comes after the others.
    """
    own = [normalise(a).text for a in aliases]
    taken = [normalise(a).text for a in others]
    elsewhere = [normalise(t).text for t in related]
    support, against, where = Counter(), Counter(), {}
    for index, (text, speaks) in enumerate(answers):
        for word in words(text, skip=taken):
            if covered(word, own) or covered(word, taken):
                continue
            if speaks:
                support[word] += 1
                where.setdefault(word, []).append(index)
            else:
                against[word] += 1
    ranked = sorted((w for w in support if support[w] > against[w]),
                    key=lambda w: (-(support[w] - against[w]), any(w in t for t in elsewhere), -support[w], where[w][0]))
    return [Suggestion(w, support[w], tuple(where[w])) for w in ranked[:limit]]
