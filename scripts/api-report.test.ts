// API report (issue 15, item 2): every entry point of every workspace package,
// its export names and their kinds, compared with the committed snapshot
// packages/<name>/api-report.txt. A change to a public surface then shows in
// review as a diff of that file, and cannot happen by accident.
//
// Kinds come from the published declarations (dist/**/*.d.ts, so run
// `npx tsc -b` first); each entry point is also imported, and its runtime
// runtime names must be declared as values (names declared as values but
// absent at runtime are reported as type-only).
//
// Update the snapshots after an intended change:
//   UPDATE_API_REPORT=1 node scripts/run-tests.mjs scripts/api-report.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const UPDATE = process.env.UPDATE_API_REPORT === '1';
const UPDATE_COMMAND = 'UPDATE_API_REPORT=1 node scripts/run-tests.mjs scripts/api-report.test.ts';

interface Entry {
  pkg: string;
  dir: string;
  specifier: string;
  dts: string;
}

function entries(): Entry[] {
  const out: Entry[] = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const pj = join(root, 'packages', dir, 'package.json');
    if (!existsSync(pj)) continue;
    const pkg = JSON.parse(readFileSync(pj, 'utf8')) as { name: string; exports: Record<string, { types: string }> };
    for (const [sub, target] of Object.entries(pkg.exports)) {
      out.push({ pkg: pkg.name, dir, specifier: sub === '.' ? pkg.name : `${pkg.name}${sub.slice(1)}`, dts: join(root, 'packages', dir, target.types) });
    }
  }
  return out;
}

function kindOf(s: ts.Symbol): string {
  const F = ts.SymbolFlags;
  const kinds: string[] = [];
  if (s.flags & F.Class) kinds.push('class');
  else if (s.flags & F.Function) kinds.push('function');
  else if (s.flags & F.Enum) kinds.push('enum');
  else if (s.flags & F.Variable) kinds.push((s.valueDeclaration && ts.getCombinedNodeFlags(s.valueDeclaration) & ts.NodeFlags.Const) ? 'const' : 'let');
  else if (s.flags & F.ValueModule) kinds.push('namespace');
  if (s.flags & F.Interface && !(s.flags & F.Class)) kinds.push('interface');
  if (s.flags & F.TypeAlias) kinds.push('type');
  return kinds.join('+') || `flags:${s.flags}`;
}

const isValue = (kind: string): boolean => /class|function|enum|const|let|namespace/.test(kind);

/** name → kind for every export of each entry point, from the declarations. */
function declaredSurfaces(list: Entry[]): Map<string, Map<string, string>> {
  const program = ts.createProgram(
    list.map((e) => e.dts),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, skipLibCheck: true, types: ['node'], target: ts.ScriptTarget.ES2022 },
  );
  const checker = program.getTypeChecker();
  const result = new Map<string, Map<string, string>>();
  for (const e of list) {
    const sf = program.getSourceFile(e.dts);
    assert.ok(sf, `${e.dts} is missing: run \`npx tsc -b\` first`);
    const mod = checker.getSymbolAtLocation(sf);
    const names = new Map<string, string>();
    for (const sym of mod ? checker.getExportsOfModule(mod) : []) {
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      // `export type { X }` of a value (a class or const) exports only its type.
      const typeOnly = sym.declarations?.some((d) => (ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)));
      const kind = kindOf(target);
      names.set(sym.name, typeOnly && isValue(kind) ? `type-only ${kind}` : kind);
    }
    result.set(e.specifier, names);
  }
  return result;
}

function render(pkg: string, list: Entry[], surfaces: Map<string, Map<string, string>>): string {
  const lines = [`# API report of ${pkg}: export names and kinds of each entry point.`, `# Generated; update with: ${UPDATE_COMMAND}`];
  for (const e of list) {
    const names = surfaces.get(e.specifier)!;
    const values = [...names.values()].filter((k) => isValue(k) && !k.startsWith('type-only')).length;
    lines.push('', `## ${e.specifier} (${names.size} exports, ${values} at runtime)`);
    for (const [name, kind] of [...names].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) lines.push(`${name}: ${kind}`);
  }
  return lines.join('\n') + '\n';
}

/** Lines of a report, each prefixed with its entry point. */
function keyed(report: string): string[] {
  let section = '';
  const out: string[] = [];
  for (const line of report.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).replace(/ \(.*/, '');
    else if (line !== '' && !line.startsWith('#')) out.push(`${section}: ${line}`);
  }
  return out;
}

function diff(before: string, after: string): string {
  const a = keyed(before);
  const b = keyed(after);
  const sa = new Set(a);
  const sb = new Set(b);
  return [...b.filter((l) => !sa.has(l)).map((l) => `+ ${l}`), ...a.filter((l) => !sb.has(l)).map((l) => `- ${l}`)].join('\n');
}

const all = entries();
const surfaces = declaredSurfaces(all);

// Runtime names of each entry point. A name declared as a value but absent at
// runtime was exported with `export type` (or `export type *`): the report
// marks it type-only.
const runtime = new Map<string, Set<string>>();
for (const e of all) {
  test(`${e.specifier}: every runtime export is declared as a value`, async () => {
    const mod = (await import(e.specifier)) as Record<string, unknown>;
    runtime.set(e.specifier, new Set(Object.keys(mod)));
    const declared = surfaces.get(e.specifier)!;
    const undeclared = Object.keys(mod).filter((n) => !isValue(declared.get(n) ?? '') || declared.get(n)!.startsWith('type-only'));
    assert.deepEqual(undeclared, [], `${e.specifier} exports values its declarations do not`);
    for (const [name, kind] of declared) if (isValue(kind) && !kind.startsWith('type-only') && !(name in mod)) declared.set(name, `type-only ${kind}`);
  });
}

for (const pkg of [...new Set(all.map((e) => e.pkg))]) {
  test(`${pkg}: public surface matches api-report.txt`, () => {
    const list = all.filter((e) => e.pkg === pkg);
    const file = join(root, 'packages', list[0]!.dir, 'api-report.txt');
    const now = render(pkg, list, surfaces);
    const committed = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (UPDATE) {
      if (now !== committed) writeFileSync(file, now);
      return;
    }
    if (now !== committed) {
      assert.fail(
        `The public surface of ${pkg} changed (+ added, - removed):\n${diff(committed, now)}\n` +
          `If the change is intended, update packages/${list[0]!.dir}/api-report.txt with:\n  ${UPDATE_COMMAND}`,
      );
    }
  });
}
