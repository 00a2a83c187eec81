// Fails when a TypeScript file uses a non-null assertion (`x!`), `any`, or a `@ts-` comment:
// each would make tsc accept what the generated types get wrong. `make contract` runs it on
// example_client.ts. It reads the syntax tree (the typescript package), so strings and `!==`
// are not mistaken for assertions.
//
//   node check_no_non_null.mjs FILE...
import { readFileSync } from "node:fs";

import ts from "typescript";

let found = 0;
for (const path of process.argv.slice(2)) {
  const text = readFileSync(path, "utf8");
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const report = (node, what) => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart());
    console.log(`${path}:${line + 1}:${character + 1}: ${what}: ${node.getText()}`);
    found += 1;
  };
  const visit = (node) => {
    if (ts.isNonNullExpression(node)) report(node, "non-null assertion");
    if (node.kind === ts.SyntaxKind.AnyKeyword) report(node, "any");
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const match of text.matchAll(/@ts-(ignore|expect-error|nocheck)/g)) {
    const { line } = source.getLineAndCharacterOfPosition(match.index);
    console.log(`${path}:${line + 1}: @ts-${match[1]}`);
    found += 1;
  }
}
process.exit(found === 0 ? 0 : 1);
