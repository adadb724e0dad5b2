// A tiny static server for the built docs site (docs/site), on loopback only.
//   node scripts/docs/serve.mjs [--port N] [--dir docs/site]
// --port 0 (the default) picks a free port. Prints "serving <url>" once listening.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const root = resolve(repoRoot, option('dir', 'docs/site'));
const port = Number(option('port', process.env.PORT ?? 0));

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.md': 'text/markdown; charset=utf-8',
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let path;
  try {
    path = normalize(join(root, decodeURIComponent(url.pathname)));
  } catch {
    res.writeHead(400).end('bad path');
    return;
  }
  if (path !== root && !path.startsWith(root + sep)) {
    res.writeHead(403).end('forbidden');
    return;
  }
  let stat;
  try {
    stat = statSync(path);
    if (stat.isDirectory()) {
      path = join(path, 'index.html');
      stat = statSync(path);
    }
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${url.pathname}`);
    return;
  }
  res.writeHead(200, {
    'content-type': types[extname(path)] ?? 'application/octet-stream',
    'content-length': stat.size,
    'cache-control': 'no-store',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(path).pipe(res);
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`serving http://127.0.0.1:${address.port}/ from ${root}`);
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => server.close(() => process.exit(0)));
