#!/usr/bin/env node
/**
 * Regenerates src/catalog/model-catalog.json from LiteLLM's model cost map
 * (`model_prices_and_context_window.json` in BerriAI/litellm), keeping only
 * what Switchyard reads: provider, mode, context window, per-token prices,
 * and the per-image, per-pixel, per-second and per-character prices of
 * image, audio and speech models. Trailing nulls are left out of each row.
 *
 *   npm run catalog:refresh                    # downloads LiteLLM's main branch
 *   npm run catalog:refresh -- <file-or-url> [--source "<where it came from>"]
 *
 * Commit the result with the source it names (the file records it too).
 */
import { readFile, writeFile } from "node:fs/promises";

const DEFAULT_URL =
  "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json";
const OUTPUT = new URL("./model-catalog.json", import.meta.url);

const args = process.argv.slice(2);
const sourceFlag = args.indexOf("--source");
const described = sourceFlag >= 0 ? args.splice(sourceFlag, 2)[1] : undefined;
const location = args[0] ?? DEFAULT_URL;

const text = /^https?:\/\//.test(location)
  ? await (await fetch(location)).text()
  : await readFile(location, "utf8");
const map = JSON.parse(text);

/**
 * LiteLLM files some models under a sub-provider (`vertex_ai-language-models`,
 * `bedrock_converse`); the slug a config writes is the family's.
 */
function routingProvider(provider) {
  if (provider.startsWith("vertex_ai")) return "vertex_ai";
  if (provider === "bedrock_converse") return "bedrock";
  return provider;
}

const number = (value) => (typeof value === "number" && Number.isFinite(value) ? value : null);
const models = {};
for (const name of Object.keys(map).sort()) {
  const entry = map[name];
  if (name === "sample_spec" || typeof entry?.litellm_provider !== "string") continue;
  models[name] = [
    routingProvider(entry.litellm_provider),
    typeof entry.mode === "string" ? entry.mode : null,
    number(entry.max_input_tokens) ?? number(entry.max_tokens),
    number(entry.max_output_tokens) ?? number(entry.max_tokens),
    number(entry.input_cost_per_token),
    number(entry.output_cost_per_token),
    number(entry.cache_read_input_token_cost),
    number(entry.cache_creation_input_token_cost),
    number(entry.input_cost_per_image),
    number(entry.output_cost_per_image),
    number(entry.input_cost_per_pixel),
    number(entry.input_cost_per_second),
    number(entry.output_cost_per_second),
    number(entry.input_cost_per_character),
  ];
  while (models[name].length > 2 && models[name].at(-1) === null) models[name].pop();
}
const catalog = {
  source: described ?? location,
  generated: new Date().toISOString().slice(0, 10),
  fields: [
    "provider",
    "mode",
    "max_input_tokens",
    "max_output_tokens",
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "input_cost_per_image",
    "output_cost_per_image",
    "input_cost_per_pixel",
    "input_cost_per_second",
    "output_cost_per_second",
    "input_cost_per_character",
  ],
  models,
};
// One model per line: diffs of a refresh stay readable.
const lines = Object.entries(models).map(
  ([name, row]) => `    ${JSON.stringify(name)}: ${JSON.stringify(row)}`,
);
const header = Object.entries(catalog)
  .filter(([key]) => key !== "models")
  .map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)},`);
await writeFile(OUTPUT, `{\n${header.join("\n")}\n  "models": {\n${lines.join(",\n")}\n  }\n}\n`);
process.stdout.write(`${Object.keys(models).length} models written to ${OUTPUT.pathname}\n`);
