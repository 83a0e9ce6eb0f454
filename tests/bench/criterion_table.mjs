// Turns criterion's saved estimates (target/criterion/<group>/<tracks>/new/estimates.json) into a
// Markdown table: median µs per 128-frame block and % of the 2.667 ms budget at 48 kHz, plus the
// slope of cost against track count (least squares, µs per track per block).
// Usage: node tests/bench/criterion_table.mjs group [group …]
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';

const BUDGET_US = (128 / 48_000) * 1e6;
const root = 'target/criterion';
for (const group of process.argv.slice(2)) {
  const dir = path.join(root, group);
  if (!existsSync(dir)) { console.log(`(no results for ${group})`); continue; }
  const rows = readdirSync(dir)
    .filter((d) => /^\d+$/.test(d))
    .map((d) => {
      const est = JSON.parse(readFileSync(path.join(dir, d, 'new', 'estimates.json'), 'utf8'));
      return { tracks: Number(d), us: est.median.point_estimate / 1000 };
    })
    .sort((a, b) => a.tracks - b.tracks);
  console.log(`\n**${group}** (median of criterion's samples)\n`);
  console.log('| tracks | µs per block | % of 2.667 ms budget |');
  console.log('|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.tracks} | ${r.us.toFixed(1)} | ${((r.us / BUDGET_US) * 100).toFixed(2)} % |`);
  const n = rows.length;
  const mx = rows.reduce((s, r) => s + r.tracks, 0) / n, my = rows.reduce((s, r) => s + r.us, 0) / n;
  const slope = rows.reduce((s, r) => s + (r.tracks - mx) * (r.us - my), 0) / rows.reduce((s, r) => s + (r.tracks - mx) ** 2, 0);
  const fit = rows.map((r) => my + slope * (r.tracks - mx));
  const r2 = 1 - rows.reduce((s, r, i) => s + (r.us - fit[i]) ** 2, 0) / rows.reduce((s, r) => s + (r.us - my) ** 2, 0);
  console.log(`\nSlope: ${slope.toFixed(2)} µs per track per block (linear fit R² = ${r2.toFixed(4)}); intercept ${(my - slope * mx).toFixed(1)} µs.`);
}
