"""Drives a real Dendrite through a scripted Matrix scenario and records its answers.

Run as `python -m harness.scenario --help`. Each module holds one part of the
scenario (users, rooms, events, userdata, e2ee, media); `record` asks Dendrite
for the answers a migration must preserve. The shared state between parts is a
`World` (world.py): who exists, which rooms and events were made, under names
that stay the same from run to run even though Matrix IDs do not.
"""
