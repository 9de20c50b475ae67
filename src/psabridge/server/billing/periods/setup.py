"""Load, check and save the agreement billing settings against the PSA's lists (R4.1, R4.2)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from psabridge.connectors.ports import Option
from psabridge.connectors.ports_agreements import AgreementBilling
from psabridge.connectors.registry import psa_profiles
from psabridge.domain.agreements import STATUS_ORDER
from psabridge.server.billing.models import CwBillingSettings
from psabridge.server.core import connections, systems

OPTIONAL_STATUSES = STATUS_ORDER[1:]  # Expired, Inactive, Cancelled: Active is always covered
_CACHE_SECONDS = 60


def psa_kind() -> str:
    """Return the PSA billed by period quantities: the connected one, else the first listed."""
    from psabridge.server.mappings.services import psa_system

    connected = psa_system()
    if connected and systems.psa(connected).billing_style == "period_quantities":
        return connected
    return next(p.kind for p in psa_profiles() if p.billing_style == "period_quantities")


def psa_name() -> str:
    """Return the display name of that PSA."""
    return systems.label(psa_kind())


def load() -> CwBillingSettings:
    """Return the saved settings (unsaved defaults when none were saved yet)."""
    return CwBillingSettings.objects.filter(pk=1).first() or CwBillingSettings(
        pk=1, covered=["Active"]
    )


def billing_target() -> AgreementBilling:
    """Return the PSA's billing side (`AgreementBilling`) of the stored connection."""
    return connections.stored_period_billing(psa_kind())


def connection_problem() -> str:
    """Why the settings cannot be chosen yet (R1.3: only after Validate succeeded), or ""."""
    connection = connections.connection_for(psa_kind())
    if connection is None:
        return f"{psa_name()} is not connected yet: save and validate its connection first."
    if not connection.is_valid:
        said = f" ({connection.validation_message})" if connection.validation_message else ""
        return (
            f"The {psa_name()} connection has not been validated successfully"
            f"{said}: validate it first."
        )
    return ""


@dataclass
class LiveLists:
    """The PSA's lists the settings are chosen from."""

    types: list[Option] = field(default_factory=list)
    products: list[Option] = field(default_factory=list)
    boards: list[Option] = field(default_factory=list)
    priorities: list[Option] = field(default_factory=list)

    def find(self, kind: str, option_id: str) -> Option | None:
        """Return the option of a list ("types", "products"...) with this id, if any."""
        return next((o for o in getattr(self, kind) if o.id == option_id), None)

    def default_priority(self) -> Option | None:
        """Return the PSA's default priority (defaultFlag), if it marks one."""
        return next((p for p in self.priorities if p.extra.get("default")), None)


_lists: tuple[float, LiveLists] | None = None


def live_lists(target: AgreementBilling | None = None, fresh: bool = False) -> LiveLists:
    """Read the PSA's agreement types, products, boards and priorities (cached for a minute)."""
    global _lists
    if _lists is not None and not fresh and time.monotonic() - _lists[0] < _CACHE_SECONDS:
        return _lists[1]
    target = target or billing_target()
    lists = LiveLists(
        target.agreement_types(), target.products(), target.boards(), target.priorities()
    )
    _lists = (time.monotonic(), lists)
    return lists


def forget_lists() -> None:
    """Drop the cached lists (tests, and after the PSA changed)."""
    global _lists
    _lists = None


def usable_products(lists: LiveLists) -> list[Option]:
    """Return the products an addition can use: active and not a Bundle (reference 3.7)."""
    return [p for p in lists.products if product_problem(p) == ""]


def product_problem(product: Option) -> str:
    """Why a product cannot be an agreement addition, or ""."""
    if product.extra.get("inactive"):
        return f"The product {product.name!r} is inactive in {psa_name()}."
    if str(product.extra.get("product_class", "")).lower() == "bundle":
        return f"The product {product.name!r} is a Bundle: Bundle products cannot be additions."
    return ""


def parse(post: Any) -> dict[str, Any]:
    """Return the settings form's values from a POST (a QueryDict or a plain dict)."""
    covered = post.getlist("covered") if hasattr(post, "getlist") else post.get("covered", [])
    return {
        "agreement_type_id": str(post.get("agreement_type_id", "")).strip(),
        "product_id": str(post.get("product_id", "")).strip(),
        "covered": [str(s) for s in covered],
        "service_desk": str(post.get("service_desk", "")).lower() in ("on", "true", "1"),
        "service_board_id": str(post.get("service_board_id", "")).strip(),
        "service_priority_id": str(post.get("service_priority_id", "")).strip(),
    }


def check(values: dict[str, Any], lists: LiveLists) -> dict[str, str]:
    """Return what is wrong with the values, by field name (nothing: they can be saved)."""
    errors: dict[str, str] = {}
    kind = lists.find("types", values["agreement_type_id"])
    if kind is None:
        errors["agreement_type_id"] = f"Choose an agreement type from {psa_name()}'s list."
    elif kind.extra.get("inactive"):
        errors["agreement_type_id"] = f"The agreement type {kind.name!r} is inactive."
    product = lists.find("products", values["product_id"])
    if product is None:
        errors["product_id"] = f"Choose a product from {psa_name()}'s catalog."
    elif product_problem(product):
        errors["product_id"] = product_problem(product)
    unknown = set(values["covered"]) - set(STATUS_ORDER)
    if unknown:
        errors["covered"] = f"Unknown agreement status(es): {', '.join(sorted(unknown))}."
    errors.update(_check_service_desk(values, lists))
    return errors


def _check_service_desk(values: dict[str, Any], lists: LiveLists) -> dict[str, str]:
    if not values["service_desk"]:
        return {}
    errors = {}
    board = lists.find("boards", values["service_board_id"])
    if board is None:
        errors["service_board_id"] = "Choose the board the service tickets are opened on."
    elif board.extra.get("inactive"):
        errors["service_board_id"] = f"The board {board.name!r} is inactive."
    priority_id = values["service_priority_id"]
    if priority_id and lists.find("priorities", priority_id) is None:
        errors["service_priority_id"] = f"Choose a priority from {psa_name()}'s list."
    return errors


def save(values: dict[str, Any], lists: LiveLists | None = None) -> dict[str, str]:
    """Check the values against the PSA and save them; return the problems (then nothing saved)."""
    problem = connection_problem()
    if problem:
        return {"form": problem}
    lists = lists or live_lists(fresh=True)
    errors = check(values, lists)
    if errors:
        return errors
    settings = load()
    _fill(settings, values, lists)
    settings.saved_at = timezone.now()
    settings.save()
    return {}


def _fill(settings: CwBillingSettings, values: dict[str, Any], lists: LiveLists) -> None:
    def name(kind: str, option_id: str) -> str:
        found = lists.find(kind, option_id)
        return found.name[:200] if found else ""

    settings.agreement_type_id = values["agreement_type_id"]
    settings.agreement_type_name = name("types", values["agreement_type_id"])
    settings.product_id = values["product_id"]
    settings.product_name = name("products", values["product_id"])
    settings.covered = [s for s in STATUS_ORDER if s == "Active" or s in values["covered"]]
    settings.service_desk = values["service_desk"]
    desk = values["service_desk"]
    settings.service_board_id = values["service_board_id"] if desk else ""
    settings.service_board_name = name("boards", values["service_board_id"]) if desk else ""
    settings.service_priority_id = values["service_priority_id"] if desk else ""
    settings.service_priority_name = (
        name("priorities", values["service_priority_id"]) if desk else ""
    )


def warnings(settings: CwBillingSettings, lists: LiveLists) -> list[str]:
    """Say what of the saved settings no longer matches the PSA (shown on the settings page)."""
    found: list[str] = []
    if settings.agreement_type_id and lists.find("types", settings.agreement_type_id) is None:
        found.append(f"The agreement type {settings.agreement_type_name!r} no longer exists.")
    product = lists.find("products", settings.product_id) if settings.product_id else None
    if settings.product_id and (product is None or product_problem(product)):
        found.append(f"The product {settings.product_name!r} no longer exists or is inactive.")
    priority = settings.service_priority_id
    if settings.service_desk and priority and lists.find("priorities", priority) is None:
        default = lists.default_priority()
        found.append(
            f"The priority {settings.service_priority_name!r} no longer exists: service tickets "
            f"get the PSA's default priority ({default.name if default else 'the PSA chooses'})."
        )
    return found
