// What one fire of a schedule delivers: a CloudEvent (type "nimbus.schedule.fired", the
// schedule's input as data, its id naming the schedule and the fire time), to a function as an
// async invocation (Lambda-style handlers get EventBridge's "Scheduled Event" shape) or to a topic.
import { newCloudEvent, toEventBridge } from "../../core/cloudevents/index.ts";
import type { ScheduleConfig } from "../../core/manifest/schedules.ts";
import type { AsyncInvocations } from "../async/index.ts";
import type { TopicService } from "../topics/index.ts";

export const SCHEDULE_EVENT_TYPE = "nimbus.schedule.fired";

export function createScheduleFirer(deps: { asyncInvocations: AsyncInvocations; topics: TopicService }) {
  return async (app: string, schedule: ScheduleConfig, fireAt: number): Promise<void> => {
    const time = new Date(fireAt).toISOString();
    // The id is the same for every node that fires this time: the deduplication key.
    const event = newCloudEvent({
      id: `${schedule.name}@${time}`,
      source: `/apps/${app}/schedules/${schedule.name}`,
      type: SCHEDULE_EVENT_TYPE,
      time,
      subject: schedule.name,
      datacontenttype: "application/json",
      data: schedule.input,
    });
    const target = schedule.target;
    if ("topic" in target) {
      await deps.topics.publish(app, target.topic, event);
      return;
    }
    await deps.asyncInvocations.enqueueAsyncInvocation({
      app,
      functionName: target.function,
      payload: Buffer.from(JSON.stringify({ ...toEventBridge(event), "detail-type": "Scheduled Event" })),
      cloudEvent: JSON.stringify(event),
      idempotencyKey: `schedule/${schedule.name}/${time}`,
      qualifier: target.qualifier,
    });
  };
}
