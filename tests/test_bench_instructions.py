"""bench/instructions.py reads a request's instruction count from a callgrind dump's text."""

import pytest

from bench.instructions import parse_totals

# The head of a dump `callgrind_control -d` had a server write (valgrind 3.19), cut short.
DUMP = """# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 8333
cmd:  /usr/bin/python3.11 -m lettalite serve --port 50819
part: 2

desc: I1 cache:
desc: Timerange: Basic block 6497732 - 33651005
desc: Trigger: dump get

positions: line
events: Ir
summary: 0
totals: 142761307

ob=(1) /usr/bin/python3.11
fl=(1) ???
fn=(2) 0x00000000004f5b10
0 28
"""


def test_the_count_is_the_totals_line_not_the_summary() -> None:
    # After `callgrind_control -z` the summary line says 0: only totals holds the part's count.
    assert parse_totals(DUMP) == 142_761_307


def test_the_first_event_is_taken_when_several_are_collected() -> None:
    assert parse_totals(DUMP.replace("totals: 142761307", "totals: 1000 20 3")) == 1000


def test_a_dump_not_yet_written_whole_is_refused() -> None:
    with pytest.raises(ValueError, match="totals"):
        parse_totals(DUMP.split("totals:")[0])
