import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonText } from './json-text.js';

test('a JSON syntax error names its line and column, not an excerpt', () => {
  const long = `[{"client":0,"op":"get","key":"${'k'.repeat(60)}","call":1,"return":2,"output":null},\n {"client":1, oops}]`;
  const cases: [string, RegExp][] = [
    // V8 says only "Unexpected token 'o', ...\"k\"... is not valid JSON" here.
    [long, /^not valid JSON at line 2, column 15: invalid symbol$/],
    ['{"a" 1}', /^not valid JSON at line 1, column 6: colon expected$/],
    ['[1, x]', /^not valid JSON at line 1, column 5: invalid symbol$/],
    ['[1, 2', /^not valid JSON at line 1, column 6: close bracket expected$/],
    ['[1, 2,]', /^not valid JSON at line 1, column 7: value expected$/],
    ['{"a": 1} // note', /^not valid JSON at line 1, column 10: invalid comment token$/],
    ['', /^not valid JSON at line 1, column 1: value expected$/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(() => parseJsonText(text), (e: Error) => e instanceof SyntaxError && expected.test(e.message), `${text.slice(0, 20)}: ${(() => { try { parseJsonText(text); return ''; } catch (e) { return (e as Error).message; } })()}`);
  }
  assert.deepEqual(parseJsonText('[1, {"a": "b"}]'), [1, { a: 'b' }]);
});
