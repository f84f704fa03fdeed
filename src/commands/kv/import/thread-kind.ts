/** `workerData.kind` of the import's threads: src/main.ts starts them instead of the server's. */
export const PARSER_THREAD = "import-parser";
export const CHECKER_THREAD = "import-checker";
