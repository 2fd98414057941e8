"""The package version (code). The data version lives in data/raw/dataset.yaml."""

__version__ = "0.2.0"
