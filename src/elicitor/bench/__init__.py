"""Benchmark tools: the simulated participant and its helpers."""
