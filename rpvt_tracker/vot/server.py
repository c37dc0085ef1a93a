"""The TraX server the VOT toolkit talks to: ``python -m rpvt_tracker.vot.server``.

``trackers.ini`` (protocol ``traxpython``, ``command = rpvt_tracker.vot.server``) configures it
through ``env_*`` keys, i.e. environment variables:

=================  ==========================================================================
RPVT_BASELINE      static-box: run the static-box baseline instead (no network, no weights)
RPVT_WEIGHTS       checkpoint (rpvt-tracker format or D3S's ``SegmNet.pth.tar``); a relative
                   path is looked up in RPVT_WEIGHTS_DIR, then among the embedded weights
                   (the package's copy of the repository's ``weights/``)
RPVT_VARIANT       d3s, d3s-ms or rpvt: what the checkpoint must hold (a D3S file: stage 1)
RPVT_DCF_WEIGHTS   optional ResNet-50 for the DCF: torchvision (its ImageNet weights, as D3S), a
                   torchvision-style state dict, or a checkpoint
RPVT_DEVICE        auto (default), cpu, cuda, cuda:N
RPVT_THREADS       CPU threads (default: torch's choice)
RPVT_OUTPUT        auto (default: a mask after a mask initialisation, else the rotated-box
                   polygon), mask or polygon
RPVT_PARAMS        tracker parameter set: d3s (default, D3S's values), stable-scale, lite, lite-realtime, ...
                   (``rpvt_tracker.tracking.params.PRESETS``), or an absolute path to a JSON
                   file of overrides (``tracker_params``; unknown keys are errors)
=================  ==========================================================================

One process serves every (re-)initialisation of a sequence with the network loaded once, and
every target of a multi-object (VOTS) sequence in one session: the server advertises TraX's
multi-object capability, an INITIALIZE request starts one target per object it carries, a FRAME
request may add more, and each reply lists every target in the order it was given
(``tracking.multi.MultiTargetTracker``). A target the absence rule judges out of view
(``RPVT_PARAMS`` ``*-vots``) is answered with an empty region. Single-object stacks send one
object and get exactly the single-target tracker's answers. Any error ends the session with a TraX quit whose reason names the problem (the toolkit prints it
and writes it to its log); the process then exits with status 1, so nothing waits for it.
SIGINT (Ctrl-C) ends it with the reason ``INTERRUPTED``, no traceback, and status 130.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from ..resources import resolve_dcf_weights, resolve_weights
from ..tracking.frames import read_frame
from ..tracking.multi import MultiTargetTracker

OUTPUTS = ("auto", "mask", "polygon")
BASELINES = ("static-box",)


@dataclass(frozen=True)
class ServerConfig:
    """The server's settings, read from the environment (see the module docstring)."""

    weights: Path | None
    variant: str | None
    dcf_weights: Path | None
    device: str
    threads: int
    output: str
    baseline: str | None = None
    params: str = "d3s"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "ServerConfig":
        baseline = env.get("RPVT_BASELINE") or None
        if baseline is not None and baseline not in BASELINES:
            raise ValueError(f"RPVT_BASELINE must be one of {', '.join(BASELINES)}, got {baseline!r}")
        if not env.get("RPVT_WEIGHTS") and baseline is None:
            raise ValueError("RPVT_WEIGHTS is not set (trackers.ini: env_RPVT_WEIGHTS = <checkpoint>)")
        output = env.get("RPVT_OUTPUT", "auto").lower()
        if output not in OUTPUTS:
            raise ValueError(f"RPVT_OUTPUT must be one of {', '.join(OUTPUTS)}, got {output!r}")
        try:
            threads = int(env.get("RPVT_THREADS", "0") or 0)
        except ValueError:
            raise ValueError(f"RPVT_THREADS must be an integer, got {env['RPVT_THREADS']!r}") from None
        dcf = env.get("RPVT_DCF_WEIGHTS")
        params = env.get("RPVT_PARAMS", "d3s") or "d3s"
        from ..tracking.params import tracker_params

        tracker_params(params)  # an unknown name or a bad file fails here, saying why
        return cls(
            weights=resolve_weights(env["RPVT_WEIGHTS"], env) if baseline is None else None,
            variant=env.get("RPVT_VARIANT") or None,
            dcf_weights=resolve_dcf_weights(dcf, env) if dcf else None,
            device=env.get("RPVT_DEVICE", "auto") or "auto",
            threads=threads,
            output=output,
            baseline=baseline,
            params=params,
        )


def region_from_trax(region):
    """A TraX region -> ours (Rectangle, Polygon or Mask) and its kind."""
    from ..geometry.regions import Mask, Polygon, Rectangle

    kind = region.type
    if kind == "rectangle":
        return Rectangle(*region.bounds()), kind
    if kind == "polygon":
        return Polygon(np.array([region.get(i) for i in range(region.size())], dtype=np.float64)), kind
    if kind == "mask":
        return Mask(region.array(False) > 0, tuple(int(v) for v in region.offset())), kind
    why = " (a region without coordinates: the sequence's initialisation region is probably NaN or unparsable)" if kind == "special" else ""
    raise ValueError(f"cannot initialise from a TraX region of type {kind!r}{why}")


def region_to_trax(prediction, as_mask: bool):
    """A ``Prediction`` -> a TraX region: its mask (cropped to its bounds; a 1 x 1 empty mask
    when empty) or its polygon (an empty rectangle for an absent target)."""
    import trax

    if not as_mask and not prediction.present:
        return trax.Rectangle.create(0, 0, 0, 0)
    if not as_mask:
        return trax.Polygon.create([(float(x), float(y)) for x, y in prediction.polygon])
    mask = prediction.mask
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return trax.Mask.create(np.zeros((1, 1), np.uint8), x=0, y=0)
    y0, x0 = int(ys.min()), int(xs.min())
    crop = mask[y0 : ys.max() + 1, x0 : xs.max() + 1].astype(np.uint8)
    return trax.Mask.create(np.ascontiguousarray(crop), x=x0, y=y0)


def _add_targets(targets: MultiTargetTracker, image: np.ndarray, objects, frame: int, path: str) -> list[str]:
    """Start a target per TraX object; returns the region kinds. Errors name the object."""
    kinds = []
    for number, (trax_region, _) in enumerate(objects, start=len(targets) + 1):
        try:
            region, kind = region_from_trax(trax_region)
            targets.add(image, region)
        except ValueError as err:
            raise ValueError(f"object {number} given on frame {frame} after initialisation ({path}): {err}") from None
        kinds.append(kind)
    return kinds


def build_tracker(config: ServerConfig):
    if config.baseline == "static-box":
        from ..tracking.baseline import StaticBoxTracker

        return StaticBoxTracker()
    from ..tracking.build import TrackerSettings
    from ..tracking.build import build_tracker as build

    return build(TrackerSettings(config.weights, config.variant, config.dcf_weights, config.device, config.threads, config.params))


#: The quit reason the client gets when the server is interrupted (SIGINT, Ctrl-C).
INTERRUPTED = "interrupted: the tracker received SIGINT"


def serve(env: Mapping[str, str]) -> int:
    """One TraX session; returns the process's exit status (0, 1 after an error, 130 after SIGINT).

    The session is ended here rather than by ``trax.Server``'s context manager, which prints a
    traceback for any exception and sends ``str(exception)`` as the reason: empty for a
    ``KeyboardInterrupt``. An interrupt is an instruction, not a failure: it gets a named reason
    and no traceback. (A SIGINT that arrives while the server waits inside libtrax for the next
    request takes effect when that request arrives; the client then reads the quit as the
    answer to it.)
    """
    import trax

    server = trax.Server(
        [trax.Region.MASK, trax.Region.POLYGON, trax.Region.RECTANGLE],
        [trax.Image.PATH],
        ["color"],
        tracker_name="rpvt-tracker",
        metadata={"variant": env.get("RPVT_VARIANT", ""), "params": env.get("RPVT_PARAMS", "d3s") or "d3s"},
        multiobject=True,
    )
    try:
        # Everything that can fail happens inside the session, so the failure reaches the
        # toolkit as a quit reason instead of a silent "unable to connect".
        _session(server, env)
    except KeyboardInterrupt:
        _quit(server, INTERRUPTED)
        print(f"rpvt_tracker.vot.server: {INTERRUPTED}", file=sys.stderr, flush=True)
        return 130
    except Exception as err:
        traceback.print_exc()  # the toolkit keeps the tracker's output in its log
        reason = str(err) or type(err).__name__
        if "Protocol error" in reason:  # libtrax cut a message at a non-ASCII byte (vot/workspace.py)
            reason += " (is there a non-ASCII character in the workspace's path? libtrax cannot carry one in a frame path)"
        _quit(server, reason)
        return 1
    _quit(server, None)
    return 0


def _quit(server, reason: str | None) -> None:
    """End the session; a client already gone (a closed pipe) is no error of ours."""
    try:
        server.quit(reason=reason)
    except Exception:  # noqa: BLE001 - nothing is left to tell
        pass


def _session(server, env: Mapping[str, str]) -> None:
    import trax

    config = ServerConfig.from_env(env)
    targets = MultiTargetTracker(build_tracker(config))
    as_mask = config.output == "mask"
    frame = 0
    while True:
        request = server.wait()
        if request.type in (trax.TraxStatus.QUIT, trax.TraxStatus.ERROR):
            break
        path = request.image["color"].path()
        image = read_frame(path)
        if request.type == trax.TraxStatus.INITIALIZE:
            if not request.objects:
                raise ValueError("INITIALIZE request without a region")
            targets.reset()
            frame = 0
            kinds = _add_targets(targets, image, request.objects, frame, path)
            as_mask = config.output == "mask" or (config.output == "auto" and kinds[0] == "mask")
            server.status([(region, {}) for region, _ in request.objects])
        else:
            frame += 1
            try:
                predictions = targets.track(image)
            except ValueError as err:
                raise ValueError(f"frame {frame} after initialisation ({path}): {err}") from None
            reply = [(region_to_trax(p, as_mask), {"confidence": f"{p.confidence:.4f}"}) for p in predictions]
            if request.objects:  # targets that appear on this frame
                _add_targets(targets, image, request.objects, frame, path)
                reply += [(region, {}) for region, _ in request.objects]
            server.status(reply)


def _interrupted(signum, frame) -> None:
    """SIGINT: interrupt once; later ones are ignored, so that quitting is not cut short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGINT, _interrupted)
    try:
        return serve(os.environ)
    except KeyboardInterrupt:  # before the session was set up: nobody to tell
        print(f"rpvt_tracker.vot.server: {INTERRUPTED}", file=sys.stderr, flush=True)
        return 130
    except Exception as err:  # no session (the handshake failed): stderr is all there is
        print(f"rpvt_tracker.vot.server: no TraX session: {err}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
