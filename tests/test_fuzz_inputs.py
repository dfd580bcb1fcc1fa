"""The seeded fuzzer of tests/test_damaged.py, turned on what people give auditdocs besides forms: the cases,
auditors and moderators lists (.xlsx and .csv), the form specs (YAML) and the register (SQLite).

Every mutated input must be read or refused the way a user's mistake is: no traceback, nothing that
would exit 3 (anything but a UserError, or for specs a message), a reason for every refusal that names
the file, each input within a few seconds, and memory bounded. The seed is the one test_damaged uses
(`--fuzz-seed N` or AUDITDOCS_FUZZ_SEED to try others); AUDITDOCS_FUZZ_INPUTS scales the counts.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import shutil
import sys
import time
import warnings
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import SAMPLES, SPECS
from test_damaged import Mutator

from auditdocs.allocate.lists import read_auditors, read_cases
from auditdocs.allocate.settings import AllocationSettings
from auditdocs.cli import cli
from auditdocs.errors import UserError
from auditdocs.moderation.moderators import read_moderators
from auditdocs.specs.loader import SpecErrors, check_paths, load_library

SCALE = float(os.environ.get("AUDITDOCS_FUZZ_INPUTS", "1"))
LISTS_EACH, SPECS_N, REGISTERS_N = int(60 * SCALE), int(100 * SCALE), int(40 * SCALE)  # 320 in all
SECONDS_EACH = 5.0  # generous: a busy 2-core machine; a hostile input took minutes before
MEMORY_GROWTH = 1024 * 1024 * 1024  # bytes the process may grow by over a whole fuzz test
NOV = dt.date(2026, 11, 1)
PACKAGE_DAMAGE = ["truncate", "flip_bytes", "flip_inside_a_part", "damage_deflate", "zip_flags", "remove_part",
                  "duplicate_part", "xml_edit"]


@pytest.fixture(scope="module")
def fuzz_seed(request) -> int:
    return request.config.getoption("fuzz_seed")


def peak_memory() -> int:
    """The process's peak resident memory, in bytes (0 where it cannot be known)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class Budget:
    """Each input within SECONDS_EACH; the process's memory growth within MEMORY_GROWTH."""

    def __init__(self, seed: int):
        self.seed, self.slow, self.start_memory = seed, [], peak_memory()

    def timed(self, name: str, read):
        started = time.monotonic()
        try:
            return read()
        finally:
            took = time.monotonic() - started
            if took > SECONDS_EACH:
                self.slow.append((name, round(took, 1)))

    def check(self):
        assert not self.slow, f"seed {self.seed}: inputs that took more than {SECONDS_EACH} s: {self.slow}"
        grew = peak_memory() - self.start_memory
        assert grew < MEMORY_GROWTH, f"seed {self.seed}: memory grew by {grew // 2**20} MB"


# ---- the lists ------------------------------------------------------------------------------------


def sample_rows(name: str) -> list[list]:
    book = openpyxl.load_workbook(SAMPLES / name)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


ODD_VALUES = ["", " ", None, 0, -1, 1e308, float("nan"), 10**30, True, "=1+1", "+44 7700 900000", "@SUM(A1)",
              "x" * 40000, "名前", "Zoë O'Brien-Łukasz", "\u202etxeT", "a\x00b", "line\nbreak", "31/02/2026",
              "2026-13-45", "December", "Dec, Jan", "00/00/0000", dt.date(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59),
              "Name", "Team", "Case number", ";", ",", '"', "\t", "N/A", "-", "TBC", "0001", "1e5"]


class TableMutator:
    """Change a list the ways people change one by hand, then save it the ways they save one."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def rows(self, rows: list[list]) -> tuple[list[list], list[str]]:
        rows = [list(r) for r in rows]
        done = []
        for _ in range(self.rng.choice([1, 1, 2, 3, 5])):
            how = self.rng.choice(["cell", "cell", "cell", "heading", "drop row", "duplicate row", "drop column",
                                   "swap columns", "blank rows", "title rows", "ragged", "empty"])
            done.append(how)
            r, c = self.rng.randrange(len(rows) or 1), self.rng.randrange(max(len(rows[0]) if rows else 1, 1))
            if how == "cell" and rows and rows[r]:
                rows[r][c % len(rows[r])] = self.rng.choice(ODD_VALUES)
            elif how == "heading" and rows and rows[0]:
                rows[0][c % len(rows[0])] = self.rng.choice(ODD_VALUES + [rows[0][-1]])
            elif how == "drop row" and rows:
                del rows[r]
            elif how == "duplicate row" and rows:
                rows.insert(r, list(rows[r]))
            elif how == "drop column":
                rows = [row[:c] + row[c + 1:] for row in rows]
            elif how == "swap columns" and rows and rows[0]:
                d = self.rng.randrange(len(rows[0]))
                for row in rows:
                    if len(row) > max(c, d):
                        row[c], row[d] = row[d], row[c]
            elif how == "blank rows":
                rows[r:r] = [[None] * 5 for _ in range(self.rng.randint(1, 30))]
            elif how == "title rows":
                rows[0:0] = [["Cases for the month (draft)"], [], ["Prepared by the QA team"]][: self.rng.randint(1, 3)]
            elif how == "ragged" and rows:
                rows[r] = rows[r][: self.rng.randrange(len(rows[r]) + 1)] + [self.rng.choice(ODD_VALUES)] * 3
            elif how == "empty":
                rows = rows[:1] if self.rng.random() < 0.5 else []
        return rows, done

    def save(self, rows: list[list], path: Path) -> str:
        """Save as .xlsx, or .csv in one of the encodings and separators Excel and Notepad use."""
        if path.suffix == ".xlsx":
            book = openpyxl.Workbook()
            for row in rows:
                book.active.append([v if not isinstance(v, str) else v.replace("\x00", "") for v in row])
            book.save(path)
            return "xlsx"
        encoding = self.rng.choice(["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le", "latin-1"])
        delimiter = self.rng.choice([",", ",", ";", "\t"])
        text = io.StringIO(newline="")
        csv.writer(text, delimiter=delimiter).writerows(["" if v is None else v for v in row] for row in rows)
        path.write_bytes(text.getvalue().encode(encoding, errors="replace"))
        return f"csv {encoding} {delimiter!r}"


READERS = {
    "cases": ("cases_2026-11.xlsx", lambda path, library: read_cases(path, library, AllocationSettings(), NOV)),
    "auditors": ("auditors.xlsx", lambda path, library: read_auditors(path, AllocationSettings(), NOV)),
    "moderators": ("moderators.xlsx", lambda path, library: read_moderators(path)),
}


def test_fuzzed_lists_are_read_or_refused_with_a_reason(library, tmp_path, fuzz_seed):
    rng = random.Random(fuzz_seed)
    tables, package = TableMutator(rng), Mutator(rng, {})
    budget = Budget(fuzz_seed)
    outcomes = {"read": 0, "refused": 0}
    for what, (sample, read) in READERS.items():
        original = sample_rows(sample)
        for n in range(LISTS_EACH):
            rows, how = tables.rows(original)
            path = tmp_path / f"{what} {n:03d}.{rng.choice(['xlsx', 'xlsx', 'csv'])}"
            how.append(tables.save(rows, path))
            if path.suffix == ".xlsx" and rng.random() < 0.3:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    data, damage = package.mutate(path.read_bytes(), "xlsx")
                path.write_bytes(data)
                how += damage
            name = f"seed {fuzz_seed}, {path.name} ({', '.join(how)})"
            try:
                listed = budget.timed(name, lambda: read(path, library))
            except UserError as exc:
                outcomes["refused"] += 1
                assert exc.message.strip() and path.name in exc.message, (name, exc.message)
                assert "Traceback" not in exc.message, name
                continue
            except Exception as exc:  # would be exit 3: "a fault in auditdocs"
                pytest.fail(f"{name}: {type(exc).__name__}: {exc}")
            outcomes["read"] += 1
            for problem in listed.problems:
                assert problem.message.strip(), (name, problem)
    budget.check()
    assert outcomes["read"] and outcomes["refused"], outcomes
    print(f"\nfuzz seed {fuzz_seed}: {3 * LISTS_EACH} lists, {outcomes}")


# ---- the specs ------------------------------------------------------------------------------------

YAML_BITS = ["&a ", "*a", "*nowhere", "!!python/object/apply:os.system ['true']", "!!binary aGVsbG8=", "!custom ",
             "{", "}", "[", "]", ": ", "- ", "\t", "  ", "'", '"', "#", "|", ">", "? ", "---", "...", "%YAML 1.1",
             "<<: *a", "~", "null", "yes", "1e999", "9" * 5000, "\x00", "\ufeff", "é", "\x85", "@", "`"]


class SpecMutator:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def mutate(self, text: str) -> tuple[str, list[str]]:
        lines = text.splitlines()
        done = []
        for _ in range(self.rng.choice([1, 1, 2, 3, 6])):
            how = self.rng.choice(["insert", "insert", "delete line", "duplicate line", "swap lines", "indent",
                                   "dedent", "truncate", "value", "laughs", "nest"])
            done.append(how)
            i = self.rng.randrange(len(lines) or 1)
            if not lines:
                lines = [""]
            if how == "insert":
                line = lines[i]
                at = self.rng.randrange(len(line) + 1)
                lines[i] = line[:at] + self.rng.choice(YAML_BITS) + line[at:]
            elif how == "delete line":
                del lines[i]
            elif how == "duplicate line":
                lines.insert(i, lines[i])
            elif how == "swap lines":
                j = self.rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
            elif how == "indent":
                lines[i] = " " * self.rng.choice([1, 2, 3, 4, 8]) + lines[i]
            elif how == "dedent":
                lines[i] = lines[i].lstrip()
            elif how == "truncate":
                lines = lines[:i]
            elif how == "value" and ":" in lines[i]:
                key = lines[i].split(":", 1)[0]
                lines[i] = f"{key}: {self.rng.choice(['[]', '{}', '[1, 2]', '{a: 1}', '', '0', '-5', 'true', '~'])}"
            elif how == "laughs":
                lines += ["x0: &x0 [a, a, a, a, a, a, a, a]"] + [
                    f"x{k + 1}: &x{k + 1} [{', '.join([f'*x{k}'] * 8)}]" for k in range(self.rng.randint(3, 9))]
            elif how == "nest":
                depth = self.rng.choice([30, 45, 200, 5000])
                lines.insert(i, "deep: " + "[" * depth + "]" * depth)
        return "\n".join(lines) + "\n", done


def test_fuzzed_specs_are_loaded_or_refused_with_a_reason(tmp_path, fuzz_seed):
    rng = random.Random(fuzz_seed + 1)
    mutator = SpecMutator(rng)
    sources = sorted(p for p in SPECS.glob("*.yaml"))
    budget = Budget(fuzz_seed)
    refused = 0
    for n in range(SPECS_N):
        source = rng.choice(sources)
        text, how = mutator.mutate(source.read_text(encoding="utf-8"))
        folder = tmp_path / f"{n:03d}"
        folder.mkdir()
        shutil.copy(SPECS / "scales.yaml", folder / "scales.yaml")
        if source.name == "scales.yaml":
            (folder / "scales.yaml").write_text(text, encoding="utf-8")
            path = folder / "scales.yaml"
        else:
            path = folder / source.name
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            shutil.copy(SPECS / "csc_case_file_audit.yaml", folder / "other.yaml") if source.name != \
                "csc_case_file_audit.yaml" else None
        name = f"seed {fuzz_seed + 1}, {source.name} ({', '.join(how)})"
        try:
            specs, messages = budget.timed(name, lambda: check_paths([path], folder))
            library = budget.timed(name, lambda: load_library(folder, leave_out_broken=True)) if n % 3 == 0 else None
        except SpecErrors as exc:  # problems between specs (two with one id and version): each said
            messages = exc.messages
            library = None
        except Exception as exc:  # would be exit 3
            pytest.fail(f"{name}: {type(exc).__name__}: {exc}")
        for message in messages:
            assert message.text.strip() and message.path, (name, message)
        if messages:
            refused += 1
        if library is not None:
            for path_left, why in library.left_out.items():
                assert why and all(m.text.strip() for m in why), (name, path_left)
    budget.check()
    assert refused, "the mutations never broke a spec: the fuzzer is not working"
    print(f"\nfuzz seed {fuzz_seed + 1}: {SPECS_N} specs, {refused} refused")


# ---- the register ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def register_bytes(tmp_path_factory) -> bytes:
    """A real register, as generate records the audits of a small list in it."""
    from test_generate import three_rows

    folder = tmp_path_factory.mktemp("register")
    register = folder / "register.sqlite"
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "generate", "--month", "2026-11", "--data",
                                      str(three_rows(folder)), "--out", str(folder / "forms"), "--register",
                                      str(register)])
    assert result.exit_code == 0, result.output
    return register.read_bytes()


def damaged_register(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    page = int.from_bytes(data[16:18], "big") or 65536
    pages = max(len(data) // page, 1)
    out = bytearray(data)
    done = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        how = rng.choice(["flip bytes", "flip bytes", "zero a page", "truncate", "truncate at a page",
                          "swap pages", "header field", "garbage"])
        done.append(how)
        if how == "flip bytes" and out:
            for _ in range(rng.randint(1, 40)):
                out[rng.randrange(len(out))] = rng.randrange(256)
        elif how == "zero a page":
            p = rng.randrange(pages)
            out[p * page:(p + 1) * page] = bytes(len(out[p * page:(p + 1) * page]))
        elif how == "truncate":
            out = out[: rng.randrange(len(out) + 1)]
        elif how == "truncate at a page":
            out = out[: page * rng.randrange(pages + 1)]
        elif how == "swap pages" and pages > 2:
            a, b = rng.sample(range(1, pages), 2)
            pa, pb = bytes(out[a * page:(a + 1) * page]), bytes(out[b * page:(b + 1) * page])
            out[a * page:(a + 1) * page], out[b * page:(b + 1) * page] = pb, pa
        elif how == "header field" and len(out) > 100:
            at = rng.choice([16, 18, 19, 20, 24, 28, 40, 44, 52, 56, 60, 96])
            out[at:at + 4] = rng.randbytes(4)
        elif how == "garbage":
            out = bytearray(rng.choice([b"", b"SQLite format 3\x00", rng.randbytes(2048), b"PK\x03\x04" * 10]))
    return bytes(out), done


def test_a_fuzzed_register_is_refused_with_a_reason_never_a_fault(register_bytes, tmp_path, fuzz_seed):
    rng = random.Random(fuzz_seed + 2)
    budget = Budget(fuzz_seed)
    outcomes: dict[int, int] = {}
    for n in range(REGISTERS_N):
        data, how = damaged_register(register_bytes, rng)
        register = tmp_path / f"register {n:03d}.sqlite"
        register.write_bytes(data)
        command = rng.choice([["status", "--month", "2026-11"]] * 4 + [["register", "check"]] * 3
                             + [["report", "--month", "2026-11", "--out", str(tmp_path / f"report {n}")]])
        name = f"seed {fuzz_seed + 2}, {register.name} ({', '.join(how)}): {' '.join(command)}"
        result = budget.timed(name, lambda: CliRunner().invoke(
            cli, ["--specs", str(SPECS), *command, "--register", str(register)]))
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            f"{name}: {type(result.exception).__name__}: {result.exception}"  # exit 3: "a fault in auditdocs"
        assert "Traceback" not in result.output, (name, result.output)
        if result.exit_code == 2:
            assert register.name in result.output, (name, result.output)
        outcomes[result.exit_code] = outcomes.get(result.exit_code, 0) + 1
    budget.check()
    print(f"\nfuzz seed {fuzz_seed + 2}: {REGISTERS_N} registers, exit codes {outcomes}")
