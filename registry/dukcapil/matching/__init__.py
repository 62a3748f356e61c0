"""Matching logic with no database: plain values in, decisions out.

`identifiers` (NIK typing mistakes), `fields` (field checks of an exact NIK match),
`recovery` (mistyped NIKs within birth-date blocks), `fallback` (name + birth date +
birthplace), `verification` (reading a web-service answer). The sources in
`registry.dukcapil.sources` feed them and the job writes what they decide.
"""
