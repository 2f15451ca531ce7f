"""Content back to the file format: what the browser publishes can be written to ``content/``.

Export writes the data as it was written (``definition["source"]``), so a round trip
export → import gives the same definition, and the file a trainer commits reads naturally.
"""
import difflib

import yaml


class _Dumper(yaml.SafeDumper):
    """Block style, Chinese as is, long text folded by YAML's own rules; no anchors ever."""

    def ignore_aliases(self, data):
        return True


def _str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(data):
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def export_text(kind, definition):
    """The file text for one scenario (a whole file), item (one entry of a quiz file) or term."""
    source = definition.get("source")
    if source is None:
        raise ValueError(f"this {kind} was stored before sources were kept; sync it from its file first")
    return to_yaml(source if kind == "scenario" else [source])


def diff_text(old, new, old_name, new_name):
    """A unified diff between two exports, line by line."""
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=old_name, tofile=new_name))
