#!/usr/bin/env node
/**
 * Prints every built chunk's raw and gzipped size, and what the first page loads: the entry with
 * its static imports, plus the landing route's chunk (/ redirects to /customers) and its imports.
 * Fails when the entry's JavaScript, or the first page's, exceeds the budget (120 KB gzipped), or
 * when chart.js is loaded anywhere but with the revenue page (whose chart is a chunk of its own, loaded
 * after the page). Also lists, and holds to the budget, what each page costs when a bookmark opens it first.
 * Run after `npm run build`: `npm run size [-- --markdown]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIST = new URL('../dist/', import.meta.url).pathname;
const BUDGET_KB = 120;
const LANDING = 'src/pages/CustomersPage.vue';
const markdown = process.argv.includes('--markdown');

const manifestPath = join(DIST, '.vite', 'manifest.json');
if (!existsSync(manifestPath)) {
  console.error(`No ${manifestPath}: run "npm run build" first.`);
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

const sizes = new Map();
function size(file) {
  if (!sizes.has(file)) {
    const bytes = readFileSync(join(DIST, file));
    sizes.set(file, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  return sizes.get(file);
}

/** A chunk and everything it imports statically (what the browser must load before running it). */
function closure(key, seen = new Set()) {
  if (seen.has(key)) return seen;
  seen.add(key);
  (manifest[key].imports || []).forEach((dep) => closure(dep, seen));
  return seen;
}
const jsOf = (keys) => [...keys].map((key) => manifest[key].file).filter((f) => f.endsWith('.js'));
const total = (files) => files.reduce((sum, f) => sum + size(f).gzip, 0);
const kb = (bytes) => (bytes / 1024).toFixed(1);

const entryKey = Object.keys(manifest).find((key) => manifest[key].isEntry);
const entryFiles = jsOf(closure(entryKey));
const firstPageFiles = [...new Set([...entryFiles, ...jsOf(closure(LANDING))])];

const rows = Object.keys(manifest)
  .map((key) => ({ key, file: manifest[key].file, ...size(manifest[key].file) }))
  .concat(
    [...new Set(Object.values(manifest).flatMap((chunk) => chunk.css || []))].map((file) => ({ key: '(css)', file, ...size(file) })),
  )
  .sort((a, b) => b.gzip - a.gzip);

const name = (row) => row.file.replace(/^assets\//, '').replace(/-[A-Za-z0-9_-]{8}\./, '.');
const source = (row) => (row.key.startsWith('_') ? 'shared by several pages' : row.key);
if (markdown) {
  console.log('| chunk | source | raw KB | gzip KB |');
  console.log('|---|---|---:|---:|');
  rows.forEach((row) => console.log(`| ${name(row)} | ${source(row)} | ${kb(row.raw)} | ${kb(row.gzip)} |`));
} else {
  console.log(`${'chunk'.padEnd(34)} ${'raw KB'.padStart(8)} ${'gzip KB'.padStart(8)}  source`);
  rows.forEach((row) => console.log(`${name(row).padEnd(34)} ${kb(row.raw).padStart(8)} ${kb(row.gzip).padStart(8)}  ${source(row)}`));
}

// What each page costs when it is the first one opened (a bookmark): the entry plus its chunk.
const pages = Object.keys(manifest).filter((key) => key.startsWith('src/pages/'));
const pageTotals = pages
  .map((key) => ({ key, gzip: total([...new Set([...entryFiles, ...jsOf(closure(key))])]) }))
  .sort((a, b) => b.gzip - a.gzip);
console.log('');
if (markdown) {
  console.log('| opened first | JS gzip KB |');
  console.log('|---|---:|');
  pageTotals.forEach((page) => console.log(`| ${page.key} | ${kb(page.gzip)} |`));
} else {
  console.log('JS gzipped when this page is opened first:');
  pageTotals.forEach((page) => console.log(`  ${page.key.padEnd(40)} ${kb(page.gzip).padStart(7)} KB`));
}

const entryGzip = total(entryFiles);
const firstGzip = total(firstPageFiles);
// An error message chart.js keeps in its minified build: marks the chunk that carries it.
const CHART_MARKER = 'Canvas is already in use';
const chartIn = (files) => files.some((f) => readFileSync(join(DIST, f), 'utf8').includes(CHART_MARKER));
console.log('');
console.log(`entry JS (index + static imports): ${kb(entryGzip)} KB gzipped, budget ${BUDGET_KB} KB`);
console.log(`first page JS (entry + ${LANDING}): ${kb(firstGzip)} KB gzipped, budget ${BUDGET_KB} KB`);
const failures = [];
if (entryGzip > BUDGET_KB * 1024) failures.push('the entry exceeds the budget');
if (firstGzip > BUDGET_KB * 1024) failures.push('the first page exceeds the budget');
if (chartIn(firstPageFiles)) failures.push('chart.js is loaded by the first page');
const REVENUE = 'src/pages/RevenuePage.vue';
const revenueKeys = manifest[REVENUE] ? [REVENUE, ...(manifest[REVENUE].dynamicImports || [])] : [];
const revenueFiles = jsOf(new Set(revenueKeys.flatMap((key) => [...closure(key)])));
if (!chartIn(revenueFiles)) failures.push('chart.js not found with the revenue page (did the marker change?)');
pageTotals
  .filter((page) => page.gzip > BUDGET_KB * 1024)
  .forEach((page) => failures.push(`${page.key} opened first exceeds the budget`));
pages
  .filter((key) => key !== REVENUE && chartIn(jsOf(closure(key))))
  .forEach((key) => failures.push(`chart.js is loaded by ${key}`));
// The CSP (script-src 'self', no 'unsafe-eval') allows neither inline scripts nor eval.
const html = readFileSync(join(DIST, 'index.html'), 'utf8');
if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html)) failures.push('index.html has an inline script (the CSP blocks it)');
const evalUsers = [...sizes.keys()].filter((f) => f.endsWith('.js') && /\beval\(|new Function\(/.test(readFileSync(join(DIST, f), 'utf8')));
if (evalUsers.length) failures.push(`eval or new Function in ${evalUsers.join(', ')} (the CSP blocks it)`);
if (failures.length) {
  console.error(`FAIL: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('OK: every page within budget; chart.js only with the revenue page; no inline script, no eval');
