"""Documents an office can send: the layout of GB/T 9704-2012 (党政机关公文格式) in python-docx.

A4 paper; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm text
area); title 2号 方正小标宋简体, centred; body 3号 仿宋_GB2312 on a fixed 28.9 pt line pitch
(22 lines a page), first lines indented two characters; headings by level: "一、" 黑体,
"(一)" 楷体_GB2312, "1." 仿宋_GB2312 bold, "(1)" 仿宋_GB2312; page numbers "— 1 —" in
4号 宋体 at the bottom, odd pages right and even pages left (one character in); tables with
borders, a header row repeated on every page and rows never split across pages.

Fonts are set in the styles, for Latin and East Asian text both (w:rFonts w:ascii, w:hAnsi,
w:eastAsia), so an office's Word picks them wherever it types. The font table names the
common fallbacks (仿宋, 楷体, 宋体) for machines without the GB2312 fonts.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import docx
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

LATIN = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONTS = {1: ("黑体", False), 2: ("楷体_GB2312", False), 3: (BODY_FONT, True)}
PAGE_NUMBER_FONT = "宋体"
FALLBACKS = {BODY_FONT: "仿宋", "楷体_GB2312": "楷体", TITLE_FONT: "宋体"}
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = Pt(22), Pt(16), Pt(14), Pt(10.5)  # 2号, 3号, 4号, 5号
LINE = Pt(28.9)  # 22 lines in the 225 mm text area
INDENT = Pt(32)  # two characters of 3号
TABLE_STYLE = "表格文字"
SIGNATURE_STYLE = "署名"


def _fonts(style, east_asian: str, size, *, bold: bool = False, latin: str = LATIN) -> None:
    """The style's fonts for both scripts, replacing the template's theme fonts."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for key in list(fonts.attrib):
        del fonts.attrib[key]  # asciiTheme & co. would win over the names
    for attr, name in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asian)):
        fonts.set(qn(f"w:{attr}"), name)
    fonts.set(qn("w:cs"), latin)
    style.font.size, style.font.bold, style.font.italic = size, bold, False
    style.font.color.rgb = None
    color = rpr.find(qn("w:color"))
    if color is not None:
        rpr.remove(color)


def _paragraph(style, *, line=LINE, indent=INDENT, align=WD_ALIGN_PARAGRAPH.JUSTIFY) -> None:
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent, fmt.left_indent = indent, Pt(0)
    fmt.alignment = align
    fmt.keep_with_next = None
    fmt.widow_control = True


def _font_fallbacks(document) -> None:
    part = next(
        (p for p in document.part.package.iter_parts() if p.partname.endswith("fontTable.xml")),
        None,
    )
    if part is None:
        return
    from docx.oxml import parse_xml

    root = parse_xml(part.blob)
    for name, alt in FALLBACKS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt_name = OxmlElement("w:altName")
        alt_name.set(qn("w:val"), alt)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        font.append(alt_name)
        font.append(charset)
        root.append(font)
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def official_document():
    """An empty document with the page, styles and page numbers of GB/T 9704."""
    document = docx.Document()
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(24)
    styles = document.styles
    normal = styles["Normal"]
    _fonts(normal, BODY_FONT, SIZE_3)
    _paragraph(normal)
    title = styles["Title"]
    _fonts(title, TITLE_FONT, SIZE_2, latin=TITLE_FONT)
    _paragraph(title, line=Pt(36), indent=Pt(0), align=WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.space_after = LINE
    ppr = title.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))
    if border is not None:
        ppr.remove(border)  # the template's rule under the title
    for level in range(1, 5):
        east_asian, bold = HEADING_FONTS.get(level, (BODY_FONT, False))
        heading = styles[f"Heading {level}"]
        _fonts(heading, east_asian, SIZE_3, bold=bold)
        _paragraph(heading)
        heading.paragraph_format.keep_with_next = True
    cell = styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    _fonts(cell, BODY_FONT, Pt(12))
    _paragraph(cell, line=Pt(18), indent=Pt(0), align=WD_ALIGN_PARAGRAPH.CENTER)
    signature = styles.add_style(SIGNATURE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    signature.base_style = normal
    _paragraph(signature, indent=Pt(0), align=WD_ALIGN_PARAGRAPH.RIGHT)
    signature.paragraph_format.right_indent = INDENT  # 右空四字 from the text's right edge
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    _font_fallbacks(document)
    return document


def _page_number(paragraph, align) -> None:
    """ "— n —": a PAGE field between dashes, one character in from the outside edge."""
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.first_line_indent = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = SIZE_4
    else:
        fmt.left_indent = SIZE_4

    def run(text: str = ""):
        r = paragraph.add_run(text)
        r.font.size, r.font.name = SIZE_4, LATIN
        r.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), PAGE_NUMBER_FONT)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        r = run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            r.element.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r.element.append(instr)
        else:
            r.text = text
    end = run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end.element.append(char)
    run(" —")


def title(document, text: str) -> None:
    document.add_paragraph(text, style="Title")


def heading(document, text: str, level: int) -> None:
    document.add_paragraph(text, style=f"Heading {min(level, 4)}")


def body(document, text: str) -> None:
    document.add_paragraph(text)


def centered(document, text: str) -> None:
    paragraph = document.add_paragraph(text)
    paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)


def addressee(document, text: str) -> None:
    """主送机关: flush left, no indent."""
    document.add_paragraph(text).paragraph_format.first_line_indent = Pt(0)


def signature(document, *lines: str) -> None:
    document.add_paragraph()  # a blank line before the signature
    for line in lines:
        if line:
            document.add_paragraph(line, style=SIGNATURE_STYLE)


def table(document, headers: list[str], rows: Iterable[list], *, size=None) -> None:
    """Borders, the header row repeated on each page, no row split across pages; wide tables
    in 5号 so each column keeps its words."""
    rows = list(rows)
    if not rows:
        document.add_paragraph("(无)")
        return
    size = size or (SIZE_5 if len(headers) > 6 else Pt(12))
    grid = document.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for values in [headers, *rows]:
        cells = grid.rows[0].cells if values is headers else grid.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.style = TABLE_STYLE
            run = paragraph.add_run(str(value))
            run.font.size = size
            if values is headers:
                run.font.bold = True
    for index, row in enumerate(grid.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))
        if index == 0:
            trpr.append(OxmlElement("w:tblHeader"))


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
