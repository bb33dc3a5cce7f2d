"""A customer's whole flow, written against the client that openapi-python-client generates from
the published schema (package ``atelier_api_client``): no raw HTTP, no untyped field. The contract
test generates the client, type-checks this module with mypy and runs it against a live server."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from atelier_api_client import AuthenticatedClient, Client
from atelier_api_client.api.orders import orders_cancel, orders_create, orders_list, orders_retrieve
from atelier_api_client.api.products import products_configure, products_list, products_retrieve
from atelier_api_client.api.quotes import quotes_create
from atelier_api_client.models import (
    ConfigurationOrderInputRequest,
    ConfigurationOrderInputRequestSelections,
    ConfigureInputRequest,
    ConfigureInputRequestSelections,
    ConfigureOutput,
    Error,
    OrderCancelInputRequest,
    OrderOutput,
    OrderStatus,
    PaginatedOrderSummaryOutputList,
    PaginatedProductListOutputList,
    ProductDetailOutput,
    ProductionMode,
    QuoteCreateInputRequest,
    QuoteCreateInputRequestSelections,
    QuoteOrderInputRequest,
    QuoteOutput,
    ShippingInputRequest,
)


@dataclass(frozen=True)
class FlowResult:
    products: list[str]
    configured_total: Decimal
    configured_mode: ProductionMode
    ship_date: str
    quote_total: Decimal
    order_status: OrderStatus
    listed: list[uuid.UUID]
    replayed: bool
    cancelled: OrderStatus
    configuration_order_total: Decimal


class UnexpectedAnswer(AssertionError):
    pass


T = TypeVar("T")


def _expect(answer: T | Error | None, kind: type[T]) -> T:
    if not isinstance(answer, kind):
        raise UnexpectedAnswer(f"expected {kind.__name__}, got {answer!r}")
    return answer


SHIPPING = ShippingInputRequest(
    name="Ada Lovelace", line1="12 St James's Square", postal_code="SW1Y 4JH", city="London", country="GB"
)


def run(base_url: str, token: str) -> FlowResult:
    """List, configure (reading price and production), quote, order with an idempotency key,
    list, read and cancel; then order a configuration directly."""
    # Closed at the end, so that the live server's request threads end and give back their
    # database connections before the test database is dropped.
    with (
        Client(base_url=base_url, raise_on_unexpected_status=True) as anonymous,
        AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True) as customer,
    ):
        catalogue = _expect(products_list.sync(client=anonymous), PaginatedProductListOutputList)
        codes = [product.code for product in catalogue.results]
        bike = _expect(products_retrieve.sync("city-bike", client=anonymous), ProductDetailOutput)
        frame = next(option_set for option_set in bike.option_sets if option_set.code == "frame")

        selections = {"frame": "steel", "colour": "racing_green"}
        answer = _expect(
            products_configure.sync(
                "city-bike",
                client=anonymous,
                body=ConfigureInputRequest(
                    selections=ConfigureInputRequestSelections.from_dict(selections), quantity=2
                ),
            ),
            ConfigureOutput,
        )
        if not answer.valid or frame.options is None:
            raise UnexpectedAnswer(f"the configuration should be valid: {answer.errors}")

        quote = _expect(
            quotes_create.sync(
                client=customer,
                body=QuoteCreateInputRequest(
                    product="city-bike",
                    selections=QuoteCreateInputRequestSelections.from_dict(selections),
                    quantity=2,
                ),
            ),
            QuoteOutput,
        )
        key = str(uuid.uuid4())
        order_body = QuoteOrderInputRequest(quote=quote.id, shipping=SHIPPING)
        placed = _expect(
            orders_create.sync(client=customer, body=order_body, idempotency_key=key), OrderOutput
        )
        again = orders_create.sync_detailed(client=customer, body=order_body, idempotency_key=key)
        replayed = again.headers.get("Idempotent-Replayed") == "true"
        if _expect(again.parsed, OrderOutput).id != placed.id:
            raise UnexpectedAnswer("the same key placed a second order")

        page = _expect(orders_list.sync(client=customer), PaginatedOrderSummaryOutputList)
        detail = _expect(orders_retrieve.sync(placed.id, client=customer), OrderOutput)
        cancelled = _expect(
            orders_cancel.sync(
                placed.id, client=customer, body=OrderCancelInputRequest(reason="changed my mind")
            ),
            OrderOutput,
        )
        direct = _expect(
            orders_create.sync(
                client=customer,
                body=ConfigurationOrderInputRequest(
                    product="city-bike",
                    selections=ConfigurationOrderInputRequestSelections.from_dict({"frame": "steel"}),
                    shipping=SHIPPING,
                ),
                idempotency_key=str(uuid.uuid4()),
            ),
            OrderOutput,
        )
        return FlowResult(
            products=codes,
            configured_total=Decimal(answer.price.total),
            configured_mode=answer.production.mode,
            ship_date=answer.production.lead_time.ship_date.isoformat(),
            quote_total=Decimal(quote.total),
            order_status=detail.status,
            listed=[order.id for order in page.results],
            replayed=replayed,
            cancelled=cancelled.status,
            configuration_order_total=Decimal(direct.total),
        )
