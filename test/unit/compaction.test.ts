import { describe, expect, it } from "vitest";
import { EmulatorControl } from "../../src/emulator/control.js";
import { freshEngine } from "../support/engine.js";

/** A key's history as the versions table holds it, in the default profile (delays of 100 to 300 ms). */
function hotKey() {
  const { engine, clock, db } = freshEngine();
  const control = new EmulatorControl(engine);
  let n = 0;
  const write = () => engine.put("local", "default", "hot", { value: Buffer.from(`v${++n}`) });
  const history = () => db.prepare("SELECT version FROM versions WHERE key = ? ORDER BY version").pluck().all(Buffer.from("hot")) as number[];
  return {
    engine,
    clock,
    control,
    write,
    history,
    read: (region: string) => engine.get("local", "default", "hot", { region, consistency: "eventual" }).entry?.value.toString(),
  };
}

describe("compacting a key's history", () => {
  it("keeps every version an edge may still serve, and drops the rest on the first write after they have reached every edge", () => {
    const { clock, write, history } = hotKey();
    for (let i = 0; i < 5; i++) write();
    expect(history()).toEqual([1, 2, 3, 4, 5]);
    clock.advance(50); // no version has reached any edge yet
    write();
    expect(history()).toEqual([1, 2, 3, 4, 5, 6]);
    clock.advance(1_000);
    write();
    expect(history()).toEqual([6, 7]);
  });

  it("waits for a partitioned edge, and compacts once it is healed", () => {
    const { clock, control, write, history, read } = hotKey();
    write();
    write();
    clock.advance(1_000);
    control.fault("partition", "fra");
    write(); // version 3 cannot reach fra
    clock.advance(1_000);
    write();
    expect(history()).toEqual([2, 3, 4]);
    expect(read("fra")).toBe("v2");
    control.fault("heal", "fra");
    clock.advance(1_000);
    write();
    expect(history()).toEqual([4, 5]);
    expect(read("fra")).toBe("v4");
  });

  it("compacts at once after a settle mark brings every edge up to date", () => {
    const { control, write, history } = hotKey();
    for (let i = 0; i < 3; i++) write();
    expect(history()).toEqual([1, 2, 3]);
    control.settle();
    write();
    expect(history()).toEqual([3, 4]);
  });
});
