"""Outcome of each check and each negative control, printed one line each.

A check is a predicate that returns (ok, detail). A negative control runs the SAME predicate
on an input that must make it fail (a changed signing key, a lowered stream position, a
media id or device that does not exist...); the control passes only when the predicate says
"not ok". So every check is shown able to fail, by its own code.
"""
from __future__ import annotations

import json
import sys
import traceback
from typing import Callable


class Results:
    def __init__(self) -> None:
        self.checks: list[tuple[str, bool, str]] = []
        self.controls: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)
        return ok

    def control(self, name: str, check_ok: bool, detail: str) -> None:
        """check_ok is the predicate's answer on the control input: it must be False."""
        self.controls.append((name, not check_ok, detail))
        verdict = "fails as it should" if not check_ok else "did NOT fail"
        print(f"{'PASS' if not check_ok else 'FAIL'} control {name}: {verdict} ({detail})", flush=True)

    def guarded(self, name: str, fn: Callable[[], None]) -> None:
        """Runs a group of checks; an exception is a failed check, never a silent pass."""
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - reported as a failure
            traceback.print_exc(file=sys.stderr)
            self.check(name, False, f"{type(e).__name__}: {e}")

    @property
    def failed(self) -> bool:
        return any(not ok for _, ok, _ in self.checks + self.controls)

    def summary(self, phase: str) -> str:
        c_ok = sum(ok for _, ok, _ in self.checks)
        n_ok = sum(ok for _, ok, _ in self.controls)
        return (f"federation-move {phase}: checks {c_ok}/{len(self.checks)} passed, "
                f"negative controls {n_ok}/{len(self.controls)} failed as they should")

    def save(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump({"checks": self.checks, "controls": self.controls}, f, indent=1)
