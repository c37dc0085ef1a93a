"""The online DCF (ATOM's classifier as D3S runs it): coarse target localisation."""

from .filter import DCFFeatures, Localization, OnlineDCF
from .params import DCFParams

__all__ = ["DCFFeatures", "DCFParams", "Localization", "OnlineDCF"]
