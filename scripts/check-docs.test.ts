// Checks the user documentation: README.md, CHANGELOG.md, packages/*/README.md,
// examples/README.md and docs/*.md.
//  - every relative link points to a file or directory that exists, and its
//    #anchor (if any) to a heading of that file (GitHub's heading ids);
//  - every external link is a well-formed http(s) or mailto URL (not fetched);
//  - every `shoal ...` command shown (in code blocks, or inline code) names a
//    real command, and each --option it uses is one that command's --help lists;
//  - every repository path a shown command uses (scripts/..., bench/..., examples/...)
//    exists, and every `npm run X` / `npm start` / `npm test` is a root script.
// The shoal commands run from the build: `npx tsc -b` first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const shoalBin = join(root, 'packages', 'cli', 'bin', 'shoal.js');

const docFiles = [
  'README.md',
  'CHANGELOG.md',
  'examples/README.md',
  ...readdirSync(join(root, 'packages')).filter((d) => existsSync(join(root, 'packages', d, 'README.md'))).map((d) => `packages/${d}/README.md`),
  ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
].sort();

interface Fence {
  lang: string;
  lines: string[];
}

/** Splits markdown into its fenced blocks and the prose between them (fences blanked out). */
function parse(markdown: string): { prose: string; fences: Fence[] } {
  const fences: Fence[] = [];
  const prose = markdown.replace(/^```(\w*)[^\n]*\n([\s\S]*?)^```[ \t]*$/gm, (_all, lang: string, body: string) => {
    fences.push({ lang, lines: body.split('\n') });
    return '\n'.repeat(body.split('\n').length + 1);
  });
  return { prose, fences };
}

const inlineCode = (prose: string): string[] => [...prose.matchAll(/(`+)([^`]+?)\1/g)].map((m) => m[2]!.trim());

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of parse(markdown).prose.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

function links(markdown: string): string[] {
  const { prose } = parse(markdown);
  const withoutCode = prose.replace(/(`+)[^`]+?\1/g, '');
  return [
    ...[...withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...withoutCode.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!),
  ];
}

/** What is wrong with `target` as a link from `file`, or undefined. */
function brokenLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    if (target.startsWith('mailto:')) return /^mailto:[^@\s]+@[^@\s]+$/.test(target) ? undefined : 'malformed mailto';
    try {
      const url = new URL(target);
      return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : `unexpected scheme ${url.protocol}`;
    } catch {
      return 'malformed URL';
    }
  }
  const [path, anchor] = target.split('#', 2) as [string, string | undefined];
  const resolved = path === '' ? join(root, file) : join(root, dirname(file), decodeURIComponent(path));
  if (!resolved.startsWith(root)) return 'points outside the repository';
  if (!existsSync(resolved)) return `${relative(root, resolved)} does not exist`;
  if (anchor !== undefined) {
    if (!resolved.endsWith('.md') || statSync(resolved).isDirectory()) return 'an anchor into something that is not a markdown file';
    if (!headingIds(readFileSync(resolved, 'utf8')).has(anchor)) return `no heading #${anchor} in ${relative(root, resolved)}`;
  }
  return undefined;
}

/** The command lines a fenced block shows: with `$ ` prompts only the prompted lines (and their `\` continuations). */
function commandLines(fence: Fence): string[] {
  if (['ts', 'js', 'json', 'text', 'go'].includes(fence.lang)) return [];
  const prompted = fence.lines.some((l) => l.startsWith('$ '));
  const out: string[] = [];
  let continuing = false;
  for (const raw of fence.lines) {
    const line = raw.trimEnd();
    if (continuing) out[out.length - 1] = `${out.at(-1)!.slice(0, -1)} ${line.trim()}`;
    else if (!prompted) out.push(line);
    else if (line.startsWith('$ ') || line.startsWith('> ')) out.push(line.slice(2));
    else continue;
    continuing = out.at(-1)!.endsWith('\\');
  }
  return out.map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

const SHOAL = /(?:^|[;&|]\s*|\bdo\s+)(?:npx\s+)?(?:shoal|node\s+packages\/cli\/bin\/shoal\.js)\s+([^;&|]*)/g;

/** `shoal ...` invocations in a command line or an inline code span: the words after `shoal`. */
function shoalInvocations(line: string): string[][] {
  return [...line.matchAll(SHOAL)].map((m) => m[1]!.trim().split(/\s+/).filter((w) => w !== ''));
}

function runShoal(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [shoalBin, ...args], { cwd: root, timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const docs = docFiles.map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') }));

test('the documentation files exist', () => {
  for (const f of ['README.md', 'CHANGELOG.md', 'examples/README.md']) assert.ok(docFiles.includes(f) && existsSync(join(root, f)), `${f} is missing`);
});

test('GitHub heading ids', () => {
  assert.deepEqual([...headingIds('# A `b` c\n## Go ↔ TS: x.y\n## A b c\n```\n# not a heading\n```\n')], ['a-b-c', 'go--ts-xy', 'a-b-c-1']);
});

test('every link in the documentation resolves', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const { file, text } of docs) {
    for (const target of links(text)) {
      checked++;
      const problem = brokenLink(file, target);
      if (problem) broken.push(`${file}: (${target}) ${problem}`);
    }
  }
  assert.deepEqual(broken, [], 'broken links');
  assert.ok(checked > 50, `only ${checked} links found: is the link parser broken?`);
});

test('every path and npm script a shown command uses exists', () => {
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const problems: string[] = [];
  for (const { file, text } of docs) {
    const { prose, fences } = parse(text);
    const lines = [...fences.flatMap(commandLines), ...inlineCode(prose).filter((c) => /^(node|npm|npx|bash) /.test(c))];
    for (const line of lines) {
      for (const m of line.matchAll(/(?:^|\s)((?:scripts|bench|examples|interop|packages|docs)\/[\w./-]*\w)(?=\s|$)/g)) {
        if (!existsSync(join(root, m[1]!))) problems.push(`${file}: \`${line}\` uses ${m[1]}, which does not exist`);
      }
      for (const m of line.matchAll(/\bnpm (?:run ([\w:-]+)|(start|test)\b)/g)) {
        const name = m[1] ?? m[2]!;
        if (!(name in scripts)) problems.push(`${file}: \`${line}\` runs npm script '${name}', which package.json does not define`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('every shoal command shown exists and uses only options its --help lists', { timeout: 120_000 }, async () => {
  const top = await runShoal(['--help']);
  assert.equal(top.code, 0, top.stderr);
  const commands = [...top.stdout.matchAll(/^ {2}([a-z]+(?: [a-z][a-z-]*){0,2})\s{2,}/gm)].map((m) => m[1]!).sort((a, b) => b.length - a.length);
  assert.ok(commands.includes('member') && commands.includes('sim raft'), `could not read the command list from shoal --help:\n${top.stdout}`);
  const groups = new Set(commands.filter((c) => c.includes(' ')).map((c) => c.split(' ')[0]!));

  /** Each shown invocation: where, the command it names (or a problem), the options it uses. */
  const uses: { where: string; command?: string; problem?: string; options: string[] }[] = [];
  for (const { file, text } of docs) {
    const { prose, fences } = parse(text);
    // Inline code also names shoal in prose (`shoal p50 / fdatasync p50`): there, only `shoal WORD ...` with a plain word or an option is a command.
    const shown = [...fences.flatMap(commandLines), ...inlineCode(prose).filter((c) => /^(npx )?shoal ([a-z]+|--[a-z-]+|<\w+>)( |$)/.test(c))];
    for (const line of shown) {
      for (const words of shoalInvocations(line)) {
        const where = `${file}: \`${line}\``;
        const options = words.filter((w) => w.startsWith('--')).map((w) => w.replace(/[=[\]].*$/, '').replace(/[\]]+$/, ''));
        const joined = words.join(' ');
        const command = commands.find((c) => joined === c || joined.startsWith(`${c} `));
        if (words[0]?.startsWith('<') || words[0]?.startsWith('--')) {
          // `shoal <command> --help`, `shoal --help`: only the options every command takes.
          const extra = options.filter((o) => o !== '--help');
          if (extra.length > 0) uses.push({ where, problem: `options ${extra.join(' ')} without a command`, options: [] });
        } else if (command) uses.push({ where, command, options });
        else if (words.length === 1 && groups.has(words[0]!)) continue; // `shoal tls`: a group of commands, named in prose
        else if (words[0]?.endsWith(':')) continue; // an error message the command printed ("shoal member: ...")
        else uses.push({ where, problem: `no such command: shoal ${joined}`, options: [] });
      }
    }
  }
  assert.ok(uses.length > 20, `only ${uses.length} shoal commands found: is the parser broken?`);

  const usedCommands = [...new Set(uses.flatMap((u) => (u.command ? [u.command] : [])))];
  const help = new Map(
    await Promise.all(
      usedCommands.map(async (c) => {
        const r = await runShoal([...c.split(' '), '--help']);
        assert.equal(r.code, 0, `shoal ${c} --help exited ${r.code}: ${r.stderr}`);
        return [c, r.stdout] as const;
      }),
    ),
  );
  const problems: string[] = [];
  for (const u of uses) {
    if (u.problem) problems.push(`${u.where}: ${u.problem}`);
    for (const option of u.options) {
      if (option === '--help') continue;
      const listed = new RegExp(`(^|[\\s[(])${option.replace(/[-]/g, '\\-')}(?![\\w-])`, 'm').test(help.get(u.command!)!);
      if (!listed) problems.push(`${u.where}: shoal ${u.command} has no option ${option}`);
    }
  }
  assert.deepEqual(problems, []);
});
