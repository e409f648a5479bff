"""The initial load's one error."""


class InitialLoadError(RuntimeError):
    """The initial load cannot start or did not finish; the message says why."""
