"""Client-visible checks of issue 5 (E2EE material, account data, push, filters) against a
migrated Synapse, compared with the answers the real Dendrite gave (fixtures/*/expected/) and,
for encrypted history, with real crypto clients (matrix-nio on vodozemac, the devices' saved
stores). `python -m harness.userdata FIXTURE --url URL`; docs/userdata.md says what is compared
how, and which differences are the two servers' own (documented, never silently skipped)."""
