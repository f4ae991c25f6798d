"""After a crash: `.open` files are cut back to whole records and closed; folders lock per run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from seedcrawl.archive.records import RecordFactory
from seedcrawl.archive.recovery import PARTIAL_SUFFIX, recover_open_files
from seedcrawl.archive.writer import OPEN_SUFFIX, RotatingWarcWriter
from seedcrawl.outdir.lock import FolderBusy, FolderLock
from tests.test_archive_writer import exchange, fixed_stamp


def open_file_with(tmp_path: Path, count: int) -> Path:
    """What a killed writer leaves: an `.open` file with `count` whole exchanges."""
    writer = RotatingWarcWriter(tmp_path, RecordFactory(fixed_stamp()))
    for n in range(count):
        writer.write_exchange(exchange(url=f"http://127.0.0.1:8000/{n}"))
    warc = writer._file()
    warc._out.flush()
    return warc.open_path


def kinds(path: Path) -> list[str]:
    with path.open("rb") as stream:
        return [record.rec_type for record in ArchiveIterator(stream)]


@pytest.mark.parametrize("cut", [1, 7, 200])
def test_open_file_is_cut_back_to_its_last_whole_record(tmp_path: Path, cut: int) -> None:
    path = open_file_with(tmp_path, 3)
    whole = path.stat().st_size
    with path.open("ab") as stream:  # the start of a record that never finished
        stream.write(os.urandom(cut))
    [result] = recover_open_files(tmp_path)
    assert not result.set_aside and result.bytes_cut == cut
    assert result.path.name == path.name[: -len(OPEN_SUFFIX)]
    assert result.path.stat().st_size == whole
    assert kinds(result.path) == ["warcinfo"] + ["response", "request"] * 3


def test_record_cut_inside_its_gzip_member_is_dropped(tmp_path: Path) -> None:
    path = open_file_with(tmp_path, 2)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # the last member (a request record) loses its end
    [result] = recover_open_files(tmp_path)
    assert kinds(result.path) == ["warcinfo", "response", "request", "response"]


def test_file_without_a_whole_record_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / f"x.warc.gz{OPEN_SUFFIX}"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    [result] = recover_open_files(tmp_path)
    assert result.set_aside and result.path.name.endswith(PARTIAL_SUFFIX)
    assert result.path.read_bytes() == b"\x1f\x8b\x08\x00garbage"  # nothing deleted
    assert not list(tmp_path.glob("*.warc.gz"))


def test_a_new_writer_never_appends_to_an_existing_file(tmp_path: Path) -> None:
    first = open_file_with(tmp_path, 1)
    recover_open_files(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.warc.gz")}
    writer = RotatingWarcWriter(tmp_path, RecordFactory(fixed_stamp()))
    writer.write_exchange(exchange())
    [new] = writer.close()
    assert new.name not in before and first.name[: -len(OPEN_SUFFIX)] in before
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.warc.gz") if p.name in before} == before


def test_second_holder_of_a_folder_is_refused(tmp_path: Path) -> None:
    with FolderLock(tmp_path), pytest.raises(FolderBusy, match="in use by another seedcrawl run"):
        FolderLock(tmp_path).acquire()
    with FolderLock(tmp_path):
        pass  # released, so it can be taken again


def test_lock_of_a_killed_process_is_released(tmp_path: Path) -> None:
    code = (
        "import sys, time; from seedcrawl.outdir.lock import FolderLock; from pathlib import Path;"
        "FolderLock(Path(sys.argv[1])).acquire(); print('locked', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, cwd=Path(__file__).parent.parent
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
    with pytest.raises(FolderBusy):
        FolderLock(tmp_path).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with FolderLock(tmp_path, wait=5):
        pass
