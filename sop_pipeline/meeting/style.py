"""The pack's stylesheet (inline in the HTML: no external files, prints cleanly)."""

CSS = """
:root {
  --ink: #243b53; --muted: #627d98; --line: #d9e2ec; --soft: #f5f7fa; --accent: #1f4e79;
  --good: #2f7d4f; --watch: #8a5a12; --bad: #a23b2f;
}
* { box-sizing: border-box; }
html { background: var(--soft); }
body {
  margin: 0; color: var(--ink); font-size: 14px; line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.page { max-width: 1180px; margin: 0 auto; padding: 28px 36px 40px; background: #fff; }
.pack-header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; }
.pack-header .kicker {
  margin: 0; color: var(--muted); font-size: 12px; letter-spacing: .08em; text-transform: uppercase;
}
h1 { font-size: 26px; margin: 2px 0 4px; }
.subtitle { margin: 0; color: var(--muted); }
nav.agenda { margin: 16px 0 4px; }
nav.agenda h2 { font-size: 15px; margin: 0 0 6px; }
nav.agenda ol { margin: 0; padding-left: 22px; columns: 2; column-gap: 36px; }
nav.agenda li { margin: 0 0 6px; break-inside: avoid; }
nav.agenda a { color: var(--accent); font-weight: 600; text-decoration: none; }
nav.agenda .summary { display: block; color: var(--muted); font-size: 12px; }
section.agenda-section { margin-top: 30px; padding-top: 14px; border-top: 1px solid var(--line); }
section.agenda-section h2 { display: inline-block; font-size: 20px; margin: 0 0 10px; }
section.agenda-section summary { list-style: none; cursor: pointer; }
section.agenda-section summary::-webkit-details-marker { display: none; }
section.agenda-section summary::after { content: " \25BE"; color: var(--muted); }
section.agenda-section details:not([open]) summary::after { content: " \25B8"; }
section.brief { margin-top: 16px; }
section.brief > h2 { font-size: 20px; margin: 0 0 4px; }
section.brief h3 { margin: 12px 0 4px; }
.brief-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 24px; }
table.brief-table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
table.brief-table th {
  text-align: left; font-weight: 600; color: var(--muted); font-size: 11px;
  text-transform: uppercase; letter-spacing: .03em; border-bottom: 2px solid var(--line);
  padding: 4px 8px; vertical-align: bottom;
}
table.brief-table td {
  border-bottom: 1px solid #edf1f5; padding: 4px 8px; vertical-align: top;
  overflow-wrap: anywhere;
}
table.brief-table .num {
  text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;
}
table.decisions td:nth-child(2) { width: 38%; }
table.decisions td:nth-child(4) { width: 30%; }
table.kpis tr.off_track td:nth-child(4) { color: var(--bad); font-weight: 600; }
table.kpis tr.watch td:nth-child(4) { color: var(--watch); font-weight: 600; }
table.kpis tr.on_track td:nth-child(4) { color: var(--good); }
.why { color: var(--muted); font-size: 11.5px; margin-top: 2px; }
ul.feasibility, ul.actions { margin: 2px 0; padding-left: 18px; font-size: 12.5px; }
ul.feasibility li, ul.actions li { margin: 0 0 4px; }
ul.feasibility li.alert strong, ul.actions li.alert strong { color: var(--bad); }
a.more-link { font-size: 11px; font-weight: normal; margin-left: 6px; color: var(--accent); }
h2 .num {
  display: inline-block; width: 28px; height: 28px; margin-right: 10px; border-radius: 50%;
  background: var(--accent); color: #fff; text-align: center; line-height: 28px; font-size: 14px;
  vertical-align: 2px;
}
h3 { font-size: 14.5px; margin: 20px 0 4px; color: var(--accent); }
.note { color: var(--muted); margin: 0 0 8px; font-size: 12.5px; }
.facts { display: flex; flex-wrap: wrap; gap: 10px; margin: 4px 0 6px; }
.fact {
  border: 1px solid var(--line); border-radius: 6px; padding: 7px 14px; min-width: 150px;
  background: #fafbfc;
}
.fact-value {
  display: block; font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums;
}
.fact-label {
  display: block; font-size: 11px; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em;
}
table.data { border-collapse: collapse; width: 100%; font-size: 12.5px; }
table.data th {
  text-align: left; font-weight: 600; color: var(--muted); font-size: 11px;
  text-transform: uppercase; letter-spacing: .03em; border-bottom: 2px solid var(--line);
  padding: 5px 8px; vertical-align: bottom;
}
table.data td { border-bottom: 1px solid #edf1f5; padding: 5px 8px; vertical-align: top; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data th.num { white-space: normal; }
table.data .code, .block .code { white-space: nowrap; }
.stack > * + * { margin-top: 10px; }
table.data tr.alert td { background: #fcf4f2; }
table.data tr.suggested td { background: #eef6f0; font-weight: 600; }
table.data tr.low-point td { background: #fcf5e7; font-weight: 600; }
.option-table h4 { margin: 14px 0 2px; font-size: 13.5px; }
ul.lines { list-style: none; margin: 4px 0 10px; padding: 0; }
ul.lines li { margin: 0 0 5px; }
.badge-suggested { color: var(--good); background: #e8f4ec; border-color: #b9dcc5; }
.badge-infeasible { color: var(--muted); background: #f3f4f6; border-color: #d9dde3; }
table.data tr.total td { font-weight: 600; background: var(--soft); }
.badge {
  display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 0.92em; font-weight: 600;
  white-space: nowrap; border: 1px solid #cbd2d9; color: #52606d; background: var(--soft);
}
.badge::before { content: "\\25CF"; margin-right: 4px; font-size: 10px; }
.badge-on_track, .badge-done, .badge-trust, .badge-met {
  color: var(--good); background: #ebf6ef; border-color: #b9dcc6;
}
.badge-watch, .badge-open, .badge-slow_mover, .badge-neutral, .badge-low_point {
  color: var(--watch); background: #fcf5e7; border-color: #ecd3a5;
}
.badge-off_track, .badge-overdue, .badge-challenge, .badge-expired, .badge-expiry,
.badge-obsolete, .badge-not_met { color: var(--bad); background: #fbeeec; border-color: #efc2bb; }
.more, .empty { color: var(--muted); font-style: italic; font-size: 12.5px; margin: 6px 0 0; }
.chart-grid {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 14px;
  align-items: start;
}
figure.chart {
  margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px 6px;
  background: #fff; break-inside: avoid;
}
figure.chart svg { display: block; width: 100%; height: auto; }
figure.no-data { padding: 14px; }
figcaption { font-size: 11.5px; color: var(--muted); margin-top: 2px; }
footer {
  margin-top: 36px; color: var(--muted); font-size: 11.5px; border-top: 1px solid var(--line);
  padding-top: 8px;
}
@page { size: A4; margin: 12mm; }
@media print {
  html { background: #fff; }
  body { font-size: 11px; }
  table.data { font-size: 9.5px; }
  table.data th { font-size: 8.5px; }
  figcaption, .note, .more, .empty { font-size: 9.5px; }
  .page { max-width: none; padding: 0; }
  /* the printed pack is the brief (a board packet); the appendix is read on screen */
  main.appendix, nav.agenda, footer, .pack-header .workbook, a.more-link { display: none; }
  table.brief-table { font-size: 9.5px; }
  .why, ul.feasibility, ul.actions { font-size: 9.5px; }
  tr, .fact, h3 { break-inside: avoid; }
  h3 { break-after: avoid; }
  .chart-grid { grid-template-columns: 1fr 1fr; }
  a { color: inherit; }
}
"""
