"""Benchmarks: simulated participants, baselines, scoring, speed and the regression gate.

- ``participant``: ``SimulatedParticipant``, which answers an interviewer from hidden facts.
- ``cases``: the case format and the bundled cases in ``data/cases``.
- ``harness``, ``baselines``, ``scoring``, ``report``, ``elicitation``: the elicitation
  benchmark behind ``elicitor bench elicitation``.
- ``speed``: the speed benchmark behind ``elicitor bench speed``.
- ``gate``: the comparison with ``benchmarks/baseline.json`` behind ``elicitor bench gate``.
- ``minilm``: the MiniLM sentence encoder the participant and the scorer match with.

docs/benchmarks.md describes the method, the thresholds and the current results.
"""
