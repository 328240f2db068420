"""Command-line parsing for ``python -m testbed.replica serve|truth`` (the exact contract)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from types import MappingProxyType

from .blocks import BLOCK_SHAPES, BlockRule
from .clock import default_now, parse_now
from .drift import DESCRIPTIONS, DRIFTS
from .options import EVENT_CLOCKS, GallerySpec, ReplicaOptions, parse_fault, parse_fault_kinds


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gallery",
        action="append",
        default=[],
        type=GallerySpec.parse,
        metavar="ID:KIND:POSTS",
        help="a gallery (repeatable; an id once per kind); seed is built in",
    )
    parser.add_argument("--seed", type=int, default=1, help="data seed (default 1)")
    parser.add_argument(
        "--now",
        type=parse_now,
        default=None,
        help="the replica's clock, ISO datetime in KST (default: today 00:05 KST)",
    )
    parser.add_argument(
        "--epoch",
        type=int,
        default=0,
        help="data epoch: each epoch is 3 hours of a busy gallery after --now (new posts,"
        " comments, votes, deletions; see README 'Activity over epochs')",
    )
    parser.add_argument(
        "--search-window",
        type=int,
        default=10_000,
        help="post numbers per search window (default 10000)",
    )
    parser.add_argument(
        "--big-thread",
        type=int,
        default=None,
        metavar="N",
        help="each generated gallery's big post gets exactly N comments (default 101..300)",
    )


def _drift(parser: argparse.ArgumentParser, what: str) -> None:
    """``--drift NAME`` (drift.py), after every older option: the help only grows."""
    parser.add_argument(
        "--drift",
        action="append",
        default=[],
        choices=DRIFTS,
        metavar="NAME",
        help=f"{what} (repeatable; default none): "
        + "; ".join(f"{name}: {text}" for name, text in DESCRIPTIONS.items()),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m testbed.replica", description="Local replica of gall.dcinside.com"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the replica on 127.0.0.1")
    serve.add_argument("--port", type=int, required=True, help="port (0 = pick a free one)")
    _common(serve)
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        type=parse_fault,
        metavar="NAME=RATE",
        help="inject a fault (repeatable)",
    )
    serve.add_argument(
        "--rate-limit", type=float, default=None, help="per-client requests per second; 429 past it"
    )
    serve.add_argument(
        "--slow-seconds", type=float, default=2.0, help="delay of the slow fault (default 2)"
    )
    serve.add_argument("--access-log", default=None, help="file to append one line per request")
    serve.add_argument(
        "--refuse-comments",
        type=float,
        default=0.0,
        metavar="RATE",
        help="share of posts (0..1, drawn per post) whose comments only the page's script gets",
    )
    serve.add_argument(
        "--media",
        action="store_true",
        help="serve images, attachments and dccons from this server (pages point at it)",
    )
    serve.add_argument(
        "--fault-only",
        type=parse_fault_kinds,
        default=None,
        metavar="KIND[,KIND]",
        help="request faults hit only these kinds of request: list, view, comment, derror,"
        " media, other (default: all)",
    )
    serve.add_argument(
        "--event-clock",
        choices=EVENT_CLOCKS,
        default="seconds",
        help="new_posts/delete_posts RATE counts per second (default) or per request served",
    )
    serve.add_argument(
        "--hold-views",
        type=int,
        default=None,
        metavar="N",
        help="hold the view pages of posts whose number is a multiple of N until"
        " /_replica/release is requested",
    )
    serve.add_argument(
        "--hold-views-after",
        type=int,
        default=None,
        metavar="N",
        help="answer the first N view page requests, hold later ones until /_replica/release",
    )
    serve.add_argument(
        "--block-after",
        default=None,
        metavar="N/W",
        help="block a client after more than N requests within W seconds (blocks.py)",
    )
    serve.add_argument(
        "--block-seconds",
        type=float,
        default=20.0,
        metavar="S",
        help="with --block-after: how long a block lasts (default 20)",
    )
    serve.add_argument(
        "--block-shape",
        choices=BLOCK_SHAPES,
        default="429",
        help="with --block-after: what a blocked client gets (default 429)",
    )
    serve.add_argument(
        "--comment-pager-no-end",
        action="store_true",
        help="the comment pager leaves out its 끝 (last page) link",
    )
    serve.add_argument(
        "--view-no-comment-count",
        action="store_true",
        help="view pages show no comment count (header and hidden input)",
    )
    serve.add_argument(
        "--withhold-comment-page",
        type=int,
        default=None,
        metavar="N",
        help="comment page N (>= 2) of every post answers no rows, total_cnt unchanged",
    )
    serve.add_argument(
        "--broken-pages",
        type=float,
        default=0.0,
        metavar="RATE",
        help="this share of pages answers an empty 200 every time, until POST /_replica/heal"
        " (which also ends blocks and stops new ones); /_replica/stats lists those served",
    )
    _drift(serve, "serve pages changed as a site redesign would, one thing per NAME")
    truth = sub.add_parser("truth", help="print the data the server would serve, as JSON lines")
    _common(truth)
    truth.add_argument(
        "--media-base",
        default=None,
        metavar="URL",
        help="print what serve --media answers at URL: its image URLs and media lines",
    )
    truth.add_argument(
        "--changes",
        type=int,
        default=None,
        metavar="FROM",
        help="print instead what changed from epoch FROM to --epoch: one JSON line per gallery"
        " (new and deleted posts, new and deleted comments, changed counts, edits)",
    )
    _drift(truth, "accepted as serve takes it; the truth printed stays what the site holds")
    return parser


def _broken_rate(rate: float) -> float:
    if not 0.0 <= rate <= 1.0:
        raise SystemExit("--broken-pages must be between 0 and 1")
    return rate


def options_from(args: argparse.Namespace) -> ReplicaOptions:
    if args.epoch < 0:
        raise SystemExit("--epoch must be >= 0")
    since = getattr(args, "changes", None)
    if since is not None and not 0 <= since <= args.epoch:
        raise SystemExit("--changes FROM needs 0 <= FROM <= --epoch")
    if args.search_window < 1:
        raise SystemExit("--search-window must be >= 1")
    refuse_comments = getattr(args, "refuse_comments", 0.0)
    if not 0.0 <= refuse_comments <= 1.0:
        raise SystemExit("--refuse-comments must be between 0 and 1")
    faults = dict(getattr(args, "fault", []))
    hold_every = getattr(args, "hold_views", None)
    if hold_every is not None and hold_every < 1:
        raise SystemExit("--hold-views must be >= 1")
    hold_after = getattr(args, "hold_views_after", None)
    if hold_after is not None and hold_after < 0:
        raise SystemExit("--hold-views-after must be >= 0")
    withhold = getattr(args, "withhold_comment_page", None)
    if withhold is not None and withhold < 2:
        raise SystemExit("--withhold-comment-page must be >= 2")
    if args.big_thread is not None and args.big_thread < 0:
        raise SystemExit("--big-thread must be >= 0")
    block = None
    if getattr(args, "block_after", None):
        try:
            requests, window = BlockRule.parse_after(args.block_after)
            block = BlockRule(requests, window, args.block_seconds, args.block_shape)
        except ValueError as error:
            raise SystemExit(str(error)) from None
    return ReplicaOptions(
        galleries=tuple(args.gallery),
        seed=args.seed,
        now=args.now or default_now(),
        epoch=args.epoch,
        faults=MappingProxyType(faults),
        rate_limit=getattr(args, "rate_limit", None),
        search_window=args.search_window,
        slow_seconds=getattr(args, "slow_seconds", 2.0),
        access_log=getattr(args, "access_log", None),
        refuse_comments=refuse_comments,
        media=getattr(args, "media", False) or getattr(args, "media_base", None) is not None,
        fault_kinds=getattr(args, "fault_only", None),
        event_clock=getattr(args, "event_clock", "seconds"),
        hold_views_every=hold_every,
        hold_views_after=hold_after,
        block=block,
        comment_pager_no_end=getattr(args, "comment_pager_no_end", False),
        view_no_comment_count=getattr(args, "view_no_comment_count", False),
        withhold_comment_page=withhold,
        broken_pages=_broken_rate(getattr(args, "broken_pages", 0.0)),
        big_thread=args.big_thread,
        drift=frozenset(args.drift),
    )


def parse(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, ReplicaOptions]:
    args = build_parser().parse_args(argv)
    return args, options_from(args)
