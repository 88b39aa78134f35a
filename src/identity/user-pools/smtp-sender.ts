// A minimal SMTP client for user pool emails: smtp://[user:pass@]host[:port] (plain, port 25
// by default) or smtps://… (TLS from the start, port 465). EHLO, AUTH PLAIN when credentials
// are given, one MAIL/RCPT/DATA, QUIT. No STARTTLS, no pooling, no retries: enough for a relay
// or a transactional-mail service. Tested against an in-process SMTP stand-in only, not
// against a real mail server.
import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { NimbusError } from "../../core/errors.ts";
import type { EmailMessage, EmailSender } from "./email-sender.ts";

const TIMEOUT_MS = 10_000;

interface SmtpTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly user: string | undefined;
  readonly password: string | undefined;
}

function parseSmtpUrl(text: string): SmtpTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NimbusError(
      "BAD_REQUEST",
      "The SMTP URL is not a URL; expected smtp://user:pass@host:port or smtps://…",
    );
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    throw new NimbusError(
      "BAD_REQUEST",
      `The SMTP URL must start with smtp:// or smtps://, not ${url.protocol}//`,
    );
  }
  const tls = url.protocol === "smtps:";
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : tls ? 465 : 25,
    tls,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

/** Reads complete replies ("250-…" lines then "250 …") off the socket, one at a time. */
class ReplyReader {
  #buffer = "";
  #lines: string[] = [];
  #waiting: ((reply: { code: number; text: string }) => void) | undefined;
  #failed: Error | undefined;
  #fail: ((error: Error) => void) | undefined;

  constructor(socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.#push(chunk));
    socket.on("error", (error) => this.#abort(error));
    socket.on("close", () => this.#abort(new Error("the SMTP server closed the connection")));
  }

  next(): Promise<{ code: number; text: string }> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#fail = reject;
      this.#deliver();
    });
  }

  #push(chunk: string): void {
    this.#buffer += chunk;
    let end = this.#buffer.indexOf("\r\n");
    while (end !== -1) {
      this.#lines.push(this.#buffer.slice(0, end));
      this.#buffer = this.#buffer.slice(end + 2);
      end = this.#buffer.indexOf("\r\n");
    }
    this.#deliver();
  }

  #deliver(): void {
    const last = this.#lines.findIndex((line) => /^\d{3}(?: |$)/.test(line));
    if (last === -1 || !this.#waiting) return;
    const lines = this.#lines.splice(0, last + 1);
    const resolve = this.#waiting;
    this.#waiting = undefined;
    resolve({ code: Number(lines.at(-1)?.slice(0, 3)), text: lines.map((line) => line.slice(4)).join("\n") });
  }

  #abort(error: Error): void {
    this.#failed ??= error;
    this.#fail?.(error);
    this.#waiting = undefined;
  }
}

function dotStuffed(text: string): string {
  return text.replace(/\r?\n/g, "\r\n").replace(/^\./gm, "..");
}

function headerSafe(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}

export class SmtpEmailSender implements EmailSender {
  readonly #target: SmtpTarget;
  readonly #from: string;

  constructor(url: string, from: string) {
    this.#target = parseSmtpUrl(url);
    this.#from = headerSafe(from);
  }

  async send(message: EmailMessage): Promise<void> {
    const { host, port, tls } = this.#target;
    const socket = tls ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
    socket.setTimeout(TIMEOUT_MS, () =>
      socket.destroy(new Error(`no answer from ${host}:${port} in ${TIMEOUT_MS} ms`)),
    );
    const replies = new ReplyReader(socket);
    const expect = async (codes: number[], command?: string) => {
      if (command !== undefined) socket.write(`${command}\r\n`);
      const reply = await replies.next();
      if (!codes.includes(reply.code)) {
        const what = command?.startsWith("AUTH") ? "AUTH" : (command ?? "greeting");
        throw new Error(`the SMTP server answered ${reply.code} to ${what}: ${reply.text}`);
      }
    };
    try {
      await expect([220]);
      await expect([250], "EHLO nimbus");
      if (this.#target.user !== undefined) {
        const plain = Buffer.from(`\0${this.#target.user}\0${this.#target.password ?? ""}`).toString(
          "base64",
        );
        await expect([235], `AUTH PLAIN ${plain}`);
      }
      await expect([250], `MAIL FROM:<${this.#from}>`);
      await expect([250, 251], `RCPT TO:<${headerSafe(message.to)}>`);
      await expect([354], "DATA");
      const headers = [
        `From: ${this.#from}`,
        `To: ${headerSafe(message.to)}`,
        `Subject: ${headerSafe(message.subject)}`,
        `Date: ${new Date().toUTCString()}`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
      ];
      await expect([250], `${headers.join("\r\n")}\r\n\r\n${dotStuffed(message.text)}\r\n.`);
      socket.write("QUIT\r\n");
    } catch (error) {
      throw new NimbusError("PLATFORM_UNAVAILABLE", `Could not send the email: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      socket.end();
    }
  }
}
