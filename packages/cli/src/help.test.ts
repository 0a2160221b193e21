import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commands } from './commands/index.js';

/** The optional options that take a value, as a usage's synopsis (its first paragraph) lists them: `[--nodes N]`. */
function optionalValuedOptions(usage: string): string[] {
  const synopsis = usage.split('\n\n')[0]!;
  return [...synopsis.matchAll(/\[--([a-z][a-z-]*)[ =][^\]]*\]/g)].map((m) => m[1]!);
}

/** The description of `--name` in a usage: from the line that starts with it to the next option line or blank line. */
function description(usage: string, name: string): string | undefined {
  const lines = usage.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^\\s+(--[a-z-]+[^,]*, )*--${name}\\b`).test(line));
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.trim() === '' || /^\s{1,4}--/.test(line));
  return [lines[start]!, ...rest.slice(0, end < 0 ? rest.length : end)].join('\n');
}

test('help describes every optional option that takes a value, with its default', () => {
  const problems: string[] = [];
  for (const command of commands) {
    for (const name of optionalValuedOptions(command.usage)) {
      const text = description(command.usage, name);
      if (text === undefined) problems.push(`shoal ${command.name}: --${name} is not described`);
      else if (!/default/i.test(text)) problems.push(`shoal ${command.name}: --${name} does not say its default:\n${text}`);
    }
  }
  assert.deepEqual(problems, []);
});
