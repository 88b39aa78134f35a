// The SMTP client against an in-process stand-in that speaks the protocol's happy path (and
// refuses a wrong password). Not a real mail server: see smtp-sender.ts.
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { codeEmail } from "./email-sender.ts";
import { SmtpEmailSender } from "./smtp-sender.ts";

interface Received {
  commands: string[];
  data: string;
}

function standIn(received: Received[]): Server {
  return createServer((socket: Socket) => {
    const session: Received = { commands: [], data: "" };
    received.push(session);
    let inData = false;
    let buffer = "";
    socket.write("220 stand-in ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (let end = buffer.indexOf("\r\n"); end !== -1; end = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            socket.write("250 queued\r\n");
          } else session.data += `${line}\n`;
          continue;
        }
        session.commands.push(line);
        if (line.startsWith("EHLO")) socket.write("250-stand-in\r\n250 AUTH PLAIN\r\n");
        else if (line.startsWith("AUTH PLAIN")) {
          const [, user, password] = Buffer.from(line.slice(11), "base64").toString().split("\0");
          socket.write(user === "mailer" && password === "p@ss" ? "235 ok\r\n" : "535 bad credentials\r\n");
        } else if (line === "DATA") {
          inData = true;
          socket.write("354 go on\r\n");
        } else if (line === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
      }
    });
  });
}

describe("the SMTP sender", () => {
  const received: Received[] = [];
  const server = standIn(received);
  let port = 0;

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("authenticates and hands over one message, dot-stuffed", async () => {
    const sender = new SmtpEmailSender(`smtp://mailer:p%40ss@127.0.0.1:${port}`, "shop@example.com");
    const message = {
      ...codeEmail("shop", "ada@example.com", "verify-email", "123456"),
      text: "line\n.starts with a dot",
    };
    await sender.send(message);
    const session = received.at(-1) as Received;
    assert.deepEqual(session.commands.slice(0, 5), [
      "EHLO nimbus",
      `AUTH PLAIN ${Buffer.from("\0mailer\0p@ss").toString("base64")}`,
      "MAIL FROM:<shop@example.com>",
      "RCPT TO:<ada@example.com>",
      "DATA",
    ]);
    assert.match(session.data, /^Subject: Your shop verification code$/m);
    assert.match(session.data, /^\.\.starts with a dot$/m);
  });

  it("fails with a clear error when the server refuses, without the password in it", async () => {
    const sender = new SmtpEmailSender(`smtp://mailer:wrong-secret@127.0.0.1:${port}`, "shop@example.com");
    await assert.rejects(
      sender.send(codeEmail("shop", "ada@example.com", "verify-email", "1")),
      (error: Error) => {
        assert.match(error.message, /answered 535 to AUTH/);
        assert.ok(!error.message.includes("wrong-secret"));
        return true;
      },
    );
  });
});
