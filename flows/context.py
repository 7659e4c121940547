"""What every flow run needs: settings, the rules book and the catalog, from one config file."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

from core.catalog import Catalog
from core.rules import RulesBook, RuleSet, load_rules
from core.settings import Settings, load_settings


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    rules: RulesBook
    catalog: Catalog

    def rules_for(self, d: dt.date) -> RuleSet:
        return self.rules.for_date(d)


def load_context(config: str | Path | None = None) -> RunContext:
    settings = load_settings(config)
    return RunContext(settings, load_rules(settings.paths.rules), Catalog(settings.paths.warehouse))


def new_run_id(kind: str, key: str) -> str:
    return f"{kind}-{key}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def run_started(run_id: str) -> dt.datetime | None:
    """When a run began (UTC), read back from its id (new_run_id); None for an id of another form."""
    for part in run_id.split("-"):
        try:
            return dt.datetime.strptime(part, "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None
