"""Sessions: one participant's interview, stored as an append-only event log."""
