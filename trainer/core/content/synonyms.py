"""Shared synonym sets (``content/synonyms.yaml``): an alias ``@name`` stands for a whole set."""
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..errors import ContentError
from .source import decode_utf8, parse_yaml, validate

SetName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,40}$")]
Wording = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class SynonymsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    version: Annotated[int, Field(ge=1)]
    sets: dict[SetName, Annotated[list[Wording], Field(min_length=2)]]


def load_synonyms(path, name):
    """``(version, {set: [wordings]})``; an absent file means no sets."""
    if not Path(path).exists():
        return 0, {}
    values, lines = parse_yaml(decode_utf8(Path(path).read_bytes(), name), name)
    data = validate(SynonymsFile, values, lines, name)
    return data.version, dict(data.sets)


def expand(wordings, sets, path, line, field):
    """Replace every ``@name`` by its set; returns ``(wordings, errors)``."""
    result, errors = [], []
    for wording in wordings:
        if wording.startswith("@"):
            if wording[1:] in sets:
                result.extend(sets[wording[1:]])
            else:
                errors.append(ContentError(path, line, field, f"unknown synonym set '{wording}'"))
        else:
            result.append(wording)
    return list(dict.fromkeys(result)), errors
