// The status page at `/`: each election's latest replayed height, block hash and divergences, as
// a small HTML table (every value escaped). Pure.
import type { ElectionStatus } from './observer.service.js';

function escape(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** The HTML status page of the observer. */
export function statusPage(keyId: string, elections: readonly ElectionStatus[]): string {
  const rows = elections
    .map((e) => {
      const divergences = e.recentDivergences
        .slice(-5)
        .map(
          (d) =>
            `<li>block ${d.height}: ${escape(d.code)}${d.districtId ? ` (district ${escape(d.districtId)})` : ''} — ${escape(d.message)}</li>`,
        )
        .join('');
      return `<tr><td>${escape(e.electionId)}</td><td>${escape(e.phase)}${e.detail ? `<br><small>${escape(e.detail)}</small>` : ''}</td><td>${e.height}</td><td><code>${escape(e.blockHash ?? '—')}</code></td><td>${e.lagBlocks ?? '?'}</td><td>${e.cosigning ? 'yes' : 'no'}${e.districts ? `<br><small>districts ${escape(e.districts.join(', '))} only</small>` : ''}</td><td>${e.divergedAt ?? '—'}</td><td>${e.divergences}${divergences ? `<ul>${divergences}</ul>` : ''}</td><td>${e.refusedEntries}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hanpyo observer ${escape(keyId)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}code{font-size:.8em}</style>
</head><body>
<h1>Hanpyo observer <code>${escape(keyId)}</code></h1>
<table>
<tr><th>election</th><th>phase</th><th>verified height</th><th>block hash</th><th>lag (blocks)</th><th>cosigning</th><th>diverged at</th><th>divergences</th><th>refused entries (never counted)</th></tr>
${rows}
</table>
<p>JSON: <a href="/v1/status">/v1/status</a> · metrics: <a href="/metrics">/metrics</a></p>
</body></html>
`;
}
