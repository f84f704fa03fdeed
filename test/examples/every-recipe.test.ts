import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, test } from "vitest";

const root = resolve(import.meta.dirname, "../..");

test("every recipe in examples/ has its test here, its project file, functions and a README", () => {
  const recipes = readdirSync(join(root, "examples"), { withFileTypes: true }).filter((entry) => entry.isDirectory());
  expect(recipes.length).toBeGreaterThan(0);
  for (const { name } of recipes) {
    const missing = [`test/examples/${name}.test.ts`, `examples/${name}/yourspace.jsonc`, `examples/${name}/functions`, `examples/${name}/README.md`].filter(
      (path) => !existsSync(join(root, path)),
    );
    expect(missing, `examples/${name}`).toEqual([]);
  }
});
