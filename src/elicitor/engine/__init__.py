"""The interview engine: analyst (reads answers), policy (picks the move), voice (asks)."""
