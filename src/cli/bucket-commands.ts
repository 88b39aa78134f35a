// nimbus buckets …, registered on the main program; the module loads only when a command runs.
import { type Command, InvalidArgumentError } from "commander";

type RemoteOptionsOf = (command: Command) => Command;

const buckets = () => import("./commands/buckets.ts");

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError("expected a whole number of seconds ≥ 1");
  return parsed;
}

export function registerBucketCommands(program: Command, remoteOptions: RemoteOptionsOf): void {
  const command = program
    .command("buckets")
    .description("an app's buckets and their objects (nimbus://<bucket>/<key>)");
  remoteOptions(
    command.command("ls [where]").description("list the buckets, or the keys under <bucket>[/<prefix>]"),
  )
    .option("-r, --recursive", "every key under the prefix, not grouped by '/'")
    .action(async (where: string | undefined, options) => (await buckets()).listBuckets(where, options));
  remoteOptions(
    command
      .command("cp <from> <to>")
      .description("upload a file, download an object, or copy between objects"),
  )
    .option("--content-type <type>", "the uploaded object's content type")
    .action(async (from: string, to: string, options) => (await buckets()).copyObject(from, to, options));
  remoteOptions(command.command("rm <object>").description("delete nimbus://<bucket>/<key>")).action(
    async (where: string, options) => (await buckets()).removeObject(where, options),
  );
  remoteOptions(
    command.command("presign <object>").description("print a URL that reads (or --put writes) the object"),
  )
    .option("--put", "a URL for uploading instead of reading")
    .option("--expires <seconds>", "how long the URL works (default 3600, at most 7 days)", seconds)
    .action(async (where: string, options) => (await buckets()).presignObject(where, options));
}
