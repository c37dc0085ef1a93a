"""The online DCF (ATOM's classifier as D3S runs it): coarse target localisation."""

from .filter import DCFFeatures, Localization, OnlineDCF
from .lookalike import TwoLevelDCF
from .params import DCFParams, LookalikeParams

__all__ = ["DCFFeatures", "DCFParams", "Localization", "LookalikeParams", "OnlineDCF", "TwoLevelDCF"]
