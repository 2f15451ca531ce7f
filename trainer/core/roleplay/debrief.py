"""Scoring a finished (or stopped) conversation and explaining every point of it.

Score = Σ category weight × share of its applicable checks met (timing: mean reply credit),
minus 10 per 消极接待. Passed = score ≥ pass mark, no critical item, every category at least
half, and the customer did not leave. Results near the pass mark, or whose verdict hangs on a
typo-matched wording, are flagged for a trainer.
"""
from ..grading.rubric import round_to
from .engine import LATER_REPLY_FULL, Run

PASSIVE_PENALTY = 10
CATEGORY_MINIMUM = 0.5
#: Within this many points of the pass mark a trainer should look.
NEAR_PASS = 5
STEP = 0.5


def debrief(scenario, run):
    """The whole debrief as plain data (stored with the attempt and printed by ``replay``)."""
    categories = [_category(scenario, run, name, weight) for name, weight in scenario.weights]
    penalties = [{**p, "points": PASSIVE_PENALTY} for p in run.passive]
    score = _total(categories, penalties)
    failed = _failures(scenario, run, categories, score)
    reasons = _doubts(scenario, run, categories, penalties, score, failed)
    return {
        "scenario": scenario.id, "mode": run.mode, "ended": run.ended or "running",
        "passed": not failed, "failed_because": failed,
        "score": score, "max_score": 100, "pass_mark": scenario.pass_mark,
        "needs_review": bool(reasons), "reasons": reasons,
        "categories": categories,
        "critical": list(run.violations),
        "suspected": list(run.suspected),
        "penalties": penalties,
        "timing": timing(run),
        "stages": {"lost": list(run.lost), "skipped": list(run.skipped), "covered": list(run.covered)},
        "transcript": [{k: v for k, v in turn.items() if k != "norm"} for turn in run.turns],
        "mood": _moods(run),
    }


def timing(run):
    agents = run.agent_turns
    within = sum(1 for t in agents if t["seconds"] <= LATER_REPLY_FULL)
    return {
        "replies": [{"turn": t["n"], "seconds": t["seconds"], "credit": t["credit"], "limit": t["limit"]} for t in agents],
        "first_reply_seconds": agents[0]["seconds"] if agents else None,
        # the platforms' 3-minute reply rate: replies sent within three minutes / replies
        "within_3min_rate": round(within / len(agents), 3) if agents else None,
        "average_seconds": round(sum(t["seconds"] for t in agents) / len(agents), 1) if agents else None,
    }


def _category(scenario, run, name, weight):
    if name == "timing":
        credits = [t["credit"] for t in run.agent_turns]
        share = sum(credits) / len(credits) if credits else 0.0
        return {"id": name, "weight": weight, "score": round_to(weight * share, STEP), "share": round(share, 3),
                "checks": []}
    checks = [_check_result(check, run) for check in scenario.checks if check.category == name]
    applicable = [c for c in checks if c["status"] != "na"]
    share = sum(c["status"] == "met" for c in applicable) / len(applicable) if applicable else 1.0
    return {"id": name, "weight": weight, "score": round_to(weight * share, STEP), "share": round(share, 3),
            "checks": checks}


def _check_result(check, run):
    result = {"id": check.id, "label": check.label, "lesson": check.lesson}
    if check.stage and check.stage in run.skipped:
        return {**result, "status": "na"}
    if check.id in run.met:
        return {**result, "status": "met", **run.met[check.id]}
    return {**result, "status": "missed", "model": check.model}


def _total(categories, penalties):
    raw = sum(c["score"] for c in categories) - sum(p["points"] for p in penalties)
    return max(0.0, round_to(raw, STEP))


def _failures(scenario, run, categories, score):
    failed = []
    if score < scenario.pass_mark:
        failed.append("score_below_pass_mark")
    if run.violations:
        failed.append("critical")
    if any(c["share"] < CATEGORY_MINIMUM for c in categories):
        failed.append("category_below_half")
    if run.ended == "left":
        failed.append("customer_left")
    return failed


def _doubts(scenario, run, categories, penalties, score, failed):
    reasons = []
    if abs(score - scenario.pass_mark) <= NEAR_PASS and not run.violations:
        reasons.append("near_pass_mark")
    if run.suspected:
        reasons.append("critical_not_exact")
    if not run.violations and _typos_decide(scenario, run, categories, penalties, failed):
        reasons.append("typo_decides_pass")
    return reasons


def _typos_decide(scenario, run, categories, penalties, failed):
    """Would the verdict flip if wordings matched only as typos or near misses did not count?"""
    if failed or not any(m["how"] in ("homophone", "fuzzy") for m in run.met.values()):
        return False
    strict = Run.from_dict(run.to_dict())
    strict.met = {k: v for k, v in strict.met.items() if v["how"] not in ("homophone", "fuzzy")}
    again = [_category(scenario, strict, c["id"], c["weight"]) for c in categories]
    return bool(_failures(scenario, strict, again, _total(again, penalties)))


def _moods(run):
    """The customer's mood after each of their messages, starting with the opening one."""
    return [{"turn": i, "mood": t["mood"], "reaction": t["reaction"]}
            for i, t in enumerate(run.turns) if t["who"] == "customer"]
