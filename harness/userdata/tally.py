"""Per-category counts and the first few differences, printed one line per category."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


def first_difference(exp: Any, act: Any, path: str = "") -> str | None:
    if isinstance(exp, dict) and isinstance(act, dict):
        for k in sorted(set(exp) | set(act)):
            if k not in exp or k not in act:
                return f"{path}.{k}: expected {_s(exp.get(k, '<absent>'))}, got {_s(act.get(k, '<absent>'))}"
            d = first_difference(exp[k], act[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(exp, list) and isinstance(act, list):
        for i, (e, a) in enumerate(zip(exp, act)):
            d = first_difference(e, a, f"{path}[{i}]")
            if d:
                return d
        if len(exp) != len(act):
            return f"{path}: expected {len(exp)} items, got {len(act)}"
        return None
    if exp == act and type(exp) is type(act):
        return None
    if isinstance(exp, (int, float)) and isinstance(act, (int, float)) and not isinstance(exp, bool) \
            and not isinstance(act, bool) and exp == act:
        return None
    return f"{path or '.'}: expected {_s(exp)}, got {_s(act)}"


def _s(v: Any) -> str:
    s = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return s if len(s) < 160 else s[:157] + "..."


@dataclass
class Category:
    name: str
    matched: int = 0
    differed: int = 0
    differences: list[str] = field(default_factory=list)

    def line(self) -> str:
        s = f"{self.name}: {self.matched} matched, {self.differed} differed"
        return s + (f"; first: {self.differences[0]}" if self.differences else "")


class Tally:
    def __init__(self) -> None:
        self.cats: dict[str, Category] = {}

    def cat(self, name: str) -> Category:
        return self.cats.setdefault(name, Category(name))

    def ok(self, cat: str) -> None:
        self.cat(cat).matched += 1

    def differ(self, cat: str, what: str) -> None:
        c = self.cat(cat)
        c.differed += 1
        c.differences.append(what)

    def compare(self, cat: str, label: str, expected: Any, actual: Any) -> None:
        d = first_difference(expected, actual)
        self.ok(cat) if d is None else self.differ(cat, f"{label} {d}")

    def check(self, cat: str, label: str, cond: bool, detail: str = "") -> None:
        self.ok(cat) if cond else self.differ(cat, f"{label}: {detail}")

    @property
    def failed(self) -> bool:
        return any(c.differed for c in self.cats.values())
