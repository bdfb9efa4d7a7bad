import { performance } from "node:perf_hooks";

const t0 = performance.now();
const { modelCatalog } = await import("../src/catalog/model-catalog.js");
const t1 = performance.now();
const c = modelCatalog();
const t2 = performance.now();
console.log({ import: (t1 - t0).toFixed(1), load: (t2 - t1).toFixed(1), size: c.size, gpt: c.get("gpt-4o") });
