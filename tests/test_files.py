"""Writing documents (-o FILE): atomic for files, never replacing a link or a device."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from warroom.errors import BadInput, WarroomError
from warroom.files import write_text_atomic


def test_a_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "postmortem.md"
    real.write_text("old")
    link = tmp_path / "latest.md"
    link.symlink_to(real.name)
    write_text_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # someone reads the other end
    try:
        write_text_atomic(fifo, "through the pipe")
        assert os.read(reader, 100) == b"through the pipe"
    finally:
        os.close(reader)
    assert not fifo.is_file()  # still a pipe


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="no /dev/full here")
def test_a_full_disk_is_a_failure_not_bad_input() -> None:
    with pytest.raises(WarroomError) as err:
        write_text_atomic("/dev/full", "x" * 100_000)
    assert not isinstance(err.value, BadInput) and err.value.exit_code == 1
    assert Path("/dev/full").is_char_device()  # and the device is still there


def test_a_missing_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="does not exist"):
        write_text_atomic(tmp_path / "nope" / "x.md", "x")
