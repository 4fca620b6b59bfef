"""The artifact: the negotiated, signed result of one session, and its exports."""
