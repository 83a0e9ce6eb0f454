// Trunk post_build hook (Trunk.toml): writes the page's Content-Security-Policy into the staged
// index.html as <meta http-equiv="Content-Security-Policy">, right after <meta charset>, so it
// governs everything after it and holds wherever dist/ is served (any static server, a sub-path,
// `trunk serve`). Trunk's inline loader <script type="module"> names the build's hashed files, so
// its text changes with every build: its sha256 is computed here, from the staged file as written.
// Fails the build on anything the policy could not allow without weakening it: inline event
// handlers or style attributes in the HTML, or an inline script `trunk serve` rewrites per
// request (its autoreload script; Trunk.toml turns it off).
//
//   node scripts/csp.mjs [index.html]   (default: $TRUNK_STAGING_DIR/index.html)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The policy, less the inline scripts' hashes (appended to script-src). Only 'self': no remote
 * origin anywhere, and nothing from blob: or data: URLs. */
const DIRECTIVES = [
  // Anything not named below is refused (frames, fonts, media, manifests, …).
  ['default-src', "'none'"],
  // The app's module and its loader (hashed), the worklet processor and its imports, and
  // compiling WebAssembly (the app, the engine) — never eval or unhashed inline script.
  ['script-src', "'self'", "'wasm-unsafe-eval'"],
  // The stylesheet only: no <style> elements or style="" attributes (the app sets element styles
  // through CSSOM, which the policy does not govern).
  ['style-src', "'self'"],
  ['img-src', "'self'"],
  // fetch() of the wasm files; the page talks to no server but its own.
  ['connect-src', "'self'"],
  // The decode Workers, the stream feeder, the export Worker.
  ['worker-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The text the browser hashes: the element's contents after the HTML parser's newline
 * normalisation. */
const parsed = (text) => text.replace(/\r\n?/g, '\n');

/** `html` with its policy meta (an earlier one replaced). Throws on what the policy forbids. */
export function withPolicy(html) {
  html = html.replace(/\s*<meta\s+http-equiv=["']?content-security-policy["']?[^>]*>/gi, '');
  const scripts = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (/\bsrc\s*=/i.test(m[1])) continue;
    if (m[2].includes('{{__TRUNK_')) {
      throw new Error('an inline script has placeholders `trunk serve` fills in per request (its autoreload script), so its hash cannot be known now: keep `no_autoreload = true` in Trunk.toml [serve]');
    }
    scripts.push(sha256(parsed(m[2])));
  }
  const styles = [...html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi)].map((m) => sha256(parsed(m[1])));
  const tags = html.replace(/<script\b[^>]*>[\s\S]*?<\/script\s*>/gi, '').match(/<[a-z][^>]*>/gi) ?? [];
  for (const tag of tags) {
    if (/\s(on[a-z]+|style)\s*=/i.test(tag)) throw new Error(`the policy forbids inline handlers and style attributes: ${tag}`);
  }
  const policy = DIRECTIVES.map(([name, ...sources]) => {
    if (name === 'script-src') sources.push(...new Set(scripts));
    if (name === 'style-src') sources.push(...new Set(styles));
    return [name, ...sources].join(' ');
  }).join('; ');
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}" />`;
  const charset = /<meta\s+charset\s*=[^>]*>/i.exec(html);
  const head = /<head\b[^>]*>/i.exec(html);
  const anchor = charset ?? head;
  if (!anchor) throw new Error('no <head> to put the policy in');
  const at = anchor.index + anchor[0].length;
  const out = `${html.slice(0, at)}\n    ${meta}${html.slice(at)}`;
  // The policy governs only what follows it.
  const first = out.search(/<(script|link|style|img|base)\b/i);
  if (first !== -1 && first < out.indexOf(meta)) throw new Error('the policy meta must precede every script, link and style');
  return { html: out, policy };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const file = process.argv[2] ?? path.join(process.env.TRUNK_STAGING_DIR ?? 'dist', 'index.html');
  try {
    const { html, policy } = withPolicy(readFileSync(file, 'utf8'));
    writeFileSync(file, html);
    console.log(`[csp] ${path.basename(file)}: ${policy}`);
  } catch (e) {
    console.error(`[csp] ${file}: ${e.message}`);
    process.exit(1);
  }
}
