"""Chat role-plays: analyse a reply, move the conversation on, score and explain it."""
from .debrief import debrief
from .engine import Run, RunFinished, hint, reply_credit, start, stop, take_reply

__all__ = ["Run", "RunFinished", "debrief", "hint", "reply_credit", "replay", "start", "stop", "take_reply"]


def replay(scenario, replies, mode="assessment"):
    """Play ``[(reply, seconds)]`` from the start; return the final run and its debrief."""
    run = start(scenario, mode)
    for text, seconds in replies:
        if run.ended:
            break
        run = take_reply(scenario, run, text, seconds)
    if not run.ended:
        run = stop(run)
    return run, debrief(scenario, run)
