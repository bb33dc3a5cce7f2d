"""What-if policies: how batch-mode orders are grouped. ``--policy size=16,window=120``,
``--policy batch=off`` (every batch-mode order goes through its route alone, paying a changeover
whenever the setup key changes) or ``--policy unbatched=office-chair`` (only that product's: its
batchable option is then made to order, one by one)."""

from __future__ import annotations

from dataclasses import dataclass

from ..spec import FactorySpec
from .demand import DemandError


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    batching: bool
    size_limit: int
    window_minutes: float
    #: Products whose batch-mode orders go one by one even when batching is on.
    unbatched: frozenset[str] = frozenset()

    def batches(self, product: str) -> bool:
        return self.batching and product not in self.unbatched


def policy_from_factory(*, factory: FactorySpec) -> Policy:
    """The batch policy the factory is configured with."""
    policy = factory.batch_policy
    return Policy(
        name="as configured",
        batching=True,
        size_limit=policy.size_limit,
        window_minutes=float(policy.window_minutes),
    )


def policy_parse(*, text: str, factory: FactorySpec) -> Policy:
    """``key=value,...`` over the factory's policy: ``size`` (units), ``window`` (minutes),
    ``batch`` (on/off), ``unbatched`` (products joined by ``+``). An empty text or ``configured`` is
    the factory's own policy."""
    base = policy_from_factory(factory=factory)
    if text.strip() in ("", "configured"):
        return base
    size, window, batching = base.size_limit, base.window_minutes, base.batching
    unbatched: frozenset[str] = frozenset()
    for item in (part.strip() for part in text.split(",")):
        key, separator, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not separator:
            raise DemandError("policy", f"{item!r} is not key=value (size, window or batch).")
        if key == "size":
            if not value.isdigit() or int(value) < 1:
                raise DemandError("policy", f"size={value!r}: a whole number of units, at least 1.")
            size = int(value)
        elif key == "window":
            try:
                window = float(value)
            except ValueError:
                window = -1.0
            if not 0 <= window < float("inf"):
                raise DemandError("policy", f"window={value!r}: minutes, 0 or more.")
        elif key == "batch":
            if value not in ("on", "off"):
                raise DemandError("policy", f"batch={value!r}: on or off.")
            batching = value == "on"
        elif key == "unbatched":
            unbatched = frozenset(product.strip() for product in value.split("+") if product.strip())
            known = {route.product for route in factory.routes if route.mode == "batch"}
            unknown = sorted(unbatched - known) if None not in known else []
            if not unbatched or unknown:
                raise DemandError("policy", f"unbatched={value!r}: products with a batch route, joined by +.")
        else:
            raise DemandError("policy", f"Unknown key {key!r}: size, window, batch or unbatched.")
    return Policy(
        name=text.strip(), batching=batching, size_limit=size, window_minutes=window, unbatched=unbatched
    )
