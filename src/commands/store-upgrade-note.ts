/**
 * What a command says before it migrates a store an earlier version made: the migration holds the
 * write lock for seconds at millions of keys, which nobody should mistake for a hang.
 */
export function storeUpgradeNote(dataDir: string): string {
  return `Upgrading the store in ${dataDir} to this version's layout (once; a store of millions of keys takes a while) …`;
}
