/**
 * The first page of keys goes before the page's other startup requests: the API server answers one
 * request at a time, and counting namespaces or reading usage ahead of the keys would make the keys
 * wait behind them. Those requests await afterFirstPage(); the key list calls firstPageSettled()
 * once its first page is on screen or has failed, and the page calls it at once when no namespace
 * is open.
 */
let settle: () => void = () => undefined;
const settled = new Promise<void>((resolve) => (settle = resolve));

export function firstPageSettled(): void {
  settle();
}

export async function afterFirstPage<T>(load: () => Promise<T>): Promise<T> {
  await settled;
  return load();
}
