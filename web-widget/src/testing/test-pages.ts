/**
 * The customer's web site in the browser tests: pages that embed `<speaknode-agent>` with the
 * attributes, script URL and Content-Security-Policy a test asks for, and a same-origin script that
 * records every `speaknode:*` event (no inline script, so strict CSPs apply to the page as they are).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestPageOptions {
  scriptSrc: string;
  integrity?: string;
  attributes: Record<string, string>;
  /** The page's Content-Security-Policy header. */
  csp?: string;
}

export interface TestPages {
  /** The allowed origin (http://127.0.0.1:<port>). */
  origin: string;
  /** The same pages on an origin the agent does not allow (http://localhost:<port>). */
  foreignOrigin: string;
  add(options: TestPageOptions): string;
  close(): Promise<void>;
}

const RECORDER = `window.speaknodeEvents = [];
for (const type of ['speaknode:state', 'speaknode:message', 'speaknode:error']) {
  document.addEventListener(type, (event) => window.speaknodeEvents.push({ type, detail: event.detail }));
}
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) =>
  window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI),
);
`;

const escapeHtml = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function html(options: TestPageOptions): string {
  const attributes = Object.entries(options.attributes)
    .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
    .join('');
  const integrity = options.integrity ? ` integrity="${options.integrity}"` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bright Smile Dental</title>
<script src="/record-events.js"></script>
<script type="module" src="${escapeHtml(options.scriptSrc)}"${integrity} crossorigin="anonymous"></script>
</head>
<body>
<main>
<h1>Bright Smile Dental</h1>
<p>Opening hours: Monday to Friday, 8:00 to 18:00.</p>
<speaknode-agent${attributes}></speaknode-agent>
</main>
</body>
</html>
`;
}

export async function startTestPages(): Promise<TestPages> {
  const pages = new Map<string, TestPageOptions>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://pages').pathname;
    if (path === '/record-events.js') {
      return res.writeHead(200, { 'content-type': 'text/javascript' }).end(RECORDER);
    }
    const page = pages.get(path.replace(/^\/p\//, ''));
    if (!page) return res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      ...(page.csp ? { 'content-security-policy': page.csp } : {}),
    });
    res.end(html(page));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    foreignOrigin: `http://localhost:${port}`,
    add(options) {
      const id = randomUUID();
      pages.set(id, options);
      return `/p/${id}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
