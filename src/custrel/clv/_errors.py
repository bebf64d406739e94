"""The errors a customer-base model raises when the data cannot carry a fit."""

from __future__ import annotations

from custrel.errors import CustrelError

__all__ = ["FitFailed", "UnidentifiableData"]


class UnidentifiableData(CustrelError, ValueError):
    """The data cannot identify the model's parameters, so no fit is attempted.

    Attributes:
        model: the model's stable name (``"bg/nbd"``, ...).
        field: the input that lacks what the model needs.
        reason: why the parameters are not identified, and what data would do.
    """

    def __init__(self, model: str, field: str, reason: str) -> None:
        """Record the model, the input and the reason."""
        self.model = model
        self.field = field
        self.reason = reason
        super().__init__(f"{model}: {field} cannot identify the model: {reason}")


class FitFailed(CustrelError, RuntimeError):
    """The optimiser stopped without a maximum of the likelihood.

    Attributes:
        model: the model's stable name.
        parameter: the parameter at fault, or ``None`` when the whole fit failed.
        value: that parameter's last value (or the log-likelihood), for the record.
        reason: what went wrong and what to try.
        evaluations: likelihood evaluations the search made before it stopped
            (``None`` when not recorded).
    """

    def __init__(self, model: str, parameter: str | None, value: float, reason: str) -> None:
        """Record the model, the parameter, its last value and the reason."""
        self.model = model
        self.parameter = parameter
        self.value = value
        self.reason = reason
        self.evaluations: int | None = None
        where = f" (parameter {parameter}={value:.6g})" if parameter else ""
        super().__init__(f"{model}: the fit did not converge{where}: {reason}")

    def with_evaluations(self, evaluations: int) -> FitFailed:
        """This error, recording how many likelihood evaluations the search made."""
        self.evaluations = evaluations
        return self
