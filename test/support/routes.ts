import { paths, type ROUTES } from "../../src/contract/index.js";

/** A concrete path for every route of the contract, on site local: `default` for values, counters and keys, `scratch` for a namespace. */
export function samplePaths(key: string): Record<keyof typeof ROUTES, string> {
  return {
    whoami: paths.whoami(),
    namespaces: paths.namespaces("local"),
    namespace: paths.namespace("local", "scratch"),
    keys: paths.keys("local", "default"),
    value: paths.value("local", "default", key),
    counter: paths.counter("local", "default", key),
    bulkPut: paths.bulkPut("local", "default"),
    bulkDelete: paths.bulkDelete("local", "default"),
    deletePrefix: paths.deletePrefix("local", "default"),
    export: paths.export("local", "default"),
    site: paths.site("local"),
    bindings: paths.bindings("local"),
    usage: paths.usage("local"),
    audit: paths.audit("local"),
    regions: paths.regions("local", "default", key),
    emulator: paths.emulator(),
    emulatorClock: paths.emulatorClock(),
    emulatorAdvance: paths.emulatorAdvance(),
    emulatorSettle: paths.emulatorSettle(),
    emulatorFaults: paths.emulatorFaults(),
  };
}
