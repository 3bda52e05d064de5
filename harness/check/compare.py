"""Structural comparison and the per-category tally.

`first_difference` walks two JSON values in step and returns the first place they differ
(a path like `.chunk[3].content.body` and both values), or None. Dicts compare key by key in
sorted order so the reported difference is deterministic; lists compare element by element
(order matters: where a list is an unordered set, the normalisation sorts it first, see
normalise.py). Ints and floats compare by value, but a bool never equals an int.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Difference:
    path: str
    expected: Any
    actual: Any

    def render(self, width: int = 160) -> str:
        return f"{self.path or '.'}: expected {_short(self.expected, width)}, got {_short(self.actual, width)}"


MISSING = type("Missing", (), {"__repr__": lambda self: "<absent>"})()


def _short(v: Any, width: int) -> str:
    s = "<absent>" if v is MISSING else json.dumps(v, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= width else s[: width - 3] + "..."


def first_difference(exp: Any, act: Any, path: str = "") -> Difference | None:
    if isinstance(exp, dict) and isinstance(act, dict):
        for k in sorted(set(exp) | set(act)):
            d = first_difference(exp.get(k, MISSING), act.get(k, MISSING), f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(exp, list) and isinstance(act, list):
        for i, (e, a) in enumerate(zip(exp, act)):
            d = first_difference(e, a, f"{path}[{i}]")
            if d:
                return d
        if len(exp) != len(act):
            i = min(len(exp), len(act))
            return Difference(f"{path}[{i}]", exp[i] if i < len(exp) else MISSING,
                              act[i] if i < len(act) else MISSING)
        return None
    if type(exp) is bool or type(act) is bool:
        return None if exp is act else Difference(path, exp, act)
    if isinstance(exp, (int, float)) and isinstance(act, (int, float)):
        return None if exp == act else Difference(path, exp, act)
    if type(exp) is not type(act) or exp != act:
        return Difference(path, exp, act)
    return None


@dataclass
class Category:
    name: str
    matched: int = 0
    differed: int = 0
    excluded: int = 0
    first: str | None = None
    differences: list[str] = field(default_factory=list)

    def line(self) -> str:
        s = f"{self.name}: {self.matched} matched, {self.differed} differed"
        s += f", {self.excluded} excluded" if self.excluded else ""
        return s + (f"; first: {self.first}" if self.first else "")


class Exclusion:
    """What a damaged-corpus run leaves out of the comparison (--exclude-rooms/--exclude-users):
    any answer part that names a damaged room (its ID) or a damaged user (`@name`, any case,
    any suffix: the corpus renames users to upper-case or over-long IDs). Before comparing,
    list items and dict entries that name one are dropped from both sides; a difference whose
    label or text still names one is counted as excluded, never as matched."""

    def __init__(self, rooms: dict[str, str] | None = None, user_names: list[str] = ()) -> None:
        rooms = rooms or {}
        terms = [re.escape(r) for r in rooms.values()]                      # room IDs
        terms += [f"@{re.escape(u)}" for u in user_names]                   # user IDs, any case
        self._re = re.compile("|".join(terms), re.IGNORECASE) if terms else None
        # Labels name rooms and users by scenario name ("alice/lobby $e", "bob/BOBTABLET whoami"):
        # a whole word, case as written, looked for in the label part only (see `labels`).
        names = [re.escape(n) for n in [*rooms, *user_names]]
        self._label_re = re.compile(r"(?<![\w.])(?:" + "|".join(names) + r")(?![\w.])") if names else None

    def names(self, value: Any) -> bool:
        """Whether a value names a damaged room (by ID) or user."""
        if self._re is None:
            return False
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return self._re.search(text) is not None

    def labels(self, text: str) -> bool:
        """Whether a label, or the label part of a difference text, names a damaged room or user."""
        label = text.split(": expected", 1)[0].split(" .", 1)[0]
        return self.names(text) or (self._label_re is not None and self._label_re.search(label) is not None)

    def prune(self, v: Any) -> Any:
        if self._re is None:
            return v
        if isinstance(v, dict):
            return {k: self.prune(x) for k, x in v.items() if not self.names(k)}
        if isinstance(v, list):
            return [self.prune(x) for x in v if not self.names(x)]
        return v


class Tally:
    """Counts per category; an item is one compared answer (one event, one room's state...)."""

    def __init__(self, exclusion: Exclusion | None = None) -> None:
        self.cats: dict[str, Category] = {}
        self.exclusion = exclusion or Exclusion()

    def cat(self, name: str) -> Category:
        return self.cats.setdefault(name, Category(name))

    def compare(self, cat: str, label: str, exp: Any, act: Any) -> bool:
        if self.exclusion.labels(label):
            self.cat(cat).excluded += 1
            return True
        d = first_difference(self.exclusion.prune(exp), self.exclusion.prune(act))
        if d is None:
            self.ok(cat)
            return True
        self.differ(cat, f"{label} {d.render()}")
        return False

    def ok(self, cat: str, n: int = 1) -> None:
        self.cat(cat).matched += n

    def differ(self, cat: str, text: str) -> None:
        c = self.cat(cat)
        if self.exclusion.labels(text):
            c.excluded += 1
            return
        c.differed += 1
        c.differences.append(text)
        if c.first is None:
            c.first = text

    def check(self, cat: str, label: str, cond: bool, expected: Any, actual: Any) -> bool:
        if cond:
            self.ok(cat)
        else:
            self.differ(cat, f"{label}: expected {_short(expected, 160)}, got {_short(actual, 160)}")
        return cond

    @property
    def failed(self) -> bool:
        return any(c.differed for c in self.cats.values())
