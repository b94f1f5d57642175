"""News summarization and Q&A assistant: cited answers and briefs over your own articles."""

from assistant import _offline  # noqa: F401  (must run before any heavy import)
from assistant.settings import Settings

__all__ = ["Assistant", "Settings"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy: `import assistant` stays cheap for the CLI's --help and for settings-only users.
    if name == "Assistant":
        from assistant.api import Assistant

        return Assistant
    raise AttributeError(name)
