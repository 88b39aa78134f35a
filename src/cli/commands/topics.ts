// nimbus topics ls|publish and nimbus schedules ls: an app's topics and schedules through the HTTP API.
import type { TopicConfig } from "../../core/manifest/topics.ts";
import type { PublishResult } from "../../services/topics/index.ts";
import { AdminClient } from "../admin-client.ts";
import { CliError, printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import type { RemoteOptions } from "./remote.ts";

export async function listTopics(options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const { topics } = await client.request<{ topics: TopicConfig[] }>(
    "GET",
    `/apps/${encodeURIComponent(app)}/topics`,
  );
  if (options.json) return printJson(topics);
  if (topics.length === 0) console.log(`App ${app} declares no topics.`);
  for (const topic of topics) {
    const targets = topic.subscriptions.map((s) => {
      const target =
        "queue" in s.target
          ? `queue ${s.target.queue}`
          : "function" in s.target
            ? `function ${s.target.function}`
            : `webhook ${s.target.webhook}`;
      return s.filter ? `${target} (filtered)` : target;
    });
    console.log(`${topic.name}  → ${targets.length > 0 ? targets.join(", ") : "no subscriptions"}`);
  }
}

export interface PublishOptions extends RemoteOptions {
  type: string;
  source?: string;
  subject?: string;
  data?: string;
  id?: string;
}

export async function publishEvent(topic: string, options: PublishOptions): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  let data: unknown;
  if (options.data !== undefined) {
    try {
      data = JSON.parse(options.data);
    } catch {
      throw new CliError(
        "BAD_REQUEST",
        "--data is not JSON",
        `Quote it for the shell: --data '{"total":42}'`,
      );
    }
  }
  const event = {
    specversion: "1.0",
    id: options.id ?? crypto.randomUUID(),
    source: options.source ?? "/cli",
    type: options.type,
    time: new Date().toISOString(),
    ...(options.subject ? { subject: options.subject } : {}),
    ...(data === undefined ? {} : { datacontenttype: "application/json", data }),
  };
  const result = await client.request<PublishResult>(
    "POST",
    `/apps/${encodeURIComponent(app)}/topics/${encodeURIComponent(topic)}/events`,
    undefined,
    Buffer.from(JSON.stringify(event)),
    "application/cloudevents+json",
  );
  if (options.json) return printJson(result);
  const to = result.deliveries.length > 0 ? result.deliveries.join(", ") : "no matching subscription";
  console.log(`Published ${result.eventId} to ${topic} → ${to}`);
}

interface ScheduleView {
  name: string;
  expression: { kind: "rate"; everyMs: number } | { kind: "cron"; pattern: string; timezone: string };
  target: { function: string } | { topic: string };
  missedFires: string;
  lastFireAt?: number;
  nextFireAt?: number;
}

export async function listSchedules(options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const { schedules } = await client.request<{ schedules: ScheduleView[] }>(
    "GET",
    `/apps/${encodeURIComponent(app)}/schedules`,
  );
  if (options.json) return printJson(schedules);
  if (schedules.length === 0) console.log(`App ${app} declares no schedules.`);
  const time = (ms: number | undefined) => (ms === undefined ? "-" : new Date(ms).toISOString());
  for (const schedule of schedules) {
    const expression =
      schedule.expression.kind === "rate"
        ? `rate ${schedule.expression.everyMs}ms`
        : `cron(${schedule.expression.pattern}) ${schedule.expression.timezone}`;
    const target =
      "function" in schedule.target
        ? `function ${schedule.target.function}`
        : `topic ${schedule.target.topic}`;
    console.log(
      `${schedule.name}  ${expression}  → ${target}  last=${time(schedule.lastFireAt)}  next=${time(schedule.nextFireAt)}  missed=${schedule.missedFires}`,
    );
  }
}

export async function replayTopic(
  topic: string,
  options: RemoteOptions & { from: string; to?: string; subscription: number },
): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const result = await client.request<{ replayId: string; replayed: number }>(
    "POST",
    `/apps/${encodeURIComponent(app)}/topics/${encodeURIComponent(topic)}/replay`,
    { from: options.from, to: options.to ?? new Date().toISOString(), subscription: options.subscription },
  );
  if (options.json) return printJson(result);
  console.log(`Replayed ${result.replayed} event(s) of ${topic} to subscription ${options.subscription}.`);
}
