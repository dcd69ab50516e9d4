/**
 * The inbox page's script, inline in the page (allowed by its hash, see security-headers.ts).
 *
 * Every text from a message reaches the page through `textContent` or an attribute set by
 * `setAttribute`, never through HTML parsing (`innerHTML` and the like are not used anywhere), so
 * a subject such as `<img src=x onerror=...>` shows as those characters. The message's HTML is
 * only ever shown in the sandboxed frame.
 *
 * Live updates: the event stream (`/api/events`) says what was added or deleted; whenever it
 * (re)connects, the list is fetched again, so nothing missed while it was down stays missing.
 */
export const PAGE_SCRIPT = `
'use strict';
(() => {
  const byId = (id) => document.getElementById(id);
  const rows = byId('messages');
  const empty = byId('empty');
  const count = byId('count');
  const status = byId('status');
  const detail = byId('detail');
  const frame = byId('html-frame');
  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
  const shown = new Map();
  let selected = null;
  let rawLoaded = false;

  const messageUrl = (id, rest) => '/api/messages/' + encodeURIComponent(id) + (rest || '');

  function formatSize(bytes) {
    if (bytes < 1024) return bytes + ' B';
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KB';
    return (bytes / 1024 / 1024).toFixed(1) + ' MB';
  }

  // Today's mail by its time alone, older mail with its date.
  function formatTime(ms) {
    const date = new Date(ms);
    return date.toDateString() === new Date().toDateString()
      ? date.toLocaleTimeString()
      : date.toLocaleString();
  }

  function element(name, text, className) {
    const node = document.createElement(name);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function updateCount() {
    count.textContent = shown.size + (shown.size === 1 ? ' message' : ' messages');
    empty.hidden = shown.size > 0;
  }

  function row(message) {
    const tr = document.createElement('tr');
    tr.tabIndex = 0;
    tr.setAttribute('aria-selected', String(message.id === selected));
    tr.append(
      element('td', message.from, 'from'),
      element('td', message.to.join(', '), 'to'),
      element('td', message.subject || '(no subject)', 'subject'),
      element('td', formatSize(message.size), 'size'),
      element('td', formatTime(message.receivedAt), 'time'),
    );
    tr.addEventListener('click', () => open(message.id));
    tr.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') open(message.id);
    });
    return tr;
  }

  function showList(messages) {
    shown.clear();
    rows.replaceChildren();
    for (const message of messages) {
      const tr = row(message);
      shown.set(message.id, tr);
      rows.append(tr);
    }
    if (selected !== null && !shown.has(selected)) closeDetail();
    updateCount();
  }

  function added(message) {
    if (shown.has(message.id)) return;
    const tr = row(message);
    shown.set(message.id, tr);
    rows.prepend(tr);
    updateCount();
  }

  function deleted(ids) {
    for (const id of ids) {
      shown.get(id)?.remove();
      shown.delete(id);
      if (id === selected) closeDetail();
    }
    updateCount();
  }

  async function reload() {
    const response = await fetch('/api/messages');
    if (response.ok) showList(await response.json());
  }

  function closeDetail() {
    selected = null;
    detail.hidden = true;
    frame.removeAttribute('src');
  }

  function selectTab(name) {
    for (const tab of tabs) {
      const on = tab.dataset.tab === name;
      tab.setAttribute('aria-selected', String(on));
      byId('tab-' + tab.dataset.tab).hidden = !on;
    }
    // Only a new URL: setting the same one again would load the message's HTML again.
    const html = messageUrl(selected, '/html');
    if (name === 'html' && frame.getAttribute('src') !== html) frame.src = html;
    if (name === 'raw' && !rawLoaded) loadRaw(selected);
  }

  async function loadRaw(id) {
    rawLoaded = true;
    byId('raw').textContent = 'Loading...';
    const response = await fetch(messageUrl(id, '/raw'));
    if (id !== selected) return;
    byId('raw').textContent = response.ok
      ? new TextDecoder().decode(await response.arrayBuffer())
      : 'Could not load the source (' + response.status + ').';
  }

  function fill(list, pairs) {
    list.replaceChildren();
    for (const [name, value] of pairs) {
      if (value) list.append(element('dt', name), element('dd', value));
    }
  }

  async function open(id) {
    selected = id;
    for (const [key, tr] of shown) tr.setAttribute('aria-selected', String(key === id));
    const response = await fetch(messageUrl(id));
    if (id !== selected) return;
    if (!response.ok) {
      deleted([id]);
      return;
    }
    const message = await response.json();
    byId('subject').textContent = message.subject || '(no subject)';
    fill(byId('fields'), [
      ['From', message.from],
      ['To', message.to.join(', ')],
      ['Cc', message.cc.join(', ')],
      ['Date', message.date ? new Date(message.date).toLocaleString() : ''],
      ['Received', new Date(message.receivedAt).toLocaleString()],
      ['Envelope', message.envelope
        ? 'from <' + message.envelope.mailFrom + '> to <' + message.envelope.rcptTo.join('>, <') + '>'
        : ''],
      ['Size', formatSize(message.size)],
    ]);
    const attachments = byId('attachments');
    attachments.replaceChildren();
    for (const attachment of message.attachments) {
      const link = element('a', attachment.filename);
      link.href = messageUrl(id, '/attachments/' + attachment.index);
      link.setAttribute('download', '');
      const item = element('li');
      item.append(link, ' (' + attachment.contentType + ', ' + formatSize(attachment.size) + ')');
      attachments.append(item);
    }
    byId('text').textContent = message.text === null ? '(no text part)' : message.text;
    const headers = byId('headers');
    headers.replaceChildren();
    for (const header of message.headers) {
      const tr = document.createElement('tr');
      tr.append(element('td', header.name), element('td', header.value));
      headers.append(tr);
    }
    byId('raw').textContent = '';
    byId('download-raw').href = messageUrl(id, '/raw');
    rawLoaded = false;
    byId('tab-button-html').disabled = !message.hasHtml;
    // Removed only when there is nothing to show: a removal right before a new src can make
    // Chromium end on about:blank instead of the new URL.
    if (!message.hasHtml) frame.removeAttribute('src');
    detail.hidden = false;
    selectTab(message.hasHtml ? 'html' : 'text');
  }

  async function remove(url) {
    const response = await fetch(url, { method: 'DELETE' });
    if (!response.ok) status.textContent = 'Delete failed (' + response.status + ')';
  }

  for (const tab of tabs) tab.addEventListener('click', () => selectTab(tab.dataset.tab));
  byId('delete-all').addEventListener('click', () => remove('/api/messages'));
  byId('delete-one').addEventListener('click', () => {
    if (selected !== null) remove(messageUrl(selected));
  });

  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    status.textContent = 'live';
    reload();
  });
  events.addEventListener('error', () => {
    status.textContent = 'reconnecting...';
  });
  events.addEventListener('added', (event) => added(JSON.parse(event.data)));
  events.addEventListener('deleted', (event) => deleted(JSON.parse(event.data).ids));
  events.addEventListener('cleared', () => showList([]));
})();
`;
