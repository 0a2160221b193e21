import { type ParseErrorCode, printParseErrorCode, visit } from 'jsonc-parser';

/**
 * JSON.parse, with a syntax error that says where: `not valid JSON at line 3,
 * column 14: comma expected`. V8's own message sometimes gives an offset and
 * sometimes only a cut-off excerpt of the text (`Unexpected token 'x', "[{"cl"...
 * is not valid JSON`); on failure, jsonc-parser's scanner (VS Code's, strict
 * here: no comments, no trailing commas) finds the first error's line and column.
 */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`not valid JSON ${locateJsonError(text) ?? `(${(error as Error).message.split('\n')[0]})`}`);
  }
}

/** `at line L, column C: what` for the first syntax error in `text` (1-based), or undefined if the scanner finds none. */
export function locateJsonError(text: string): string | undefined {
  let found: { code: ParseErrorCode; line: number; column: number } | undefined;
  visit(
    text,
    {
      onError: (code, _offset, _length, startLine, startCharacter) => {
        found ??= { code, line: startLine + 1, column: startCharacter + 1 };
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  if (!found) return undefined;
  return `at line ${found.line}, column ${found.column}: ${describe(found.code)}`;
}

/** `CommaExpected` → `comma expected`. */
function describe(code: ParseErrorCode): string {
  return printParseErrorCode(code)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}
