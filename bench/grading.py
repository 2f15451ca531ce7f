"""How long grading one short answer takes: the requirement is under 5 ms after warm-up.

Builds a realistic rubric (the eight pre-sales steps: 8 points, about 6 aliases each,
sequence mode), grades a few answers to warm the caches, then grades 2,000 varied answers
of 50-300 characters (in order and shuffled, with synonyms, pinyin typos, Traditional
characters, full-width letters, negations, filler and some English) and prints the time
per answer. Not a test: timings depend on the machine.

    .venv/bin/python bench/grading.py
"""
import random
import statistics
import time

from trainer.core.content.quizzes import build_rubric
from trainer.core.grading import grade_short_answer

ANSWERS = 2000
WARM_UP = 50
SEED = 20261123

STEPS = [
    ("问好", ["问好", "问候", "打招呼", "招呼", "欢迎光临", "热情接待"]),
    ("提问", ["提问", "询问", "发问", "问需求", "问清楚", "了解情况"]),
    ("分析", ["分析", "判断需求", "研究需求", "分析需求", "弄清需求", "找准需求"]),
    ("推荐", ["推荐", "推介", "介绍商品", "介绍产品", "推荐商品", "搭配推荐"]),
    ("谈判", ["谈判", "议价", "讲价", "砍价", "协商", "处理异议"]),
    ("帮助", ["帮助", "帮忙", "协助", "帮顾客", "促成交易", "催单"]),
    ("核实", ["核实", "核对", "核查", "确认订单", "订单确认", "核对地址"]),
    ("告别", ["告别", "道别", "再见", "欢送", "礼貌结束", "感谢光临"]),
]

#: Ways a trainee writes a step: as the alias, or with a pinyin typo, in Traditional, or negated.
VARIANTS = {"问好": "问号", "分析": "分习", "推荐": "推键", "谈判": "谈盼", "帮助": "帮住", "告别": "告鳖",
            "核实": "核實", "推荐商品": "推薦商品", "议价": "議價", "确认订单": "確認訂單"}
CONNECTORS = ["先", "然后", "接着", "再", "之后", "随后", "最后", ""]
FILLER = [
    "顾客进店咨询的时候要保持耐心", "回复要在三十秒以内", "语气要亲切自然，多用“亲”和“您”", "遇到不懂的问题先记下来再去问主管",
    "不要一上来就推销", "要根据顾客的需求来说话", "聊天记录要做好备注，方便下次跟进", "如果顾客情绪不好要先安抚",
    "ＶＩＰ顾客要特别注意", "注意平台规则，不能引导站外交易", "有时候顾客只是随便看看", "发货前再确认一遍颜色尺码",
    "please be polite", "OK的话就下单", "别忘了说谢谢", "库存不足时要如实告知",
]
NEGATIONS = ["不需要", "不用", "没必要", "无需"]


def rubric():
    """The eight steps, each worth 0.5, plus 1 point for the order."""
    points = [{"label": label, "points": 0.5, "aliases": aliases, "model": f"{label}：按流程完成这一步。"}
              for label, aliases in STEPS]
    return build_rubric({"mode": "sequence", "step": 0.5, "order": {"points": 1}, "points": points,
                         "model_answer": "问好、提问、分析、推荐、谈判、帮助、核实、告别。"})


def answer(rng):
    """One trainee answer of 50-300 characters."""
    steps = rng.sample(STEPS, rng.randint(2, 8))
    if rng.random() < 0.7:
        steps.sort(key=STEPS.index)
    parts = []
    for label, aliases in steps:
        wording = rng.choice(aliases)
        if rng.random() < 0.15:
            wording = VARIANTS.get(wording, wording)
        if rng.random() < 0.05:
            wording = rng.choice(NEGATIONS) + wording
        parts.append(rng.choice(CONNECTORS) + wording)
        if rng.random() < 0.6:
            parts.append(rng.choice(FILLER))
    separator = rng.choice(["，", "。", "；", "、", " "])
    length = rng.randint(50, 300)
    while sum(map(len, parts)) + len(parts) < length:
        parts.insert(rng.randint(0, len(parts)), rng.choice(FILLER))
    return separator.join(parts)[:length]


def percentile(values, share):
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1]


def main():
    rng = random.Random(SEED)
    graded_rubric = rubric()
    answers = [answer(rng) for _ in range(ANSWERS)]
    for text in answers[:WARM_UP]:
        grade_short_answer(graded_rubric, text)
    timings = []
    for text in answers:
        started = time.perf_counter()
        grade_short_answer(graded_rubric, text)
        timings.append((time.perf_counter() - started) * 1000)
    lengths = [len(text) for text in answers]
    print(f"{ANSWERS} answers of {min(lengths)}-{max(lengths)} characters (mean {statistics.mean(lengths):.0f}), "
          f"8 points x 6 aliases, sequence mode")
    print(f"ms per answer: mean {statistics.mean(timings):.3f}  p50 {statistics.median(timings):.3f}  "
          f"p95 {percentile(timings, 95):.3f}  p99 {percentile(timings, 99):.3f}  max {max(timings):.3f}")


if __name__ == "__main__":
    main()
