// Compresses the built site once, at build time: beside each text or wasm file, NAME.br
// (brotli, best quality) and NAME.gz (gzip, best level), when smaller than the file. The
// server's file handler (leptos_axum's, tower-http's `ServeDir` with both precompressed
// variants) sends a browser the smallest it accepts, where it would otherwise send the
// first wasm as it is, about three times larger. `make build` runs it after cargo-leptos.
// Usage: node front/precompress.mjs SITE_ROOT
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = new Set(['.wasm', '.js', '.css', '.svg', '.json', '.html', '.txt']);

function* compressible(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* compressible(path);
    else if (COMPRESSIBLE.has(extname(entry.name))) yield path;
  }
}

const [root] = process.argv.slice(2);
if (!root) throw new Error('usage: node front/precompress.mjs SITE_ROOT');
let files = 0, plain = 0, brotli = 0;
for (const path of compressible(root)) {
  const data = readFileSync(path);
  const variants = {
    br: brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        [constants.BROTLI_PARAM_MODE]: path.endsWith('.wasm') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      },
    }),
    gz: gzipSync(data, { level: constants.Z_BEST_COMPRESSION }),
  };
  for (const [suffix, packed] of Object.entries(variants)) {
    if (packed.length < data.length) writeFileSync(`${path}.${suffix}`, packed);
  }
  files += 1;
  plain += data.length;
  brotli += Math.min(data.length, variants.br.length);
}
console.log(`Precompressed ${files} files under ${root}: ${plain} bytes, ${brotli} as brotli`);
