"""BoxerConnect backend: the Django project package."""

__version__ = "0.1.0"
