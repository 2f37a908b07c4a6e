"""Geo and currency rules: currencies allowed and data-residency regions per country or region.

The country comes from the event (an ISO 3166 alpha-2 code) or, when absent, from the event's IP
address looked up in the MaxMind database the policy names. A rule keyed by a country wins over
one keyed by a region (`regions: {EU: [DE, FR, ...]}`); with no rule, anything is allowed. IP
addresses never leave this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from compliance_gate import bundled
from compliance_gate.errors import InputError
from compliance_gate.replay.extra import MissingExtra
from compliance_gate.replay.options import GeoRules

if TYPE_CHECKING:
    import maxminddb


class GeoChecker:
    """Answers, per payment, which geo rules it breaks. Holds the open MaxMind reader."""

    def __init__(self, rules: GeoRules, root: Path) -> None:
        self.rules = rules
        self._reader: maxminddb.Reader | None = None
        self._cache: dict[str, str | None] = {}
        self.unknown = 0
        self._region_of: dict[str, list[str]] = {}
        for region, countries in sorted(rules.regions.items()):
            for c in countries:
                self._region_of.setdefault(c.upper(), []).append(region)
        if rules.mmdb:
            try:
                import maxminddb
            except ImportError:
                raise MissingExtra("maxminddb (for checks.replay.geo.mmdb)") from None

            path = bundled.resolve(rules.mmdb, root)
            try:
                self._reader = maxminddb.open_database(str(path))
            except (OSError, ValueError) as exc:
                raise InputError(f"{rules.mmdb}: cannot open the MaxMind database ({type(exc).__name__})") from None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()

    def country(self, country: str | None, ip: str | None) -> str | None:
        if country:
            return country.strip().upper()
        if not ip or self._reader is None:
            return None
        if ip not in self._cache:
            try:
                rec = self._reader.get(ip)
            except ValueError:  # not an IP address
                rec = None
            country_rec = rec.get("country") if isinstance(rec, dict) else None
            iso = country_rec.get("iso_code") if isinstance(country_rec, dict) else None
            self._cache[ip] = str(iso).upper() if iso else None
        return self._cache[ip]

    def violations(
        self, country: str | None, ip: str | None, currency: str, region: str | None
    ) -> list[tuple[str, str]]:
        """(category, detail) for each rule the payment breaks; unknown countries are counted."""
        if not self.rules.configured:
            return []
        found, known = self.judge(country, ip, currency, region)
        self.unknown += not known
        return found

    def judge(
        self, country: str | None, ip: str | None, currency: str, region: str | None
    ) -> tuple[list[tuple[str, str]], bool]:
        """The rules a payment with these values breaks, and whether its country is known."""
        cc = self.country(country, ip)
        if cc is None:
            return [], False
        out: list[tuple[str, str]] = []
        allowed = self._lookup(self.rules.currencies, cc)
        if allowed is not None and currency not in allowed:
            out.append(("geo_currency", f"{currency} is not allowed for {cc}"))
        regions = self._lookup(self.rules.residency, cc)
        if regions is not None and (region or "") not in regions:
            shown = region if region and len(region) <= 40 else "(none recorded)"
            out.append(("geo_residency", f"processed in {shown}; {cc} allows {', '.join(regions)}"))
        return out, True

    def _lookup(self, table: Mapping[str, tuple[str, ...]], cc: str) -> tuple[str, ...] | None:
        if cc in table:
            return table[cc]
        for region in self._region_of.get(cc, ()):
            if region in table:
                return table[region]
        return table.get("*")
