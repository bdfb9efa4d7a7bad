import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import OpenAI from "openai";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type AdminGateway,
  adminClient,
  eventually,
  startAdminGateway,
  UPSTREAM_KEY,
} from "../admin/admin-gateway.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import type { BrowserGlobals } from "./browser-globals.js";

/** Debian's Chromium; no browser download is possible here (.ci/run installs it once per machine). */
const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dirname, "../../test-artifacts");

const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
if (missing && (process.env.CI === "true" || process.env.CI === "1")) {
  throw new Error(`${missing}: CI needs it`);
}
if (missing) console.warn(`web console tests skipped: ${missing}`);

vi.setConfig({ hookTimeout: 120_000, testTimeout: 60_000 });

describe.skipIf(missing)("the web console in a real browser", () => {
  let running: AdminGateway;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const grpcWebRequests: { url: string; contentType?: string; authorization?: string }[] = [];

  beforeAll(async () => {
    // What the gateway serves is built from the current source, by the very script npm ci runs.
    await promisify(execFile)(process.execPath, [join(import.meta.dirname, "../../src/ui/build.mjs")]);
    running = await startAdminGateway();
    // launch() gives every run a fresh, temporary user-data-dir, removed on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    page.on("request", (request) => {
      if (!request.url().includes("/switchyard.v1.CompletionService/")) return;
      const headers = request.headers();
      grpcWebRequests.push({
        url: request.url(),
        contentType: headers["content-type"],
        authorization: headers.authorization,
      });
    });
    await mkdir(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it("logs in with the master key, kept in sessionStorage only", async () => {
    await page.goto(`${running.url}/ui/`);
    await page.getByLabel("Master key or admin key").fill(MASTER_KEY);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Models" }).waitFor();
    const storage = await page.evaluate(() => {
      const { sessionStorage, localStorage } = globalThis as unknown as BrowserGlobals;
      const key = sessionStorage.key(0);
      return { session: key === null ? [] : [sessionStorage.getItem(key)], local: localStorage.length };
    });
    expect(storage).toEqual({ session: [MASTER_KEY], local: 0 });
  });

  it("creates a key, shows its value once, and lists it", async () => {
    await page.getByRole("link", { name: "Keys" }).click();
    await page.getByLabel("Alias").fill("browser-team");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = (await page.getByTestId("new-key").textContent()) ?? "";
    expect(shown).toMatch(/^sk-/);
    const row = page.getByTestId("key-rows").getByRole("row").filter({ hasText: "browser-team" });
    await row.waitFor();
    expect(await row.textContent()).toContain(`sk-...${shown.slice(-4)}`);
    expect(await page.getByTestId("key-rows").textContent()).not.toContain(shown);
    await page.screenshot({ path: join(ARTIFACTS, "console-keys.png"), fullPage: true });
  });

  it("adds a model on the Models page, which serves at once, and deletes it", async () => {
    await page.getByRole("link", { name: "Models" }).click();
    const form = page.getByRole("form", { name: "Add a model" });
    await form.getByLabel("Model name", { exact: true }).fill("browser-model");
    await form.getByLabel("Provider model", { exact: true }).fill("openai/gpt-4o-mini");
    await form.getByLabel("API base", { exact: true }).fill(running.upstream.url);
    await form.getByLabel("API key", { exact: true }).fill(UPSTREAM_KEY);
    await form.getByRole("button", { name: "Add model" }).click();
    const row = page.getByTestId("model-rows").getByRole("row").filter({ hasText: "browser-model" });
    await row.filter({ hasText: "database" }).waitFor();
    expect(await page.content()).not.toContain(UPSTREAM_KEY);
    const openai = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${running.url}/v1`, maxRetries: 0 });
    const answer = await openai.chat.completions.create({
      model: "browser-model",
      messages: [{ role: "user", content: "from the console" }],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: from the console");
    await page.screenshot({ path: join(ARTIFACTS, "console-models.png"), fullPage: true });

    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByRole("button", { name: "Delete" }).click();
    await row.waitFor({ state: "detached" });
    await expect(
      openai.chat.completions.create({
        model: "browser-model",
        messages: [{ role: "user", content: "gone" }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("streams a playground chat over gRPC-web, token by token", async () => {
    await page.getByRole("link", { name: "Playground" }).click();
    await page.getByLabel("Model").selectOption("slow-stream");
    await page.getByLabel("Message").fill("one two three four five six");
    // Every text the answer shows, recorded by the page itself as it changes.
    await page.evaluate(() => {
      const scope = globalThis as unknown as BrowserGlobals;
      const seen: string[] = [];
      scope.seen = seen;
      new scope.MutationObserver(() => {
        const text = scope.document.querySelector('[data-testid="answer"]')?.textContent ?? "";
        if (text && text !== seen.at(-1)) seen.push(text);
      }).observe(scope.document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole("button", { name: "Send" }).click();

    const final = "echo: one two three four five six";
    const answer = page.getByTestId("answer");
    // Part of the answer is on screen while the rest is still on its way (chunks come 250 ms apart).
    const partial = await page.waitForFunction((done) => {
      const { document } = globalThis as unknown as BrowserGlobals;
      const text = document.querySelector('[data-testid="answer"]')?.textContent ?? "";
      return text.length > 0 && text !== done ? text : false;
    }, final);
    const partialText = (await partial.jsonValue()) as string;
    expect(final.startsWith(partialText)).toBe(true);
    expect(partialText.length).toBeLessThan(final.length);
    await page.getByTestId("answer-stats").filter({ hasText: "done in" }).waitFor();
    expect(await answer.textContent()).toBe(final);

    const seen = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).seen);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (const [index, text] of seen.entries()) expect(text.startsWith(seen[index - 1] ?? "")).toBe(true);
    expect(seen.at(-1)).toBe(final);

    expect(grpcWebRequests).toEqual([
      {
        url: `${running.url}/switchyard.v1.CompletionService/StreamChatCompletion`,
        contentType: "application/grpc-web+proto",
        authorization: `Bearer ${MASTER_KEY}`,
      },
    ]);
    const upstreamCall = running.upstream.requests.find(
      (request) => (request.body as { model?: string }).model === "slow-stream-250",
    );
    expect(upstreamCall?.body).toMatchObject({ stream: true });
    await page.screenshot({ path: join(ARTIFACTS, "console-playground.png"), fullPage: true });
  });

  it("draws the spend charts", async () => {
    const openai = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${running.url}/v1`, maxRetries: 0 });
    for (const content of ["a priced call", "and another one"]) {
      await openai.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content }] });
    }
    // The spend log writes in batches: wait until the admin API has the rows, then look.
    const admin = adminClient(running.url);
    await eventually(async () => {
      const totals = await admin.spend.byModel.query({});
      return totals.find((total) => total.model === "gpt-test" && total.requests === 2);
    });
    await page.getByRole("link", { name: "Spend" }).click();
    await page.locator("figure canvas").nth(2).waitFor();
    expect(await page.locator("figure canvas").count()).toBe(3);
    await page.getByTestId("spend-totals").getByRole("row").filter({ hasText: "gpt-test" }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "console-spend.png"), fullPage: true });
  });

  it("ran without a script error or a refused resource", () => {
    expect(pageErrors).toEqual([]);
  });

  it("keeps the session over a reload, and ends it when the key stops working", async () => {
    const admin = adminClient(running.url);
    const { key, info } = await admin.keys.generate.mutate({
      keyAlias: "console-admin",
      metadata: { role: "proxy_admin" },
    });
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("Master key or admin key").fill(key);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByText("console-admin", { exact: true }).waitFor();

    await page.reload();
    await page.getByText("console-admin", { exact: true }).waitFor();

    await admin.keys.block.mutate({ key: info.tokenId });
    await page.getByRole("link", { name: "Keys" }).click();
    await page.getByLabel("Master key or admin key").waitFor();
    const left = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).sessionStorage.length);
    expect(left).toBe(0);
  });
});
