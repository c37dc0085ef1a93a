"""Build hook: a wheel carries the repository's data files inside the package.

The repository keeps the embedded weights, the workspace templates, the tracker registry and the
shipped DAVIS video once, at its top level; an installed package has no source tree beside it,
so the build copies them to ``rpvt_tracker/_data/`` in the wheel (``rpvt_tracker/resources.py``
finds either layout). Everything else is declared in setup.cfg.
"""

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _packaged() -> tuple[str, ...]:
    """``rpvt_tracker.resources.PACKAGED``, read from its source (the build does not import the package)."""
    tree = ast.parse((ROOT / "rpvt_tracker" / "resources.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PACKAGED" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError("rpvt_tracker/resources.py defines no PACKAGED")


PACKAGED = _packaged()


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout itself
        target = Path(self.build_lib) / "rpvt_tracker" / "_data"
        if target.exists():
            shutil.rmtree(target)
        for name in PACKAGED:
            source = ROOT / name
            if not source.exists():
                raise FileNotFoundError(f"{source}: a data file the wheel must carry is missing (building from an incomplete tree?)")
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(source, destination)


setup(cmdclass={"build_py": BuildWithData})
