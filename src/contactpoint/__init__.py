"""ContactPoint: a national index of children, private by design."""

__version__ = "0.1.0"
