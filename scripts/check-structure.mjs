#!/usr/bin/env node
// Structural checks for the raft core (issue 12), printed as JSON:
//  - core_field_assignments: places outside packages/raft/src/node/core.ts that
//    assign a field of a raft node's core (`core.x = ...`, `core.x++`,
//    `internals.x = ...`, `this.#core.x = ...`), which must be zero: state
//    changes go through the core's named operations;
//  - import_cycles: cycles among source files of every package, following
//    runtime imports only (`import type` and `export type` are left out).
// Exits 1 when either list is non-empty.
// Usage: node scripts/check-structure.mjs [--root DIR]   (DIR holds packages/; default: this repository)
import fs from 'node:fs';
import path from 'node:path';

const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? path.resolve(process.argv[rootArg + 1]) : path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const packages = path.join(root, 'packages');

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : walk(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const files = fs.readdirSync(packages).flatMap((p) => {
  const src = path.join(packages, p, 'src');
  return fs.existsSync(src) ? walk(src) : [];
});

// ---- direct assignments to the core's fields ----------------------------
const corePath = path.join(packages, 'raft/src/node/core.ts');
const assignment = /\b(?:core|internals|this\.#core|this\.core|leader\.core)\.([A-Za-z_$][\w$]*)\s*(?:=(?!=)|\+=|-=|\+\+|--)/g;
const assignments = [];
for (const file of files) {
  if (file === corePath || !file.includes(`${path.sep}raft${path.sep}`)) continue;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (/^\s*(\/\/|\*)/.test(line)) return;
    for (const m of line.matchAll(assignment)) {
      // The node's configuration object is the user's to reload, not core state.
      if (m[1] === 'config') continue;
      assignments.push(`${path.relative(root, file)}:${i + 1}: ${m[0].trim()}`);
    }
  });
}

// ---- runtime import graph -----------------------------------------------
const importRe = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"](\.{1,2}\/[^'"]+)['"]/gm;
const graph = new Map();
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  const deps = new Set();
  for (const m of text.matchAll(importRe)) {
    if (m[2] !== undefined) continue;
    const names = m[3].replace(/^\{|\}$/g, '');
    // `import { type A, type B }` is type-only too.
    if (names.startsWith('{') || m[3].startsWith('{')) {
      const inner = m[3].replace(/[{}]/g, '').split(',').map((s) => s.trim()).filter(Boolean);
      if (inner.length > 0 && inner.every((n) => n.startsWith('type '))) continue;
    }
    const target = path.resolve(path.dirname(file), m[4]).replace(/\.js$/, '.ts');
    if (fs.existsSync(target)) deps.add(target);
    else if (fs.existsSync(target.replace(/\.ts$/, '/index.ts'))) deps.add(target.replace(/\.ts$/, '/index.ts'));
  }
  graph.set(file, deps);
}

// Tarjan's strongly connected components.
let index = 0;
const stack = [];
const on = new Set();
const idx = new Map();
const low = new Map();
const cycles = [];
function strong(v) {
  idx.set(v, index);
  low.set(v, index);
  index++;
  stack.push(v);
  on.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!idx.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      comp.push(path.relative(root, w));
    } while (w !== v);
    if (comp.length > 1 || graph.get(v)?.has(v)) cycles.push(comp.sort());
  }
}
for (const v of graph.keys()) if (!idx.has(v)) strong(v);

const report = { files: files.length, core_field_assignments: assignments.length, import_cycles: cycles.length, assignments, cycles };
console.log(JSON.stringify(report, null, 2));
process.exit(assignments.length === 0 && cycles.length === 0 ? 0 : 1);
