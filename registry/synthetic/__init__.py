"""A synthetic Kota Depok for demos, tests and benchmarks: plausible, made up, reproducible.

Pure generators (no database): `names` (Indonesian names with their real spelling
variation), `families` (household structures and an urban age pyramid), `addresses`
(kelurahan sizes, RW/RT, streets), `identifiers` (NIK and No. KK that pass the registry's
checks), `answers` (14-parameter answers and DTSEN desil) and `city`, which combines them
into households. `load` writes a generated city into the real tables with COPY, in chunks.

Every number and name is invented; none belongs to a real resident.
"""
