#!/usr/bin/env node
// registry.js <port> <tarball>...: a minimal npm registry on 127.0.0.1 that serves the given
// packed packages (and nothing else), so that a generated app installs Pulse with the README's
// commands verbatim, as an adopter does from the public registry. Stops on SIGTERM.
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const zlib = require('node:zlib');

const [port, ...tarballs] = process.argv.slice(2);

/** Reads package/package.json out of a .tgz (a tar stream, 512-byte headers). */
function manifestOf(file) {
  const tar = zlib.gunzipSync(fs.readFileSync(file));
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const name = tar
      .toString('utf8', offset, offset + 100)
      .replace(/\0.*$/s, '');
    const size = parseInt(
      tar.toString('utf8', offset + 124, offset + 136).trim() || '0',
      8,
    );
    if (name === 'package/package.json') {
      return JSON.parse(
        tar.toString('utf8', offset + 512, offset + 512 + size),
      );
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${file} has no package/package.json`);
}

const packages = new Map();
for (const file of tarballs) {
  const manifest = manifestOf(file);
  const data = fs.readFileSync(file);
  packages.set(manifest.name, {
    file,
    manifest,
    integrity: `sha512-${crypto
      .createHash('sha512')
      .update(data)
      .digest('base64')}`,
    shasum: crypto.createHash('sha1').update(data).digest('hex'),
  });
}

const server = http.createServer((req, res) => {
  const base = `http://${req.headers.host}`;
  const url = decodeURIComponent(new URL(req.url, base).pathname).slice(1);
  const tarballMatch = url.match(/^-\/tarballs\/(.+)$/);
  if (tarballMatch) {
    const entry = [...packages.values()].find(
      p => path.basename(p.file) === tarballMatch[1],
    );
    if (!entry) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    return fs.createReadStream(entry.file).pipe(res);
  }
  const entry = packages.get(url);
  if (!entry) {
    res.writeHead(404, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ error: 'not found' }));
  }
  const { manifest } = entry;
  // A publication date well in the past, so that the app's `npmMinimalAgeGate` lets it through.
  const published = '2026-01-01T00:00:00.000Z';
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      name: manifest.name,
      'dist-tags': { latest: manifest.version },
      time: {
        created: published,
        modified: published,
        [manifest.version]: published,
      },
      versions: {
        [manifest.version]: {
          ...manifest,
          dist: {
            tarball: `${base}/-/tarballs/${path.basename(entry.file)}`,
            integrity: entry.integrity,
            shasum: entry.shasum,
          },
        },
      },
    }),
  );
});

server.listen(Number(port), '127.0.0.1', () => {
  console.log(
    `registry for ${[...packages.keys()].join(
      ', ',
    )} on http://127.0.0.1:${port}`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
