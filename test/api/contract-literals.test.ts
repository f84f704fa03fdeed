import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { HEADERS, QUERY, ROUTES } from "../../src/contract/index.js";

/**
 * The names of the API are spelt in src/contract/ alone: a route, a header or a query parameter
 * written as a string literal elsewhere in src/ could drift from the contract without a test
 * noticing. This reads every source file outside src/contract/ and lists each literal that spells one.
 */

const SRC = resolve(import.meta.dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path === join(SRC, "contract") ? [] : sourceFiles(path);
    return /\.tsx?$/.test(e.name) ? [path] : [];
  });
}

const headerNames = new Set<string>(Object.values(HEADERS));
const queryNames = new Set<string>(Object.values(QUERY));
/** The first segment of every route: `/v1/...`. */
const routeRoots = new Set(Object.values(ROUTES).map((r) => `/${r.split("/")[1]}/`));
/** The HTTP sides: there even a one-word header or parameter name ("host", "limit") is the contract's. */
const HTTP_SIDES = ["client/", "server/"];

/** A literal that a query is read or built with: `query.get("limit")`, `params.set("limit", …)`. */
function readsQuery(node: ts.Node): boolean {
  const call = node.parent;
  return (
    ts.isCallExpression(call) &&
    call.arguments[0] === node &&
    ts.isPropertyAccessExpression(call.expression) &&
    ["get", "getAll", "has", "set", "append"].includes(call.expression.name.text)
  );
}

interface Finding {
  file: string;
  line: number;
  text: string;
  why: string;
}

function literalsOf(file: string): Finding[] {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const name = relative(SRC, file);
  const httpSide = HTTP_SIDES.some((side) => name.startsWith(side));
  const found: Finding[] = [];
  const add = (node: ts.Node, literal: string, why: string) =>
    found.push({ file: name, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: literal, why });
  const visit = (node: ts.Node) => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      const literal = node.text;
      const lower = literal.toLowerCase();
      if ([...routeRoots].some((root) => literal.includes(root))) add(node, literal, "a route");
      if (headerNames.has(lower) && (httpSide || lower.includes("-"))) add(node, literal, "a header name");
      if (httpSide && queryNames.has(literal) && readsQuery(node)) add(node, literal, "a query parameter name");
      for (const q of queryNames) if (new RegExp(`[?&]${q}=`).test(literal)) add(node, literal, `the query parameter ${q}`);
    }
    // `headers: { authorization: … }`, `query: { region: … }`: a name spelt as an identifier.
    if (httpSide && ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && ts.isObjectLiteralExpression(node.initializer)) {
      const names = { headers: headerNames, query: queryNames }[node.name.text];
      for (const p of names ? node.initializer.properties : []) {
        if (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && names!.has(p.name.text.toLowerCase()))
          add(p, p.name.text, `a ${node.name.text} name`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("the contract's names outside src/contract/", () => {
  it("no source file spells a route, a header or a query parameter as a literal", () => {
    const findings = sourceFiles(SRC).flatMap(literalsOf);
    expect(findings.map((f) => `${f.file}:${f.line} ${JSON.stringify(f.text)} (${f.why})`)).toEqual([]);
  });

  it("finds them where they are: the check itself sees a literal route, header and query name", () => {
    // The contract's own files spell every name: read as if they were elsewhere, each kind is found.
    const whys = ["routes.ts", "headers-and-query.ts"].flatMap((f) => literalsOf(join(SRC, "contract", f))).map((f) => f.why);
    expect(whys).toContain("a route");
    expect(whys).toContain("a header name");
  });
});
