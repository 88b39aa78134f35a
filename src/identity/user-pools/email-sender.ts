// Where verification and password-reset emails go. Pluggable: the default prints them to the
// server's output (for development: the codes are visible there), SMTP when configured
// (smtp-sender.ts), and an observer for tests and embedding.
import { SmtpEmailSender } from "./smtp-sender.ts";

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** What the email is for, and its code, for observers (tests read the code from here). */
  readonly purpose: "verify-email" | "reset-password";
  readonly app: string;
  readonly code: string;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<void>;
}

/** Prints each email as one line to stdout. For development only: it shows the codes. */
export class LogEmailSender implements EmailSender {
  async send(message: EmailMessage): Promise<void> {
    console.log(`nimbus: email to ${message.to}: ${message.subject} — ${message.text.replaceAll("\n", " ")}`);
  }
}

/** Sends through `inner`, and tells `observe` about every email (after it was handed over). */
export function observedSender(
  inner: EmailSender,
  observe: ((message: EmailMessage) => void) | undefined,
): EmailSender {
  if (observe === undefined) return inner;
  return {
    async send(message) {
      await inner.send(message);
      observe(message);
    },
  };
}

export function codeEmail(
  app: string,
  to: string,
  purpose: EmailMessage["purpose"],
  code: string,
): EmailMessage {
  const subject =
    purpose === "verify-email" ? `Your ${app} verification code` : `Your ${app} password reset code`;
  const what = purpose === "verify-email" ? "confirm your sign-up" : "choose a new password";
  return { to, subject, text: `Your code is ${code}. Use it to ${what}.`, purpose, app, code };
}

/** The sender the platform's options ask for: SMTP when a URL is given, else the log. */
export function emailSenderFor(
  config: { smtpUrl: string | undefined; from: string },
  observe: ((message: EmailMessage) => void) | undefined,
): EmailSender {
  const inner = config.smtpUrl ? new SmtpEmailSender(config.smtpUrl, config.from) : new LogEmailSender();
  return observedSender(inner, observe);
}
