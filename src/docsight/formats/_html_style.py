"""The HTML writer's inline stylesheet, apart so the writer reads as logic."""

STYLE = """\
:root { color-scheme: light dark; --muted: #667; --line: #ccd; --accent: #2a5db0; }
body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto;
       padding: 0 1rem; }
header.document { border-bottom: 2px solid var(--line); margin-bottom: 1rem; }
.meta, .page-label { color: var(--muted); font-size: .85rem; }
.page-label { text-transform: uppercase; letter-spacing: .05em; }
hr.page-break { border: 0; border-top: 3px double var(--line); margin: 2.5rem 0; }
section.failed .page-error { color: #b00020; font-weight: 600; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; vertical-align: top; }
th { background: rgba(127, 127, 127, .12); }
caption { caption-side: top; font-style: italic; color: var(--muted); }
.math { font-family: "Latin Modern Math", "STIX Two Math", serif; }
.math.display { display: block; text-align: center; margin: 1rem 0; overflow-x: auto; }
figure.image { margin: 1rem 0; }
.image-box { border: 1px dashed var(--line); padding: 1.5rem; text-align: center;
             color: var(--muted); }
figcaption { font-size: .9rem; color: var(--muted); }
.watermark { color: rgba(127, 127, 127, .7); border: 1px dashed rgba(127, 127, 127, .5);
             display: inline-block; padding: 0 .5rem; transform: rotate(-3deg);
             text-transform: uppercase; letter-spacing: .2em; }
.page-number { text-align: center; color: var(--muted); font-size: .85rem; }
.signature { font-style: italic; border-bottom: 1px solid currentColor; display: inline-block;
             min-width: 12rem; }
.signature::before { content: "✍ "; }
.checkbox .box { font-size: 1.2em; }
.checkbox.checked .box { color: var(--accent); }
.checkbox.crossed .box { color: #b00020; }
pre { background: rgba(127, 127, 127, .1); padding: .75rem; overflow-x: auto; }
pre.raw { white-space: pre-wrap; }
section.fields tr.invalid td { color: #b00020; }
.field-error { font-size: .85rem; }
"""
