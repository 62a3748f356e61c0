"""Shared bounds of API input."""

# Row ids are PostgreSQL bigints; a larger number names no row.
MAX_ID = 2**63 - 1
