/** The inbox page's style sheet, inline in the page (allowed by its hash, see security-headers.ts). */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --line: #8884; --accent: #2563eb; --muted: #888; }
[hidden] { display: none !important; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; }
header { display: flex; gap: 1em; align-items: baseline; flex-wrap: wrap; padding: .6em 1em; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.2em; margin: 0; }
h2 { font-size: 1.1em; margin: 0 0 .4em; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
#delete-all, #delete-one { margin-left: auto; }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); height: calc(100vh - 3em); }
@media (max-width: 900px) { main { grid-template-columns: 1fr; height: auto; } }
#list-pane { overflow: auto; border-right: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
th { position: sticky; top: 0; background: Canvas; font-weight: 600; }
#messages tr { cursor: pointer; }
#messages tr:hover, #messages tr:focus { background: #8882; outline: none; }
#messages tr[aria-selected="true"] { background: #2563eb33; }
td.from, td.to, td.subject { max-width: 9em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
td.subject { max-width: 14em; }
td.size, td.time { white-space: nowrap; color: var(--muted); }
#empty { padding: 1em; }
#detail { overflow: auto; padding: .8em 1em; display: flex; flex-direction: column; gap: .6em; }
#fields { display: grid; grid-template-columns: max-content 1fr; gap: .1em .8em; margin: 0; }
#fields dt { color: var(--muted); }
#fields dd { margin: 0; overflow-wrap: anywhere; }
#attachments { margin: 0; padding-left: 1.2em; }
[role="tablist"] { display: flex; gap: .3em; border-bottom: 1px solid var(--line); }
[role="tab"] { border: 1px solid var(--line); border-bottom: none; background: none; padding: .3em .8em; cursor: pointer; font: inherit; color: inherit; }
[role="tab"][aria-selected="true"] { border-color: var(--accent); font-weight: 600; }
[role="tab"]:disabled { cursor: default; color: var(--muted); }
iframe { width: 100%; height: 70vh; border: 1px solid var(--line); background: #fff; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.4 ui-monospace, monospace; }
#headers td:first-child { white-space: nowrap; color: var(--muted); }
button { font: inherit; }
`;
