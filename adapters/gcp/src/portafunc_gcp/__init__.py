"""portafunc's GCP adapter."""

__all__ = ["__version__"]

__version__ = "0.1.0"
