"""The rules of the registry in plain Python: no Flask, no database session."""
