"""One module per category of client-visible checks. Each defines NAME, GROUP (the issue whose
data it checks: issue4 accounts/rooms/history, issue5 E2EE and user data, issue6 media and
server identity) and run(ctx). Order in ALL is the order they run: read-only comparisons first,
then those that change the server: `encrypted` sends a post-migration message into `secret`
(which notifies its members, so `notifications` must run before it), `keys_claim` uses up
one-time keys, and `live` sends events and adds a user and devices. `fallback_keys` runs before
`encrypted` and `keys_claim`: a claim that falls back marks the fallback key used.

To add a category: write a module with those three names and list it here.
"""
from . import (account_data, directory, encrypted, fallback_keys, hierarchy, history, keys, keys_claim, live,
               login, media, notifications, profile, relations, resume, rooms, server_keys, state, user_directory)

ALL = [login, rooms, history, state, profile, directory, resume,
       relations, hierarchy, user_directory,
       keys, account_data, notifications, fallback_keys, encrypted, keys_claim, media, server_keys,
       live]
GROUPS = sorted({m.GROUP for m in ALL})
