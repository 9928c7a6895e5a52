"""A ``Comparison`` as one self-contained HTML file: outputs side by side, figures on top.

Plain string building with every engine output escaped: the file is meant to be opened from
disk or attached to a ticket, so it carries its own small stylesheet and no scripts.
"""

from __future__ import annotations

from html import escape

from docsight.compare import Comparison, PageComparison

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top;text-align:left}
.side{display:grid;gap:.75rem}
.side pre{white-space:pre-wrap;word-break:break-word;background:#f7f7f7;padding:.5rem;
margin:0;font-size:.8rem;max-height:40rem;overflow:auto}
.err{color:#a00}.warn{color:#a60}
"""


def render_html(comparison: Comparison) -> str:
    doc = comparison.document
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>docsight compare: {escape(doc.name or doc.sha256[:12])}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{escape(doc.name or 'document')}: {escape(', '.join(comparison.engines))}</h1>",
        "<h2>Engines</h2><table><tr><th>engine</th><th>model</th><th>pages ok</th>"
        "<th>failed</th><th>seconds</th><th>s/page</th></tr>",
    ]
    for s in comparison.summary:
        parts.append(
            f"<tr><td>{escape(s.engine)}</td><td>{escape(s.model or '')}</td>"
            f"<td>{s.pages_ok}</td><td>{s.pages_failed}</td><td>{s.seconds:.2f}</td>"
            f"<td>{s.seconds_per_page:.2f}</td></tr>"
        )
    parts.append("</table><h2>Mean agreement</h2><table>")
    parts.append("<tr><th>pair</th><th>agreement (1 - distance / longer)</th></tr>")
    for pair, value in comparison.mean_agreement.items():
        parts.append(f"<tr><td>{escape(pair)}</td><td>{value:.1%}</td></tr>")
    parts.append("</table>")
    for page in comparison.pages:
        parts.append(_page(page))
    parts.append("</body></html>\n")
    return "".join(parts)


def _page(page: PageComparison) -> str:
    parts = [f"<h2>Page {page.number} ({page.width}x{page.height})</h2>"]
    if page.pairs:
        parts.append(
            "<table><tr><th>pair</th><th>CER</th><th>agreement</th><th>tables</th>"
            "<th>cells equal</th><th>values only in first</th><th>values only in second</th></tr>"
        )
        for p in page.pairs:
            cells = "" if p.tables.cell_agreement is None else f"{p.tables.cell_agreement:.0%}"
            tables = f"{p.tables.a_tables} / {p.tables.b_tables}"
            if p.tables.mismatches:
                tables += " (" + "; ".join(p.tables.mismatches) + ")"
            parts.append(
                f"<tr><td>{escape(p.a)} vs {escape(p.b)}</td><td>{p.cer:.1%}</td>"
                f"<td>{p.agreement:.1%}</td><td>{escape(tables)}</td><td>{cells}</td>"
                f"<td>{escape(' '.join(p.values.only_a))}</td>"
                f"<td>{escape(' '.join(p.values.only_b))}</td></tr>"
            )
        parts.append("</table>")
    columns = " ".join(["1fr"] * len(page.runs))
    parts.append(f"<div class='side' style='grid-template-columns:{columns}'>")
    for run in page.runs:
        parts.append(f"<div><h3>{escape(run.engine)} <small>{run.seconds:.2f} s</small></h3>")
        if run.error is not None:
            parts.append(
                f"<p class='err'>{escape(run.error.code)}: {escape(run.error.message)}</p>"
            )
        for warning in run.warnings:
            parts.append(f"<p class='warn'>{escape(warning)}</p>")
        parts.append(f"<pre>{escape(run.markdown)}</pre></div>")
    parts.append("</div>")
    return "".join(parts)


__all__ = ["render_html"]
