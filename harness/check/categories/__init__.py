"""One module per category of client-visible checks. Each defines NAME, GROUP (the area it
checks: `accounts_rooms` for accounts, rooms, history and state; `e2ee_userdata` for E2EE and
user data; `media_identity` for media and the server's signing identity), WRITES (whether it
changes the server) and run(ctx).

A run has two phases, whatever order the categories were asked for in (`pick`): first every
read-only category, then the ones that write, in the order of WRITE_PHASE. A read-only category
only reads (its POSTs are queries: /keys/query, /user_directory/search), so it cannot change
another category's verdict. The writers change what readers would see (`fallback_keys` and
`keys_claim` claim keys, using up one-time keys and marking fallback keys used;
`encrypted_history` logs in a new device and sends a message into `secret`, which notifies its
members; `live` logs in, sends events, changes a topic and adds a user), so they come after
every reader, and in an order where each finds what it needs: `fallback_keys` first (a claim
that falls back marks the fallback key used, and nio's clients claim keys too), then
`encrypted_history` (its devices must find their keys and queues as migrated), `keys_claim`,
`live`. So any category run alone, or any selection in any order, gets the verdict it gets in a
full run. A server a run has written to is not compared again: scripts/e2e loads a fresh one
per run.

To add a category: write a module with those four names and list it in READ_PHASE or
WRITE_PHASE.
"""
from . import (account_data, directory, encrypted, fallback_keys, hierarchy, history, keys, keys_claim, live,
               login, media, notifications, profile, relations, resume, rooms, server_keys, state, user_directory)

READ_PHASE = [login, rooms, history, state, profile, directory, resume, relations, hierarchy, user_directory,
              keys, account_data, notifications, media, server_keys]
WRITE_PHASE = [fallback_keys, encrypted, keys_claim, live]
ALL = READ_PHASE + WRITE_PHASE
GROUPS = sorted({m.GROUP for m in ALL})
