"""Reading a rendered payment document back: its pages, its text, its QR code."""

import pypdfium2
import zxingcpp


def pdf_pages(content: bytes) -> int:
    return len(pypdfium2.PdfDocument(content))


def pdf_text(content: bytes) -> str:
    """The text of every page, as a PDF reader extracts it; lines end in "\n", and the
    no-break space between thousands reads as a space (a font may draw both with one
    glyph, which then maps back to either)."""
    document = pypdfium2.PdfDocument(content)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return text.replace("\r\n", "\n").replace("\u00a0", " ")


def pdf_words(content: bytes) -> str:
    """The text with line breaks (where a cell wraps) and break opportunities (zero-width
    spaces) as single spaces: for finding phrases wherever the lines fall."""
    return " ".join(pdf_text(content).replace("\u200b", "").split())


def pdf_qr(content: bytes, *, dpi: int = 200) -> list[str]:
    """Every QR code printed on page 1: page → image → decoder, the text as the bytes
    the code holds, read as UTF-8 (ST00012)."""
    page = pypdfium2.PdfDocument(content)[0]
    image = page.render(scale=dpi / 72, grayscale=True).to_pil()
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [result.bytes.decode("utf-8") for result in results]
