"""Pages and files to capture, as the tests serve or upload them."""

ARTICLE = """<html><head><title>Secret Deal with Drug Cartels | Global Research</title>
<meta name="author" content="Tom Burghardt"><meta property="og:site_name" content="Global Research">
<meta property="article:published_time" content="2012-09-03"></head>
<body><header><a href="/">Home</a> <a href="/about">About us</a></header>
<article><h1>America's Secret Deal with Mexican Drug Cartels</h1>
<p>The Sinaloa leadership, through the US informant Loya Castro, negotiated an immunity deal with the
US government in which they were guaranteed protection from prosecution.</p>
<p>A second paragraph, with more about the deal, the cartel, the informants and the agencies.</p></article>
<footer>Copyright 2012 · Subscribe to our newsletter</footer></body></html>"""


def pdf_saying(text, title="UNODC report", author="UNODC"):
    """A one-page PDF whose page shows `text`, written out by hand (pypdf writes no text)."""
    stream = f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) /Author ({author}) /CreationDate (D:20110901120000Z) >>".encode(),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def page_saying(*paragraphs, title="The deal", head=""):
    """A page whose main text is these paragraphs; `head` adds its metadata."""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return f"<html><head><title>{title}</title>{head}</head><body><article>{body}</article></body></html>"


DEAL = ("The informant said the deal was struck in 2010.", "Officials denied it.")
BYLINE = '<meta name="author" content="Bill Conroy; MX1"><meta property="og:site_name" content="Narco News">'
