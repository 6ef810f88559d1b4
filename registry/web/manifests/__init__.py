"""Departure manifests: who leaves from a border point on a day, printed for the convoy."""
