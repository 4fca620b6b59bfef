"""Synthesis across the signed sessions of one briefing, and the second round."""
