"""user_directory: every user Dendrite's recorded /user_directory/search listed for a recorded
user is found again by that user, with the same display name and avatar.

Rule `directory-search-terms` (docs/e2e-checks.md): the recorded search was for "o". Dendrite
0.13.8 matches substrings (strings.Contains on the localpart and display name of each user
sharing a room with the searcher: clientapi/routing/userdirectory.go), so "o" found "bob" and
"Carol"; Synapse matches word *prefixes* (PostgreSQL to_tsquery with `:*`, storage
user_directory.py), so "o" starts no word of either and the recorded answer cannot be asked
again as is. Instead, for each listed user the checker searches for terms both servers match
by their own rules: the user's localpart and the first word of their display name. The user
must be in the results (`sets`: results compared by user_id, order is ranking) with the
recorded display_name and avatar_url (rule `no-avatar`: "" ≡ null). Who else appears is not compared: Synapse also lists
users of public rooms the searcher shares no room with (user_directory.search_all_users off).
A refused search (the guest's 403) is compared by status, as Synapse's errcode for a guest
(M_GUEST_ACCESS_FORBIDDEN) is Dendrite's too but the spec names none.
"""
from __future__ import annotations

NAME, GROUP = "user_directory", "accounts_rooms"
WRITES = False


def terms(user: dict) -> list[str]:
    out = [user["user_id"][1:].split(":", 1)[0]]
    words = (user.get("display_name") or "").split()
    if words and words[0] not in out:
        out.append(words[0])
    return out


def profile(r: dict | None) -> dict | None:
    """Rule `no-avatar`: "" and null (or absent) both mean "not set"; Dendrite answers "" for a
    user without an avatar, Synapse null."""
    if r is None:
        return None
    return {k: (r.get(k) if r.get(k) != "" else None) for k in ("display_name", "avatar_url")}


def run(ctx) -> None:
    f, t, c = ctx.fixture, ctx.tally, ctx.client
    for name in f.recorded_users():
        rec = f.expected(f"{name}/user_directory_search.json")
        if rec is None:
            continue
        token = f.main_device(name).token
        if rec["status"] != 200:
            st, _ = c.call("POST", "/user_directory/search", token=token,
                           body={"search_term": "o", "limit": 50})
            t.compare(NAME, f"{name} search status", rec["status"], st)
            continue
        for u in sorted(rec["body"].get("results") or [], key=lambda r: r["user_id"]):
            for term in terms(u):
                st, body = c.call("POST", "/user_directory/search", token=token,
                                  body={"search_term": term, "limit": 50})
                found = next((r for r in (body or {}).get("results") or []
                              if r.get("user_id") == u["user_id"]), None) if st == 200 else None
                t.compare(NAME, f"{name} searching {term!r} finds {u['user_id']}",
                          {"status": 200, "profile": profile(u)},
                          {"status": st, "profile": profile(found)})
