import { statSync } from "node:fs";
import { relative, sep } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The layers by how long a file of theirs runs, most first. On two cores, the run ends when the
 * second worker finishes its last file: a long file started late leaves the other worker idle at
 * the end (a property file of 6 s started last kept one worker busy 5 s alone). Vitest orders by
 * the durations it cached on the last run, and without that cache, as in a fresh clone, by file
 * size, which says little here: a short property file can run for seconds. The layers that spawn
 * processes or drive a browser go first, the unit tests, of milliseconds each, last.
 */
const LAYERS = ["e2e", "browser", "property", "dev", "examples", "cli", "api", "unit"];

function layerRank(file: string): number {
  const layer = relative("test", file).split(sep)[0]!;
  const rank = LAYERS.indexOf(layer);
  return rank === -1 ? LAYERS.length : rank;
}

/** Orders the test files by layer (LAYERS), and within a layer the larger files first. */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const key = (spec: TestSpecification) => ({
      rank: layerRank(relative(spec.project.config.root, spec.moduleId)),
      size: statSync(spec.moduleId).size,
    });
    const keyed = files.map((spec) => ({ spec, ...key(spec) }));
    keyed.sort((a, b) => a.rank - b.rank || b.size - a.size);
    return keyed.map(({ spec }) => spec);
  }
}
