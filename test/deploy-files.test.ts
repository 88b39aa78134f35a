// The deployment files in deploy/ cannot run here (no Docker, systemd or Kubernetes), so
// this checks what can go wrong on paper: they parse, the Kubernetes objects refer to each
// other correctly (selectors, ports, the Secret and its keys, the volume claim), the probes
// hit the platform's health paths, and every `nimbus up` flag they use exists.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { HEALTH_PATH, READY_PATH } from "../src/core/reserved-paths.ts";
import { runCli } from "./cli-helpers.ts";
import { REPO } from "./helpers.ts";

const DEPLOY = join(REPO, "deploy");
// A loose shape: the test checks fields one by one, failing with a clear message when one is missing.
type Manifest = { kind: string; apiVersion: string; metadata: { name: string } } & Record<string, unknown>;

let upFlags: Set<string>;
before(async () => {
  const help = await runCli(["up", "--help"]);
  assert.equal(help.code, 0, help.stderr);
  upFlags = new Set(help.stdout.match(/--[a-z][a-z-]*/g) ?? []);
});

/** The `--flag` words of a `nimbus up` command line, each checked against `nimbus up --help`. */
function assertUpFlags(words: readonly string[], where: string): void {
  assert.ok(words.includes("up"), `${where} runs nimbus up`);
  for (const word of words.filter((w) => w.startsWith("--"))) {
    assert.ok(upFlags.has(word), `${where}: nimbus up has no ${word} option`);
  }
}

function flagValue(words: readonly string[], flag: string): string | undefined {
  const index = words.indexOf(flag);
  return index === -1 ? undefined : words[index + 1];
}

function get(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".")) {
    assert.ok(current !== null && typeof current === "object", `missing ${path} (at ${key})`);
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

describe("deploy/kubernetes", () => {
  const manifests: Manifest[] = readdirSync(join(DEPLOY, "kubernetes"))
    .filter((file) => file.endsWith(".yaml"))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(DEPLOY, "kubernetes", file), "utf8")).map((document) => {
        assert.deepEqual(document.errors, [], `${file} parses`);
        return document.toJS() as Manifest;
      }),
    );
  const byKind = (kind: string): Manifest => {
    const found = manifests.filter((manifest) => manifest.kind === kind);
    assert.equal(found.length, 1, `one ${kind}`);
    return found[0] as Manifest;
  };

  it("has the objects of a cluster, each with its API version", () => {
    const kinds = Object.fromEntries(manifests.map((manifest) => [manifest.kind, manifest.apiVersion]));
    assert.deepEqual(kinds, {
      Deployment: "apps/v1",
      Service: "v1",
      HorizontalPodAutoscaler: "autoscaling/v2",
      PodDisruptionBudget: "policy/v1",
      Secret: "v1",
      PersistentVolumeClaim: "v1",
    });
  });

  it("probes /healthz and /readyz on the port the container listens on", () => {
    const deployment = byKind("Deployment");
    const [container] = get(deployment, "spec.template.spec.containers") as Record<string, unknown>[];
    const args = get(container, "args") as string[];
    assertUpFlags(args, "the Deployment");
    assert.equal(flagValue(args, "--host"), "0.0.0.0", "listens beyond the pod's loopback");
    const [port] = get(container, "ports") as { name: string; containerPort: number }[];
    assert.equal(String(port?.containerPort), flagValue(args, "--port"));
    assert.equal(get(container, "readinessProbe.httpGet.path"), READY_PATH);
    assert.equal(get(container, "livenessProbe.httpGet.path"), HEALTH_PATH);
    assert.equal(get(container, "readinessProbe.httpGet.port"), port?.name);
    assert.equal(get(container, "livenessProbe.httpGet.port"), port?.name);
  });

  it("reads the PostgreSQL URL and the shared keys from the Secret, by names the Secret has", () => {
    const secret = byKind("Secret");
    const keys = Object.keys(get(secret, "stringData") as object);
    const [container] = get(byKind("Deployment"), "spec.template.spec.containers") as Record<
      string,
      unknown
    >[];
    const env = get(container, "env") as {
      name: string;
      valueFrom?: { secretKeyRef?: { name: string; key: string } };
    }[];
    const fromSecret = env.filter((variable) => variable.valueFrom?.secretKeyRef);
    assert.deepEqual(fromSecret.map((variable) => variable.name).sort(), [
      "NIMBUS_ADMIN_KEY",
      "NIMBUS_MASTER_KEY",
      "NIMBUS_STORE_URL",
    ]);
    for (const variable of fromSecret) {
      const ref = variable.valueFrom?.secretKeyRef as { name: string; key: string };
      assert.equal(ref.name, secret.metadata.name, `${variable.name} names the Secret`);
      assert.ok(keys.includes(ref.key), `the Secret has ${ref.key}`);
    }
    assert.match(String(get(secret, "stringData.store-url")), /^postgres:\/\//);
  });

  it("wires the Service, autoscaler, disruption budget and bundle volume to the Deployment", () => {
    const deployment = byKind("Deployment");
    const labels = get(deployment, "spec.template.metadata.labels");
    assert.deepEqual(get(deployment, "spec.selector.matchLabels"), labels);
    assert.deepEqual(get(byKind("Service"), "spec.selector"), labels);
    assert.deepEqual(get(byKind("PodDisruptionBudget"), "spec.selector.matchLabels"), labels);
    const [container] = get(deployment, "spec.template.spec.containers") as Record<string, unknown>[];
    const [port] = get(container, "ports") as { name: string }[];
    const [servicePort] = get(byKind("Service"), "spec.ports") as { targetPort: string }[];
    assert.equal(servicePort?.targetPort, port?.name);
    const hpa = byKind("HorizontalPodAutoscaler");
    assert.equal(get(hpa, "spec.scaleTargetRef.kind"), "Deployment");
    assert.equal(get(hpa, "spec.scaleTargetRef.name"), deployment.metadata.name);
    const volumes = get(deployment, "spec.template.spec.volumes") as {
      persistentVolumeClaim?: { claimName: string };
    }[];
    const claims = volumes.flatMap((volume) => volume.persistentVolumeClaim?.claimName ?? []);
    assert.deepEqual(claims, [byKind("PersistentVolumeClaim").metadata.name]);
    assert.deepEqual(get(byKind("PersistentVolumeClaim"), "spec.accessModes"), ["ReadWriteMany"]);
  });

  it("gives a pod time to drain before Kubernetes kills it", () => {
    const spec = get(byKind("Deployment"), "spec.template.spec");
    const [container] = get(spec, "containers") as Record<string, unknown>[];
    const drainMs = Number(flagValue(get(container, "args") as string[], "--drain-timeout-ms"));
    const preStop = get(container, "lifecycle.preStop.exec.command") as string[];
    const graceMs = Number(get(spec, "terminationGracePeriodSeconds")) * 1000;
    assert.ok(graceMs > drainMs + Number(preStop[1]) * 1000, "grace period > preStop + drain");
  });
});

describe("deploy/Dockerfile", () => {
  const lines = readFileSync(join(DEPLOY, "Dockerfile"), "utf8")
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"));
  const instruction = (name: string) => lines.filter((line) => line.startsWith(`${name} `));
  const execForm = (name: string) =>
    JSON.parse((instruction(name)[0] as string).slice(name.length + 1)) as string[];

  it("builds on Node 24 from files that exist, and runs nimbus up as a non-root user", () => {
    assert.match(instruction("FROM")[0] as string, /^FROM node:24[-.\w]*$/);
    for (const copy of instruction("COPY")) {
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const source of sources)
        assert.ok(existsSync(join(REPO, source)), `${source} exists in the repository`);
    }
    assert.deepEqual(instruction("USER"), ["USER node"]);
    assert.deepEqual(execForm("ENTRYPOINT"), ["node", "bin/nimbus.js"]);
    const command = execForm("CMD");
    assertUpFlags(command, "the Dockerfile");
    assert.deepEqual(instruction("EXPOSE"), [`EXPOSE ${flagValue(command, "--port")}`]);
    assert.equal(flagValue(command, "--host"), "0.0.0.0");
    assert.ok(instruction("HEALTHCHECK")[0]?.includes(`:${flagValue(command, "--port")}${HEALTH_PATH}`));
  });
});

describe("deploy/systemd/nimbus.service", () => {
  const sections = new Map<string, Map<string, string[]>>();
  let section = "";
  for (const raw of readFileSync(join(DEPLOY, "systemd", "nimbus.service"), "utf8").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      sections.set(section, new Map());
      continue;
    }
    const [key, ...value] = line.split("=");
    assert.ok(key && value.length > 0 && section, `"${line}" is key=value inside a section`);
    const values = sections.get(section) as Map<string, string[]>;
    values.set(key, [...(values.get(key) ?? []), value.join("=")]);
  }
  const setting = (where: string, key: string) => sections.get(where)?.get(key)?.at(-1);

  it("is a unit with the three sections, started at boot", () => {
    assert.deepEqual([...sections.keys()], ["Unit", "Service", "Install"]);
    assert.equal(setting("Install", "WantedBy"), "multi-user.target");
  });

  it("runs nimbus up in its state directory and lets it drain on stop", () => {
    const command = (setting("Service", "ExecStart") as string).split(/\s+/);
    assert.match(command[0] as string, /\/node$/);
    assert.ok(command[1]?.endsWith("bin/nimbus.js"));
    assertUpFlags(command, "ExecStart");
    assert.equal(flagValue(command, "--data-dir"), `/var/lib/${setting("Service", "StateDirectory")}`);
    // Only the server gets SIGTERM (the default would kill the function instances first).
    assert.equal(setting("Service", "KillMode"), "mixed");
    assert.equal(setting("Service", "KillSignal"), "SIGTERM");
    const drainMs = Number(flagValue(command, "--drain-timeout-ms"));
    assert.ok(Number(setting("Service", "TimeoutStopSec")) * 1000 > drainMs, "TimeoutStopSec > drain");
  });
});
