"""Building the served galleries from options (shared by ``serve`` and ``truth``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .activity import Timeline
from .gallery import GalleryState
from .generator import GeneratedGallery
from .hashing import hexkey
from .options import KINDS, ReplicaOptions
from .seed import SeedGallery
from .source import GallerySource

GalleryKey = tuple[str, str]  # (id, kind)


class Galleries(Mapping[GalleryKey, GalleryState]):
    """The served galleries, keyed by (id, kind): one id may be served under two kinds
    (``twin:major:60`` and ``twin:mini:40``), each its own gallery under its own prefix.

    ``galleries["id"]`` (a bare id) is the id's *primary* gallery: the first of its kinds
    in the order major, minor, mini, person, which is what ``/board/lists/?id=`` answers
    for a major one; for an id served under one kind it is simply that gallery, as the
    mapping by id used to be.
    """

    def __init__(self, states: Mapping[GalleryKey, GalleryState]) -> None:
        self._states = dict(states)

    def __getitem__(self, key: GalleryKey | str) -> GalleryState:
        if isinstance(key, str):
            state = self.primary(key)
            if state is None:
                raise KeyError(key)
            return state
        return self._states[key]

    def __iter__(self) -> Iterator[GalleryKey]:
        return iter(self._states)

    def __len__(self) -> int:
        return len(self._states)

    def find(self, gallery_id: str, kind: str | None) -> GalleryState | None:
        """The gallery with this id and kind, if served."""
        return self._states.get((gallery_id, kind or ""))

    def primary(self, gallery_id: str) -> GalleryState | None:
        for kind in KINDS:
            state = self._states.get((gallery_id, kind))
            if state is not None:
                return state
        return None

    def name(self, state: GalleryState) -> str:
        """How stats name a gallery: its id, or ``id:kind`` when it is not the primary
        gallery of an id served under several kinds."""
        config = state.config
        primary = self.primary(config.id)
        return config.id if primary is state else f"{config.id}:{config.kind}"


def build_states(
    options: ReplicaOptions,
    *,
    epoch: int | None = None,
    timelines: dict[GalleryKey, Timeline] | None = None,
) -> Galleries:
    """The galleries ``options`` name, at ``epoch`` (default ``options.epoch``).

    ``timelines`` (filled in here when given) shares each generated gallery's activity
    between the epochs a server steps through: each step is computed once.
    """
    epoch = options.epoch if epoch is None else epoch
    states: dict[GalleryKey, GalleryState] = {}
    for spec in options.served_specs():
        key = (spec.id, spec.kind)
        source: GallerySource
        if spec.is_seed:
            source = SeedGallery(options.now, epoch)
        else:
            generated = GeneratedGallery(
                spec,
                options.seed,
                options.now,
                epoch,
                big_thread=options.big_thread,
                salt=options.data_salt(spec),
                timeline=None if timelines is None else timelines.get(key),
            )
            if timelines is not None:
                timelines[key] = generated.timeline
            source = generated
        states[key] = GalleryState(source, options.seed, options.search_window)
    return Galleries(states)


def esno_token(seed: int) -> str:
    """The ``e_s_n_o`` token: 18 hex digits, constant per replica (the real one barely
    changes either), shown on list and view pages and required by the comment endpoint."""
    return "3eabc219ebdd65f" + hexkey(3, "e_s_n_o", seed)
