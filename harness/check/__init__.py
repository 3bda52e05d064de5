"""Client-visible checker: a migrated server must answer every fixture user as Dendrite did.

    python3 -m harness.check FIXTURE --url http://127.0.0.1:PORT [--categories accounts_rooms,...]

See docs/e2e-checks.md for the categories and every normalisation rule.
"""
