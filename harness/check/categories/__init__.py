"""One module per category of client-visible checks. Each defines NAME, GROUP (the issue whose
data it checks: issue4 accounts/rooms/history, issue5 E2EE and user data, issue6 media and
server identity) and run(ctx). Order in ALL is the order they run: read-only comparisons first,
then `live`, which changes the server (new events, a new user, a new device).

To add a category: write a module with those three names and list it here.
"""
from . import (account_data, directory, encrypted, hierarchy, history, keys, keys_claim, live,
               login, media, notifications, profile, relations, resume, rooms, server_keys, state, user_directory)

ALL = [login, rooms, history, state, profile, directory, resume,
       relations, hierarchy, user_directory,
       keys, account_data, encrypted, keys_claim, notifications, media, server_keys,
       live]
GROUPS = sorted({m.GROUP for m in ALL})
