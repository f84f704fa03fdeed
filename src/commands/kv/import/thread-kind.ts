/** `workerData.kind` of the import's parser thread: src/main.ts starts it instead of the server's. */
export const PARSER_THREAD = "import-parser";
