"""csikit's version (pyproject.toml says the same; ``tests/whole/test_public_api.py`` checks)."""

__version__ = "0.1.0"
