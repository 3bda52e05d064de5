"""The federation keeps working after the move: server A (a Dendrite fixture) moved to
Synapse, its peer B the real Dendrite restored from the same fixture, both over loopback
TLS. Driven by scripts/tests/55-federation-move; what it shows is in docs/federation.md."""
