"""A self-hosted personal assistant that you chat with and that handles phone calls for you."""

__version__ = "0.1.0"
