"""Role-play use cases: replay a transcript; start, continue, stop and debrief stored runs."""
from ..core import roleplay
from ..core.content.scenarios import parse_replies
from ..core.content.source import decode_utf8
from ..core.errors import ContentInvalid


class ReplayInputError(Exception):
    """An unknown scenario or an unreadable transcript, said in words for the command line."""


def replay_file(bundle, scenario_id, data, name, mode="assessment"):
    """Play a transcript file's replies against a loaded scenario; return the debrief."""
    scenario = next((s for s in bundle.scenarios if s.id == scenario_id), None)
    if scenario is None:
        known = ", ".join(s.id for s in bundle.scenarios) or "none"
        raise ReplayInputError(f"unknown scenario '{scenario_id}' (known: {known})")
    try:
        text = decode_utf8(data, name)
    except ContentInvalid as invalid:
        raise ReplayInputError(str(invalid.errors[0])) from None
    replies = parse_replies(text)
    if not replies:
        raise ReplayInputError(f"{name}: no replies (write one reply per line)")
    _, result = roleplay.replay(scenario, replies, mode)
    return result
