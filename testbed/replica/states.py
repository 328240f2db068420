"""Building the served galleries from options (shared by ``serve`` and ``truth``)."""

from __future__ import annotations

from .gallery import GalleryState
from .generator import GeneratedGallery
from .hashing import hexkey
from .options import ReplicaOptions
from .seed import SeedGallery
from .source import GallerySource


def build_states(options: ReplicaOptions) -> dict[str, GalleryState]:
    states: dict[str, GalleryState] = {}
    for spec in options.served_specs():
        source: GallerySource
        if spec.is_seed:
            source = SeedGallery(options.now, options.epoch)
        else:
            source = GeneratedGallery(
                spec, options.seed, options.now, options.epoch, big_thread=options.big_thread
            )
        states[spec.id] = GalleryState(source, options.seed, options.search_window)
    return states


def esno_token(seed: int) -> str:
    """The ``e_s_n_o`` token: 18 hex digits, constant per replica (the real one barely
    changes either), shown on list and view pages and required by the comment endpoint."""
    return "3eabc219ebdd65f" + hexkey(3, "e_s_n_o", seed)
