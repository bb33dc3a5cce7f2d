"""Money: Decimal amounts in a currency, rounded by one rule in one place.

The rule: every amount that appears on a price line is rounded half up to the currency's minor
unit (cents; whole yen) when the line is made; unit prices and totals are sums and products of
rounded amounts, so they need no rounding of their own and always add up to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: ISO 4217 minor units that are not 2.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit: the only rounding money ever gets."""
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    return str(round_money(amount, currency))
