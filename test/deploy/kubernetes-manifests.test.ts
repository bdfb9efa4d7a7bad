import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseConfig } from "../../src/config/load-config.js";
import { providerNames } from "../../src/providers/registry.js";

/**
 * The Kubernetes manifests under deploy/kubernetes, checked against the Kubernetes API schemas
 * (kubernetes-models) and against what the gateway actually does: no cluster runs here, so this is
 * what stands between a typo and a failed rollout.
 */
const directory = "deploy/kubernetes";

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  // biome-ignore lint/suspicious/noExplicitAny: a manifest is whatever YAML says until validated
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

async function manifests(): Promise<Manifest[]> {
  const kustomization = parseAllDocuments(
    await readFile(join(directory, "kustomization.yaml"), "utf8"),
  )[0]?.toJS();
  const listed: string[] = kustomization.resources;
  expect([...listed].sort()).toEqual(
    (await readdir(directory))
      .filter((name) => name.endsWith(".yaml") && name !== "kustomization.yaml")
      .sort(),
  );
  const all: Manifest[] = [];
  for (const file of listed) {
    for (const document of parseAllDocuments(await readFile(join(directory, file), "utf8"))) {
      expect(document.errors, file).toEqual([]);
      all.push(document.toJS() as Manifest);
    }
  }
  return all;
}

/** The kubernetes-models class for each apiVersion and kind the manifests use. */
// biome-ignore lint/suspicious/noExplicitAny: each model takes its own kind's shape; the manifests are checked at run time
const models: Record<string, new (data: any) => { validate(): void }> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

function modelFor(apiVersion: string, kind: string) {
  const model = models[`${apiVersion}/${kind}`];
  if (!model) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return model;
}

function byKind(all: Manifest[], kind: string): Manifest {
  const found = all.find((manifest) => manifest.kind === kind);
  if (!found) throw new Error(`no ${kind}`);
  return found;
}

describe("Kubernetes manifests", () => {
  it("are valid against the Kubernetes API schemas", async () => {
    const all = await manifests();
    expect(all.map((manifest) => manifest.kind).sort()).toEqual(
      [
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Secret",
        "Service",
      ].sort(),
    );
    for (const manifest of all) {
      const Model = modelFor(manifest.apiVersion, manifest.kind);
      expect(
        () => new Model(manifest).validate(),
        `${manifest.kind} ${manifest.metadata.name}`,
      ).not.toThrow();
    }
  });

  it("a schema violation is caught (the check can fail)", async () => {
    const Model = modelFor("apps/v1", "Deployment");
    const broken = byKind(await manifests(), "Deployment");
    broken.spec.template.spec.containers[0].ports[0].containerPort = "4000";
    expect(() => new Model(broken).validate()).toThrow(/containerPort/);
  });

  it("probe the gateway's health routes and give it time to drain", async () => {
    const all = await manifests();
    const deployment = byKind(all, "Deployment");
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe("/health/readiness");
    expect(container.livenessProbe.httpGet.path).toBe("/health/liveliness");
    expect(container.ports[0].containerPort).toBe(4000);
    const graceMs = Number(
      container.env.find((variable: { name: string }) => variable.name === "SWITCHYARD_SHUTDOWN_GRACE_MS")
        .value,
    );
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    // The kubelet's SIGKILL must come after the preStop pause and the gateway's own drain.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + graceMs / 1000);
    // The pods the Service, the PDB and the HPA point at are the Deployment's.
    const labels = deployment.spec.template.metadata.labels;
    expect(labels).toMatchObject(byKind(all, "Service").spec.selector);
    expect(labels).toMatchObject(byKind(all, "PodDisruptionBudget").spec.selector.matchLabels);
    expect(byKind(all, "HorizontalPodAutoscaler").spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    // Config and secrets are mounted from the objects defined here.
    const configMap = byKind(all, "ConfigMap");
    expect(pod.volumes.find((volume: { name: string }) => volume.name === "config").configMap.name).toBe(
      configMap.metadata.name,
    );
    expect(container.envFrom[0].secretRef.name).toBe(byKind(all, "Secret").metadata.name);
  });

  it("ship a config the gateway accepts, with every secret it names provided by the Secret", async () => {
    const all = await manifests();
    const text = byKind(all, "ConfigMap").data?.["config.yaml"] ?? "";
    const secret = byKind(all, "Secret").stringData ?? {};
    const config = parseConfig(text, { source: "configmap", env: secret, knownProviders: providerNames });
    expect(config.modelList.length).toBeGreaterThan(0);
    for (const name of text.matchAll(/os\.environ\/(\w+)/g)) expect(Object.keys(secret)).toContain(name[1]);
    for (const name of ["LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "DATABASE_URL", "REDIS_URL"]) {
      expect(Object.keys(secret)).toContain(name);
    }
  });
});
