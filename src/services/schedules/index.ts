// Schedules: cron and rate expressions, fired once per time by the lease holder (see ARCHITECTURE.md).
export { createScheduleFirer, SCHEDULE_EVENT_TYPE } from "./schedule-fire.ts";
export { registerScheduleRoutes } from "./schedule-routes.ts";
export {
  dueFires,
  SCHEDULER_TICK_MS,
  SCHEDULES_LEASE,
  Scheduler,
  type SchedulerOptions,
} from "./scheduler.ts";
