"""The matcher in use: its versioned parameters and the national operator's thresholds.

The latest MatchConfiguration is the one every load uses. `contactpoint init` stores the
shipped model (trained on a synthetic population) as the first version; the operator
then trains on their own data (`contactpoint match train`) and sets the thresholds
(`contactpoint match thresholds`), each a new version, so every decision can be traced
to the settings that made it. Each version is audited as it is stored
(`matching:settings:update`, in the name of whoever changed it).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from contactpoint.access.models import SourceSystem
from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.identity.models import Child, SourceRecord
from contactpoint.identity.sealing import open_source
from contactpoint.matching import model as model_module
from contactpoint.matching.decide import Thresholds
from contactpoint.matching.model import GIVEN_NAME_KEY, MatchModel
from contactpoint.matching.models import MatchConfiguration
from contactpoint.matching.probabilistic import ProbabilisticLinker
from contactpoint.matching.profile import Profile, profile
from contactpoint.matching.store import IndexStore
from contactpoint.matching.training import (
    feed_profiles,
    level_distribution,
    random_pairs,
    session_pairs,
    train,
)

SHIPPED = "the shipped model (synthetic population)"
#: A stored model's given-name keys: "given_name:" + BLIND_PREFIX + a keyed token.
BLIND_PREFIX = "#"
BLIND_NAME_KEY = GIVEN_NAME_KEY + BLIND_PREFIX
#: Random pairs drawn to estimate u; enough for the rarest level to be seen many times.
U_PAIRS = 200_000
#: The share of blocked training pairs that are matches, EM's starting prior.
TRAINING_PRIOR = 0.3


class ConfigurationError(ValueError):
    """Settings the matcher cannot use (thresholds out of order, too little to train on)."""


def shipped_model() -> MatchModel:
    return model_module.load_default_model()


def active_configuration() -> MatchConfiguration:
    """The version in use; the shipped model with default thresholds on a new index."""
    latest = MatchConfiguration.objects.order_by("-pk").first()
    if latest is not None:
        return latest
    defaults = Thresholds()
    return store_configuration(shipped_model(), defaults, trained_on=SHIPPED,
                               changed_by="contactpoint init")


def _name_token(name: str) -> str:
    return get_keystore().blind_index.token("model-given-name", name).hex()


def _blind_names(parameters: dict[str, Any]) -> dict[str, Any]:
    """The model's table of given names in use, keyed by blind-index tokens: names trained
    from an operator's feeds are never stored in the clear (already-blind keys stay)."""
    table = parameters.get("term_frequencies") or {}
    blind = {}
    for key, share in table.items():
        plain = key.startswith(GIVEN_NAME_KEY) and not key.startswith(BLIND_NAME_KEY)
        blind[BLIND_NAME_KEY + _name_token(key.removeprefix(GIVEN_NAME_KEY))
              if plain else key] = share
    return {**parameters, "term_frequencies": blind}


def store_configuration(model: MatchModel, thresholds: Thresholds, *, trained_on: str,
                        changed_by: str, note: str = "") -> MatchConfiguration:
    check_thresholds(thresholds)
    parameters = model.as_json()
    if model.name_key is None:
        parameters = _blind_names(parameters)
    with transaction.atomic():
        config = MatchConfiguration.objects.create(
            parameters=parameters, link_threshold=thresholds.link,
            review_threshold=thresholds.review, margin=thresholds.margin,
            trained_on=trained_on[:200], changed_by=changed_by[:150], note=note[:500])
        # The note is the operator's own words: sealed, as every free text is.
        audit.record("matching:settings:update", actor=audit.operator(config.changed_by),
                     personal={"note": config.note} if config.note else None,
                     details={"version": config.pk, "link": config.link_threshold,
                              "review": config.review_threshold, "margin": config.margin,
                              "trained_on": config.trained_on})
    return config


def check_thresholds(thresholds: Thresholds) -> None:
    if thresholds.link < thresholds.review:
        raise ConfigurationError(f"the link threshold ({thresholds.link:g}) must be at least "
                                 f"the review threshold ({thresholds.review:g})")
    if thresholds.margin < 0:
        raise ConfigurationError(f"the margin ({thresholds.margin:g}) must not be negative")


def thresholds_of(config: MatchConfiguration) -> Thresholds:
    return Thresholds(link=config.link_threshold, review=config.review_threshold,
                      margin=config.margin)


def model_of(config: MatchConfiguration) -> MatchModel:
    try:
        model = MatchModel.from_json(config.parameters)
        model.name_key = lambda name: BLIND_PREFIX + _name_token(name)
        return model
    except (ValueError, KeyError) as exc:
        raise ConfigurationError(
            f"matcher version {config.pk} does not fit this code's comparisons ({exc}): "
            "run `contactpoint init` (stores the shipped model as a new version) or "
            "`contactpoint match train`") from None


def upgrade_configuration() -> MatchConfiguration | None:
    """After a code upgrade that changed the comparison levels, the shipped model becomes
    the version in use (same thresholds) until the operator trains again. None when the
    version in use still fits."""
    current = active_configuration()
    try:
        model_of(current)
    except ConfigurationError:
        return store_configuration(
            shipped_model(), thresholds_of(current), trained_on=SHIPPED,
            changed_by="contactpoint init",
            note=f"the code's comparisons changed; replaces version {current.pk} until "
                 "the model is trained again")
    return None


def set_thresholds(*, link: float | None, review: float | None, margin: float | None,
                   changed_by: str, note: str = "") -> MatchConfiguration:
    """A new version with the same model and the thresholds given (others unchanged)."""
    with transaction.atomic():
        current = active_configuration()
        old = thresholds_of(current)
        new = Thresholds(link=old.link if link is None else link,
                         review=old.review if review is None else review,
                         margin=old.margin if margin is None else margin)
        return store_configuration(model_of(current), new, trained_on=current.trained_on,
                                   changed_by=changed_by, note=note)


class ConfiguredLinker(ProbabilisticLinker):
    """The probabilistic linker with the configuration that made its decisions."""

    def __init__(self, keys: KeyStore, config: MatchConfiguration) -> None:
        super().__init__(keys.blind_index, IndexStore(keys), model_of(config),
                         thresholds_of(config))
        self.configuration = config
        self.configuration_id = config.pk


def configured_linker(keys: KeyStore) -> ConfiguredLinker:
    return ConfiguredLinker(keys, active_configuration())


# -- training --------------------------------------------------------------------------------

def fit(profiles: Sequence[Profile], seed: int = 0) -> MatchModel:
    """Unsupervised: u from random pairs, m by EM over blocked pairs (matching.training)."""
    if len(profiles) < 100:
        raise ConfigurationError(f"{len(profiles)} records are too few to train on "
                                 "(at least 100)")
    u = level_distribution(random_pairs(profiles, U_PAIRS, seed=seed))
    return train(session_pairs(profiles), u, prior=TRAINING_PRIOR)


def profiles_from_feeds(paths: Iterable[Path], today: date) -> list[Profile]:
    """Each feed file's loadable rows; the file's stem names its source."""
    return [p for path in paths for _, p in feed_profiles(path, today)]


def profiles_from_index(keys: KeyStore, sample: int, seed: int = 0) -> Iterator[Profile]:
    """A random sample of the stored live records, unsealed with their children's keys."""
    ids = list(SourceRecord.objects.filter(deleted=False, child__isnull=False)
               .values_list("pk", flat=True))
    chosen = sorted(random.Random(seed).sample(ids, min(sample, len(ids))))  # noqa: S311
    sources = dict(SourceSystem.objects.values_list("pk", "name"))
    for start in range(0, len(chosen), 2000):
        rows = list(SourceRecord.objects.filter(pk__in=chosen[start:start + 2000])
                    .values_list("child", "source", "source_key", "payload"))
        cp_ids = dict(Child.objects.filter(pk__in={r[0] for r in rows})
                      .values_list("pk", "contactpoint_id"))
        ciphers = keys.child_keys(set(cp_ids.values()))
        for child, source, source_key, payload in rows:
            if payload is None:
                continue  # deleted since the sample was drawn
            cp_id = cp_ids[child]
            sealed = open_source(ciphers[cp_id], cp_id, bytes(source_key), payload)
            yield profile(sealed["record"], sources[source])
