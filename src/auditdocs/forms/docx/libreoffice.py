"""LibreOffice 7.4 and text in several scripts: its pieces of a content control, put back together.

LibreOffice 7.4 saves a one-paragraph control whose text changes script (Latin, Arabic,
Chinese, emoji …) as one inline control per script run, every one after the first holding
its run and then the whole text again:  [T] [run2 + T] [run3 + T] …  Saved once more, that
becomes one control holding all of those texts, with an empty control between the pieces.
Word, and LibreOffice itself on opening it, then show the pieces one after the other.
Where every piece ends with the whole text T, and the runs add up to T's end, T is what was
typed: the pieces are dropped. Where the pieces still show the repeats but no longer add up
(someone edited what they saw), the control is marked and the answer reported for checking.
"""
from __future__ import annotations

from lxml import etree

from ..ooxml import NS, qn

W, W14 = f"{{{NS['w']}}}", f"{{{NS['w14']}}}"
P, SDT, SDT_CONTENT = W + "p", W + "sdt", W + "sdtContent"
TEXT = tuple(W + name for name in ("t", "tab", "br", "cr", "noBreakHyphen"))  # what a person sees as text


LIBREOFFICE_DAMAGED = "{urn:auditdocs}libreoffice-damaged"  # set on a control the reader could not put right


class Damaged(str):
    """The text of an answer LibreOffice damaged, as the document holds it (reported, never silently used)."""


def damaged_by_libreoffice(element) -> bool:
    """Does this cell or control hold a control whose pieces the reader could not put together?"""
    return any(sdt.get(LIBREOFFICE_DAMAGED) for sdt in element.iter(SDT))


def may_hold_libreoffice_pieces(controls) -> bool:
    """Could any of these controls (every w:sdt of a body) be one of LibreOffice's pieces: two controls side
    by side in a paragraph, or a control in another's content? (Most forms have neither: nothing to put right.)"""
    for sdt in controls:
        parent = sdt.getparent()
        if parent is None:
            continue
        if parent.tag == SDT_CONTENT:
            holder = parent.getparent()
            if holder is not None and holder.tag == SDT:
                return True
        elif parent.tag == P:
            after = sdt.getnext()
            while after is not None and not isinstance(after.tag, str):  # a comment or processing instruction
                after = after.getnext()
            if after is not None and after.tag == SDT:
                return True
    return False


#: Paragraphs with two controls side by side, and controls holding a control: the only places pieces can be.
_SIDE_BY_SIDE = etree.XPath(".//w:p[w:sdt/following-sibling::*[1][self::w:sdt]]", namespaces={"w": NS["w"]})
_NESTED = etree.XPath(".//w:sdt[w:sdtContent/w:sdt]", namespaces={"w": NS["w"]})


def put_libreoffice_pieces_together(body) -> None:
    """Put back together, in place, every control LibreOffice broke into pieces (after tracked
    changes are accepted and tabs and breaks made characters); mark those it cannot."""
    for p in _SIDE_BY_SIDE(body):
        for group in _runs_of_alike_controls(p):
            _put_right(group[0], [_piece_text(sdt) for sdt in group], lambda: [p.remove(sdt) for sdt in group[1:]])
    for sdt in _NESTED(body):
        content = sdt.find(SDT_CONTENT)
        if content is None:
            continue
        pieces, current = [], []
        for child in content:
            if child.tag == SDT and not _piece_text(child).strip():
                pieces.append(current)
                current = []
            else:
                current.append(child)
        if not pieces:
            continue
        pieces.append(current)
        texts = ["".join(_piece_text(el) for el in piece) for piece in pieces]

        def keep_first(content=content, first=pieces[0]):
            for child in list(content):
                if not any(child is kept for kept in first):
                    content.remove(child)

        _put_right(sdt, texts, keep_first)


def _runs_of_alike_controls(p) -> list[list]:
    """Runs of two or more inline controls side by side in a paragraph, with the same alias, tag and kind."""
    groups, current = [], []
    for child in p:
        if child.tag == SDT and current and _signature(child) == _signature(current[-1]):
            current.append(child)
            continue
        if len(current) > 1:
            groups.append(current)
        current = [child] if child.tag == SDT and _signature(child) is not None else []
    if len(current) > 1:
        groups.append(current)
    return groups


def _signature(sdt):
    pr = sdt.find(W + "sdtPr")
    if pr is None:
        return ()
    if pr.find(W14 + "checkbox") is not None:
        return None  # tick boxes side by side are a council's own layout, never LibreOffice's pieces
    values = tuple((child.tag, child.get(qn("w:val"))) for child in pr if child.tag != W + "id")
    return values


def _piece_text(element) -> str:
    return "".join(element.itertext(*TEXT))


def _put_right(sdt, texts: list[str], drop_the_rest) -> None:
    whole = libreoffice_whole_text(texts)
    if whole is not None:
        drop_the_rest()
    elif any(t and texts[0] and t.endswith(texts[0]) for t in texts[1:]):
        sdt.set(LIBREOFFICE_DAMAGED, "1")  # the repeats are there, but they no longer add up


def libreoffice_whole_text(pieces: list[str]) -> str | None:
    """The text T if `pieces` are what LibreOffice made of it, else None.

    One save makes [T, run2 + T, run3 + T, …] (the runs adding up to the end of T). A second
    save does the same to each of those pieces, one after the other, so the pieces are split
    into the fewest such groups, each group stands for its first piece, and that is repeated
    until one piece is left. Empty pieces are left out (someone deleted the repeats)."""
    pieces = [piece for piece in pieces if piece]
    if len(pieces) > 64 or sum(map(len, pieces)) > 100_000:
        return None  # no answer LibreOffice broke up looks like this
    while len(pieces) > 1:
        groups = _fewest_groups(pieces)
        if groups is None or len(groups) == len(pieces):
            return None
        pieces = [group[0] for group in groups]
    return pieces[0] if pieces else None


def _fewest_groups(pieces: list[str]) -> list[list[str]] | None:
    """`pieces` split into the fewest runs [T, run2 + T, …] whose runs add up to the end of T
    (a run may be one piece alone), or None."""
    n = len(pieces)
    best: list[list[list[str]] | None] = [None] * n + [[]]  # best[i]: the split of pieces[i:]
    for i in range(n - 1, -1, -1):
        whole, runs = pieces[i], ""
        for j in range(i + 1, n + 1):  # the group pieces[i:j]
            if j > i + 1:
                piece = pieces[j - 1]
                if not piece.endswith(whole):
                    break
                runs += piece[: len(piece) - len(whole)]
                if not runs or not whole.endswith(runs):
                    continue
            rest = best[j]
            if rest is not None and (best[i] is None or len(rest) + 1 < len(best[i])):
                best[i] = [pieces[i:j], *rest]
    return best[0]
