"""Dukcapil matching: every registered person checked against the civil registry.

Two sources answer behind one interface (`registry.dukcapil.sources`): a semester DKB
extract loaded into PostgreSQL (set-based matching with typo recovery) and Dukcapil's
per-person web-service verification. A matching run records one outcome per person; the
uncertain ones wait in a review queue, and confirming them goes through the registry's
services.
"""
