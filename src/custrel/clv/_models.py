"""The registry of model classes by kind, so a fitted model can be read back from JSON."""

from __future__ import annotations

from typing import Final

from custrel.clv._bgbb import BetaGeoBetaBinom
from custrel.clv._bgnbd import BetaGeo, ModifiedBetaGeo
from custrel.clv._fit import FittedModel, ModelKind
from custrel.clv._gamma import GammaGamma
from custrel.clv._pareto import ParetoNBD

__all__ = ["MODEL_CLASSES"]

MODEL_CLASSES: Final[dict[ModelKind, type[FittedModel]]] = {
    ModelKind.BG_NBD: BetaGeo,
    ModelKind.MBG_NBD: ModifiedBetaGeo,
    ModelKind.PARETO_NBD: ParetoNBD,
    ModelKind.BG_BB: BetaGeoBetaBinom,
    ModelKind.GAMMA_GAMMA: GammaGamma,
}
