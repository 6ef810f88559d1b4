"""Marks strings for translation where Flask-Babel cannot be imported (the domain)."""


def N_(message: str) -> str:  # noqa: N802 - the name pybabel looks for
    """Return `message` unchanged; `pybabel extract -k N_` collects it for the catalogues."""
    return message
