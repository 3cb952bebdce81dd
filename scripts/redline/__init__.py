"""redline: red lines (DOMAIN §8) as data, checked on the compiled SQL of every dbt target."""

__all__ = ["__version__"]
__version__ = "0.1.0"
