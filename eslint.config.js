// Lint rules for the whole tree: typescript-eslint's recommended set, plus the emulator's own law.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Emulated time and every random choice come from the store's clock and seed, so that a run can be
 * replayed and a history checked; reading the machine's clock or Math.random there breaks both.
 * The one place that reads the system clock is src/core/clock.ts (systemClock), injected from outside.
 */
const wallClockAndRandom = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: "Use the injected clock (Clock.now()), not Date.now(): emulated time must be replayable.",
  },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "Use new Date(clock.now()): emulated time must be replayable." },
  {
    selector: "MemberExpression[object.name='Math'][property.name='random']",
    message: "Use the store's seeded random source, not Math.random(): runs must be replayable.",
  },
  { selector: "MemberExpression[object.name='performance'][property.name='now']", message: "Use the injected clock, not performance.now()." },
  { selector: "MemberExpression[object.name='process'][property.name='hrtime']", message: "Use the injected clock, not process.hrtime()." },
];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "completions/**", "coverage/**", ".cache/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setImmediate: "readonly",
        queueMicrotask: "readonly",
        structuredClone: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        __dirname: "readonly",
        require: "readonly",
        module: "writable",
        fetch: "readonly",
        Response: "readonly",
        Request: "readonly",
        Headers: "readonly",
        performance: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        ReadableStream: "readonly",
        WritableStream: "readonly",
        TransformStream: "readonly",
        Blob: "readonly",
        crypto: "readonly",
        globalThis: "readonly",
        NodeJS: "readonly",
        __VERSION__: "readonly",
        __importMetaUrl: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      // Escaping terminal control characters is part of the job: patterns name them on purpose.
      "no-control-regex": "off",
    },
  },
  {
    files: ["src/emulator/**/*.ts", "src/server/**/*.ts", "src/core/**/*.ts", "src/contract/**/*.ts"],
    rules: { "no-restricted-syntax": ["error", ...wallClockAndRandom] },
  },
  {
    // A handler's parameters are the platform's signature, written out even where a recipe ignores one.
    files: ["examples/**/*.js"],
    rules: { "@typescript-eslint/no-unused-vars": ["error", { args: "none" }] },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
