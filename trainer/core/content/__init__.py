"""Loading and validating everything under ``content/``."""
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentInvalid
from .manual import Lesson, load_manual


@dataclass(frozen=True)
class ContentBundle:
    """Everything loaded from one content directory, valid as a whole."""

    lessons: tuple[Lesson, ...] = field(default_factory=tuple)

    def items(self):
        """Every item as ``(id, kind, title, lesson)`` rows for listings."""
        return [(lesson.id, "lesson", lesson.title, lesson.id) for lesson in self.lessons]


def load_content(content_dir):
    """Load and cross-check the whole content tree; raise ``ContentInvalid`` listing every problem."""
    root = Path(content_dir)
    lessons, errors = load_manual(root / "manual", relative_to=root.parent)
    if errors:
        raise ContentInvalid(errors)
    return ContentBundle(lessons=tuple(lessons))
