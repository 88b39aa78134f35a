export { Recorder, type RecorderOptions } from "./recorder.ts";
