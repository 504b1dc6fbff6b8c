"""One exception family for everything a user can get wrong.

The CLI catches :class:`IrlError` and prints its message on one line, without
a traceback, then exits non-zero. Messages say what was expected, what was
found, and what to do.
"""


class IrlError(Exception):
    """Base class of every error `irl` raises on purpose."""


class DemoError(IrlError):
    """A demonstration file is missing, malformed, or does not match its env."""


class ConfigError(IrlError, ValueError):
    """A configuration value is out of range or inconsistent."""


class EnvError(IrlError):
    """An environment id is unknown or its spaces are unsupported."""


class RunDirError(IrlError):
    """A run folder is missing, incomplete, or would be overwritten."""


class TrainingError(IrlError):
    """Training produced non-finite values or could not continue."""


class RewardError(IrlError):
    """A reward artifact is missing, tampered with, from a newer irl, or does not fit an env."""
