"""A client for the ecoreg API: ``EcoregClient`` for code, ``ecoreg`` on the command line."""

from ecoreg_client.client import EcoregClient, EcoregError, EcoregUnreachable

__all__ = ["EcoregClient", "EcoregError", "EcoregUnreachable"]
