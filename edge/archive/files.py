"""Which files an archive run reads, and the journal of those already done."""

import glob
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from edge.io.coco import coco_images
from edge.io.images import MICROSCOPE_READERS, PLAIN_IMAGES

IMAGE_SUFFIXES = PLAIN_IMAGES | set(MICROSCOPE_READERS)


def expand(patterns: list[str]) -> list[Path]:
    """The files that ``patterns`` name, in their order, each once.

    A pattern is a file, a folder (its image files, sorted), a glob (``**`` reaches into
    subfolders; its matches sorted) or a COCO labels file (``.json``: the images it names, in
    its order, so that a test set's frames can be analysed by its labels file). A plain path
    that does not exist is kept, so that its analysis reports it missing; a glob that matches
    nothing, a folder without image files, or a labels file whose images are missing is a
    ``ValueError``.
    """
    files: dict[Path, None] = {}
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = sorted(Path(match) for match in glob.glob(pattern, recursive=True) if Path(match).is_file())
            if not matches:
                raise ValueError(f"{pattern}: no file matches")
        elif Path(pattern).is_dir():
            matches = sorted(p for p in Path(pattern).iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not matches:
                suffixes = " ".join(sorted(IMAGE_SUFFIXES))
                raise ValueError(
                    f"{pattern}: no image files in this folder (suffixes {suffixes}; '**' reaches into subfolders)"
                )
        elif Path(pattern).suffix.lower() == ".json" and Path(pattern).is_file():
            matches = coco_images(pattern)
        else:
            matches = [Path(pattern)]
        files.update(dict.fromkeys(matches))
    return list(files)


@dataclass(frozen=True)
class Done:
    """One file's finished analysis, as the journal keeps it."""

    path: str
    size: int
    mtime_ns: int
    settings: dict
    image: dict  # the row of the image table
    defects: list[dict]  # its rows of the defect table
    line: str  # what was printed for it


def stamp(path: Path) -> tuple[int, int]:
    """What tells a file apart from a changed one: its size and modification time."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


class Journal:
    """A JSON-lines file with one line per file done, written as each finishes (so a run cut
    short loses none of them). A file is done when its line names the same path, size,
    modification time and settings."""

    def __init__(self, path: Path):
        self.path = path
        self._done: dict[str, Done] = {}
        if path.is_file():
            for line in path.read_text().splitlines():
                try:
                    done = Done(**json.loads(line))
                except (json.JSONDecodeError, TypeError):
                    continue  # a line cut short by a crash: that file is analysed again
                self._done[done.path] = done

    def done(self, path: Path, settings: dict) -> Done | None:
        """The journal's entry for ``path`` if it is still current, else None."""
        entry = self._done.get(str(path))
        if entry is None or entry.settings != settings or not path.is_file():
            return None
        return entry if (entry.size, entry.mtime_ns) == stamp(path) else None

    def entries(self) -> list[Done]:
        """Every file done into this journal's folder, by any run (the latest entry of each), in
        the order each was first done."""
        return list(self._done.values())

    def add(self, done: Done) -> None:
        self._done[done.path] = done
        with open(self.path, "a") as handle:
            handle.write(json.dumps(asdict(done)) + "\n")
