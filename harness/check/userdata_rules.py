"""Issue 5's comparison rules (docs/e2e-checks.md, "User data and E2EE"): the differences
between Dendrite's and Synapse's answers about keys, push rules and account data that are the
two servers' own design, as functions. Each removes only that; the data the migration carries
is compared exactly."""
from __future__ import annotations

import json
from typing import Any

# Server-default push rules Synapse 1.163.2 serves that Dendrite 0.13.8 does not have
# (docs/push-rules.md). They are Synapse's own and not part of the user's data.
SYNAPSE_ONLY_DEFAULTS = {
    ("override", ".m.rule.is_user_mention"),
    ("override", ".m.rule.is_room_mention"),
    ("override", ".m.rule.suppress_edits"),
    ("underride", ".im.vector.jitsi"),
}


def error(status: int, body: Any) -> Any:
    """An error answer compared by status and errcode; the English text is each server's own."""
    if status >= 400 and isinstance(body, dict) and "errcode" in body:
        return {"status": status, "errcode": body["errcode"]}
    return {"status": status, "body": body}


def actions_meaning(actions: list) -> list[str]:
    """Push actions as a set of meanings: `dont_notify` is a no-op, a highlight tweak without a
    value is true, `highlight: false` is the default; tweak order carries nothing."""
    out = set()
    for a in actions:
        if a == "dont_notify":
            continue
        if isinstance(a, dict) and a.get("set_tweak") == "highlight":
            v = a.get("value", True)
            if v is False:
                continue
            a = {"set_tweak": "highlight", "value": v}
        out.add(json.dumps(a, sort_keys=True))
    return sorted(out)


def pushrules(body: dict, dendrite: bool) -> dict:
    """Per kind: the user's rules in their order, exactly; the server-default rules by id with
    their enabled flag and the meaning of their actions (conditions of a default rule are each
    server's own spelling of the same rule). Synapse's extra defaults and its empty
    `postcontent` kind are left out of Synapse's answer."""
    out = {}
    for kind, rules in sorted(body.get("global", {}).items()):
        user = [r for r in rules if not r.get("default")]
        defaults = {}
        for r in rules:
            if not r.get("default"):
                continue
            if not dendrite and (kind, r["rule_id"]) in SYNAPSE_ONLY_DEFAULTS:
                continue
            defaults[r["rule_id"]] = {"enabled": r.get("enabled"), "actions": actions_meaning(r.get("actions", []))}
        if user or defaults:
            out[kind] = {"user_rules": user, "defaults": defaults}
    return out


def keys_query(body: dict, server: str, requester: str) -> dict:
    """Local users only (remote keys are a cache re-fetched from their servers). A user-signing
    key is served only to its owner by Synapse, as the spec says; Dendrite served everyone's."""
    out = {}
    for k, v in body.items():
        if k == "failures" or not isinstance(v, dict):
            continue
        local = {u: x for u, x in v.items() if u.endswith(":" + server)}
        if k == "user_signing_keys":
            local = {u: x for u, x in local.items() if u == requester}
        out[k] = local
    return out


def pushers(body: dict) -> dict:
    """Synapse does not return `pushkey_ts` (it keeps it as `ts`)."""
    return {"pushers": [{k: v for k, v in p.items() if k != "pushkey_ts"} for p in body.get("pushers", [])]}


def tags(body: dict) -> dict:
    """Dendrite answers `{"tags": null}` for a room without tags, Synapse `{"tags": {}}`."""
    return {"tags": body.get("tags") or {}}


def contained(small: Any, big: Any, path: str = "") -> str | None:
    """Where `small` is not part of `big` (every key of small present in big with a contained
    value; lists equal in length, element-wise contained), or None."""
    if isinstance(small, dict):
        if not isinstance(big, dict):
            return f"{path or '.'}: expected an object, got {json.dumps(big)[:80]}"
        for k, v in small.items():
            if k not in big:
                return f"{path}.{k}: absent"
            d = contained(v, big[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(small, list):
        if not isinstance(big, list) or len(small) != len(big):
            return f"{path or '.'}: expected {json.dumps(small)[:80]}, got {json.dumps(big)[:80]}"
        for i, (a, b) in enumerate(zip(small, big)):
            d = contained(a, b, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if small == big and type(small) is type(big) else f"{path or '.'}: expected {small!r}, got {big!r}"
