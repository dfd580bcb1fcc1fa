"""The returns page: returned forms given to the page (files, a folder) or the returned folder read, compared with
`auditdocs parse` on the same files; the letters to send back; "record as sent back" as `parse --sent` records it;
uploaded names that try to leave the returned folder."""
from __future__ import annotations

import html
import shutil
import threading
from collections import Counter
from pathlib import Path

from browser import DEMO_DAY, check_accessible, serving, signed_in
from click.testing import CliRunner

from auditdocs.cli import cli
from auditdocs.returns.run import SENT_BY
from auditdocs.workspace import load_workspace

#: Returned forms of the demo month given to the page: two complete (a Word and an Excel form), an incomplete
#: one, and a PDF sent by mistake (by their case numbers).
GIVEN = ["9901025 *.docx", "9901018 *.xlsx", "9901029 *.docx", "9901058 *.pdf"]


def taken_out(folder: Path, to: Path) -> list[Path]:
    """The demo's returned forms of GIVEN, moved out of the workspace at `folder` into `to`."""
    to.mkdir()
    moved = []
    for pattern in GIVEN:
        found = sorted((folder / "returned").rglob(pattern))
        found = [f for f in found if "Moderation" not in str(f)]
        assert found, pattern
        moved.append(Path(shutil.move(str(found[0]), to / found[0].name)))
    return moved


def parsed(folder: Path, paths: list[Path], monkeypatch, *more: str):
    """`auditdocs parse PATHS …` in the workspace at `folder`: its output."""
    monkeypatch.chdir(folder)
    done = CliRunner().invoke(cli, ["parse", *map(str, paths), *more], catch_exceptions=False)
    assert done.exit_code in (0, 1), done.output
    return done.output


def cli_statuses(output: str) -> dict[str, tuple[str, str]]:
    """File name -> (status, what follows the file's path) from `parse`'s lines."""
    out = {}
    for line in output.splitlines():
        for status in ("complete", "incomplete", "unreadable"):
            if line.startswith(status + " "):
                path = line[len(status):].strip()
                name, _, said = path.partition(": ") if status != "complete" else (path, "", "")
                out[Path(name).name] = (status, said)
    return out


def page_rows(page) -> dict[str, tuple[str, list[str]]]:
    """File name -> (status, reasons) from the page's tables."""
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('table.records')).flatMap(table =>
        Array.from(table.querySelectorAll('tbody tr')).map(row => ({
            status: table.dataset.status, file: row.querySelector('th').innerText,
            reasons: Array.from(row.querySelectorAll('td.reasons li')).map(li => li.innerText)
                .concat(row.querySelector('td.reasons') && !row.querySelector('td.reasons li')
                        ? [row.querySelector('td.reasons').innerText] : [])})))""")
    return {row["file"]: (row["status"], row["reasons"]) for row in rows}


def sent_back_events(folder: Path) -> Counter:
    """The register's 'sent back' events: (audit, day, who) -> how many."""
    ws = load_workspace(folder / "auditdocs.toml")
    with ws.open_register() as reg:
        return Counter((a.audit_id, e.on, e.who) for a in reg.audits() for e in a.events if e.kind == "sent_back")


def wait_for_result(page) -> None:
    page.wait_for_selector("#letters, .problem", timeout=120_000)


def test_forms_given_to_the_page_are_read_as_parse_reads_them(demo_made, demo_copy, tmp_path, browser, monkeypatch):
    given = taken_out(demo_copy, tmp_path / "given")
    other = tmp_path / "other"
    shutil.copytree(demo_made, other, symlinks=True)
    taken_out(other, tmp_path / "given-cli")
    not_a_form = tmp_path / "given" / "notes.txt"
    not_a_form.write_text("not a form", encoding="utf-8")
    with serving(demo_copy, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/returns/"))
        assert page.locator("h1").inner_text() == "Returns"
        check_accessible(page)
        page.set_input_files("#files", [*given, not_a_form])
        page.get_by_role("button", name="Keep and read these forms").click()
        wait_for_result(page)
        check_accessible(page)
        assert "notes.txt: not a kind of file this page takes" in page.locator(".problem").inner_text()
        kept = [demo_copy / "returned" / path.name for path in given]
        assert all(path.is_file() for path in kept)
        assert not (demo_copy / "returned" / "notes.txt").exists()

        cli = parsed(demo_copy, kept, monkeypatch)
        from_cli, on_page = cli_statuses(cli), page_rows(page)
        assert set(on_page) == set(from_cli) == {path.name for path in given}
        for name, (status, said) in from_cli.items():
            assert on_page[name][0] == status, name
            if status == "unreadable":
                assert said == " ".join(on_page[name][1]), name
                assert "PDF" in said
            elif status == "incomplete":
                shown = said.split(" to fix: ", 1)[1].split(" … and ")[0]
                assert all(reason in on_page[name][1] for reason in shown.split("; ")), name
        assert {s for s, _ in from_cli.values()} == {"complete", "incomplete", "unreadable"}
        total = [line for line in cli.splitlines() if line.startswith("4 forms:")][0]
        assert page.get_by_role("status").filter(has_text="4 forms:").inner_text() == total

        letters = page.locator("#letters-text").input_value()
        returns = parsed(demo_copy, kept, monkeypatch, "--returns", "--sent-on", DEMO_DAY.strftime("%d/%m/%Y"))
        assert letters.strip() and letters in returns
        with page.expect_download() as got:
            page.get_by_role("link", name="Download the letters (a text file)").click()
        assert Path(got.value.path()).read_text(encoding="utf-8") == letters

        parsed(demo_copy, kept, monkeypatch, "--json", str(tmp_path / "answers.json"))
        with page.expect_download() as got:
            page.get_by_role("link", name="Download every answer read").click()
        assert got.value.suggested_filename == "answers.json"
        assert Path(got.value.path()).read_bytes() == (tmp_path / "answers.json").read_bytes()

        before = sent_back_events(demo_copy)
        page.get_by_role("button", name="Record as sent back today").click()
        page.wait_for_selector("#sent")
        said = page.locator("#sent").inner_text()
        assert "Recorded in the register that 1 incomplete audit was sent back on 07/12/2026." in said
        check_accessible(page)
        assert page.get_by_role("button", name="Record as sent back today").count() == 0
        recorded = sent_back_events(demo_copy) - before
        job = page.url.split("/jobs/")[1].split("#")[0]
        page.goto(served.address("/returns/"))
        token = page.locator("input[name=csrf]").first.get_attribute("value")
        again = page.request.post(served.address("/returns/sent"), headers={"X-CSRF-Token": token},
                                  form={"job": job})
        assert again.ok and sent_back_events(demo_copy) - before == recorded  # recorded once
    assert list(recorded.values()) == [1] and all(on == DEMO_DAY and who == SENT_BY for _, on, who in recorded)

    # the command line, on another copy given the same files
    cli_before = sent_back_events(other)
    cli_kept = [Path(shutil.copy(path, other / "returned" / path.name)) for path in (tmp_path / "given-cli").iterdir()]
    sent = parsed(other, cli_kept, monkeypatch, "--returns", "--sent", "--sent-on", DEMO_DAY.strftime("%d/%m/%Y"))
    assert said in sent
    assert sent_back_events(other) - cli_before == recorded
    assert sent_back_events(other) == sent_back_events(demo_copy)


def test_the_returned_folder_read_as_it_is(served_demo, demo_made, browser, monkeypatch):
    page = signed_in(browser, served_demo)
    page.goto(served_demo.address("/returns/"))
    page.get_by_role("button", name="Read the returned folder").click()
    wait_for_result(page)
    check_accessible(page)
    lines = parsed(demo_made, [], monkeypatch).splitlines()
    from_cli = sorted((line.split()[0], str(Path(line.split(None, 1)[1].split(": ")[0]).relative_to(
        demo_made / "returned"))) for line in lines if line.split(" ")[0] in ("complete", "incomplete", "unreadable"))
    rows = page_rows(page)
    assert sorted((status, Path(file).as_posix()) for file, (status, _) in rows.items()) == [
        (status, Path(file).as_posix()) for status, file in from_cli]
    assert len(rows) == len(page.locator("table.records tbody tr").all()) > 60
    letters = page.locator("#letters-text").input_value()
    assert letters in parsed(demo_made, [], monkeypatch, "--returns", "--sent-on", "07/12/2026")
    assert served_demo.site.jobs.wait(60)


def test_a_page_of_nothing_it_takes_says_so(served_demo, browser):
    page = signed_in(browser, served_demo)
    page.goto(served_demo.address("/returns/"))
    page.set_input_files("#files", [{"name": "list.txt", "mimeType": "text/plain", "buffer": b"nothing"}])
    page.get_by_role("button", name="Keep and read these forms").click()
    alert = page.get_by_role("alert")
    assert "list.txt: not a kind of file this page takes" in alert.inner_text()
    check_accessible(page)


def test_uploaded_names_stay_in_the_returned_folder(demo_copy, tmp_path, browser):
    form = next((demo_copy / "returned").rglob("9901025 *.docx")).read_bytes()
    with serving(demo_copy, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/returns/"))
        token = page.locator("input[name=csrf]").first.get_attribute("value")
        for name in ["../x.docx", "..\\x.docx", "/tmp/x.docx", "C:\\Windows\\x.docx", "../../returned/../y.docx"]:
            answer = page.request.post(served.address("/returns/upload"), headers={"X-CSRF-Token": token},
                                       multipart={"files": {"name": name, "mimeType": "application/octet-stream",
                                                            "buffer": form}})
            assert answer.ok, (name, answer.status)
            assert served.site.jobs.wait(60)
        release = threading.Event()
        served.site.jobs.start("Updating the tracker", lambda job: release.wait(60), template="tracker/result.html")
        try:  # files given while another step runs: kept, and not read (the page says so)
            answer = page.request.post(served.address("/returns/upload"), headers={"X-CSRF-Token": token},
                                       multipart={"files": {"name": "z.docx", "mimeType": "application/octet-stream",
                                                            "buffer": form}})
            assert answer.status == 409
            said = html.unescape(answer.text())
            assert "'Updating the tracker' is running" in said and "The files given were kept in the returned folder" in said
        finally:
            release.set()
            assert served.site.jobs.wait(30)
    outside = [p for p in tmp_path.rglob("*") if p.name in ("x.docx", "y.docx", "z.docx")]
    assert sorted(outside) == [demo_copy / "returned" / f"{n}.docx" for n in "xyz"]
    assert not Path("/tmp/x.docx").exists()


def test_a_folder_chosen_and_files_dropped(demo_copy, tmp_path, browser):
    given = taken_out(demo_copy, tmp_path / "Tomasz Wróbel")
    with serving(demo_copy, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/returns/"))
        page.set_input_files("#folder", str(tmp_path / "Tomasz Wróbel"))
        page.get_by_role("button", name="Keep and read these forms").click()
        wait_for_result(page)
        assert set(page_rows(page)) == {path.name for path in given}
        assert all((demo_copy / "returned" / path.name).is_file() for path in given)

        (demo_copy / "returned" / given[0].name).unlink()
        page.goto(served.address("/returns/"))
        assert page.get_by_text("Drop the files, or a whole folder of them, here").is_visible()
        page.evaluate("""([name, bytes]) => {
            const given = new DataTransfer();
            given.items.add(new File([new Uint8Array(bytes)], name));
            document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: given, bubbles: true,
                                                                                   cancelable: true}));
        }""", [given[0].name, list(given[0].read_bytes())])
        wait_for_result(page)
        assert set(page_rows(page)) == {given[0].name}
        assert (demo_copy / "returned" / given[0].name).read_bytes() == given[0].read_bytes()
