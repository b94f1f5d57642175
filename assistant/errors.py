"""The failures a user can fix, in one light module (no Chroma, no model imports), so the CLI
can catch them around every command without paying for the modules that raise them."""

from __future__ import annotations


class ModelError(RuntimeError):
    """A model backend failed; the message names the setting to check."""


class IndexMismatchError(RuntimeError):
    """The index was built with another embedding model; mixing vectors would be garbage."""


class StoreUnavailableError(RuntimeError):
    """The vector store cannot be reached or opened."""
