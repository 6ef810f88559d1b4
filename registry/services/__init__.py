"""Use cases: load, apply the domain's rules, audit, flush. The acting user is always a parameter.

Services only flush; the request (or the CLI command) commits once, so a refused step leaves
nothing half-written.
"""
