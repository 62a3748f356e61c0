"""Imports into the registry: households with members, poverty assessments, DTSEN desil.

A clerk uploads a CSV or XLSX file; a *preview* job checks every row and says what would be
created, updated or left unchanged, and which rows are refused and why; nothing is written
until the clerk confirms, when a *commit* job writes set-based. See `base` for the pipeline,
one module per kind for its rules, `services` for starting and running the jobs.
"""
